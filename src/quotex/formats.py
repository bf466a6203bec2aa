"""Output formats for quotex: JSON Lines, JSON, CSV, Markdown and rich tables.

Nothing here imports spaCy.  ``rich`` is imported lazily, inside the functions
that draw tables or documents, so the machine-readable formats stay cheap.

Streams
-------
Every writer takes ``out``, which may be a text stream (``sys.stdout``,
``io.StringIO``) or a binary one (``sys.stdout.buffer``, ``io.BytesIO``, a file
opened with ``"wb"``).  Binary streams always receive UTF-8; text streams get
``str`` and their own encoding applies.  Pass a binary stream when the bytes
must be UTF-8 whatever the locale says.

The ``table`` format is drawn on a :class:`rich.console.Console`; pass one as
``console=`` so the caller controls colour (rich honours ``NO_COLOR``) and
width.  Without one, a console writing to ``out`` is made.

Broken pipes are the caller's business: nothing here catches them.
"""
from __future__ import annotations

import csv
import hashlib
from bisect import bisect_left, bisect_right
import io
from collections import Counter
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional, Union

import orjson

from .records import Quote

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console
    from rich.text import Text

__all__ = [
    "FORMATS",
    "RECORD_CSV_COLUMNS",
    "PEOPLE_COLUMNS",
    "PALETTE",
    "resolve_format",
    "speaker_style",
    "write_records",
    "write_people",
    "highlight_document",
    "render_document",
]

FORMATS = ("auto", "table", "jsonl", "json", "csv", "md")

RECORD_CSV_COLUMNS = (
    "doc", "start", "end", "kind",
    "speaker_name", "speaker_mention", "speaker_kind", "speaker_title",
    "cue", "confidence", "evidence", "quote", "sentence",
)
# Markdown is meant for reading, so it leaves out the long sentence column.
RECORD_MD_COLUMNS = (
    "speaker_name", "speaker_mention", "kind", "quote", "cue",
    "doc", "start", "end", "confidence", "evidence",
)
PEOPLE_COLUMNS = ("name", "kind", "qid", "count", "mentions", "titles")
LIST_SEP = ";"  # joins mentions/titles in the flat formats (csv, md)

# Mid-luminance colours that stay readable on both dark and light backgrounds.
PALETTE = (
    "cyan", "magenta", "green", "blue", "red", "dark_orange",
    "medium_purple", "spring_green3", "deep_pink3", "dodger_blue2",
    "gold3", "dark_cyan",
)
UNKNOWN_STYLE = "dim"

QUOTE_MAX_CELLS = 70   # widest the quote column of a table gets
SPEAKER_MAX_CELLS = 14
DOC_MAX_CELLS = 24

Out = Union[IO[str], IO[bytes]]


# --------------------------------------------------------------------------- #
# small helpers

def resolve_format(fmt: str, is_tty: bool) -> str:
    """Turn ``auto`` into ``table`` on a terminal and ``jsonl`` otherwise."""
    fmt = (fmt or "auto").lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "auto":
        return "table" if is_tty else "jsonl"
    return fmt


def speaker_style(name: Optional[str]) -> str:
    """A colour for a speaker, the same in every run (``dim`` for nobody)."""
    if not name:
        return UNKNOWN_STYLE
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return PALETTE[int.from_bytes(digest, "big") % len(PALETTE)]


def _is_binary(out: Any) -> bool:
    if isinstance(out, io.TextIOBase):
        return False
    if isinstance(out, (io.RawIOBase, io.BufferedIOBase)):
        return True
    mode = getattr(out, "mode", None)
    if isinstance(mode, str):
        return "b" in mode
    return not hasattr(out, "encoding")


