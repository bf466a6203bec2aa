"""Cutting a document into sentences and parse units, with exact offsets.

GiNZA splits sentences inside brackets and Sudachi refuses inputs over ~49,000 bytes, so
quotex segments the text itself: never inside a bracket pair, and never longer than
MAX_UNIT characters.  Pure string work.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .brackets import Bracket

ENDERS = "。！？!?"
BREAKS = "\n\r\u2028\u2029"
# Far below Sudachi's byte limit (3 bytes a character) and long enough for any real sentence;
# longer runs (a 50,000-character line with no 。) are cut at a comma or a space.
MAX_UNIT = 2000
# A quote this long, or holding a sentence end, is masked before parsing: the parser then sees
# 「Ｑ」と述べた, which it attaches reliably, and spends no time inside the quote.
MASK = "Ｑ"
# The parser knows 「」 best: rarer brackets are shown to it as 「」 (same length, same offsets).
PARSER_BRACKETS = str.maketrans({"｢": "「", "｣": "」", "〝": "「", "〟": "」"})
MASK_MIN_LEN = 50


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int

    def text(self, doc_text: str) -> str:
        return doc_text[self.start:self.end]


def split_sentences(text: str, brackets: list[Bracket]) -> list[Sentence]:
    """Sentences as offset ranges, whitespace trimmed, empty ones dropped."""
    depth_at = _inside_mask(text, brackets)
    out: list[Sentence] = []
    start = 0
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        cut = None
        if ch in BREAKS:
            cut = i
        elif ch in ENDERS and not depth_at[i]:
            # keep a closing bracket or repeated enders with the sentence (。」 is handled by depth)
            j = i + 1
            while j < n and text[j] in ENDERS:
                j += 1
            cut = j
        if cut is not None:
            _emit(text, start, cut, out, depth_at)
            start = cut if ch not in BREAKS else cut + 1
            i = max(i + 1, start)
            continue
        i += 1
    _emit(text, start, n, out, depth_at)
    return out


def _inside_mask(text: str, brackets: list[Bracket]) -> bytearray:
    mask = bytearray(len(text) + 1)
    for b in brackets:
        if b.depth == 0:
            mask[b.start:b.end] = b"\x01" * (b.end - b.start)
    return mask


def _emit(text: str, s: int, e: int, out: list[Sentence], inside: bytearray) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    while e - s > MAX_UNIT:
        cut = _soft_cut(text, s, s + MAX_UNIT, inside)
        out.append(Sentence(s, cut))
        s = cut
    if e > s:
        out.append(Sentence(s, e))


_SOFT = re.compile(r"[、，,\s・]")


def _soft_cut(text: str, s: int, limit: int, inside: bytearray) -> int:
    """Cut before limit at the last comma or space outside brackets, else at the last comma."""
    best = None
    for m in _SOFT.finditer(text, s + MAX_UNIT // 2, limit):
        if not inside[m.start()]:
            best = m.end()
        elif best is None:
            best = None
    if best is None:
        for m in _SOFT.finditer(text, s + MAX_UNIT // 2, limit):
            best = m.end()
    return best if best is not None and best > s else limit


@dataclass(frozen=True)
class Piece:
    parse_start: int
    orig_start: int
    length: int
    masked: bool        # a masked quote: parse text is MASK, original is the whole inner text
    orig_length: int


@dataclass
class ParseUnit:
    """One sentence as the parser sees it, with the map back to document offsets."""
    sentence: Sentence
    text: str
    pieces: list[Piece]

    def to_orig(self, parse_offset: int, end: bool = False) -> int:
        for p in self.pieces:
            if p.parse_start <= parse_offset < p.parse_start + p.length or (
                end and parse_offset == p.parse_start + p.length
            ):
                if p.masked:
                    return p.orig_start + (p.orig_length if end else 0)
                return p.orig_start + (parse_offset - p.parse_start)
        return self.sentence.end if end else self.sentence.start


def parse_unit(text: str, sent: Sentence, brackets: list[Bracket]) -> ParseUnit:
    """Build the parser's text for a sentence, masking long or multi-sentence quotes."""
    pieces: list[Piece] = []
    buf: list[str] = []
    pos = sent.start
    plen = 0
    for b in brackets:
        if b.depth or b.start < sent.start or b.end > sent.end or b.unclosed:
            continue
        inner = text[b.start:b.end]
        if len(inner) < MASK_MIN_LEN and not any(c in inner for c in ENDERS):
            continue
        if b.start > pos:
            seg = text[pos:b.start]
            pieces.append(Piece(plen, pos, len(seg), False, len(seg)))
            buf.append(seg)
            plen += len(seg)
        pieces.append(Piece(plen, b.start, len(MASK), True, b.end - b.start))
        buf.append(MASK)
        plen += len(MASK)
        pos = b.end
    if pos < sent.end:
        seg = text[pos:sent.end]
        pieces.append(Piece(plen, pos, len(seg), False, len(seg)))
        buf.append(seg)
    return ParseUnit(sent, "".join(buf).translate(PARSER_BRACKETS), pieces)
