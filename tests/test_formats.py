"""Tests for quotex.formats: every output format, built from hand-made records."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import fields

import orjson
import pytest
from rich.cells import cell_len
from rich.console import Console

from quotex.formats import (
    FORMATS,
    PALETTE,
    RECORD_CSV_COLUMNS,
    highlight_document,
    render_document,
    resolve_format,
    speaker_style,
    write_people,
    write_records,
)
from quotex.records import Quote, Speaker

DOC = (
    "林芳正官房長官は記者会見で「政府として万全を期す」と述べた。\n"
    "岸田文雄首相は「経済の再生が最優先だ」と強調した。"
    "関係者によると、交渉は難航しているという。\n"
    "トヨタ自動車は「生産を再開する|予定だ」と発表した。"
)


def _q(quote: str, name, mention, kind="direct", doc="news/2024/article-001.txt", **kw) -> Quote:
    start = DOC.index(quote)
    return Quote(
        doc=doc, start=start, end=start + len(quote), quote=quote, kind=kind,
        speaker=Speaker(name=name, mention=mention, kind=kw.pop("skind", "person"),
                        title=kw.pop("title", None), qid=kw.pop("qid", None)),
        cue=kw.pop("cue", "述べる"), sentence=kw.pop("sentence", quote),
        confidence=kw.pop("confidence", 0.9), evidence=kw.pop("evidence", "dependency-subject"),
    )


@pytest.fixture
def records() -> list[Quote]:
    return [
        _q("政府として万全を期す", "林芳正", "林芳正官房長官", title="官房長官", qid="Q1058421",
           sentence="林芳正官房長官は記者会見で「政府として万全を期す」と述べた。"),
        _q("経済の再生が最優先だ", "岸田文雄", "岸田文雄首相", title="首相", cue="強調する",
           confidence=0.875),
        _q("交渉は難航している", None, None, kind="indirect", skind=None, cue="という",
           confidence=0.3, evidence="none"),
        _q("生産を再開する|予定だ", "トヨタ自動車", "トヨタ自動車", skind="org", cue="発表する",
           sentence="トヨタ自動車は「生産を再開する|予定だ」と\n発表した。"),
    ]


def _dump(records, fmt, binary=True) -> bytes:
    out = io.BytesIO() if binary else io.StringIO()
    n = write_records(records, fmt, out)
    assert n == len(records)
    v = out.getvalue()
    return v if binary else v.encode("utf-8")


# --------------------------------------------------------------------------- resolve_format

def test_resolve_format():
    assert resolve_format("auto", True) == "table"
    assert resolve_format("auto", False) == "jsonl"
    for f in FORMATS[1:]:
        assert resolve_format(f, True) == f
        assert resolve_format(f, False) == f
    assert resolve_format("JSONL", True) == "jsonl"
    with pytest.raises(ValueError):
        resolve_format("xml", False)


def test_auto_on_non_tty_stream_is_jsonl(records):
    out = io.BytesIO()
    write_records(records, "auto", out)
    assert [orjson.loads(l) for l in out.getvalue().splitlines()] == [q.to_dict() for q in records]


# --------------------------------------------------------------------------- jsonl

@pytest.mark.parametrize("binary", [True, False])
def test_jsonl_round_trip_key_order_and_raw_utf8(records, binary):
    data = _dump(records, "jsonl", binary=binary)
    lines = data.split(b"\n")
    assert lines[-1] == b""  # every record ends with a newline
    lines = lines[:-1]
    assert len(lines) == len(records)
    quote_keys = [f.name for f in fields(Quote)]
    speaker_keys = [f.name for f in fields(Speaker)]
    for line, q in zip(lines, records):
        d = orjson.loads(line)
        assert list(d) == quote_keys
        assert list(d["speaker"]) == speaker_keys
        assert d == q.to_dict()
        assert Quote.from_dict(d) == q
    # Japanese is written as UTF-8, never as \u escapes
    assert b"\\u" not in data
    assert "政府として万全を期す".encode("utf-8") in data
    assert "林芳正".encode("utf-8") in data


def test_jsonl_streams_records_as_they_come(records):
    """Each record is on the stream before the next one is asked for."""
    out = io.BytesIO()
    seen: list[int] = []

    def gen():
        for i, q in enumerate(records):
            seen.append(out.getvalue().count(b"\n"))
            yield q

    write_records(gen(), "jsonl", out)
    assert seen == list(range(len(records)))


# --------------------------------------------------------------------------- json

@pytest.mark.parametrize("binary", [True, False])
def test_json_is_a_pretty_array(records, binary):
    data = _dump(records, "json", binary=binary)
    parsed = json.loads(data.decode("utf-8"))
    assert isinstance(parsed, list)
    assert parsed == [q.to_dict() for q in records]
    assert list(parsed[0]) == [f.name for f in fields(Quote)]
    # same bytes orjson would give for the whole list at indent 2
    expected = orjson.dumps([q.to_dict() for q in records], option=orjson.OPT_INDENT_2) + b"\n"
    assert data == expected
    assert b"\\u" not in data


def test_json_empty_is_empty_array():
    out = io.BytesIO()
    assert write_records([], "json", out) == 0
    assert json.loads(out.getvalue()) == []


# --------------------------------------------------------------------------- csv

@pytest.mark.parametrize("binary", [True, False])
def test_csv_parses_back(records, binary):
    data = _dump(records, "csv", binary=binary).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(data, newline="")))
    assert len(rows) == len(records)
    assert tuple(rows[0].keys()) == RECORD_CSV_COLUMNS
    for row, q in zip(rows, records):
        sp = q.speaker
        assert row["doc"] == q.doc
        assert int(row["start"]) == q.start and int(row["end"]) == q.end
        assert row["kind"] == q.kind
        assert row["speaker_name"] == (sp.name or "")
        assert row["speaker_mention"] == (sp.mention or "")
        assert row["speaker_kind"] == (sp.kind or "")
        assert row["speaker_title"] == (sp.title or "")
        assert row["cue"] == (q.cue or "")
        assert float(row["confidence"]) == q.confidence
        assert row["evidence"] == q.evidence
        assert row["quote"] == q.quote          # including the '|'
        assert row["sentence"] == q.sentence    # including the embedded newline


def test_csv_binary_stream_left_open(records):
    out = io.BytesIO()
    write_records(records, "csv", out)
    assert not out.closed
    out.write(b"")  # still usable


# --------------------------------------------------------------------------- md

def test_md_table_header_and_escaping(records):
    text = _dump(records, "md").decode("utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("| ") and "quote" in lines[0] and "speaker_name" in lines[0]
    assert set(lines[1]) <= set("|-")
    assert len(lines) == 2 + len(records)  # the newline in a cell did not split a row
    assert "生産を再開する\\|予定だ" in text
    assert "生産を再開する|予定だ" not in text
    n_cols = lines[0].count(" | ") + 1
    for line in lines[2:]:
        # unescaped pipes are exactly the column separators
        unescaped = line.replace("\\|", "")
        assert unescaped.count("|") == n_cols + 1


# --------------------------------------------------------------------------- table

def _console(width: int) -> Console:
    return Console(file=io.StringIO(), width=width, record=True, color_system=None,
                   legacy_windows=False)


def test_table_fits_width_80(records):
    long = Quote(doc="a/very/long/directory/name/for/the/news/article-with-a-long-name.txt",
                 start=12345, end=12400, quote="これは非常に長い引用で、" * 12, kind="direct",
                 speaker=Speaker(name="林芳正", mention="林官房長官"), confidence=0.5)
    console = _console(80)
    assert write_records(records + [long], "table", console=console) == len(records) + 1
    out = console.export_text()
    lines = out.splitlines()
    assert lines
    assert max(cell_len(l) for l in lines) <= 80
    assert "林芳正" in out and "岸田文雄" in out
    assert "林官房長官" in out  # mention shown beneath the name when it differs
    assert "…" in out  # the long quote was cut, not wrapped
    # the long quote's row is a single line (plus the mention line under the name)
    assert sum("これは非常に長い引用" in l for l in lines) == 1


@pytest.mark.parametrize("width", [30, 40, 60, 120, 200])
def test_table_other_widths(records, width):
    console = _console(width)
    write_records(records, "table", console=console)
    assert max(cell_len(l) for l in console.export_text().splitlines()) <= width


def test_table_empty():
    console = _console(80)
    assert write_records([], "table", console=console) == 0
    assert "no quotes" in console.export_text()


def test_table_to_stream_without_console(records):
    out = io.StringIO()
    write_records(records, "table", out)
    assert "林芳正" in out.getvalue()


# --------------------------------------------------------------------------- speaker_style

def test_speaker_style_deterministic_and_distinct():
    names = ["林芳正", "岸田文雄", "トヨタ自動車"]
    styles = [speaker_style(n) for n in names]
    assert styles == [speaker_style(n) for n in names]
    assert len(set(styles)) >= 2
    assert all(s in PALETTE for s in styles)
    assert speaker_style(None) == "dim"


def test_palette_styles_parse():
    from rich.style import Style

    for s in PALETTE:
        Style.parse(f"bold {s}")
    assert len(set(PALETTE)) == len(PALETTE) >= 10


def test_speaker_style_stable_across_processes():
    import subprocess
    import sys

    code = "from quotex.formats import speaker_style; print(speaker_style('林芳正'))"
    outs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={"PYTHONHASHSEED": seed, "PYTHONIOENCODING": "utf-8"},
                       check=True).stdout.strip()
        for seed in ("1", "2")
    }
    assert outs == {speaker_style("林芳正")}


# --------------------------------------------------------------------------- render_document

@pytest.mark.parametrize("color_system", [None, "truecolor"])
def test_render_document_has_quotes_and_markers(records, color_system):
    console = Console(file=io.StringIO(), record=True, width=100, color_system=color_system)
    render_document(DOC, records, console)
    out = console.export_text()
    for q in records:
        assert q.quote in out
        assert f"{q.quote} ⟨{q.speaker.name or '?'}⟩" in out
    assert "⟨?⟩" in out
    # legend with counts
    assert "speakers:" in out and "×1" in out
    if color_system:
        assert "\x1b[" in console.file.getvalue()


def test_highlight_offsets_exact(records):
    text, shown, skipped = highlight_document(DOC, records)
    assert not skipped and len(shown) == len(records)
    plain = text.plain
    for q in records:
        assert f"{q.quote} ⟨{q.speaker.name or '?'}⟩" in plain
    # removing the markers gives the original document back
    stripped = plain
    for q in records:
        stripped = stripped.replace(f" ⟨{q.speaker.name or '?'}⟩", "", 1)
    assert stripped == DOC
    # each quote's styled span covers exactly the quote text
    for q in records:
        colour = speaker_style(q.speaker.name)
        want = f"bold {colour}" if q.speaker.name else "bold underline"
        spans = [s for s in text.spans if str(s.style) == want and plain[s.start:s.end] == q.quote]
        assert spans, q.quote


def test_overlapping_and_nested_spans_do_not_crash():
    text = "甲は「乙が『丙だ』と言った」と述べた。終わり。"
    outer = text.index("乙が『丙だ』と言った")
    inner = text.index("丙だ")
    partial = text.index("と言った」と述べ")
    recs = [
        Quote(doc="d", start=outer, end=outer + len("乙が『丙だ』と言った"),
              quote="乙が『丙だ』と言った", kind="direct", speaker=Speaker(name="甲")),
        Quote(doc="d", start=inner, end=inner + 2, quote="丙だ", kind="direct",
              speaker=Speaker(name="乙")),
        # partly overlaps the outer quote
        Quote(doc="d", start=partial, end=partial + len("と言った」と述べ"),
              quote="と言った」と述べ", kind="partial", speaker=Speaker()),
        # same span as the inner one, different speaker
        Quote(doc="d", start=inner, end=inner + 2, quote="丙だ", kind="direct",
              speaker=Speaker(name="丁")),
        # out of range: skipped, reported
        Quote(doc="d", start=500, end=510, quote="x" * 10, kind="direct"),
    ]
    console = Console(file=io.StringIO(), record=True, width=100, color_system="truecolor")
    render_document(text, recs, console, title="d")
    out = console.export_text()
    assert "⟨甲⟩" in out and "⟨乙⟩" in out and "⟨丁⟩" in out and "⟨?⟩" in out
    assert "1 quote(s) not shown" in out
    rich_text, shown, skipped = highlight_document(text, recs)
    assert len(shown) == 4 and len(skipped) == 1
    plain = rich_text.plain
    for m in (" ⟨甲⟩", " ⟨乙⟩", " ⟨丁⟩", " ⟨?⟩"):
        plain = plain.replace(m, "", 1)
    assert plain == text


def test_render_document_no_quotes():
    console = Console(file=io.StringIO(), record=True, width=80, color_system=None)
    render_document("何もない文書。", [], console)
    out = console.export_text()
    assert "何もない文書。" in out and "no quotes" in out


def test_render_document_keeps_markup_like_text_literal():
    text = "[bold]A[/bold]は「[red]x[/red]」と言った。"
    s = text.index("[red]x[/red]")
    q = Quote(doc="d", start=s, end=s + len("[red]x[/red]"), quote="[red]x[/red]",
              kind="direct", speaker=Speaker(name="A"))
    console = Console(file=io.StringIO(), record=True, width=80, color_system=None)
    render_document(text, [q], console)
    assert "[bold]A[/bold]は「[red]x[/red] ⟨A⟩」" in console.export_text()


# --------------------------------------------------------------------------- people

PEOPLE = [
    {"name": "林芳正", "kind": "person", "qid": "Q1058421", "count": 3,
     "mentions": ["林芳正官房長官", "林氏"], "titles": ["官房長官"]},
    {"name": "トヨタ自動車", "kind": "org", "qid": None, "count": 1,
     "mentions": ["トヨタ|自動車"], "titles": []},
]


def test_people_jsonl_and_json():
    out = io.BytesIO()
    assert write_people(PEOPLE, "jsonl", out) == 2
    rows = [orjson.loads(l) for l in out.getvalue().splitlines()]
    assert rows == PEOPLE
    assert list(rows[0]) == ["name", "kind", "qid", "count", "mentions", "titles"]
    assert b"\\u" not in out.getvalue()
    out = io.StringIO()
    write_people(PEOPLE, "json", out)
    assert json.loads(out.getvalue()) == PEOPLE


def test_people_csv_and_md():
    out = io.StringIO()
    write_people(PEOPLE, "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0]["name"] == "林芳正" and rows[0]["count"] == "3"
    assert rows[0]["mentions"].split(";") == ["林芳正官房長官", "林氏"]
    assert rows[1]["qid"] == "" and rows[1]["titles"] == ""
    out = io.StringIO()
    write_people(PEOPLE, "md", out)
    md = out.getvalue()
    assert md.splitlines()[0] == "| name | kind | qid | count | mentions | titles |"
    assert "トヨタ\\|自動車" in md


def test_people_table_fits():
    console = _console(80)
    assert write_people(PEOPLE, "table", console=console) == 2
    out = console.export_text()
    assert "林芳正" in out and "Q1058421" in out
    assert max(cell_len(l) for l in out.splitlines()) <= 80


def test_unknown_format_rejected(records):
    with pytest.raises(ValueError):
        write_records(records, "xml", io.BytesIO())
    with pytest.raises(ValueError):
        write_people(PEOPLE, "yaml", io.BytesIO())


def test_table_to_binary_stream_leaves_it_open(records):
    import gc

    out = io.BytesIO()
    write_records(records, "table", out)
    write_people(PEOPLE, "table", out)
    gc.collect()
    assert not out.closed
    text = out.getvalue().decode("utf-8")
    assert "林芳正" in text and "Q1058421" in text