def _isatty(out: Any) -> bool:
    try:
        return bool(out.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _byte_writer(out: Out) -> Callable[[bytes], Any]:
    """A function writing UTF-8 bytes to ``out`` whatever kind of stream it is."""
    if _is_binary(out):
        return out.write  # type: ignore[return-value]
    return lambda b: out.write(b.decode("utf-8"))  # type: ignore[arg-type]


@contextmanager
def _text_stream(out: Out) -> Iterator[IO[str]]:
    """``out`` as a text stream; a binary one is wrapped (UTF-8) and released after."""
    if not _is_binary(out):
        yield out  # type: ignore[misc]
        return
    wrapper = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)  # type: ignore[arg-type]
    try:
        yield wrapper
    finally:
        wrapper.flush()
        wrapper.detach()  # leave the caller's stream open


@contextmanager
def _console_for(out: Optional[Out], console: Optional["Console"]) -> Iterator["Console"]:
    """The caller's console, or one writing to ``out`` (a binary ``out`` is left open)."""
    if console is not None:
        yield console
        return
    from rich.console import Console

    if out is None:
        yield Console()
        return
    with _text_stream(out) as text:
        yield Console(file=text)


def _choose(fmt: str, out: Optional[Out], console: Optional["Console"]) -> str:
    if (fmt or "auto").lower() == "auto":
        tty = console.is_terminal if console is not None else _isatty(out)
        return resolve_format("auto", tty)
    return resolve_format(fmt, False)


def _flat_record(q: Quote) -> dict[str, Any]:
    sp = q.speaker
    return {
        "doc": q.doc, "start": q.start, "end": q.end, "kind": q.kind,
        "speaker_name": sp.name, "speaker_mention": sp.mention,
        "speaker_kind": sp.kind, "speaker_title": sp.title,
        "cue": q.cue, "confidence": q.confidence, "evidence": q.evidence,
        "quote": q.quote, "sentence": q.sentence,
    }


def _person(p: dict[str, Any]) -> dict[str, Any]:
    """A people dict with the canonical keys first, in order; extra keys kept after."""
    d: dict[str, Any] = {k: p.get(k) for k in PEOPLE_COLUMNS}
    d["mentions"] = list(d["mentions"] or [])
    d["titles"] = list(d["titles"] or [])
    d["count"] = d["count"] or 0
    d.update((k, v) for k, v in p.items() if k not in d)
    return d


def _flat_person(p: dict[str, Any]) -> dict[str, Any]:
    d = _person(p)
    return {
        "name": d["name"], "kind": d["kind"], "qid": d["qid"], "count": d["count"],
        "mentions": LIST_SEP.join(d["mentions"]), "titles": LIST_SEP.join(d["titles"]),
    }


def _cell(v: Any) -> str:
    return "" if v is None else str(v)


def _md_cell(v: Any) -> str:
    s = _cell(v)
    s = s.replace("\\", "\\\\").replace("|", "\\|")
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")
    return s


# --------------------------------------------------------------------------- #
# generic writers over dict rows

def _write_jsonl(rows: Iterable[dict[str, Any]], out: Out) -> int:
    write = _byte_writer(out)
    n = 0
    for row in rows:
        write(orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE))
        n += 1
    return n


