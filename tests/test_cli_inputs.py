"""Inputs that must not break the CLI, and the CLI's promises to the user.

Every file here is written by the test itself. Output is checked through typer's CliRunner
(in-process, so the model is loaded once); exit codes, messages, pipes and signals through a
real `python -m quotex.cli` subprocess, since errors are mapped to exit codes in main().
"""
from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

QUOTEX = [sys.executable, "-m", "quotex.cli"]

# Four statements by three registry people, dated; only JIS X 0208 characters, so that every
# Japanese legacy encoding can hold it.
SAMPLE = (
    "2024年6月18日\n"
    "林官房長官は18日の記者会見で「北朝鮮の動向を引き続き注視している」と述べた。\n"
    "ロシアのプーチン大統領は「両国の関係は新たな段階に入った」と語った。\n"
    "また、ブリンケン国務長官は『同盟国と緊密に連携する』と強調した。\n"
)
SAMPLE_QUOTES = {
    "北朝鮮の動向を引き続き注視している": "林芳正",
    "両国の関係は新たな段階に入った": "ウラジーミル・プーチン",
    "同盟国と緊密に連携する": "アントニー・ブリンケン",
}
NARRATIVE = ["今日は晴れで、気温は二十度まで上がった。", "午後には雲が増え、夕方から雨が降り始めた。",
             "市内の公園では多くの家族連れが散歩を楽しんでいた。", "駅前の商店街は買い物客でにぎわった。\n"]


# -- helpers ------------------------------------------------------------------------------

def cli(*args, input=None):
    """Run the typer app in-process; returns the Result (stdout and stderr apart)."""
    return CliRunner().invoke(__import__("quotex.cli", fromlist=["app"]).app, [str(a) for a in args],
                              input=input)


def records(result) -> list[dict]:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return [orjson.loads(line) for line in result.stdout.splitlines() if line.strip()]


def sub(args, env=None, **kw):
    """A real `python -m quotex.cli` process, as a user runs it."""
    e = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    e.update({"NO_COLOR": "1", **(env or {})})
    return subprocess.run(QUOTEX + [str(a) for a in args], env=e, capture_output=True, **kw)


def no_traceback(stderr) -> None:
    err = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    for sign in ("Traceback", "BrokenPipe", "Exception ignored"):
        assert sign not in err, err


def one_line(stderr) -> str:
    err = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err
    return lines[0]


def without_doc(recs: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "doc"} for r in recs]


def check_offsets(recs: list[dict], text: str) -> None:
    for r in recs:
        assert 0 <= r["start"] <= r["end"] <= len(text), r
        assert text[r["start"]:r["end"]] == r["quote"], r


def stored_paths(db: Path) -> list[str]:
    from quotex.store import Store

    with Store(db) as st:
        return [d["path"] for d in st.documents()]


# -- encodings ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def utf8_twin(tmp_path_factory):
    d = tmp_path_factory.mktemp("twin")
    (d / "utf8.txt").write_bytes(SAMPLE.encode("utf-8"))
    res = cli("extract", d / "utf8.txt", "--no-store", "-f", "jsonl")
    assert res.exit_code == 0, res.stderr
    recs = records(res)
    assert {r["quote"]: r["speaker"]["name"] for r in recs if r["kind"] == "direct"} == SAMPLE_QUOTES
    check_offsets(recs, SAMPLE)
    return recs


@pytest.mark.slow
@pytest.mark.parametrize("codec", ["utf-8-sig", "cp932", "shift_jis", "euc_jp", "iso2022_jp",
                                   "utf-16", "utf-16-le", "utf-16-be"])
def test_every_japanese_encoding_gives_the_records_of_its_utf8_twin(tmp_path, utf8_twin, codec):
    f = tmp_path / f"{codec}.txt"
    f.write_bytes(SAMPLE.encode(codec))
    res = cli("extract", f, "-f", "jsonl")
    assert res.exit_code == 0, res.stderr
    recs = records(res)
    assert without_doc(recs) == without_doc(utf8_twin)
    assert {r["doc"] for r in recs} == {str(f)}
    check_offsets(recs, SAMPLE)  # offsets refer to the decoded text (a BOM is not counted)


