"""The command line: parse options, call one library function, render, map errors to exit codes.

Everything that does work lives in run.py and below; this module only talks to the user:
records to stdout, messages and progress to stderr (progress only on a terminal; rich honours
NO_COLOR). Errors become one-line messages and exit codes in one place, main().
"""

import enum
import io
import os
import sys
from pathlib import Path
from typing import Callable, Iterable, List, Optional

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


class _PipeClosed(Exception):
    """stdout's reader went away (`quotex extract … | head`). Not an OSError, so that click
    does not turn it into exit status 1 on the way to main()."""


# -- shared options -----------------------------------------------------------------------

FormatOpt = typer.Option("auto", "--format", "-f", help=f"Output format: {'|'.join(FORMATS)}. "
                         "auto = a table on a terminal, JSON Lines when piped.")
DbOpt = typer.Option(None, "--db", help="The store's SQLite file (default: $QUOTEX_HOME/quotex.db "
                     "or the user data directory).", envvar="QUOTEX_DB")
SpeakerOpt = typer.Option(None, "--speaker", help="Only this speaker (any alias: 林官房長官, プーチン).")
KindOpt = typer.Option(None, "--kind", help="Only these kinds, comma-separated: direct,partial,indirect.")
ContainsOpt = typer.Option(None, "--contains", help="Only quotes containing this text.")
DocOpt = typer.Option(None, "--doc", help="Only documents whose path matches this glob.")
MinConfOpt = typer.Option(None, "--min-confidence", help="Only records at least this sure (0-1).")
SinceOpt = typer.Option(None, "--since", help="Only documents dated on or after (YYYY-MM-DD).")
UntilOpt = typer.Option(None, "--until", help="Only documents dated on or before (YYYY-MM-DD).")
EncodingOpt = typer.Option(None, "--encoding", help="Decode inputs with this codec instead of detecting "
                           "(utf-8, cp932, euc_jp, iso2022_jp, utf-16…).")
DateOpt = typer.Option(None, "--date", help="The documents' date (for titles), if the text gives none.")


# -- talking to the user ------------------------------------------------------------------

def _stderr_console():
    from rich.console import Console

    # soft_wrap: a message is one line whatever the width (rich would wrap at 80 columns)
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _stdout_console():
    from rich.console import Console

    class _Stdout(Console):
        def on_broken_pipe(self) -> None:  # rich would exit 1 here; main() ends quietly with 0
            raise _PipeClosed()

    return _Stdout(highlight=False)


def _warn(msg: str) -> None:
    """One line on stderr: "quotex: PATH: reason"."""
    msg = " ".join(str(msg).splitlines())
    try:
        _stderr_console().print(f"quotex: {msg}", markup=False, highlight=False)
    except (OSError, ValueError):  # stderr closed too: nothing more to say
        pass


