"""Tests for quotex.sources: finding inputs, detecting encodings, HTML text."""
from __future__ import annotations

import codecs
import hashlib
import io
import os
import time

import pytest

from quotex.sources import (
    Document,
    InputRef,
    SourceError,
    decode_bytes,
    html_to_text,
    iter_documents,
    iter_inputs,
    missing_paths,
    read_document,
)

ONE = "林官房長官は「懸念を持って注視している」と述べた。"
NEWS = (
    "林官房長官は記者会見で「懸念を持って注視している」と述べた。"
    "政府は引き続き情報収集を進める方針だ。\n"
    "岸田総理大臣も「緊張感を持って対応する」と強調し、関係国と連携する考えを示した。\n"
)
SHORT = "はい。"

# (how to make the bytes, expected Document.encoding)
TWINS = {
    "utf-8": (lambda t: t.encode("utf-8"), "utf-8"),
    "utf-8-bom": (lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "utf-8-sig"),
    "utf-16-le-bom": (lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), "utf-16-le"),
    "utf-16-be-bom": (lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "utf-16-be"),
    "utf-16-le": (lambda t: t.encode("utf-16-le"), "utf-16-le"),
    "utf-16-be": (lambda t: t.encode("utf-16-be"), "utf-16-be"),
    "cp932": (lambda t: t.encode("cp932"), "cp932"),
    "shift_jis": (lambda t: t.encode("shift_jis"), "cp932"),  # CP932 preferred: superset
    "euc_jp": (lambda t: t.encode("euc_jp"), "euc_jp"),
    "iso2022_jp": (lambda t: t.encode("iso2022_jp"), "iso2022_jp"),
}


def write(tmp_path, name: str, data: bytes | str) -> str:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return str(p)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- encodings

@pytest.mark.parametrize("text", [ONE, NEWS], ids=["one-sentence", "news"])
@pytest.mark.parametrize("variant", sorted(TWINS))
def test_encoding_twins_decode_to_the_same_text(tmp_path, variant, text):
    make, expected_encoding = TWINS[variant]
    data = make(text)
    path = write(tmp_path, f"doc-{variant}.txt", data)
    doc = read_document(path)
    assert doc.text == text
    assert doc.encoding == expected_encoding
    assert doc.size == len(data)
    assert doc.sha256 == sha(text)  # same text, same hash, whatever the bytes
    assert doc.path == path
    assert doc.format == "text"


@pytest.mark.parametrize("enc", ["cp932", "euc_jp", "iso2022_jp", "utf-8"])
def test_very_short_text_still_decodes(enc):
    # charset_normalizer gives up on a few bytes; the fallback scoring must not.
    text, used = decode_bytes(SHORT.encode(enc))
    assert text == SHORT
    assert used == enc


def test_euc_jp_that_is_also_valid_cp932_is_read_as_euc_jp():
    text = "ｱｲｳ半角カナも含む。"
    data = text.encode("euc_jp")
    data.decode("cp932")  # precondition: ambiguous bytes, both decode strictly
    assert decode_bytes(data) == (text, "euc_jp")


def test_cp932_only_characters(tmp_path):
    text = "①首相は「ＡＢＣ～」と髙橋氏に話した。"
    for ch in "①～髙":  # precondition: these are not in plain Shift_JIS
        with pytest.raises(UnicodeEncodeError):
            ch.encode("shift_jis")
    doc = read_document(write(tmp_path, "cp932.txt", text.encode("cp932")))
    assert doc.text == text
    assert doc.encoding == "cp932"


def test_utf8_bom_is_stripped(tmp_path):
    doc = read_document(write(tmp_path, "bom.txt", codecs.BOM_UTF8 + NEWS.encode()))
    assert not doc.text.startswith("\ufeff")
    assert doc.text == NEWS
    assert doc.sha256 == sha(NEWS)


def test_utf16_with_python_default_bom(tmp_path):
    data = NEWS.encode("utf-16")  # native order with BOM
    doc = read_document(write(tmp_path, "u16.txt", data))
    assert doc.text == NEWS
    assert doc.encoding.startswith("utf-16")


def test_crlf_is_kept_so_offsets_match_the_file(tmp_path):
    text = ONE + "\r\n" + ONE + "\r\n"
    doc = read_document(write(tmp_path, "crlf.txt", text.encode("cp932")))
    assert doc.text == text
    i = doc.text.index("「", 5)
    assert doc.text[i:i + 3] == "「懸念"


def test_iso2022_jp_bytes_are_7bit_but_not_read_as_utf8():
    data = NEWS.encode("iso2022_jp")
    assert data.isascii() and b"\x1b$B" in data
    assert decode_bytes(data) == (NEWS, "iso2022_jp")