@pytest.mark.slow
def test_crlf_offsets_refer_to_the_text_as_decoded(tmp_path, utf8_twin):
    text = SAMPLE.replace("\n", "\r\n")
    f = tmp_path / "crlf.txt"
    f.write_bytes(text.encode("cp932"))
    recs = records(cli("extract", f, "--no-store"))
    assert [r["quote"] for r in recs] == [r["quote"] for r in utf8_twin]
    check_offsets(recs, text)


@pytest.mark.slow
def test_encoding_option_overrides_detection(tmp_path, utf8_twin):
    euc = tmp_path / "euc.txt"
    euc.write_bytes(SAMPLE.encode("euc_jp"))
    res = cli("extract", euc, "--no-store", "--encoding", "euc_jp")
    assert res.exit_code == 0 and without_doc(records(res)) == without_doc(utf8_twin)
    # forced to Latin-1, the same bytes are mojibake: no Japanese quotes, and no error either
    res = cli("extract", euc, "--no-store", "--encoding", "latin-1")
    assert res.exit_code == 0 and records(res) == []
    # forced to UTF-8 they cannot be decoded: reported with path and reason, exit status 1
    p = sub(["extract", euc, "--no-store", "--encoding", "utf-8"])
    assert p.returncode == 1 and p.stdout == b""
    no_traceback(p.stderr)
    lines = p.stderr.decode().splitlines()
    assert lines[0].startswith(f"quotex: {euc}: cannot decode as utf-8"), lines


