"""Find input documents and decode them to text.

This module turns what the user named (files, directories, ``-`` for stdin)
into :class:`Document` objects holding decoded text.  It knows nothing about
the command line and never prints: problems are reported as
:class:`SourceError` (``str(err) == "PATH: reason"``) so the caller can report
one bad input and go on with the rest.

Typical use::

    for item in iter_documents(paths):
        if isinstance(item, SourceError):
            report(item)            # "path: reason"
        else:
            process(item)           # item.text, item.path, ...

Decoding (``encoding=None``), in order:

1. known binary signatures (PNG, ZIP, PDF, ...) are rejected as
   ``binary file``;
2. a BOM decides: UTF-8, UTF-16 LE/BE, UTF-32 LE/BE;
3. NUL bytes (or many control bytes) mean BOM-less UTF-16 (LE or BE,
   whichever decodes to plausible text) or else ``binary file``;
4. 7-bit data with JIS escape sequences is ISO-2022-JP;
5. strict UTF-8 (the fast path for almost every input);
6. legacy Japanese encodings: CP932 (a superset of Shift_JIS, so preferred)
   and EUC-JP are tried strictly, and decodings that do not look like text
   are dropped.  When more than one fits, a score of how Japanese the text
   looks (hiragana, JIS kanji; not half-width kana or private-use
   characters) picks the winner, and ``charset_normalizer`` (restricted to
   the candidates) is asked only when the scores are close.  NUL-free
   BOM-less UTF-16 (kana and kanji only, no ASCII, no newline) competes here
   on the same score.

Not detected: BOM-less UTF-16 that happens to be valid UTF-8 (only possible
for a few characters of text), and text truncated in the middle of a
multi-byte character (strict decoding fails; pass an explicit encoding).

The decoded text is kept exactly as decoded (CRLF included) except that a
leading BOM is dropped, so offsets into ``Document.text`` are stable.  HTML is
the one exception: its ``Document.text`` is the visible text extracted from
the markup, and offsets refer to that.
"""
from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import sys
import unicodedata
import warnings
from dataclasses import dataclass
from typing import BinaryIO, Iterator, Optional, Sequence, Union

__all__ = [
    "TEXT_EXTENSIONS",
    "HTML_EXTENSIONS",
    "STDIN",
    "InputRef",
    "Document",
    "SourceError",
    "iter_inputs",
    "missing_paths",
    "read_document",
    "iter_documents",
    "decode_bytes",
    "html_to_text",
]

STDIN = "-"
#: Extensions picked up when walking a directory (compared case-insensitively).
TEXT_EXTENSIONS = (".txt", ".html", ".htm", ".md")
HTML_EXTENSIONS = (".html", ".htm")
_MARKDOWN_EXTENSIONS = (".md",)


# --------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------