def _encodable(texts, encs):
    for text in texts:
        for enc in encs:
            try:
                text.encode(enc)
            except UnicodeEncodeError:
                continue
            yield text, enc


@pytest.mark.parametrize("text, enc", list(_encodable(
    ["岸田総理大臣", "東京都", "記者会見で述べた", ONE, "①首相は「ＡＢＣ～」と話した。"],
    ["cp932", "euc_jp", "utf-16-le", "utf-16-be"])))
def test_nul_free_texts_are_not_confused(text, enc):
    # Kana/kanji-only UTF-16 has no NUL bytes, so it competes with CP932 and
    # EUC-JP on how Japanese the result looks; none may steal the others' input.
    data = text.encode(enc)
    assert b"\x00" not in data
    assert decode_bytes(data) == (text, enc)


def test_ascii_with_unrelated_escape_stays_utf8():
    data = b"\x1b[31mred\x1b[0m plain"
    assert decode_bytes(data) == (data.decode(), "utf-8")


# ------------------------------------------------------------------ override

def test_encoding_override_good(tmp_path):
    path = write(tmp_path, "e.txt", SHORT.encode("euc_jp"))
    doc = read_document(path, encoding="EUC-JP")
    assert doc.text == SHORT
    assert doc.encoding == "euc_jp"
    # The override wins even over a valid detection.
    forced = read_document(path, encoding="cp932")
    assert forced.encoding == "cp932"
    assert forced.text == SHORT.encode("euc_jp").decode("cp932") != SHORT


def test_encoding_override_bad_bytes(tmp_path):
    path = write(tmp_path, "s.txt", NEWS.encode("cp932"))
    with pytest.raises(SourceError) as ei:
        read_document(path, encoding="utf-8")
    err = ei.value
    assert err.path == path
    assert "cannot decode as utf-8" in err.reason
    assert "byte offset 0" in err.reason
    assert str(err) == f"{path}: {err.reason}"


def test_encoding_override_unknown_codec(tmp_path):
    path = write(tmp_path, "s.txt", b"abc")
    with pytest.raises(SourceError, match="unknown encoding: no-such-codec"):
        read_document(path, encoding="no-such-codec")
    with pytest.raises(SourceError, match="unknown encoding"):
        read_document(path, encoding="rot13")  # a codec, but not a text encoding


def test_override_strips_bom(tmp_path):
    doc = read_document(write(tmp_path, "b.txt", codecs.BOM_UTF8 + b"abc"), encoding="utf-8")
    assert doc.text == "abc"


# ---------------------------------------------------------- binary / errors

def test_png_is_rejected_with_its_path(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
    path = write(tmp_path, "image.txt", png)  # the extension must not fool it
    with pytest.raises(SourceError) as ei:
        read_document(path)
    assert ei.value.path == path
    assert "binary file" in ei.value.reason
    assert str(ei.value).startswith(path + ": binary file")
    assert "\n" not in str(ei.value)


@pytest.mark.parametrize("data", [
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)),   # zip
    b"just text\x00\x00\x00with a NUL run\x01\x02",              # NULs, odd length
    b"abc" + bytes(range(1, 32)) * 4,                            # control bytes, no NUL
    bytes((i * 37 + 11) % 256 for i in range(4096)),             # noise with NULs
    b"\xf0\x40" * 50 + b" ",  # strictly valid CP932, but all user-defined (private) chars
])
def test_binary_data_is_rejected(data):
    with pytest.raises(SourceError, match="binary file"):
        decode_bytes(data, path="x")


def test_undecodable_text(tmp_path):
    path = write(tmp_path, "latin1.txt", "café crème brûlée".encode("latin-1"))
    with pytest.raises(SourceError, match="undecodable text"):
        read_document(path)
    # ...but an explicit encoding reads it.
    assert read_document(path, encoding="latin-1").text == "café crème brûlée"


def test_empty_file_is_an_empty_document(tmp_path):
    doc = read_document(write(tmp_path, "empty.txt", b""))
    assert doc.text == ""
    assert doc.size == 0
    assert doc.sha256 == sha("")


def test_reading_a_directory_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="is a directory"):
        read_document(str(tmp_path))


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root can read anything")
def test_unreadable_file(tmp_path):
    path = write(tmp_path, "secret.txt", b"abc")
    os.chmod(path, 0)
    try:
        with pytest.raises(SourceError, match="permission denied"):
            read_document(path)
    finally:
        os.chmod(path, 0o644)


def test_read_error_reason_is_reported(tmp_path, monkeypatch):
    # Runs even as root: simulate the OS refusing the read.
    path = write(tmp_path, "secret.txt", b"abc")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr("builtins.open", refuse)
    items = list(iter_documents([path]))
    assert len(items) == 1 and isinstance(items[0], SourceError)
    assert str(items[0]) == f"{path}: permission denied"


