"""Reading a document's date from its text (2024年6月18日, June 17, 2024, 2024-06-18)."""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Optional

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})

_JA = re.compile(r"(?<!\d)((?:19|20)\d{2})年\s*(\d{1,2})月\s*(\d{1,2})日")
_ISO = re.compile(r"(?<!\d)((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_EN = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+(\d{1,2}),?\s+((?:19|20)\d{2})\b",
                 re.IGNORECASE)


def _make(y: int, m: int, d: int) -> Optional[date]:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_dates(text: str) -> list[tuple[int, date]]:
    """Every full date in the text with its offset, in text order."""
    t = unicodedata.normalize("NFKC", text) if not text.isascii() else text
    found: list[tuple[int, date]] = []
    for m in _JA.finditer(t):
        d = _make(int(m[1]), int(m[2]), int(m[3]))
        if d:
            found.append((m.start(), d))
    for m in _ISO.finditer(t):
        d = _make(int(m[1]), int(m[2]), int(m[3]))
        if d:
            found.append((m.start(), d))
    for m in _EN.finditer(t):
        d = _make(int(m[3]), _MONTHS[m[1].lower().rstrip(".")], int(m[2]))
        if d:
            found.append((m.start(), d))
    return sorted(found)


def document_date(text: str) -> Optional[date]:
    """The document's date: the first full date it gives (news datelines come first).

    Relative days (19日) are read against this date by the caller when needed; a document
    with no full date has none, and titles are then resolved without one.
    """
    found = find_dates(text)
    return found[0][1] if found else None


def parse_date(value: str) -> date:
    """Parse a user's --date/--since/--until value: 2024-06-18, 2024/6/18, 2024年6月18日."""
    found = find_dates(value.strip())
    if not found:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD)") from None
    return found[0][1]
