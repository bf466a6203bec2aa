"""Finding bracket pairs in Japanese text: 「」『』“”｢｣〝〟, nested and unclosed.

Pure string work, no NLP: the scanner runs on every document, so it must be cheap and
must never raise, whatever the input.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

PAIRS = {"「": "」", "『": "』", "“": "”", "｢": "｣", "〝": "〟"}
CLOSERS = {v: k for k, v in PAIRS.items()}
# A quote never runs across a paragraph: an opener still open at a line break is unclosed
# and its span ends at the end of that line.
LINE_BREAKS = "\n\r\u2028\u2029"


@dataclass(frozen=True)
class Bracket:
    open: int                 # offset of the opening bracket character
    start: int                # first character inside
    end: int                  # one past the last character inside (text[start:end] is the inner text)
    close: Optional[int]      # offset of the closing bracket, None when unclosed
    pair: str                 # e.g. "「」"
    depth: int                # 0 for outermost
    parent: Optional[int]     # index of the enclosing bracket in the returned list

    @property
    def unclosed(self) -> bool:
        return self.close is None

    @property
    def outer_end(self) -> int:
        """One past the closing bracket (or the inner end when unclosed)."""
        return self.end + (0 if self.close is None else 1)


def find_brackets(text: str) -> list[Bracket]:
    """Return every bracket pair in document order (by opening offset).

    Mismatched closers are ignored; a closer that matches an opener lower in the stack
    closes that one and leaves the ones above it unclosed (ending where the closer is).
    """
    found: dict[int, Bracket] = {}
    stack: list[tuple[int, str, int]] = []  # (open offset, opener, order index)
    order: list[int] = []

    def finish(open_at: int, opener: str, end: int, close: Optional[int]) -> None:
        depth = len(stack)
        parent_open = stack[-1][0] if stack else None
        found[open_at] = Bracket(open_at, open_at + 1, end, close, opener + PAIRS[opener], depth,
                                 parent_open)  # parent is fixed up to an index below

    for i, ch in enumerate(text):
        if ch in PAIRS:
            stack.append((i, ch, len(order)))
            order.append(i)
        elif ch in CLOSERS:
            opener = CLOSERS[ch]
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][1] == opener:
                    while len(stack) > k + 1:  # inner openers never closed: they end here
                        o, och, _ = stack.pop()
                        finish(o, och, i, None)
                    o, och, _ = stack.pop()
                    finish(o, och, i, i)
                    break
        elif ch in LINE_BREAKS and stack:
            while stack:
                o, och, _ = stack.pop()
                finish(o, och, i, None)
    while stack:
        o, och, _ = stack.pop()
        finish(o, och, len(text), None)

    index = {o: n for n, o in enumerate(sorted(found))}
    out = []
    for o in sorted(found):
        b = found[o]
        parent = index[b.parent] if b.parent is not None else None
        out.append(Bracket(b.open, b.start, b.end, b.close, b.pair, b.depth, parent))
    return out