def test_path_under_a_file_is_reported(tmp_path):
    f = write(tmp_path, "a.txt", "x")
    bad = os.path.join(f, "b.txt")
    assert list(iter_inputs([bad])) == [InputRef(bad, "not a directory")]


def test_source_error_is_one_line():
    err = SourceError("a\nb.txt", "binary file")
    assert str(err) == "a\\nb.txt: binary file"
    assert (err.path, err.reason) == ("a\nb.txt", "binary file")


# ----------------------------------------------------------- missing paths

def test_missing_paths(tmp_path):
    good = write(tmp_path, "a.txt", "x")
    gone = str(tmp_path / "gone.txt")
    under_file = os.path.join(good, "child.txt")
    assert missing_paths([good, "-", gone, str(tmp_path), under_file]) == [gone, under_file]
    assert missing_paths([good, "-"]) == []


def test_missing_path_does_not_stop_the_others(tmp_path):
    a = write(tmp_path, "a.txt", ONE)
    gone = str(tmp_path / "gone.txt")
    b = write(tmp_path, "b.txt", NEWS.encode("euc_jp"))
    refs = list(iter_inputs([a, gone, b]))
    assert refs == [InputRef(a), InputRef(gone, "no such file or directory"), InputRef(b)]
    assert not refs[1].ok and refs[0].ok

    with pytest.raises(SourceError) as ei:
        read_document(refs[1])
    assert str(ei.value) == f"{gone}: no such file or directory"

    items = list(iter_documents([a, gone, b]))
    assert [type(i) for i in items] == [Document, SourceError, Document]
    assert items[1].path == gone
    assert items[2].text == NEWS


def test_iter_documents_yields_errors_in_order(tmp_path):
    bad = write(tmp_path, "bin.txt", b"\x00\x01\x02\x03\x04")
    ok = write(tmp_path, "ok.txt", ONE)
    items = list(iter_documents([bad, ok]))
    assert isinstance(items[0], SourceError) and items[0].path == bad
    assert isinstance(items[1], Document) and items[1].text == ONE


# ---------------------------------------------------------------- walking

def test_directory_walk_is_recursive_sorted_and_filtered(tmp_path):
    root = tmp_path / "corpus"
    for name in ["b.txt", "a/z.md", "a/y/x.htm", "a.html", "c.TXT",
                 "skip.png", "skip.json", "notes", ".hidden.txt", ".git/config.txt",
                 "a/y/w.txt"]:
        write(root, name, "本文")
    refs = list(iter_inputs([str(root)]))
    got = [os.path.relpath(r.path, root) for r in refs]
    # Sorted component by component (like pathlib), so a directory's files
    # stay together: "a/..." before "a.html".
    assert got == ["a/y/w.txt", "a/y/x.htm", "a/z.md", "a.html", "b.txt", "c.TXT"]
    assert all(r.ok and r.path.startswith(str(root) + os.sep) for r in refs)


def test_directory_walk_keeps_the_given_prefix(tmp_path, monkeypatch):
    write(tmp_path, "docs/a.txt", "x")
    monkeypatch.chdir(tmp_path)
    assert [r.path for r in iter_inputs(["docs"])] == [os.path.join("docs", "a.txt")]
    assert read_document("docs/a.txt").path == "docs/a.txt"


def test_explicit_file_is_read_whatever_its_extension(tmp_path):
    path = write(tmp_path, "article.dat", ONE)
    assert [r.path for r in iter_inputs([path])] == [path]
    assert read_document(path).text == ONE


def test_markdown_is_plain_text(tmp_path):
    text = "# 見出し\n\n林官房長官は「*注視*している」と述べた。\n"
    doc = read_document(write(tmp_path, "a.md", text))
    assert doc.text == text
    assert doc.format == "markdown"


def test_thousand_small_files_are_fast(tmp_path):
    for i in range(1000):
        enc = "cp932" if i % 10 == 0 else "utf-8"
        write(tmp_path, f"d{i % 7}/f{i:04d}.txt", (ONE * 3).encode(enc))
    start = time.perf_counter()
    docs = list(iter_documents([str(tmp_path)]))
    elapsed = time.perf_counter() - start
    assert len(docs) == 1000
    assert all(isinstance(d, Document) and d.text == ONE * 3 for d in docs)
    assert elapsed < 10  # generous: a few hundred ms expected


