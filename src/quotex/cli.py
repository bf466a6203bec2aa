"""The command line: parse options, call one library function, render, map errors to exit codes.

Everything that does work lives in run.py and below; this module only talks to the user.
Errors are mapped to exit codes in one place, main().
"""
from __future__ import annotations

import enum
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__
from .formats import FORMATS

app = typer.Typer(
    name="quotex",
    help="Who said what in Japanese news: quotations, their speakers, as JSON Lines or tables.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,  # never dump locals or a traceback at the user
    rich_markup_mode=None,
)


class ExitStatus(enum.IntEnum):
    OK = 0
    ERROR = 1          # some input failed, or a name matched nobody
    USAGE = 2          # bad options, missing paths
    INTERRUPTED = 130


# -- shared options -----------------------------------------------------------------------

FormatOpt = typer.Option("auto", "--format", "-f", help=f"Output format: {'|'.join(FORMATS)}. "
                         "auto = a table on a terminal, JSON Lines when piped.")
DbOpt = typer.Option(None, "--db", help="The store's SQLite file (default: $QUOTEX_HOME/quotex.db "
                     "or the user data directory).", envvar="QUOTEX_DB")
SpeakerOpt = typer.Option(None, "--speaker", help="Only this speaker (any alias: 林官房長官, プーチン).")
KindOpt = typer.Option(None, "--kind", help="Only these kinds, comma-separated: direct,partial,indirect.")
ContainsOpt = typer.Option(None, "--contains", help="Only quotes containing this text.")
DocOpt = typer.Option(None, "--doc", help="Only documents whose path matches this glob.")
MinConfOpt = typer.Option(None, "--min-confidence", min=0.0, max=1.0, help="Only records this sure (0-1).")
SinceOpt = typer.Option(None, "--since", help="Only documents dated on or after (YYYY-MM-DD).")
UntilOpt = typer.Option(None, "--until", help="Only documents dated on or before (YYYY-MM-DD).")


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _stdout_console():
    from rich.console import Console

    return Console(highlight=False)


def _warn(msg: str) -> None:
    _stderr_console().print(f"quotex: {msg}", markup=False, highlight=False)