def _write_json(rows: Iterable[dict[str, Any]], out: Out) -> int:
    """A pretty (indent 2) JSON array, written one element at a time.

    The bytes are the same as ``orjson.dumps(list(rows), option=OPT_INDENT_2)``
    plus a final newline: each element is dumped with indent 2 and shifted one
    level in (JSON strings never hold a raw newline, so this is safe).
    """
    write = _byte_writer(out)
    n = 0
    for row in rows:
        write(b"[\n  " if n == 0 else b",\n  ")
        write(orjson.dumps(row, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n  "))
        n += 1
    write(b"\n]\n" if n else b"[]\n")
    return n


def _write_csv(rows: Iterable[dict[str, Any]], columns: tuple[str, ...], out: Out) -> int:
    n = 0
    with _text_stream(out) as text:
        w = csv.DictWriter(text, fieldnames=list(columns), lineterminator="\n",
                           extrasaction="ignore")
        w.writeheader()
        for row in rows:
            w.writerow({k: _cell(row.get(k)) for k in columns})
            n += 1
    return n


def _write_md(rows: Iterable[dict[str, Any]], columns: tuple[str, ...], out: Out) -> int:
    n = 0
    with _text_stream(out) as text:
        text.write("| " + " | ".join(columns) + " |\n")
        text.write("|" + "|".join("---" for _ in columns) + "|\n")
        for row in rows:
            text.write("| " + " | ".join(_md_cell(row.get(k)) for k in columns) + " |\n")
            n += 1
    return n


# --------------------------------------------------------------------------- #
# rich tables

def _truncate_left(s: str, max_cells: int) -> str:
    """Keep the end of ``s`` (a path's file name matters most), prefixing ``…``."""
    from rich.cells import cell_len

    if cell_len(s) <= max_cells:
        return s
    keep: list[str] = []
    used = 1  # the ellipsis
    for ch in reversed(s):
        w = cell_len(ch)
        if used + w > max_cells:
            break
        keep.append(ch)
        used += w
    return "…" + "".join(reversed(keep))


def _one_line(s: str) -> str:
    return " ".join(s.split()) if ("\n" in s or "\r" in s or "\t" in s) else s


def _records_table(records: Iterable[Quote], width: int) -> tuple[Any, int]:
    """A table of quotes that fits in ``width`` cells without wrapping any row.

    Column widths are worked out here rather than left to rich, so that the
    quote gets the room: speaker, kind and confidence keep their size (speaker
    capped), ``doc:start`` gets at most a third of what is left (cut from the
    left, keeping the file name and offset), and the quote gets the rest, cut
    with an ellipsis.  On narrow consoles doc:start, then kind, are dropped and then the
    speaker column shrinks.
    """
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    rows = []
    for q in records:
        sp = q.speaker
        label = sp.name or sp.mention or "?"
        mention = sp.mention if (sp.name and sp.mention and sp.mention != sp.name) else None
        rows.append((q, label, mention, _one_line(q.quote), f"{q.doc}:{q.start}"))
    if not rows:
        return Table(), 0

    speaker_w = min(SPEAKER_MAX_CELLS, max(cell_len("speaker"), *(
        max(cell_len(label), cell_len(mention or "")) for _, label, mention, _, _ in rows)))
    kind_w = max(cell_len("kind"), *(cell_len(q.kind) for q, *_ in rows))
    conf_w = cell_len("conf")
    doc_content = max(cell_len("doc:start"), *(cell_len(w) for *_, w in rows))
    quote_content = max(cell_len("quote"), *(cell_len(t) for *_, t, _ in rows))

    show_kind = show_doc = True
    while True:
        ncols = 3 + show_kind + show_doc
        room = width - (3 * ncols + 1) - speaker_w - conf_w - (kind_w if show_kind else 0)
        doc_w = min(doc_content, DOC_MAX_CELLS, max(10, room // 3)) if show_doc else 0
        quote_w = min(quote_content, QUOTE_MAX_CELLS, room - doc_w)
        if quote_w >= 12 or not (show_doc or show_kind):
            break
        if show_doc:
            show_doc = False
        else:
            show_kind = False
    if quote_w < 12:  # still too narrow: let the speaker give way too
        give = min(12 - quote_w, speaker_w - 6)
        if give > 0:
            speaker_w -= give
            quote_w += give
    quote_w = max(quote_w, 1)

    table = Table(header_style="bold")
    table.add_column("speaker", width=speaker_w, no_wrap=True, overflow="ellipsis")
    if show_kind:
        table.add_column("kind", width=kind_w, no_wrap=True, overflow="ellipsis")
    table.add_column("quote", width=quote_w, no_wrap=True, overflow="ellipsis")
    if show_doc:
        table.add_column("doc:start", width=doc_w, no_wrap=True, overflow="ellipsis")
    table.add_column("conf", width=conf_w, no_wrap=True, justify="right")
    for q, label, mention, quote, where in rows:
        named = q.speaker.name is not None
        style = speaker_style(q.speaker.name) if named else UNKNOWN_STYLE
        who = Text(label, style=style)
        if mention:
            who.append("\n" + mention, style="dim")
        cells: list[Any] = [who]
        if show_kind:
            cells.append(Text(q.kind, style={"direct": "bold", "indirect": "italic"}.get(q.kind, "")))
        cells.append(Text(quote, style=style if named else ""))
        if show_doc:
            cells.append(Text(_truncate_left(where, doc_w), style="dim"))
        cells.append(f"{q.confidence:.2f}")
        table.add_row(*cells)
    return table, len(rows)


def _people_table(people: Iterable[dict[str, Any]]) -> tuple[Any, int]:
    from rich.table import Table
    from rich.text import Text

    table = Table(header_style="bold")
    table.add_column("name", no_wrap=True, overflow="ellipsis", max_width=SPEAKER_MAX_CELLS)
    table.add_column("kind", no_wrap=True)
    table.add_column("qid", no_wrap=True, style="dim")
    table.add_column("count", no_wrap=True, justify="right")
    table.add_column("mentions", overflow="ellipsis")
    table.add_column("titles", overflow="ellipsis")
    n = 0
    for p in map(_person, people):
        name = p["name"]
        table.add_row(
            Text(name or "?", style=speaker_style(name), no_wrap=True, overflow="ellipsis"),
            _cell(p["kind"]), _cell(p["qid"]), str(p["count"]),
            Text("、".join(p["mentions"]), no_wrap=True, overflow="ellipsis"),
            Text("、".join(p["titles"]), no_wrap=True, overflow="ellipsis"),
        )
        n += 1
    return table, n


def _print_table(table: Any, n: int, console: "Console", empty: str) -> None:
    if n:
        console.print(table)
    else:
        console.print(empty, style="dim", markup=False, highlight=False)


# --------------------------------------------------------------------------- #
# public writers

def write_records(
    records: Iterable[Quote],
    fmt: str,
    out: Optional[Out] = None,
    *,
    console: Optional["Console"] = None,
) -> int:
    """Write quote records to ``out`` (or ``console`` for ``table``); return how many.

    ``jsonl`` and ``json`` stream: each record is written as it arrives.
    ``csv`` streams too; ``table`` collects the rows before drawing.
    ``fmt="auto"`` is resolved from ``console.is_terminal`` or ``out.isatty()``.
    """
    fmt = _choose(fmt, out, console)
    if fmt == "table":
        with _console_for(out, console) as con:
            table, n = _records_table(records, con.width)
            _print_table(table, n, con, "(no quotes)")
        return n
    if out is None:
        raise ValueError(f"format {fmt!r} needs an output stream")
    if fmt == "jsonl":
        return _write_jsonl((q.to_dict() for q in records), out)
    if fmt == "json":
        return _write_json((q.to_dict() for q in records), out)
    if fmt == "csv":
        return _write_csv(map(_flat_record, records), RECORD_CSV_COLUMNS, out)
    if fmt == "md":
        return _write_md(map(_flat_record, records), RECORD_MD_COLUMNS, out)
    raise AssertionError(fmt)  # pragma: no cover - resolve_format checked it


def write_people(
    people: Iterable[dict[str, Any]],
    fmt: str,
    out: Optional[Out] = None,
    *,
    console: Optional["Console"] = None,
) -> int:
    """Write people (dicts with name, kind, qid, count, mentions, titles); return how many.

    jsonl/json keep the lists; csv and md join them with ``;``.
    """
    fmt = _choose(fmt, out, console)
    if fmt == "table":
        with _console_for(out, console) as con:
            table, n = _people_table(people)
            _print_table(table, n, con, "(no people)")
        return n
    if out is None:
        raise ValueError(f"format {fmt!r} needs an output stream")
    if fmt == "jsonl":
        return _write_jsonl(map(_person, people), out)
    if fmt == "json":
        return _write_json(map(_person, people), out)
    if fmt == "csv":
        return _write_csv(map(_flat_person, people), PEOPLE_COLUMNS, out)
    if fmt == "md":
        return _write_md(map(_flat_person, people), PEOPLE_COLUMNS, out)
    raise AssertionError(fmt)  # pragma: no cover


# --------------------------------------------------------------------------- #
# quotex show

def _marker(q: Quote) -> str:
    sp = q.speaker
    return f" ⟨{sp.name or sp.mention or '?'}⟩"


def highlight_document(text: str, records: Iterable[Quote]) -> tuple["Text", list[Quote], list[Quote]]:
    """The document as a rich Text with quote spans styled and speaker markers inserted.

    Returns ``(rich_text, shown, skipped)``; records whose offsets fall outside
    the text (or are empty) are skipped rather than guessed at.

    Spans are styled outermost first, so a quote nested in another keeps its
    own colour inside the outer one; partly overlapping spans are both styled
    and the later one wins where they overlap.  A marker goes right after each
    span's end; markers sharing an end are ordered innermost first.
    """
    from rich.text import Text

    n = len(text)
    shown: list[Quote] = []
    skipped: list[Quote] = []
    for q in records:
        (shown if 0 <= q.start < q.end <= n else skipped).append(q)
    # outermost first: earlier start, then longer span
    shown.sort(key=lambda q: (q.start, -q.end))

    # Markers in output order: by position, and at one position innermost
    # (latest start) first.  ends[k]/cum[k]: original position of the k-th
    # marker and the total marker length up to and including it.
    order = sorted(range(len(shown)), key=lambda i: (shown[i].end, -shown[i].start))
    labels = {i: _marker(shown[i]) for i in order}
    parts: list[str] = []
    marker_at: dict[int, int] = {}  # index in shown -> offset of its marker in the output
    ends: list[int] = []
    cum: list[int] = []
    pos = total = 0
    for i in order:
        end = shown[i].end
        parts.append(text[pos:end])
        pos = end
        marker_at[i] = end + total
        parts.append(labels[i])
        total += len(labels[i])
        ends.append(end)
        cum.append(total)
    parts.append(text[pos:])

    def inserted(k: int) -> int:
        """Marker length inserted by the first ``k`` markers."""
        return cum[k - 1] if k else 0

    rich_text = Text("".join(parts))
    for i, q in enumerate(shown):  # outermost first, so nested spans keep their colour
        colour = speaker_style(q.speaker.name)
        style = f"bold {colour}" if q.speaker.name else "bold underline"
        # a span starts after every marker at or before its start, and ends
        # before the markers at its own end (its own marker among them)
        start = q.start + inserted(bisect_right(ends, q.start))
        end = q.end + inserted(bisect_left(ends, q.end))
        rich_text.stylize(style, start, end)
    for i, q in enumerate(shown):
        style = f"dim {speaker_style(q.speaker.name)}" if q.speaker.name else "dim"
        rich_text.stylize(style, marker_at[i], marker_at[i] + len(labels[i]))
    return rich_text, shown, skipped


def render_document(
    text: str,
    records: Iterable[Quote],
    console: "Console",
    *,
    title: Optional[str] = None,
) -> None:
    """Print ``text`` with each quote highlighted in its speaker's colour, then a legend."""
    from rich.text import Text

    rich_text, shown, skipped = highlight_document(text, records)
    if title:
        console.rule(Text(title), style="dim")
    # soft_wrap: rich inserts no line breaks of its own (the terminal wraps),
    # so a marker always sits right after its span, even at the edge.
    console.print(rich_text, markup=False, highlight=False, soft_wrap=True)

    counts = Counter(q.speaker.name for q in shown)
    legend = Text()
    legend.append("speakers: ", style="bold")
    if not counts:
        legend.append("(no quotes)", style="dim")
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))
    for j, (name, count) in enumerate(ordered):
        if j:
            legend.append("  ")
        legend.append(f"⟨{name or '?'}⟩", style=f"bold {speaker_style(name)}" if name else "dim")
        legend.append(f" ×{count}")
    console.rule(style="dim")
    console.print(legend, markup=False, highlight=False)
    if skipped:
        console.print(
            f"{len(skipped)} quote(s) not shown: offsets outside the text "
            f"(length {len(text)})",
            style="dim", markup=False, highlight=False,
        )