@pytest.mark.parametrize("enc", ["utf-8", "cp932", "euc_jp", "utf-16-le"])
def test_two_megabyte_file(tmp_path, enc):
    line = NEWS
    text = line * (2_000_000 // len(line.encode(enc)))
    data = text.encode(enc)
    assert len(data) > 1_900_000
    doc = read_document(write(tmp_path, "big.txt", data))
    assert doc.encoding == enc
    assert doc.text == text


# ------------------------------------------------------------------ stdin

def test_stdin(tmp_path):
    data = NEWS.encode("euc_jp")
    refs = list(iter_inputs(["-", "-"]))
    assert refs[0] == InputRef("-") and refs[0].is_stdin
    assert refs[1].error  # the stream can only be read once
    doc = read_document(refs[0], stdin=io.BytesIO(data))
    assert (doc.path, doc.text, doc.encoding, doc.size) == ("-", NEWS, "euc_jp", len(data))


def test_stdin_html_is_sniffed():
    html = "<!DOCTYPE html><html><body><p>一段落目。</p><p>二段落目。</p></body></html>"
    doc = read_document("-", stdin=io.BytesIO(html.encode("cp932")))
    assert doc.format == "html"
    assert doc.text == "一段落目。\n二段落目。"


# ------------------------------------------------------------------- HTML

PAGE = """<!DOCTYPE html>
<html lang="ja">
<head><meta charset="utf-8"><title>ページ題名</title>
<style>p { color: red; }</style>
<script>var quote = "「偽の引用」";</script></head>
<body>
<article>
  <h1>官房長官会見</h1>
  <p>林官房長官は記者会見で
  「懸念を持って注視している」と述べた。</p>
  <div><p>政府は<b>情報収集</b>を進める &amp; 連携する。</p></div>
  <p>一行目<br>二行目<br><br><br>三行目</p>
  <ul><li>項目A</li><li>項目B</li></ul>
  <table><tr><td>東京</td><td>晴れ</td></tr><tr><td>大阪</td><td>雨</td></tr></table>
  <noscript>スクリプトを有効にしてください</noscript>
  <!-- コメント -->
  <p>　字下げされた段落。</p>
</article>
</body>
</html>
"""

PAGE_TEXT = (
    "官房長官会見\n"
    "林官房長官は記者会見で「懸念を持って注視している」と述べた。\n"
    "政府は情報収集を進める & 連携する。\n"
    "一行目\n二行目\n三行目\n"
    "項目A\n項目B\n"
    "東京 晴れ\n大阪 雨\n"
    "　字下げされた段落。"
)


def test_html_to_text():
    assert html_to_text(PAGE) == PAGE_TEXT


@pytest.mark.parametrize("name", ["page.html", "page.htm", "page.txt"])
@pytest.mark.parametrize("enc", ["utf-8", "cp932", "euc_jp"])
def test_html_document(tmp_path, name, enc):
    data = PAGE.encode(enc)
    doc = read_document(write(tmp_path, name, data))
    assert doc.format == "html"
    assert doc.text == PAGE_TEXT
    assert doc.encoding == enc
    assert doc.sha256 == sha(PAGE_TEXT)  # hash of the extracted text
    assert doc.size == len(data)
    assert "偽の引用" not in doc.text and "color" not in doc.text
    assert "ページ題名" not in doc.text and "コメント" not in doc.text


def test_html_extension_without_doctype(tmp_path):
    doc = read_document(write(tmp_path, "frag.html", "<p>甲。</p><p>乙。</p><script>x()</script>"))
    assert doc.text == "甲。\n乙。"


@pytest.mark.parametrize("head", [
    "<!doctype html>", "<HTML>", "<?xml version=\"1.0\"?>\n<html>", "\n  <!-- c -->\n<html lang=\"ja\">"])
def test_html_is_sniffed_in_any_file(tmp_path, head):
    doc = read_document(write(tmp_path, "x.txt", head + "<body><p>甲。</p><p>乙。</p></body></html>"))
    assert doc.format == "html"
    assert doc.text == "甲。\n乙。"


def test_text_mentioning_html_is_not_parsed(tmp_path):
    text = "HTMLでは<p>タグを使う。\n<b>太字</b>\n"
    doc = read_document(write(tmp_path, "note.txt", text))
    assert doc.format == "text"
    assert doc.text == text


def test_html_whitespace_between_latin_words_is_kept():
    assert html_to_text("<html><p>Prime\n  Minister   said</p></html>") == "Prime Minister said"


def test_deeply_nested_html_does_not_recurse():
    markup = "<html>" + "<div>" * 3000 + "深い。" + "</div>" * 3000 + "</html>"
    assert html_to_text(markup) == "深い。"


# -------------------------------------------------------------- misc API

def test_document_from_text_and_frozen():
    doc = Document.from_text(ONE, path="x.txt")
    assert doc.sha256 == sha(ONE)
    assert doc.size == len(ONE.encode("utf-8"))
    with pytest.raises(AttributeError):
        doc.text = "changed"  # type: ignore[misc]