def _progress_callbacks(enabled: bool = True):
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""
    if not enabled or not sys.stderr.isatty():
        return (lambda done, total: None), (lambda: None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    # redirect_stdout=False: records never pass through the bar's console; messages printed to
    # stderr meanwhile (bad inputs) appear above the bar
    prog = Progress(TextColumn("extracting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=_stderr_console(), transient=True, redirect_stdout=False)
    task = prog.add_task("extract", total=None)
    prog.start()

    def update(done, total):
        prog.update(task, completed=done, total=total)

    return update, prog.stop


def _emit(records: Iterable, fmt: str) -> int:
    """Records to stdout in the chosen format (auto: a table on a terminal, else JSON Lines)."""
    from .formats import resolve_format, write_records

    fmt = resolve_format(fmt, sys.stdout.isatty())
    try:
        if fmt == "table":
            return write_records(records, "table", console=_stdout_console())
        out = _buffered_stdout()
        try:
            return write_records(records, fmt, out)
        finally:
            out.flush()
    except BrokenPipeError:
        raise _PipeClosed() from None


def _buffered_stdout():
    """stdout's bytes, buffered even under PYTHONUNBUFFERED: one system call per record would
    cost 0.1 s per thousand records; a buffer behaves as stdio does on a pipe."""
    out = sys.stdout.buffer
    if isinstance(out, io.RawIOBase):
        out = io.BufferedWriter(out, 64 * 1024)
    return out


def _emit_people(rows: list, fmt: str) -> int:
    from .formats import write_people

    try:
        if fmt == "table":
            return write_people(rows, "table", console=_stdout_console())
        return write_people(rows, fmt, sys.stdout.buffer)
    except BrokenPipeError:
        raise _PipeClosed() from None


def _echo(line: str) -> None:
    try:
        typer.echo(line)
    except BrokenPipeError:
        raise _PipeClosed() from None


# -- options to library arguments ---------------------------------------------------------

def _check_format(fmt: str) -> str:
    from .run import UsageError

    f = (fmt or "").lower()
    if f not in FORMATS:
        raise UsageError(f"--format: unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    return f


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


def _check_paths(paths: List[str]) -> None:
    from .run import UsageError
    from .sources import missing_paths

    missing = missing_paths(paths)
    if missing:
        raise UsageError(f"{missing[0]}: no such file or directory")


def _render_run(produce: Callable, fmt: str, progress: bool = True) -> int:
    """Run an extraction (produce(report, on_error, on_progress) -> records), render it,
    report failures; returns the exit status."""
    from .formats import resolve_format
    from .run import Report

    report = Report()
    fmt = resolve_format(fmt, sys.stdout.isatty())
    # records streaming to a terminal are progress enough; a bar would be drawn across them
    update, stop = _progress_callbacks(enabled=progress and (fmt == "table" or not sys.stdout.isatty()))
    try:
        records = produce(report, lambda e: _warn(str(e)), update)
        if fmt == "table":  # drawn once every record is in: take the bar away first
            records = list(records)
            stop()
        _emit(records, fmt)
    finally:
        stop()
    if report.failures:
        n = len(report.failures)
        _warn(f"{n} of {n + report.documents} inputs failed; the others were processed")
        return ExitStatus.ERROR
    return ExitStatus.OK


def _version_callback(value: bool):
    if value:
        _echo(f"quotex {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                       help="Print the version and exit.")):
    """Who said what in Japanese news."""


# -- commands -----------------------------------------------------------------------------

@app.command()
def extract(
    paths: List[str] = typer.Argument(..., metavar="PATH", help="Files, directories (*.txt, *.html, *.md, recursively) or - for stdin."),
    fmt: str = FormatOpt,
    db: Optional[Path] = DbOpt,
    no_store: bool = typer.Option(False, "--no-store", help="Do not read or write the local store."),
    refresh: bool = typer.Option(False, "--refresh", help="Parse again even documents the store has."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, max=64, help="Processes, each loading the model once."),
    date: Optional[str] = DateOpt,
    encoding: Optional[str] = EncodingOpt,
    indirect: bool = typer.Option(True, "--indirect/--no-indirect", help="Also report speech without brackets."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", envvar="QUOTEX_SCHEDULER",
                                            help="Dask scheduler address, or 'local' for a LocalCluster."),
    out_dir: Optional[Path] = typer.Option(None, "--out-dir", help="With --scheduler: write JSON Lines shards here."),
    speaker: Optional[str] = SpeakerOpt, kind: Optional[str] = KindOpt, contains: Optional[str] = ContainsOpt,
    doc: Optional[str] = DocOpt, min_confidence: Optional[float] = MinConfOpt,
    since: Optional[str] = SinceOpt, until: Optional[str] = UntilOpt,
):
    """Extract every quotation and reported statement, attributed to its speaker."""
    from .run import UsageError, build_filter, extract_paths

    fmt = _check_format(fmt)
    flt = build_filter(speaker, kind, contains, doc, min_confidence, since, until,
                       store_path=db, use_store=not no_store)
    settings = _settings(db, encoding, date, refresh, workers, indirect, no_store, flt)
    if scheduler:
        try:
            from .cluster import run_cluster
        except ImportError:
            raise UsageError("--scheduler needs the dask extra: pip install 'quotex[dask]'") from None
        raise typer.Exit(run_cluster(paths, settings, scheduler, out_dir, emit=lambda recs: _emit(recs, fmt),
                                     warn=_warn))
    if out_dir is not None:
        raise UsageError("--out-dir needs --scheduler")
    _check_paths(paths)
    raise typer.Exit(_render_run(
        lambda report, on_error, on_progress: extract_paths(paths, settings, report, on_error, on_progress), fmt))


@app.command("who-said")
def who_said(
    name: str = typer.Argument(..., metavar="NAME", help="Any form of the name: 林官房長官, 林芳正, プーチン, キム総書記."),
    paths: Optional[List[str]] = typer.Argument(None, metavar="PATH", help="Read these instead of the store."),
    fmt: str = FormatOpt,
    db: Optional[Path] = DbOpt,
    kind: Optional[str] = KindOpt, contains: Optional[str] = ContainsOpt, doc: Optional[str] = DocOpt,
    min_confidence: Optional[float] = MinConfOpt, since: Optional[str] = SinceOpt, until: Optional[str] = UntilOpt,
    encoding: Optional[str] = EncodingOpt,
):
    """Every quote by one person, whatever form their name takes (from the store, or from PATHs)."""
    from .run import build_filter, who_said as run_who_said

    fmt = _check_format(fmt)
    flt = build_filter(None, kind, contains, doc, min_confidence, since, until, use_store=False)
    settings = _settings(db, encoding, flt=flt)
    paths = list(paths or [])
    _check_paths(paths)
    raise typer.Exit(_render_run(
        lambda report, on_error, on_progress: run_who_said(name, paths, settings, report, on_error, on_progress),
        fmt, progress=bool(paths)))


@app.command()
def people(fmt: str = FormatOpt, db: Optional[Path] = DbOpt):
    """Every speaker in the store, with counts, the names used for them and their titles."""
    from .formats import resolve_format
    from .run import people_rows

    f = resolve_format(_check_format(fmt), sys.stdout.isatty())
    _emit_people(people_rows(db, counts_inline=f in ("table", "csv", "md")), f)


@app.command()
def show(
    file: str = typer.Argument(..., metavar="FILE", help="One document (or - for stdin) to print with its quotes highlighted."),
    db: Optional[Path] = DbOpt,
    no_store: bool = typer.Option(False, "--no-store", help="Do not read or write the local store."),
    encoding: Optional[str] = EncodingOpt,
    date: Optional[str] = DateOpt,
):
    """Print a document with every quote coloured by speaker and the speaker named beside it."""
    from .formats import render_document
    from .run import show_document

    settings = _settings(db, encoding, date, no_store=no_store)
    _check_paths([file])
    doc, recs = show_document(file, settings)
    try:
        render_document(doc.text, recs, _stdout_console(), title=file)
    except BrokenPipeError:
        raise _PipeClosed() from None


@app.command()
def info(db: Optional[Path] = DbOpt):
    """Versions of quotex and its NLP stack (spaCy, GiNZA, ja_ginza, SudachiPy), and where the store lives."""
    from .run import info_rows

    for k, v in info_rows(db):
        _echo(f"{k:15} {v}")


@app.command("eval")
def evaluate_cmd(
    paths: List[str] = typer.Argument(..., metavar="PATH", help="The documents the gold file annotates (seeds/)."),
    gold: Path = typer.Option(..., "--gold", help="Gold annotations (JSON Lines, see shared/gold/README.md)."),
    indirect_gold: Optional[Path] = typer.Option(None, "--indirect-gold",
                                                 help="Gold for reported speech (default: seeds-indirect.jsonl beside --gold)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every miss, wrong speaker and extra."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
    parse_all: bool = typer.Option(False, "--parse-all",
                                   help="Parse every sentence, not only those with a bracket or a cue word "
                                        "(slow; shows what the selection costs in quality)."),
):
    """Score quotex against hand annotations: detection, attribution, end to end."""
    import orjson

    from .run import ExtractSettings, UsageError, evaluate_paths

    if not gold.exists():
        raise UsageError(f"{gold}: no such file or directory")
    _check_paths(paths)
    if indirect_gold is None:
        cand = gold.with_name(gold.stem + "-indirect.jsonl")
        indirect_gold = cand if cand.exists() else None
    scores, report = evaluate_paths(paths, gold, indirect_gold, ExtractSettings(use_store=False), parse_all)
    for e in report.failures:
        _warn(str(e))
    if as_json:
        try:
            sys.stdout.buffer.write(orjson.dumps([s.as_dict() for s in scores], option=orjson.OPT_INDENT_2) + b"\n")
        except BrokenPipeError:
            raise _PipeClosed() from None
    else:
        for s in scores:
            d = s.as_dict()
            _echo(f"{d['set']}: gold {d['gold']}, predicted {d['predicted']}, matched {d['matched']}")
            _echo(f"  detection   P {d['detection_precision']:.3f}  R {d['detection_recall']:.3f}  "
                  f"F1 {d['detection_f1']:.3f}")
            _echo(f"  attribution accuracy {d['attribution_accuracy']:.3f}   kind accuracy {d['kind_accuracy']:.3f}")
            _echo(f"  end to end  P {d['end_to_end_precision']:.3f}  R {d['end_to_end_recall']:.3f}  "
                  f"F1 {d['end_to_end_f1']:.3f}")
            if verbose:
                for err in s.errors:
                    what, doc, start, quote, pred, want = err
                    q = quote if len(quote) <= 40 else quote[:39] + "…"
                    _echo(f"    {what:13} {doc}:{start}  「{q}」  got {pred!r}  want {want!r}")
    if report.failures:
        raise typer.Exit(ExitStatus.ERROR)


@app.command("import")
def import_cmd(
    directory: Path = typer.Argument(..., metavar="DIR", help="A directory of JSON Lines shards written by --out-dir."),
    db: Optional[Path] = DbOpt,
):
    """Load shards written by 'extract --scheduler … --out-dir' into the store; importing twice changes nothing."""
    from .run import UsageError

    try:
        from .cluster import import_shards
    except ImportError:
        raise UsageError("import needs the dask extra: pip install 'quotex[dask]'") from None
    if not directory.is_dir():
        raise UsageError(f"{directory}: not a directory")
    n_docs, n_recs = import_shards(directory, db)
    _warn(f"imported {n_docs} documents, {n_recs} records")


# -- the one place errors become exit codes -----------------------------------------------

def _click_exceptions() -> tuple[tuple, tuple]:
    """(ClickException classes, Abort classes): typer >= 0.2x vendors click as typer._click."""
    errors, aborts = [], []
    for modname in ("typer._click.exceptions", "click.exceptions"):
        try:
            mod = __import__(modname, fromlist=["ClickException"])
        except ImportError:
            continue
        for names, into in ((("ClickException",), errors), (("Abort",), aborts)):
            for n in names:
                cls = getattr(mod, n, None)
                if isinstance(cls, type):
                    into.append(cls)
    aborts.append(typer.Abort)
    return tuple(errors), tuple(aborts)


def _stdout_was_broken() -> bool:
    # click/typer answer an EPIPE by wrapping stdout in PacifyFlushWrapper and exiting 1
    return type(sys.stdout).__name__ == "PacifyFlushWrapper"


def main(argv: Optional[List[str]] = None) -> None:
    """Entry point: the one place where errors become messages and exit codes.

    0 success; 1 an input failed or a name matched nobody; 2 usage; 130 interrupted.
    A closed stdout (`| head`) ends quietly with 0. No traceback ever reaches the user.
    """
    from .run import QuotexError

    click_errors, click_aborts = _click_exceptions()
    code: int = ExitStatus.OK
    try:
        rv = app(args=argv, prog_name="quotex", standalone_mode=False)
        code = rv if isinstance(rv, int) else ExitStatus.OK
    except QuotexError as e:
        _warn(str(e))
        code = e.exit_code
    except _PipeClosed:
        _quiet_pipe()
    except BrokenPipeError:
        _quiet_pipe()
    except click_errors as e:  # usage errors: bad options, missing arguments
        try:
            e.show()
        except OSError:
            pass
        code = e.exit_code
    except (KeyboardInterrupt, *click_aborts):
        code = ExitStatus.INTERRUPTED
    except SystemExit as e:  # shell completion, or click after an EPIPE
        if _stdout_was_broken():
            _quiet_pipe()
        c = e.code
        code = c if isinstance(c, int) else (0 if c is None else 1)
    except Exception as e:  # a bug: one line, never a traceback
        _warn(f"internal error: {type(e).__name__}: {e} (please report it)")
        code = ExitStatus.ERROR
    if _stdout_was_broken():
        _quiet_pipe()
    if code == ExitStatus.INTERRUPTED:
        _warn("interrupted; finished documents are stored")
    _close_stdout()
    sys.exit(int(code))


def _close_stdout():
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_pipe()
    except (OSError, ValueError):
        pass


def _quiet_pipe():
    # `quotex extract … | head`: the reader went away; end quietly, as Unix tools do.
    # stdout now points at /dev/null so that the interpreter's final flush cannot fail either.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
