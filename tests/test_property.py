"""Property-based tests: whatever the text, extraction never raises and every record points
at its exact place; whatever the bytes, reading gives text or a one-line SourceError; the
filters mean the same on the extraction path and in the store."""
from __future__ import annotations

import datetime as dt
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotex.records import KINDS, Quote, Speaker

# QUOTEX_PROPERTY_EXAMPLES=2000 for a longer hunt (60 keep the suite at a few seconds)
EXAMPLES = int(os.environ.get("QUOTEX_PROPERTY_EXAMPLES", "60"))

BRACKETS = list("「」『』“”｢｣〝〟") + ["「", "」"] * 3
PIECES = ["林官房長官は", "プーチン大統領は", "同氏は", "彼は", "専門家は", "北朝鮮の", "関係を深める",
          "注視している", "重要だ", "2024年6月18日", "18日", "記者会見で", "ロシアの国家元首は",
          "、", "は", "が", "を", "に", "の", "で", "ＡＢＣ", "abc", " ", "\u3000", "・"]
CUES = ["と述べた", "と語った", "と強調した", "と話した", "と明らかにした", "としている", "という",
        "氏は", "によると", "と述べ、", "とした上で", "と指摘した"]
ENDS = ["。", "。\n", "\n", "\r\n", "\n\n", "！", "？"]

fragment = st.one_of(
    st.sampled_from(BRACKETS), st.sampled_from(PIECES), st.sampled_from(CUES), st.sampled_from(ENDS),
    st.text(max_size=8),
)
texts = st.lists(fragment, max_size=40).map("".join)


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(text=texts, dated=st.booleans())
def test_extract_never_raises_and_offsets_are_exact(extract, text, dated):
    recs = extract(text, dt.date(2024, 6, 18) if dated else None)
    for q in recs:
        assert 0 <= q.start < q.end <= len(text), q
        assert text[q.start:q.end] == q.quote, q
        assert q.kind in KINDS
        assert 0.0 <= q.confidence <= 1.0
        assert q.doc == "t.txt"
        assert q.sentence == "" or q.sentence in text
    assert [(q.start, q.end) for q in recs] == sorted((q.start, q.end) for q in recs) or len(recs) < 2


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(
    st.binary(max_size=400),
    st.text(max_size=200).flatmap(lambda t: st.sampled_from(
        ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp932", "euc_jp", "iso2022_jp"]).map(
        lambda enc: t.encode(enc, errors="ignore"))),
), name=st.sampled_from(["a.txt", "a.html", "a.md"]))
def test_reading_any_bytes_gives_text_or_a_one_line_error(tmp_path_factory, data, name):
    from quotex.sources import SourceError, read_document

    f = tmp_path_factory.mktemp("bytes") / name
    f.write_bytes(data)
    try:
        doc = read_document(str(f))
    except SourceError as e:
        msg = str(e)
        assert msg.startswith(f"{f}: ") and "\n" not in msg and len(msg) > len(str(f)) + 2
        return
    assert isinstance(doc.text, str) and "\ufeff" not in doc.text[:1]


# -- filters: RecordFilter.match (extraction path) == Store.query (store path) -------------

NAMES = [None, "林芳正", "ウラジーミル・プーチン", "山田太郎"]
DOCS = ["a/x.txt", "a/y.txt", "b/x.txt", "b/c/z.md", "-"]
DATES = [None, dt.date(2023, 9, 13), dt.date(2024, 6, 17), dt.date(2024, 6, 18), dt.date(2024, 12, 31)]
WORDS = ["関係", "段階", "注視", "abc", "ABC"]

record = st.builds(
    lambda doc, start, length, words, kind, name, conf: Quote(
        doc, start, start + length, "".join(words) or "x", kind, Speaker(name, name), "述べる", "", conf, "rule"),
    st.sampled_from(DOCS), st.integers(0, 500), st.integers(1, 50), st.lists(st.sampled_from(WORDS), max_size=3),
    st.sampled_from(KINDS), st.sampled_from(NAMES), st.floats(0, 1, allow_nan=False).map(lambda x: round(x, 3)),
)
flt = st.fixed_dictionaries({
    "speakers": st.none() | st.lists(st.sampled_from(NAMES[1:]), max_size=2).map(tuple),
    "kinds": st.none() | st.lists(st.sampled_from(KINDS), max_size=3).map(tuple),
    "contains": st.none() | st.sampled_from(WORDS),
    "doc_glob": st.none() | st.sampled_from(["a/*", "*x.txt", "b/*/*", "*", "?/x.txt", "b/c/z.md"]),
    "min_confidence": st.none() | st.floats(0, 1, allow_nan=False).map(lambda x: round(x, 3)),
    "since": st.none() | st.sampled_from(DATES[1:]),
    "until": st.none() | st.sampled_from(DATES[1:]),
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(recs=st.lists(record, max_size=25), dates=st.lists(st.sampled_from(DATES), min_size=len(DOCS),
                                                          max_size=len(DOCS)), f=flt)
def test_filters_mean_the_same_in_the_store_and_during_extraction(recs, dates, f):
    from quotex.run import RecordFilter
    from quotex.store import Store

    doc_date = dict(zip(DOCS, dates))
    rf = RecordFilter(**f)
    st_ = Store(":memory:")
    try:
        by_doc: dict[str, list[Quote]] = {}
        for q in recs:
            by_doc.setdefault(q.doc, []).append(q)
        for doc, qs in by_doc.items():
            st_.put_document(doc, "0" * 64, doc_date[doc], 100, "1", "m", qs)
        got = st_.query(**rf.query_args())
    finally:
        st_.close()
    want = [q for doc in sorted(by_doc) for q in by_doc[doc] if rf.match(q, doc_date[doc])]
    assert got == want