def _version_callback(value: bool):
    if value:
        typer.echo(f"quotex {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                       help="Print the version and exit.")):
    """Who said what in Japanese news."""


def _filter(speaker, kind, contains, doc, min_confidence, since, until, store=None):
    from .dates import parse_date
    from .records import KINDS
    from .run import RecordFilter, UsageError, resolve_speaker

    speakers = None
    if speaker:
        m = resolve_speaker(speaker, store)
        if not m.names:
            raise _no_match(speaker, m)
        speakers = tuple(m.names)
    kinds = None
    if kind:
        kinds = tuple(k.strip() for k in kind.split(",") if k.strip())
        bad = [k for k in kinds if k not in KINDS]
        if bad:
            raise UsageError(f"--kind: unknown kind {', '.join(bad)} (choose from {', '.join(KINDS)})")
    try:
        s = parse_date(since) if since else None
        u = parse_date(until) if until else None
    except ValueError as e:
        raise UsageError(f"--since/--until: {e}") from None
    return RecordFilter(speakers, kinds, contains, doc, min_confidence, s, u)


def _no_match(name, m):
    from .run import QuotexError

    if len(m.names) > 1:
        return QuotexError(f"{name!r} is ambiguous: could be {', '.join(m.names)}; give the full name")
    hint = f"; closest known: {', '.join(m.closest)}" if m.closest else ""
    return QuotexError(f"no known speaker matches {name!r}{hint}")


def _check_format(fmt: str) -> str:
    from .run import UsageError

    if fmt not in FORMATS:
        raise UsageError(f"--format: unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    return fmt


def _emit(records, fmt: str) -> int:
    from .formats import resolve_format, write_records

    fmt = resolve_format(fmt, sys.stdout.isatty())
    if fmt == "table":
        return write_records(records, "table", console=_stdout_console())
    return write_records(records, fmt, sys.stdout.buffer)


def _progress_callbacks():
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        return (lambda done, total: None), (lambda: None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    prog = Progress(TextColumn("extracting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=_stderr_console(), transient=True)
    task = prog.add_task("extract", total=None)
    prog.start()

    def update(done, total):
        prog.update(task, completed=done, total=total)

    return update, prog.stop


def _settings(db, encoding=None, date=None, refresh=False, workers=1, indirect=True, no_store=False, flt=None):
    from .dates import parse_date
    from .run import ExtractSettings, RecordFilter, UsageError

    d = None
    if date:
        try:
            d = parse_date(date)
        except ValueError as e:
            raise UsageError(f"--date: {e}") from None
    if encoding:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            raise UsageError(f"--encoding: unknown encoding {encoding!r}") from None
    return ExtractSettings(encoding=encoding, doc_date=d, refresh=refresh, workers=workers, indirect=indirect,
                           store_path=db, use_store=not no_store, filter=flt or RecordFilter())


def _run_extract(paths, settings, fmt: str) -> int:
    """Extract, render, report failures; returns the exit status."""
    from .run import Report, UsageError, extract_paths
    from .sources import missing_paths

    missing = missing_paths(paths)
    if missing:
        raise UsageError(f"{missing[0]}: no such file or directory")
    report = Report()
    update, stop = _progress_callbacks()
    try:
        _emit(extract_paths(paths, settings, report, on_error=lambda e: _warn(str(e)), on_progress=update),
              fmt)
    finally:
        stop()
    if report.failures:
        _warn(f"{len(report.failures)} of {len(report.failures) + report.documents} inputs could not be read")
        return ExitStatus.ERROR
    return ExitStatus.OK


# -- commands -----------------------------------------------------------------------------

@app.command()
def extract(
    paths: List[str] = typer.Argument(..., help="Files, directories (*.txt, *.html, *.md, recursively) or - for stdin."),
    fmt: str = FormatOpt,
    db: Optional[Path] = DbOpt,
    no_store: bool = typer.Option(False, "--no-store", help="Do not read or write the local store."),
    refresh: bool = typer.Option(False, "--refresh", help="Parse again even documents the store has."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, max=64, help="Processes, each loading the model once."),
    date: Optional[str] = typer.Option(None, "--date", help="The documents' date (for titles), if the text gives none."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Decode inputs with this codec instead of detecting."),
    indirect: bool = typer.Option(True, "--indirect/--no-indirect", help="Also report speech without brackets."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", envvar="QUOTEX_SCHEDULER",
                                            help="Dask scheduler address, or 'local' for a LocalCluster."),
    out_dir: Optional[Path] = typer.Option(None, "--out-dir", help="With --scheduler: write JSON Lines shards here."),
    speaker: Optional[str] = SpeakerOpt, kind: Optional[str] = KindOpt, contains: Optional[str] = ContainsOpt,
    doc: Optional[str] = DocOpt, min_confidence: Optional[float] = MinConfOpt,
    since: Optional[str] = SinceOpt, until: Optional[str] = UntilOpt,
):
    """Extract every quotation and reported statement, attributed to its speaker."""
    _check_format(fmt)
    flt = _filter(speaker, kind, contains, doc, min_confidence, since, until)
    settings = _settings(db, encoding, date, refresh, workers, indirect, no_store, flt)
    if scheduler:
        from .run import UsageError

        try:
            from .cluster import run_cluster
        except ImportError:
            raise UsageError("--scheduler needs the dask extra: pip install 'quotex[dask]'") from None
        raise typer.Exit(run_cluster(paths, settings, scheduler, out_dir, emit=lambda recs: _emit(recs, fmt),
                                     warn=_warn))
    raise typer.Exit(_run_extract(paths, settings, fmt))


@app.command("who-said")
def who_said(
    name: str = typer.Argument(..., help="Any form of the name: 林官房長官, 林芳正, プーチン, キム総書記."),
    paths: Optional[List[str]] = typer.Argument(None, help="Read these instead of the store."),
    fmt: str = FormatOpt,
    db: Optional[Path] = DbOpt,
    kind: Optional[str] = KindOpt, contains: Optional[str] = ContainsOpt, doc: Optional[str] = DocOpt,
    min_confidence: Optional[float] = MinConfOpt, since: Optional[str] = SinceOpt, until: Optional[str] = UntilOpt,
):
    """Every quote by one person, whatever form their name takes."""
    from .run import iter_paths_default, open_store, resolve_speaker

    _check_format(fmt)
    store = open_store(db)
    try:
        empty = not store.documents()
        m = resolve_speaker(name, store)
        if len(m.names) != 1:
            raise _no_match(name, m)
        flt = _filter(None, kind, contains, doc, min_confidence, since, until)
        from dataclasses import replace

        flt = replace(flt, speakers=tuple(m.names))
        if not paths and not empty:
            args = flt.query_args()
            _emit(store.query(**args), fmt)
            raise typer.Exit(ExitStatus.OK)
    finally:
        store.close()
    paths = paths or iter_paths_default()
    if not paths:
        from .run import UsageError

        raise UsageError("the store is empty and no PATH was given: run 'quotex extract PATH' first")
    raise typer.Exit(_run_extract(paths, _settings(db, flt=flt), fmt))


@app.command()
def people(fmt: str = FormatOpt, db: Optional[Path] = DbOpt):
    """Every speaker in the store, with counts, the names used for them and their titles."""
    from .formats import resolve_format, write_people
    from .run import open_store

    _check_format(fmt)
    with open_store(db) as st:
        rows = st.people()
    f = resolve_format(fmt, sys.stdout.isatty())
    if f == "table":
        write_people(rows, "table", console=_stdout_console())
    else:
        write_people(rows, f, sys.stdout.buffer)


@app.command()
def show(
    file: str = typer.Argument(..., help="One document to render with its quotes highlighted."),
    db: Optional[Path] = DbOpt,
    encoding: Optional[str] = typer.Option(None, "--encoding"),
    date: Optional[str] = typer.Option(None, "--date"),
):
    """Print a document with every quote coloured by speaker and the speaker named beside it."""
    from .formats import render_document
    from .run import Report, extract_paths
    from .sources import SourceError, read_document

    settings = _settings(db, encoding, date)
    if file != "-" and not os.path.exists(file):
        from .run import UsageError

        raise UsageError(f"{file}: no such file or directory")
    try:
        doc = read_document(file, encoding)
    except SourceError as e:
        from .run import QuotexError

        raise QuotexError(str(e)) from None
    recs = list(extract_paths([file], settings, Report()))
    render_document(doc.text, recs, _stdout_console(), title=file)


@app.command()
def info(db: Optional[Path] = DbOpt):
    """Versions of quotex and its NLP stack, and where the store lives."""
    from importlib.metadata import PackageNotFoundError, version

    from .store import default_store_path

    rows = [("quotex", __version__)]
    for pkg in ("spacy", "ginza", "ja-ginza", "sudachipy", "sudachidict-core"):
        try:
            rows.append((pkg, version(pkg)))
        except PackageNotFoundError:
            rows.append((pkg, "not installed"))
    rows.append(("store", str(db or default_store_path())))
    for k, v in rows:
        typer.echo(f"{k:18} {v}")


@app.command("eval")
def evaluate_cmd(
    paths: List[str] = typer.Argument(..., help="The documents the gold file annotates (seeds/)."),
    gold: Path = typer.Option(..., "--gold", help="Gold annotations (JSON Lines, see shared/gold/README.md)."),
    indirect_gold: Optional[Path] = typer.Option(None, "--indirect-gold",
                                                 help="Gold for reported speech (default: seeds-indirect.jsonl beside --gold)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every miss, wrong speaker and extra."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
):
    """Score quotex against hand annotations: detection, attribution, end to end."""
    import orjson

    from .run import ExtractSettings, UsageError, evaluate_paths

    if not gold.exists():
        raise UsageError(f"{gold}: no such file or directory")
    if indirect_gold is None:
        cand = gold.with_name(gold.stem + "-indirect.jsonl")
        indirect_gold = cand if cand.exists() else None
    scores, report = evaluate_paths(paths, gold, indirect_gold, ExtractSettings(use_store=False))
    if as_json:
        sys.stdout.buffer.write(orjson.dumps([s.as_dict() for s in scores], option=orjson.OPT_INDENT_2) + b"\n")
    else:
        for s in scores:
            d = s.as_dict()
            typer.echo(f"{d['set']}: gold {d['gold']}, predicted {d['predicted']}, matched {d['matched']}")
            typer.echo(f"  detection   P {d['detection_precision']:.3f}  R {d['detection_recall']:.3f}  "
                       f"F1 {d['detection_f1']:.3f}")
            typer.echo(f"  attribution accuracy {d['attribution_accuracy']:.3f}   kind accuracy {d['kind_accuracy']:.3f}")
            typer.echo(f"  end to end  P {d['end_to_end_precision']:.3f}  R {d['end_to_end_recall']:.3f}  "
                       f"F1 {d['end_to_end_f1']:.3f}")
            if verbose:
                for err in s.errors:
                    what, doc, start, quote, pred, want = err
                    q = quote if len(quote) <= 40 else quote[:39] + "…"
                    typer.echo(f"    {what:13} {doc}:{start}  「{q}」  got {pred!r}  want {want!r}")
    if report.failures:
        raise typer.Exit(ExitStatus.ERROR)


@app.command("import")
def import_cmd(
    directory: Path = typer.Argument(..., help="A directory of JSON Lines shards written by --out-dir."),
    db: Optional[Path] = DbOpt,
):
    """Load shards written by 'extract --out-dir' into the store; importing twice changes nothing."""
    from .run import UsageError

    try:
        from .cluster import import_shards
    except ImportError:
        raise UsageError("import needs the dask extra: pip install 'quotex[dask]'") from None
    if not directory.is_dir():
        raise UsageError(f"{directory}: not a directory")
    n_docs, n_recs = import_shards(directory, db)
    _warn(f"imported {n_docs} documents, {n_recs} records")


def main() -> None:
    """Entry point: the one place where errors become messages and exit codes."""
    from .run import QuotexError

    try:
        app(standalone_mode=False)
    except QuotexError as e:
        _warn(str(e))
        sys.exit(e.exit_code)
    except (typer.Exit, SystemExit) as e:
        code = getattr(e, "exit_code", None)
        if code is None:
            code = e.code if isinstance(e, SystemExit) else 0
        _close_stdout()
        sys.exit(int(code or 0))
    except KeyboardInterrupt:
        _warn("interrupted; finished documents are stored")
        sys.exit(ExitStatus.INTERRUPTED)
    except BrokenPipeError:
        _quiet_pipe()
    except __import__("click").exceptions.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except __import__("click").exceptions.Abort:
        _warn("aborted")
        sys.exit(ExitStatus.INTERRUPTED)
    except Exception as e:  # a bug: one line, never a traceback
        _warn(f"internal error: {type(e).__name__}: {e} (please report it)")
        sys.exit(ExitStatus.ERROR)
    _close_stdout()


def _close_stdout():
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_pipe()


def _quiet_pipe():
    # `quotex extract … | head`: the reader went away; end quietly, as Unix tools do
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