class SourceError(Exception):
    """An input that cannot be turned into text.

    ``path`` is the input as the user gave it (``-`` for stdin); ``reason`` is
    a short lower-case explanation.  ``str(err)`` is ``"PATH: reason"`` on a
    single line, ready to print.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(path, reason)

    def __str__(self) -> str:
        return f"{_one_line(self.path)}: {_one_line(self.reason)}"


@dataclass(frozen=True)
class InputRef:
    """One input found by :func:`iter_inputs`.

    ``path`` is the path as given, or joined onto the given directory when
    walked; ``-`` stands for standard input.  ``error`` is ``None`` for a
    usable input, otherwise the reason it cannot be used (e.g.
    ``"no such file or directory"``); :func:`read_document` raises
    :class:`SourceError` for such a ref.
    """

    path: str
    error: Optional[str] = None

    @property
    def is_stdin(self) -> bool:
        return self.path == STDIN

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Document:
    """A decoded input.

    ``text[i:j]`` offsets used elsewhere in quotex refer to ``text``.

    - ``path``: as the user gave it / as walked; ``-`` for stdin.
    - ``text``: decoded text, unchanged except for a dropped leading BOM;
      for HTML, the extracted visible text.
    - ``encoding``: Python codec name used to decode (``utf-8``,
      ``utf-8-sig``, ``utf-16-le``, ``cp932``, ``euc_jp``, ``iso2022_jp``...).
    - ``sha256``: hex digest of ``text`` encoded as UTF-8, so the same text
      hashes the same whatever its on-disk encoding.
    - ``size``: number of bytes read (the size on disk).
    - ``format``: ``"text"``, ``"markdown"`` or ``"html"``.
    """

    path: str
    text: str
    encoding: str
    sha256: str
    size: int
    format: str = "text"

    @classmethod
    def from_text(cls, text: str, path: str = STDIN, encoding: str = "utf-8",
                  format: str = "text") -> "Document":
        """Build a Document from already-decoded text (handy in tests)."""
        return cls(path=path, text=text, encoding=encoding, sha256=_sha256(text),
                   size=len(text.encode("utf-8")), format=format)


# --------------------------------------------------------------------------
# Finding inputs
# --------------------------------------------------------------------------

def missing_paths(paths: Sequence[str]) -> list[str]:
    """Return the paths (in the given order) that do not exist.

    ``-`` (stdin) is never missing.  Only "not found" counts: a path that
    exists but cannot be read is left for :func:`read_document` to report
    with the real reason.
    """
    missing = []
    for p in paths:
        if p == STDIN:
            continue
        try:
            os.stat(p)
        except (FileNotFoundError, NotADirectoryError):
            missing.append(p)
        except (OSError, ValueError):
            # Exists but is unreadable (or has an unusable name): not "missing".
            pass
    return missing


def iter_inputs(paths: Sequence[str]) -> Iterator[InputRef]:
    """Yield one :class:`InputRef` per input named by ``paths``, in order.

    - ``-`` is standard input (only once: a repeat is yielded with an error,
      since the stream can only be read once);
    - a directory is walked recursively for files ending in
      :data:`TEXT_EXTENSIONS` (case-insensitive), sorted by path; hidden
      entries (names starting with ``.``) are skipped and symlinked
      directories are not followed (avoids loops);
    - anything else is yielded as a file, whatever its extension;
    - a path that cannot be used is yielded with ``error`` set (e.g.
      ``"no such file or directory"``); the iterator never raises for it.
    """
    seen_stdin = False
    for p in paths:
        if p == STDIN:
            if seen_stdin:
                yield InputRef(p, "standard input given more than once")
            else:
                seen_stdin = True
                yield InputRef(p)
            continue
        try:
            st = os.stat(p)
        except OSError as e:
            yield InputRef(p, _os_reason(e))
            continue
        except ValueError:  # embedded NUL in the name
            yield InputRef(p, "invalid path")
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(p)
            continue
        yield InputRef(p)


def _walk(top: str) -> Iterator[InputRef]:
    """Files under ``top`` with a text extension, plus unreadable subdirectories."""
    found: list[tuple[tuple[str, ...], InputRef]] = []

    def onerror(err: OSError) -> None:
        where = err.filename if isinstance(err.filename, str) else top
        found.append((_sort_key(top, where), InputRef(where, _os_reason(err))))

    for dirpath, dirnames, filenames in os.walk(top, onerror=onerror):
        # Pruning in place stops os.walk descending into hidden directories.
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if name.startswith(".") or not name.lower().endswith(TEXT_EXTENSIONS):
                continue
            full = os.path.join(dirpath, name)
            found.append((_sort_key(top, full), InputRef(full)))
    found.sort(key=lambda item: item[0])
    for _, ref in found:
        yield ref


def _sort_key(top: str, full: str) -> tuple[str, ...]:
    # Component-wise, so "a/x.txt" sorts with its directory "a", not by the
    # code point of the separator.
    rel = os.path.relpath(full, top)
    return tuple(rel.split(os.sep))


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

def read_document(ref_or_path: Union[InputRef, str], encoding: Optional[str] = None,
                  *, stdin: Optional[BinaryIO] = None) -> Document:
    """Read and decode one input.

    ``ref_or_path`` is an :class:`InputRef` or a path (``-`` for stdin, read
    from ``stdin`` if given, else ``sys.stdin.buffer``).  ``encoding`` forces
    a codec (strict decoding) instead of detection.  HTML (by extension or by
    content starting with ``<!DOCTYPE html`` / ``<html``) is reduced to its
    visible text.

    Raises :class:`SourceError` when the input is missing or unreadable,
    binary, or cannot be decoded.
    """
    if isinstance(ref_or_path, InputRef):
        if ref_or_path.error is not None:
            raise SourceError(ref_or_path.path, ref_or_path.error)
        path = ref_or_path.path
    else:
        path = ref_or_path

    data = _read_stdin(stdin) if path == STDIN else _read_file(path)
    text, used = decode_bytes(data, encoding, path=path)

    lower = path.lower()
    if lower.endswith(HTML_EXTENSIONS) or _looks_like_html(text):
        fmt = "html"
        text = html_to_text(text)
    elif lower.endswith(_MARKDOWN_EXTENSIONS):
        fmt = "markdown"
    else:
        fmt = "text"
    return Document(path=path, text=text, encoding=used, sha256=_sha256(text),
                    size=len(data), format=fmt)


def iter_documents(paths: Sequence[str], encoding: Optional[str] = None,
                   *, stdin: Optional[BinaryIO] = None) -> Iterator[Union[Document, SourceError]]:
    """For each input of :func:`iter_inputs`, yield a Document or a SourceError.

    Errors are yielded, not raised, so one bad input does not stop the rest.
    """
    for ref in iter_inputs(paths):
        try:
            yield read_document(ref, encoding, stdin=stdin)
        except SourceError as err:
            yield err


def _read_file(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as e:
        raise SourceError(path, _os_reason(e)) from None
    except ValueError:
        raise SourceError(path, "invalid path") from None


def _read_stdin(stdin: Optional[BinaryIO]) -> bytes:
    if stdin is None:
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:
            raise SourceError(STDIN, "standard input is not available")
        stdin = stream
    try:
        return stdin.read()
    except OSError as e:
        raise SourceError(STDIN, _os_reason(e)) from None


def _os_reason(e: OSError) -> str:
    # Fixed wording for the common cases so messages do not depend on libc.
    if isinstance(e, FileNotFoundError):
        return "no such file or directory"
    if isinstance(e, IsADirectoryError):
        return "is a directory"
    if isinstance(e, NotADirectoryError):
        return "not a directory"
    if isinstance(e, PermissionError):
        return "permission denied"
    return (e.strerror or str(e) or type(e).__name__).lower()


# --------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------

_BOMS = (  # UTF-32 first: its LE BOM starts with the UTF-16 LE BOM.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_SIGNATURES = (  # only ones with bytes no text file starts with
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"7z\xbc\xaf\x27\x1c", "7-zip archive"),
    (b"%PDF-", "PDF document"),
    (b"\x7fELF", "ELF executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE document"),
)

# Control bytes that do not occur in text.  Allowed: TAB LF VT FF CR, SUB
# (DOS end-of-file marker in old Shift_JIS files) and ESC (ISO-2022-JP).
_CONTROL_BYTES = bytes(range(0x01, 0x09)) + bytes(range(0x0E, 0x1A)) + bytes(range(0x1C, 0x20)) + b"\x7f"

# Escape sequences that switch ISO-2022-JP into a double-byte or kana set.
_ISO2022_ESCAPES = re.compile(rb"\x1b(?:\$[@B]|\$\([DOPQ]|\(I)")
_ISO2022_CODECS = ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_2004",
                   "iso2022_jp_3", "iso2022_jp_1")

# Legacy Japanese codecs, most likely first.  Shift_JIS is covered by CP932
# (same bytes decode, CP932 adds NEC/IBM characters such as ①).  The JIS X 0213
# variants are only tried when neither of the common ones decodes.
_LEGACY_CODECS = ("cp932", "euc_jp")
_LEGACY_FALLBACK_CODECS = ("shift_jis_2004", "euc_jis_2004")

_UTF16_CODECS = ("utf-16-le", "utf-16-be")

_SAMPLE_CHARS = 20_000      # enough text to judge a decoding; keeps big files cheap
_PLAUSIBLE_MIN = 0.9        # share of characters that must look like (Japanese) text
_CLEAR_MARGIN = 0.25        # score difference above which no second opinion is needed


class _DecodeFailure(Exception):
    """Internal: a decoding step failed with a user-facing reason."""


def decode_bytes(data: bytes, encoding: Optional[str] = None,
                 *, path: str = "<bytes>") -> tuple[str, str]:
    """Decode ``data`` and return ``(text, codec_name)``; a leading BOM is dropped.

    With ``encoding`` the codec is used strictly.  Without it the encoding is
    detected (see the module docstring).  Empty input is ``("", "utf-8")``.
    Raises :class:`SourceError` (with ``path``) for binary or undecodable data.
    """
    try:
        if encoding is not None:
            return _decode_forced(data, encoding)
        return _decode_detect(data)
    except _DecodeFailure as e:
        raise SourceError(path, str(e)) from None


def _decode_forced(data: bytes, encoding: str) -> tuple[str, str]:
    try:
        name = codecs.lookup(encoding).name
        text = data.decode(name)
    except LookupError:
        raise _DecodeFailure(f"unknown encoding: {encoding}") from None
    except UnicodeDecodeError as e:
        raise _DecodeFailure(
            f"cannot decode as {name}: {e.reason} at byte offset {e.start}") from None
    if "\x00" in text:
        raise _DecodeFailure("binary file (contains NUL characters)")
    return _strip_bom(text), name


def _decode_detect(data: bytes) -> tuple[str, str]:
    if not data:
        return "", "utf-8"

    for sig, what in _SIGNATURES:
        if data.startswith(sig):
            raise _DecodeFailure(f"binary file ({what})")

    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(name)
            except UnicodeDecodeError as e:
                raise _DecodeFailure(
                    f"undecodable text: invalid {name} after byte order mark "
                    f"at byte offset {e.start + len(bom)}") from None
            return _strip_bom(text), name

    # NUL and control bytes never occur in 8-bit text; they do in UTF-16,
    # where ASCII and newlines give zero bytes and 、。 (U+3001, U+3002)
    # give 0x01, 0x02.  So either it is plausible UTF-16 or it is binary.
    has_nul = b"\x00" in data
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if has_nul or (controls >= 4 and controls * 50 > len(data)):
        found = _sniff_utf16(data)
        if found is not None:
            return found
        raise _DecodeFailure(
            "binary file (contains NUL bytes)" if has_nul else "binary file (control bytes)")

    if data.isascii() and _ISO2022_ESCAPES.search(data):
        # ISO-2022-JP is 7-bit, so it would pass as UTF-8: check it first.
        for name in _ISO2022_CODECS:
            try:
                return data.decode(name), name
            except UnicodeDecodeError:
                continue

    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass

    return _decode_legacy(data)


def _decode_legacy(data: bytes) -> tuple[str, str]:
    decoded = _strict_decodes(data, _LEGACY_CODECS) or _strict_decodes(data, _LEGACY_FALLBACK_CODECS)
    # BOM-less UTF-16 without NUL bytes (kana and kanji only, no ASCII, no
    # newline) is only recognisable by what it decodes to, so it competes here.
    if len(data) % 2 == 0:
        decoded.update((n, t) for n, t in _strict_decodes(data, _UTF16_CODECS).items()
                       if "\x00" not in t)
    if not decoded:
        raise _DecodeFailure(
            "undecodable text: not valid UTF-8, UTF-16, CP932/Shift_JIS, EUC-JP "
            "or ISO-2022-JP (try an explicit encoding)")

    plausible = {n: t for n, t in decoded.items() if _plausible_share(t) >= _PLAUSIBLE_MIN}
    if not plausible:
        raise _DecodeFailure(
            "binary file or unsupported encoding (no plausible decoding as "
            + ", ".join(decoded) + ")")
    name = next(iter(plausible)) if len(plausible) == 1 else _choose(data, plausible)
    return plausible[name], name


def _strict_decodes(data: bytes, names: Sequence[str]) -> dict[str, str]:
    out = {}
    for name in names:
        try:
            out[name] = data.decode(name)
        except UnicodeDecodeError:
            pass
    return out


def _choose(data: bytes, decoded: dict[str, str]) -> str:
    """Pick among codecs that all decode ``data`` plausibly.

    The Japanese score decides when it is clear; charset_normalizer is only
    asked about near ties.  On the seed corpus the score separated CP932 from
    EUC-JP in every case (margin >= 1.3), while charset_normalizer misread
    about 5% of short kanji-only strings and gives up on texts like "はい。".
    Ties keep ``decoded``'s order, so CP932 wins them.
    """
    scores = {name: _japanese_score(text) for name, text in decoded.items()}
    ranked = sorted(decoded, key=scores.__getitem__, reverse=True)
    if scores[ranked[0]] - scores[ranked[1]] >= _CLEAR_MARGIN:
        return ranked[0]

    import charset_normalizer  # lazy: only ambiguous legacy inputs pay the import

    best = charset_normalizer.from_bytes(data, cp_isolation=ranked).best()
    if best is not None:
        try:
            name = codecs.lookup(best.encoding).name
        except LookupError:
            name = ""
        if name in decoded:
            return name
    return ranked[0]


def _sniff_utf16(data: bytes) -> Optional[tuple[str, str]]:
    """BOM-less UTF-16: the plausible, most Japanese-looking byte order, or None."""
    if len(data) % 2:
        return None
    candidates = []
    for name in _UTF16_CODECS:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if "\x00" in text or _plausible_share(text) < _PLAUSIBLE_MIN:
            continue
        candidates.append((_japanese_score(text), name, text))
    if not candidates:
        return None
    _, name, text = max(candidates)
    return _strip_bom(text), name


def _plausible_share(text: str) -> float:
    """Share of (sampled) characters that belong in Japanese or Western text.

    Misdecoded bytes land in private-use, control, Hangul, Yi, rare CJK
    extension and other blocks that news text does not use.
    """
    sample = text[:_SAMPLE_CHARS]
    if not sample:
        return 1.0
    good = 0
    for ch in sample:
        o = ord(ch)
        if (0x20 <= o < 0x7F or ch in "\t\n\r\x0b\x0c\x1a\x1b"
                or 0xA0 <= o <= 0x24F          # Latin-1, Latin Extended
                or 0x370 <= o <= 0x4FF         # Greek, Cyrillic (in JIS X 0208)
                or 0x2000 <= o <= 0x2BFF       # punctuation, symbols, ①, arrows, box drawing
                or 0x3000 <= o <= 0x30FF       # CJK punctuation, kana
                or 0x31F0 <= o <= 0x33FF       # kana extensions, enclosed CJK, ㍻
                or 0x4E00 <= o <= 0x9FFF       # CJK unified ideographs
                or 0xF900 <= o <= 0xFAFF       # CJK compatibility ideographs (CP932 IBM ext.)
                or 0xFE30 <= o <= 0xFE4F       # CJK compatibility forms
                or 0xFF01 <= o <= 0xFFEF):     # full-width and half-width forms
            good += 1
    return good / len(sample)


def _japanese_score(text: str) -> float:
    """Average per-character score; higher means more like real Japanese.

    Hiragana dominates real Japanese prose; half-width katakana is what
    EUC-JP looks like when misread as CP932, and private-use/control
    characters are what misdecoding produces.
    """
    sample = text[:_SAMPLE_CHARS]
    if not sample:
        return 0.0
    score = 0.0
    for ch in sample:
        o = ord(ch)
        if 0x3041 <= o <= 0x309F:
            score += 2.0
        elif 0x4E00 <= o <= 0x9FFF:
            # Misdecoded bytes give arbitrary ideographs; Japanese text uses
            # the JIS ones (about a third of the block).
            score += 1.0 if _in_jis(ch) else -1.0
        elif 0x30A0 <= o <= 0x30FF or 0x3000 <= o <= 0x303F:
            score += 1.0
        elif o < 0x80:
            score += 0.5 if (ch.isprintable() or ch.isspace()) else -3.0
        elif 0xFF01 <= o <= 0xFF5E:
            score += 0.5
        elif 0xFF61 <= o <= 0xFF9F:
            score -= 1.0
        elif 0xE000 <= o <= 0xF8FF or unicodedata.category(ch) in ("Cc", "Cn", "Co"):
            score -= 3.0
        else:
            score -= 0.5
    return score / len(sample)


def _in_jis(ch: str) -> bool:
    try:
        ch.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

_HTML_START = re.compile(
    r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])",
    re.IGNORECASE | re.DOTALL)

_DROP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "iframe"})
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li", "main",
    "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead",
    "tr", "ul",
})
_CELL_TAGS = frozenset({"td", "th"})
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")
_LINE_SPACE = re.compile(r"[ \t]+")
_BREAK = object()  # marker for a block boundary in the output stream


def _looks_like_html(text: str) -> bool:
    return _HTML_START.match(text[:4096]) is not None


def html_to_text(markup: str) -> str:
    """Visible text of an HTML document.

    Uses BeautifulSoup with the stdlib ``html.parser``.  script, style,
    noscript, template, iframe and head are dropped; block elements (p, div,
    h1-h6, li, tr, article, section, ...) and ``<br>`` end a line; table cells
    are separated by a space.  Whitespace inside text collapses as a browser
    would, except that a line break between two full-width (CJK) characters
    disappears rather than becoming a space.  Blank lines are removed, lines
    are stripped of ASCII spaces (a leading ideographic space is kept) and
    joined with ``\\n``.
    """
    from bs4 import BeautifulSoup, NavigableString, Tag  # lazy: most inputs are not HTML

    with warnings.catch_warnings():
        # bs4 warns when markup looks like a filename or URL; irrelevant here.
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(markup, "html.parser")

    out: list[object] = []
    # Iterative walk: deeply nested (or badly unclosed) markup must not hit
    # the recursion limit.
    stack = [(soup, iter(soup.contents))]
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if node.name in _BLOCK_TAGS:
                out.append(_BREAK)
            continue
        if isinstance(child, Tag):
            name = child.name
            if name in _DROP_TAGS:
                continue
            if name == "br":
                out.append(_BREAK)
                continue
            if name in _BLOCK_TAGS:
                out.append(_BREAK)
            elif name in _CELL_TAGS:
                out.append(" ")
            stack.append((child, iter(child.contents)))
        elif type(child) is NavigableString:  # not Comment, Doctype, CData, ...
            out.append(_HTML_SPACE.sub(_collapse_space, str(child)))

    lines: list[str] = []
    current: list[str] = []
    for piece in out:
        if piece is _BREAK:
            lines.append("".join(current))
            current = []
        else:
            current.append(piece)  # type: ignore[arg-type]
    lines.append("".join(current))

    kept = []
    for line in lines:
        line = _LINE_SPACE.sub(" ", line).strip(" \t")
        if line:
            kept.append(line)
    return "\n".join(kept)


def _collapse_space(m: "re.Match[str]") -> str:
    # Browsers turn a source line break into a space, but between two CJK
    # characters that space is an artefact of hard-wrapped markup.
    run = m.group(0)
    if "\n" in run or "\r" in run:
        s, start, end = m.string, m.start(), m.end()
        if 0 < start and end < len(s) and _is_wide(s[start - 1]) and _is_wide(s[end]):
            return ""
    return " "


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _one_line(s: str) -> str:
    return s.replace("\r", "\\r").replace("\n", "\\n")