def test_unknown_encoding_is_a_usage_error(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(SAMPLE, encoding="utf-8")
    p = sub(["extract", f, "--encoding", "klingon"])
    assert p.returncode == 2 and "klingon" in one_line(p.stderr)


@pytest.mark.slow
def test_standard_input_is_decoded_like_a_file(utf8_twin):
    res = cli("extract", "-", "-f", "jsonl", input=SAMPLE.encode("cp932"))
    assert res.exit_code == 0, res.stderr
    recs = records(res)
    assert {r["doc"] for r in recs} == {"-"} and without_doc(recs) == without_doc(utf8_twin)


# -- files that are not what they seem ------------------------------------------------------

@pytest.mark.slow
def test_empty_and_blank_files_give_nothing_and_no_error(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("\n\n   \n\u3000\n", encoding="utf-8")
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf")
    res = cli("extract", tmp_path, "-f", "jsonl")
    assert res.exit_code == 0 and res.stdout == "" and res.stderr == ""


@pytest.mark.slow
def test_unreadable_inputs_are_reported_and_the_rest_is_processed_and_stored(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a_good.txt").write_text(SAMPLE, encoding="utf-8")
    (d / "b_image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (d / "c_binary.txt").write_bytes(bytes(range(256)) * 8)
    (d / "d_garbled.txt").write_bytes(bytes([0x82, 0xa0, 0xff, 0xfe, 0x80, 0xfd]) * 50)
    (d / "e_dangling.txt").symlink_to(d / "no-such-target.txt")
    (d / "f_good.md").write_text("# 見出し\n\n" + SAMPLE, encoding="utf-8")
    db = tmp_path / "q.db"
    p = sub(["extract", d, "--db", db, "-f", "jsonl"])
    assert p.returncode == 1
    no_traceback(p.stderr)
    recs = [orjson.loads(x) for x in p.stdout.splitlines()]
    assert {r["doc"] for r in recs} == {str(d / "a_good.txt"), str(d / "f_good.md")}
    err = p.stderr.decode().splitlines()
    # one line per bad input, naming it and saying why, then the summary
    bad = {"b_image.txt": "binary file", "c_binary.txt": "binary file", "d_garbled.txt": "",
           "e_dangling.txt": "no such file or directory"}
    assert len(err) == len(bad) + 1, err
    for name, reason in bad.items():
        line = next(x for x in err if f"{d / name}:" in x)
        assert line.startswith("quotex: ") and reason in line
    assert "4 of 6 inputs failed" in err[-1]
    assert stored_paths(db) == [str(d / "a_good.txt"), str(d / "f_good.md")]


@pytest.mark.slow
def test_a_directory_of_1000_small_files(tmp_path):
    d = tmp_path / "many"
    d.mkdir()
    for i in range(1000):
        if i % 10 == 0:
            text = f"林官房長官は「会見{i}で説明する」と述べた。\n"
        else:
            text = f"今日は晴れで、気温は{i % 30}度まで上がった。\n"
        (d / f"{i:04d}.txt").write_text(text, encoding="utf-8")
    db = tmp_path / "q.db"
    t0 = time.monotonic()
    res = cli("extract", d, "--db", db, "-f", "jsonl")
    assert res.exit_code == 0, res.stderr
    recs = records(res)
    assert len(recs) == 100 and all(r["speaker"]["name"] == "林芳正" for r in recs)
    assert [r["quote"] for r in recs] == [f"会見{i}で説明する" for i in range(0, 1000, 10)]
    assert len(stored_paths(db)) == 1000
    assert time.monotonic() - t0 < 120
    # the second time everything comes from the store
    again = cli("extract", d, "--db", db, "-f", "jsonl")
    assert again.exit_code == 0 and records(again) == recs


@pytest.mark.slow
def test_a_2mb_file_of_mostly_narrative(tmp_path):
    quotes = ["林官房長官は記者会見で「北朝鮮の動向を注視している」と述べた。\n",
              "プーチン大統領は「両国の関係は新たな段階に入った」と語った。\n"]
    parts, size, k, placed = [], 0, 0, 0
    while size < 2_000_000:
        k += 1
        s = NARRATIVE[k % len(NARRATIVE)]
        if k % 5000 == 0:
            s = quotes[placed % 2]
            placed += 1
        parts.append(s)
        size += len(s.encode("utf-8"))
    text = "".join(parts)
    f = tmp_path / "big.txt"
    f.write_text(text, encoding="utf-8")
    assert f.stat().st_size >= 2_000_000 and placed >= 6
    t0 = time.monotonic()
    res = cli("extract", f, "-f", "jsonl")
    elapsed = time.monotonic() - t0
    assert res.exit_code == 0, res.stderr
    recs = records(res)
    assert len(recs) == placed
    check_offsets(recs, text)
    assert [r["speaker"]["name"] for r in recs] == ["林芳正", "ウラジーミル・プーチン"] * (placed // 2)
    assert elapsed < 120, f"a 2 MB file took {elapsed:.0f} s"


@pytest.mark.slow
def test_a_50000_character_line_without_a_sentence_end(tmp_path):
    line = ("今日は晴れで気温は二十度まで上がり、" * 3000)[:50_000]
    text = line + "\n林官房長官は「北朝鮮の動向を注視している」と述べた。\n" + line
    f = tmp_path / "long.txt"
    f.write_text(text, encoding="utf-8")
    res = cli("extract", f, "--no-store")
    assert res.exit_code == 0, res.stderr
    recs = records(res)
    check_offsets(recs, text)
    assert [(r["quote"], r["speaker"]["name"]) for r in recs] == [("北朝鮮の動向を注視している", "林芳正")]


@pytest.mark.slow
@pytest.mark.parametrize("text", [
    "林官房長官は「北朝鮮の動向を注視していると述べた。\n次の段落。",        # never closed
    "林官房長官は北朝鮮の動向を注視している」と述べた。」」",                # closers only
    "林官房長官は「北朝鮮の『動向」を注視している』と述べた。",              # crossed pairs
    "「「「「「『『『“““",                                                # openers only
    "」」』』”””｣｣",
    "プーチン大統領は「両国は『新たな段階に入った」と語った。「",
    "「" + "あ" * 5000,
])
def test_unclosed_and_unbalanced_brackets(tmp_path, text):
    f = tmp_path / "odd.txt"
    f.write_text(text, encoding="utf-8")
    res = cli("extract", f, "--no-store")
    assert res.exit_code == 0, res.stderr
    check_offsets(records(res), text)


@pytest.mark.slow
def test_half_width_brackets_do_not_break_it(tmp_path):
    text = SAMPLE.replace("「", "｢").replace("」", "｣")
    f = tmp_path / "hw.txt"
    f.write_text(text, encoding="utf-8")
    res = cli("extract", f, "--no-store")
    assert res.exit_code == 0, res.stderr
    recs = records(res)
    assert recs
    check_offsets(recs, text)


@pytest.mark.slow
def test_half_width_brackets_are_quotes_like_full_width_ones(tmp_path, utf8_twin):
    text = SAMPLE.replace("「", "｢").replace("」", "｣")
    f = tmp_path / "hw.txt"
    f.write_text(text, encoding="utf-8")
    recs = records(cli("extract", f, "--no-store"))
    for r in recs:  # the sentence shows the document's own brackets; all else must match
        assert text[r["start"]:r["end"]] == r["quote"]
        r["sentence"] = r["sentence"].replace("｢", "「").replace("｣", "」")
    assert without_doc(recs) == without_doc(utf8_twin)


@pytest.mark.slow
def test_html_is_read_through_a_parser_to_its_text(tmp_path):
    from quotex.sources import html_to_text

    markup = (
        "<!DOCTYPE html><html><head><title>「題名」と述べた</title>"
        "<script>var s = '林官房長官は「偽の引用」と述べた。';</script>"
        "<style>p::before { content: '「飾り」'; }</style></head><body>"
        "<p>2024年6月18日</p>"
        "<p>林官房長官は18日の記者会見で&#x300C;北朝鮮の動向を<b>引き続き</b>注視している&#x300D;と述べた。</p>"
        "<!-- 林官房長官は「コメント」と述べた。 -->"
        "<p>ロシアのプーチン大統領は「両国の関係は<br>新たな段階に入った」と語った。</p>"
        "</body></html>"
    )
    f = tmp_path / "page.html"
    f.write_text(markup, encoding="utf-8")
    res = cli("extract", f, "--no-store")
    assert res.exit_code == 0, res.stderr
    recs = records(res)
    text = html_to_text(markup)
    check_offsets(recs, text)  # offsets refer to the page's text, not its markup
    quotes = {r["quote"]: r["speaker"]["name"] for r in recs}
    assert quotes.get("北朝鮮の動向を引き続き注視している") == "林芳正"
    assert not any(x in q for q in quotes for x in ("偽の引用", "コメント", "題名", "飾り", "<", "&"))


@pytest.mark.slow
def test_markdown_offsets_refer_to_the_file_as_written(tmp_path):
    text = ("# 北朝鮮情勢\n\n> 引用ブロック\n\n- 林官房長官は「北朝鮮の動向を注視している」と述べた。\n"
            "- **プーチン大統領**は「両国の関係は新たな段階に入った」と語った。\n")
    f = tmp_path / "note.md"
    f.write_text(text, encoding="utf-8")
    recs = records(cli("extract", f, "--no-store"))
    check_offsets(recs, text)
    assert {r["quote"] for r in recs} >= {"北朝鮮の動向を注視している", "両国の関係は新たな段階に入った"}


# -- filters: the extraction path and the store path agree ---------------------------------

CORPUS = {
    "a/2023.txt": "2023年9月13日\n林官房長官は「北朝鮮の動向を注視している」と述べた。\n"
                  "プーチン大統領は「協力の可能性がある」と語った。\n",
    "a/2024.txt": "2024年6月18日\nプーチン大統領は「両国の関係は新たな段階に入った」と語った。\n"
                  "ブリンケン国務長官は「同盟国と緊密に連携する」と強調した。\n"
                  "林官房長官は、北朝鮮の動向を注視していると述べた。\n",
    "b/undated.txt": "プーチン大統領は「新たな段階だ」と語った。\n山田太郎教授は「関係は深まる」と話した。\n",
}


@pytest.fixture()
def corpus(tmp_path, monkeypatch):
    for rel, text in CORPUS.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "q.db"
    res = cli("extract", "a", "b", "--db", db)
    assert res.exit_code == 0, res.stderr
    return db, records(res)


@pytest.mark.slow
@pytest.mark.parametrize("filters", [
    [], ["--kind", "direct"], ["--kind", "indirect,partial"], ["--contains", "段階"],
    ["--doc", "a/*"], ["--doc", "*undated*"], ["--min-confidence", "0.9"],
    ["--since", "2024-01-01"], ["--until", "2023-12-31"], ["--since", "2023-09-13", "--until", "2024-06-18"],
    ["--since", "2024年6月18日"], ["--kind", "direct", "--contains", "関係", "--doc", "a/*"],
])
def test_filters_agree_on_the_extraction_path_and_the_store_path(corpus, filters):
    db, everything = corpus
    for name in ("プーチン大統領", "プーチン"):
        fresh = cli("extract", "a", "b", "--no-store", "--speaker", name, *filters)
        cached = cli("extract", "a", "b", "--db", db, "--speaker", name, *filters)
        stored = cli("who-said", name, "--db", db, *filters)
        assert fresh.exit_code == cached.exit_code == stored.exit_code == 0, (fresh.stderr, stored.stderr)
        assert records(fresh) == records(cached) == records(stored)
        assert all(r["speaker"]["name"] == "ウラジーミル・プーチン" for r in records(stored))
    # and they do filter: the same query without --speaker is a superset
    every = records(cli("extract", "a", "b", "--db", db, *filters))
    assert all(r in every for r in records(stored))


@pytest.mark.slow
def test_filter_semantics(corpus):
    db, everything = corpus
    putin = [r for r in everything if r["speaker"]["name"] == "ウラジーミル・プーチン"]
    assert len(putin) == 3

    def q(*args):
        res = cli("who-said", "プーチン", "--db", db, *args)
        assert res.exit_code == 0, res.stderr
        return [r["quote"] for r in records(res)]

    assert q("--since", "2024-01-01") == ["両国の関係は新たな段階に入った"]  # undated documents excluded
    assert q("--until", "2023-12-31") == ["協力の可能性がある"]
    assert q("--doc", "b/*") == ["新たな段階だ"]
    assert q("--contains", "段階") == ["両国の関係は新たな段階に入った", "新たな段階だ"]
    assert q("--kind", "partial") == []
    # extract --kind on every speaker
    kinds = {r["kind"] for r in records(cli("extract", "a", "b", "--db", db, "--kind", "indirect"))}
    assert kinds <= {"indirect"}


@pytest.mark.slow
def test_speaker_filter_takes_any_alias_and_names_the_registry_does_not_know(corpus):
    db, everything = corpus
    for alias in ("林官房長官", "林芳正", "林芳正官房長官"):
        res = cli("extract", "a", "b", "--db", db, "--speaker", alias)
        assert res.exit_code == 0, res.stderr
        assert {r["speaker"]["name"] for r in records(res)} == {"林芳正"}, alias
    # not in the registry: the store's names answer, and so do the records being extracted
    for args in (["--db", db], ["--no-store"]):
        res = cli("extract", "a", "b", *args, "--speaker", "山田太郎")
        assert res.exit_code == 0, res.stderr
        assert [r["quote"] for r in records(res)] == ["関係は深まる"]


def test_who_said_answers_from_the_store_without_importing_spacy(tmp_path):
    from quotex.records import Quote, Speaker
    from quotex.store import Store

    db = tmp_path / "q.db"
    q = Quote("x.txt", 0, 3, "頑張る", "direct", Speaker("林芳正", "林官房長官", "person", "官房長官"),
              "述べる", "「頑張る」と林官房長官は述べた。", 0.9, "dependency-subject")
    with Store(db) as st:
        st.put_document("x.txt", "0" * 64, "2024-06-18", 10, "1", "m", [q])
    code = (
        "import sys\n"
        "from quotex.cli import main\n"
        f"sys.argv = ['quotex', 'who-said', '林官房長官', '--db', {str(db)!r}, '-f', 'jsonl', '--kind', 'direct']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "heavy = [m for m in ('spacy', 'ginza', 'sudachipy', 'thinc', 'torch') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "print('light', file=sys.stderr)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=tmp_path)
    assert p.returncode == 0 and p.stderr.decode().strip() == "light", p.stderr.decode()
    assert orjson.loads(p.stdout.splitlines()[0])["quote"] == "頑張る"
    for cmd in (["people", "--db", db], ["info", "--db", db]):
        p = subprocess.run([sys.executable, "-X", "importtime", *QUOTEX[1:], *map(str, cmd)],
                           capture_output=True, cwd=tmp_path)
        assert p.returncode == 0
        assert not re.search(rb"\|\s+(spacy|ginza|sudachipy)\b", p.stderr), cmd


# -- errors: one line, the right exit status, never a traceback ----------------------------

@pytest.mark.parametrize("args,code,words", [
    (["extract", "{f}", "--since", "yesterday"], 2, ["--since", "yesterday"]),
    (["extract", "{f}", "--until", "2024-13-45"], 2, ["--until"]),
    (["extract", "{f}", "--kind", "direct,quoted"], 2, ["--kind", "quoted"]),
    (["extract", "{f}", "--min-confidence", "1.5"], 2, ["--min-confidence"]),
    (["extract", "{f}", "--format", "xml"], 2, ["xml"]),
    (["extract", "{f}", "--date", "someday"], 2, ["--date"]),
    (["extract", "{f}", "--db", "{garbage}"], 1, ["{garbage}", "not a quotex store"]),
    (["who-said", "林芳正", "--db", "{garbage}"], 1, ["not a quotex store"]),
    (["people", "--db", "{garbage}"], 1, ["not a quotex store"]),
    (["extract", "{f}", "--db", "{dir}"], 1, ["folder"]),
    (["extract", "{missing}"], 2, ["{missing}", "no such file"]),
    (["show", "{missing}"], 2, ["no such file"]),
    (["who-said", "ブリンケソ", "--db", "{db}"], 1, ["ブリンケン"]),
    (["who-said", "林", "--db", "{db}"], 1, ["林芳正", "林剣"]),
    (["extract", "{f}", "--speaker", "林"], 1, ["ambiguous"]),
    (["import", "{missing}"], 2, []),
])
def test_errors_are_one_line_with_the_right_exit_status(tmp_path, args, code, words):
    from quotex.records import Quote, Speaker
    from quotex.store import Store

    f = tmp_path / "a.txt"
    f.write_text(SAMPLE, encoding="utf-8")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite\n" * 100)
    db = tmp_path / "q.db"
    with Store(db) as st:
        st.put_document("x.txt", "0" * 64, None, 3, "1", "m", [
            Quote("x.txt", 0, 3, "頑張る", "direct", Speaker("林芳正", "林官房長官", "person"))])
    names = {"f": f, "garbage": garbage, "dir": tmp_path, "missing": tmp_path / "no" / "such.txt", "db": db}
    args = [a.format(**names) for a in args]
    p = sub(args)
    assert p.returncode == code, (p.returncode, p.stderr.decode())
    no_traceback(p.stderr)
    line = one_line(p.stderr)
    for w in words:
        assert w.format(**names) in line, line
    if code == 1:
        assert line.startswith("quotex: ")


def test_click_usage_errors_exit_2_without_a_traceback():
    for args in (["extract"], ["no-such-command"], ["extract", "x", "--no-such-option"],
                 ["extract", "x", "--workers", "zero"]):
        p = sub(args)
        assert p.returncode == 2, (args, p.stderr)
        no_traceback(p.stderr)


def test_version_info_and_completion(tmp_path):
    from quotex import __version__

    p = sub(["--version"])
    assert p.returncode == 0 and p.stdout.decode().strip() == f"quotex {__version__}"
    db = tmp_path / "store.db"
    res = cli("info", "--db", db)
    assert res.exit_code == 0
    out = res.stdout
    for what in ("quotex", "spaCy", "GiNZA", "ja_ginza", "SudachiPy", "store"):
        assert re.search(rf"^{re.escape(what)}\s+\S", out, re.M), out
    assert str(db) in out and not db.exists()  # info does not create the store
    for what in ("spaCy", "GiNZA", "ja_ginza", "SudachiPy"):
        assert not re.search(rf"^{what}\s+not installed", out, re.M), out
    p = sub(["--show-completion", "bash"], env={"SHELL": "/bin/bash"})
    assert p.returncode == 0 and b"complete" in p.stdout and b"_QUOTEX_COMPLETE" in p.stdout


# -- output: formats, pipes, colour, messages -----------------------------------------------

@pytest.fixture(scope="module")
def many_quotes(tmp_path_factory):
    """A store holding one document with 300 quotes (> 64 KB of JSON Lines: a pipe fills)."""
    d = tmp_path_factory.mktemp("pipe")
    lines = [f"林官房長官は「北朝鮮の動向を第{i}回の会合でも引き続き注視している」と述べた。" for i in range(300)]
    f = d / "many.txt"
    f.write_text("2024年6月18日\n" + "\n".join(lines) + "\n", encoding="utf-8")
    home = d / "home"
    p = sub(["extract", f, "-f", "jsonl"], env={"QUOTEX_HOME": str(home)})
    assert p.returncode == 0, p.stderr.decode()
    assert len(p.stdout.splitlines()) >= 300 and len(p.stdout) > 100_000
    return f, home


@pytest.mark.slow
@pytest.mark.parametrize("cmd", [
    "extract {f}", "extract {f} --refresh", "extract {f} -f json", "extract {f} -f csv", "extract {f} -f md",
    "extract {f} -f table", "who-said 林官房長官", "people", "show {f}", "info",
])
def test_a_closed_pipe_ends_quietly(many_quotes, cmd, tmp_path):
    f, home = many_quotes
    shell = f"{' '.join(QUOTEX)} {cmd.format(f=f)} 2>{tmp_path / 'err'} | head -1 >/dev/null; " \
            f"echo ${{PIPESTATUS[0]}}"
    p = subprocess.run(["bash", "-c", shell], capture_output=True,
                       env={**os.environ, "QUOTEX_HOME": str(home), "COLUMNS": "200"})
    err = (tmp_path / "err").read_text()
    assert p.stdout.decode().strip() == "0", (cmd, p.stdout, err)
    assert err == "", err


@pytest.mark.slow
def test_messages_go_to_stderr_and_no_progress_bar_when_it_is_not_a_terminal(many_quotes, tmp_path):
    f, home = many_quotes
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02\x03" * 100)
    p = sub(["extract", f, bad], env={"QUOTEX_HOME": str(home)})
    assert p.returncode == 1
    assert all(line.startswith(b"{") for line in p.stdout.splitlines())  # only records on stdout
    err = p.stderr.decode()
    assert "\r" not in err and "\x1b" not in err and "━" not in err and "extracting" not in err
    assert err.splitlines()[0].startswith(f"quotex: {bad}: binary file")


@pytest.mark.slow
def test_no_color_is_honoured(many_quotes):
    f, home = many_quotes
    colour = re.compile(rb"\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38;[25];[0-9;]+)m")
    base = {"QUOTEX_HOME": str(home), "FORCE_COLOR": "1", "COLUMNS": "120", "TERM": "xterm-256color"}
    for cmd in (["show", f], ["extract", f, "-f", "table"], ["people", "-f", "table"]):
        env = {**os.environ, **base}
        env.pop("NO_COLOR", None)
        coloured = subprocess.run(QUOTEX + [str(c) for c in cmd], env=env, capture_output=True)
        assert coloured.returncode == 0 and colour.search(coloured.stdout), cmd
        plain = subprocess.run(QUOTEX + [str(c) for c in cmd], env={**env, "NO_COLOR": "1"}, capture_output=True)
        assert plain.returncode == 0 and not colour.search(plain.stdout), cmd


@pytest.mark.slow
def test_auto_format_is_json_lines_when_piped_and_every_format_works(many_quotes):
    f, home = many_quotes
    p = sub(["extract", f], env={"QUOTEX_HOME": str(home)})
    assert all(orjson.loads(x)["doc"] == str(f) for x in p.stdout.splitlines())
    n = len(p.stdout.splitlines())
    j = sub(["extract", f, "-f", "json"], env={"QUOTEX_HOME": str(home)})
    assert len(orjson.loads(j.stdout)) == n
    c = sub(["extract", f, "-f", "csv"], env={"QUOTEX_HOME": str(home)})
    assert c.stdout.decode().splitlines()[0].startswith("doc,start,end")
    m = sub(["extract", f, "-f", "md"], env={"QUOTEX_HOME": str(home)})
    assert m.stdout.decode().startswith("| speaker_name")
    t = sub(["extract", f, "-f", "table"], env={"QUOTEX_HOME": str(home), "COLUMNS": "160"})
    assert "林芳正" in t.stdout.decode() and "speaker" in t.stdout.decode()
    for fmt in ("table", "jsonl", "json", "csv", "md"):
        assert sub(["who-said", "林芳正", "-f", fmt], env={"QUOTEX_HOME": str(home)}).returncode == 0
        assert sub(["people", "-f", fmt], env={"QUOTEX_HOME": str(home)}).returncode == 0


@pytest.mark.slow
def test_people_shows_counts_of_mentions_and_titles(corpus):
    db, everything = corpus
    table = cli("people", "--db", db, "-f", "table")
    assert table.exit_code == 0
    assert re.search(r"林官房長官 \(\d+\)", table.stdout) and "官房長官 (" in table.stdout
    rows = records(cli("people", "--db", db, "-f", "jsonl"))
    hayashi = next(r for r in rows if r["name"] == "林芳正")
    assert list(hayashi)[:6] == ["name", "kind", "qid", "count", "mentions", "titles"]
    assert hayashi["mentions"] == list(hayashi["mention_counts"])
    assert 0 < sum(hayashi["mention_counts"].values()) <= hayashi["count"]
    csv = cli("people", "--db", db, "-f", "csv").stdout
    assert re.search(r"林芳正,person,[^,]*,\d+,林官房長官 \(\d+\)", csv)


@pytest.mark.slow
def test_show_renders_a_file_and_standard_input(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(SAMPLE, encoding="cp932")
    res = cli("show", f)
    assert res.exit_code == 0, res.stderr
    assert "北朝鮮の動向を引き続き注視している" in res.stdout and "⟨林芳正⟩" in res.stdout
    res = cli("show", "-", input=SAMPLE.encode("euc_jp"))
    assert res.exit_code == 0 and "⟨ウラジーミル・プーチン⟩" in res.stdout


# -- Ctrl-C ---------------------------------------------------------------------------------

def _stored_count(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_interrupt_keeps_finished_documents_and_no_half_written_one(tmp_path, nlp):
    from quotex.run import ExtractSettings, Report, extract_paths
    from quotex.store import Store

    d = tmp_path / "docs"
    d.mkdir()
    speakers = ["林官房長官", "プーチン大統領", "ブリンケン国務長官", "カービー大統領補佐官"]
    for i in range(40):
        lines = [f"2024年6月{1 + i % 28}日"]
        for j in range(24):
            who = speakers[(i + j) % len(speakers)]
            lines.append(f"{who}は第{j}回の会合で「{i}番目の文書では関係を深めることが重要だ」と述べた。"
                         "今日は晴れで、気温は二十度まで上がった。")
        (d / f"{i:02d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "q.db"
    out = open(tmp_path / "out.jsonl", "wb")
    env = {**os.environ, "QUOTEX_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    proc = subprocess.Popen(QUOTEX + ["extract", str(d), "--db", str(db), "--workers", "1"],
                            stdout=out, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 120
        while _stored_count(db) < 1:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no document stored in 120 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        out.close()
    assert proc.returncode == 130, err.decode()
    line = one_line(err)
    assert line.startswith("quotex: interrupted")
    no_traceback(err)

    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()
    with Store(db) as st:
        docs = st.documents()
        assert 1 <= len(docs) < 40, "the run was not interrupted half-way"
        paths = [x["path"] for x in docs]
        stored = {p: st.records(p) for p in paths}
    full = list(extract_paths(paths, ExtractSettings(use_store=False), Report()))
    for p in paths:
        want = [q for q in full if q.doc == p]
        assert want and stored[p] == want, p
