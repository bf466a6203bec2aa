"""What the commands do, as library calls: read inputs, skip what the store already has,
extract the rest (in one process or several), store it, and hand records back in input order.

No printing here: errors and progress go to callbacks the caller supplies.
"""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Union

from .records import Quote
from .sources import Document, SourceError, iter_inputs, read_document

# With --workers N, documents are handed out in batches of about this many characters per
# worker: big enough to keep every process busy, small enough that progress comes often.
BATCH_CHARS = 60_000
# In one process, batching documents buys nothing (nlp.pipe is as fast one document at a time),
# so a document is extracted and stored as soon as it is read; only tiny documents are grouped.
# An interrupt then loses at most the document being parsed.
SMALL_BATCH_CHARS = 2_000


class QuotexError(Exception):
    """An error for the user: one line, says what to do."""

    exit_code = 1


class UsageError(QuotexError):
    exit_code = 2


@dataclass(frozen=True)
class RecordFilter:
    speakers: Optional[tuple[str, ...]] = None   # canonical names
    kinds: Optional[tuple[str, ...]] = None
    contains: Optional[str] = None
    doc_glob: Optional[str] = None
    min_confidence: Optional[float] = None
    since: Optional[date] = None
    until: Optional[date] = None
    # a name neither the registry nor the store knows (extraction only): matched against the
    # records' speaker names and mentions, since the documents being read may name that person
    speaker_key: Optional[str] = None

    def match(self, q: Quote, doc_date: Optional[date]) -> bool:
        if self.speakers is not None and q.speaker.name not in self.speakers:
            return False
        if self.speaker_key is not None and not _name_matches(self.speaker_key, q.speaker):
            return False
        if self.kinds is not None and q.kind not in self.kinds:
            return False
        if self.contains and self.contains not in q.quote:
            return False
        if self.doc_glob and not fnmatch.fnmatchcase(q.doc, self.doc_glob):
            return False
        if self.min_confidence is not None and q.confidence < self.min_confidence:
            return False
        if self.since or self.until:
            if doc_date is None:
                return False
            if self.since and doc_date < self.since:
                return False
            if self.until and doc_date > self.until:
                return False
        return True

    def query_args(self) -> dict:
        """Keyword arguments for Store.query (speaker_key has no store equivalent)."""
        return dict(
            speakers=list(self.speakers) if self.speakers is not None else None,
            kinds=list(self.kinds) if self.kinds is not None else None,
            contains=self.contains, doc_glob=self.doc_glob, min_confidence=self.min_confidence,
            since=self.since.isoformat() if self.since else None,
            until=self.until.isoformat() if self.until else None,
        )


def _name_matches(key: str, sp) -> bool:
    from .people import normalize_name

    name = normalize_name(sp.name or "")
    mention = normalize_name(sp.mention or "")
    return bool(name) and (name == key or key in name) or bool(mention) and key in mention


@dataclass
class ExtractSettings:
    encoding: Optional[str] = None
    doc_date: Optional[date] = None      # --date: overrides the date read from the text
    refresh: bool = False
    workers: int = 1
    indirect: bool = True
    store_path: Optional[Path] = None    # None: the default store
    use_store: bool = True
    filter: RecordFilter = field(default_factory=RecordFilter)


@dataclass
class Report:
    documents: int = 0
    parsed: int = 0
    cached: int = 0
    records: int = 0
    failures: list[SourceError] = field(default_factory=list)


def open_store(path: Optional[Path]):
    from .store import Store, StoreError, default_store_path

    try:
        return Store(path or default_store_path())
    except StoreError as e:
        raise QuotexError(str(e)) from None


def versions() -> tuple[str, str]:
    from .version import extractor_version, model_version

    return extractor_version(), model_version()


def _doc_date(doc: Document, settings: ExtractSettings) -> Optional[date]:
    from .dates import document_date

    return settings.doc_date or document_date(doc.text)


def extract_paths(paths: Sequence[str], settings: ExtractSettings, report: Report,
                  on_error: Callable[[SourceError], None] = lambda e: None,
                  on_progress: Callable[[int, int], None] = lambda done, total: None,
                  stdin=None) -> Iterator[Quote]:
    """Records of every input in input order; bad inputs go to on_error and are skipped.

    Each document is stored (one transaction) as soon as it is extracted, so an interrupt keeps
    every finished document and none of the unfinished one.
    """
    refs = list(iter_inputs(paths))

    def documents() -> Iterator[Union[Document, SourceError]]:
        for ref in refs:
            try:
                yield read_document(ref, settings.encoding, stdin=stdin)
            except SourceError as e:
                yield e

    yield from extract_documents(documents(), settings, report, on_error, on_progress, total=len(refs))


def extract_documents(docs: Iterable[Union[Document, SourceError]], settings: ExtractSettings, report: Report,
                      on_error: Callable[[SourceError], None] = lambda e: None,
                      on_progress: Callable[[int, int], None] = lambda done, total: None,
                      total: Optional[int] = None) -> Iterator[Quote]:
    """Records of already-read documents (SourceErrors among them are reported and skipped)."""
    store = open_store(settings.store_path) if settings.use_store else None
    ev, mv = versions()
    pool = None
    try:
        if settings.workers > 1:
            pool = _Pool(settings.workers, settings.indirect)
        limit = BATCH_CHARS * settings.workers if pool is not None else SMALL_BATCH_CHARS
        if total:
            on_progress(0, total)
        batch: list[tuple[Document, Optional[date]]] = []
        size = 0
        done = 0
        for doc in docs:
            if isinstance(doc, SourceError):
                report.failures.append(doc)
                on_error(doc)
                done += 1
                on_progress(done, total or done)
                continue
            report.documents += 1
            batch.append((doc, None))  # the date is read only if the store does not have it
            size += len(doc.text)
            if size >= limit:
                yield from _flush(batch, store, settings, report, ev, mv, pool, on_error)
                done += len(batch)
                on_progress(done, total or done)
                batch, size = [], 0
        yield from _flush(batch, store, settings, report, ev, mv, pool, on_error)
        done += len(batch)
        on_progress(done, total or done)
    except BaseException:
        if pool is not None:
            pool.close(now=True)
            pool = None
        raise
    finally:
        if pool is not None:
            pool.close()
        if store is not None:
            store.close()


def _flush(batch, store, settings: ExtractSettings, report: Report, ev, mv, pool,
           on_error: Callable[[SourceError], None] = lambda e: None) -> Iterator[Quote]:
    if not batch:
        return
    results: dict[int, list[Quote]] = {}
    dates: dict[int, Optional[date]] = {}
    todo = []
    forced = settings.doc_date.isoformat() if settings.doc_date else None
    for i, (doc, _) in enumerate(batch):
        storable = store is not None and doc.path != "-"
        stored_date = store.document_date(doc.path) if storable and not settings.refresh else None
        # a --date other than the stored one changes who holds a title: parse again
        if (storable and not settings.refresh and store.is_current(doc.path, doc.sha256, ev, mv)
                and (forced is None or stored_date == forced)):
            results[i] = store.records(doc.path)
            dates[i] = date.fromisoformat(stored_date[:10]) if stored_date else None
            report.cached += 1
        else:
            todo.append(i)
            dates[i] = _doc_date(doc, settings)
    if todo:
        items = [(batch[i][0].path, batch[i][0].text, dates[i]) for i in todo]
        for i, recs in zip(todo, _extract_safely(items, settings, pool)):
            doc = batch[i][0]
            if isinstance(recs, Exception):
                # a bug in the extractor must not cost the user the other documents
                err = SourceError(doc.path, f"extraction failed ({type(recs).__name__}: {recs}); please report it")
                report.failures.append(err)
                report.documents -= 1
                on_error(err)
                results[i] = []
                continue
            report.parsed += 1
            if store is not None and doc.path != "-":
                # one transaction per document: an interrupt keeps the finished ones
                store.put_document(doc.path, doc.sha256, dates[i], len(doc.text), ev, mv, recs)
            results[i] = recs
    for i in range(len(batch)):
        for q in results[i]:
            if settings.filter.match(q, dates[i]):
                report.records += 1
                yield q


def _extract_safely(items, settings: ExtractSettings, pool) -> list:
    """Records per item; an item whose extraction raises gets the exception instead."""
    def run(its):
        return pool.extract(its) if pool is not None else extract_items(its, settings.indirect)

    try:
        return run(items)
    except Exception as e:
        if len(items) == 1:
            return [e]
    out: list = []
    for it in items:  # find the document at fault without losing the others
        try:
            out.append(run([it])[0])
        except Exception as e:
            out.append(e)
    return out


def extract_items(items: list[tuple[str, str, Optional[date]]], indirect: bool = True) -> list[list[Quote]]:
    """Extract (path, text, date) items in this process; the model is loaded once."""
    from .extract import Options, extract_many

    return extract_many(items, options=Options(indirect=indirect))


# -- several processes ------------------------------------------------------------------

def _worker_init() -> None:
    import signal

    # Ctrl-C goes to the whole process group: the parent handles it and stops the pool;
    # the workers must not each print a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # N workers on N cores: a multi-threaded BLAS in each would only fight over the cores
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from .pipeline import load_nlp

    load_nlp()  # once per worker process, kept for every batch it gets


def _worker_extract(args) -> list[list[Quote]]:
    items, indirect = args
    return extract_items(items, indirect)


class _Pool:
    """--workers N: processes that each load the model once; results come back in order."""

    def __init__(self, n: int, indirect: bool):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        self.n, self.indirect = n, indirect
        self.ex = ProcessPoolExecutor(n, mp_context=mp.get_context("spawn"), initializer=_worker_init)

    def extract(self, items):
        # split by characters so that one long document does not leave the others idle
        chunks: list[list] = [[] for _ in range(self.n)]
        sizes = [0] * self.n
        for k, it in enumerate(items):
            j = sizes.index(min(sizes))
            chunks[j].append(k)
            sizes[j] += len(it[1])
        jobs = [([items[k] for k in ch], self.indirect) for ch in chunks if ch]
        out: list = [None] * len(items)
        for ch, res in zip([c for c in chunks if c], self.ex.map(_worker_extract, jobs)):
            for k, r in zip(ch, res):
                out[k] = r
        return out

    def close(self, now: bool = False):
        if not now:
            self.ex.shutdown(cancel_futures=True)
            return
        # interrupted: do not wait for the batch in progress
        procs = list((getattr(self.ex, "_processes", None) or {}).values())
        self.ex.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            try:
                p.terminate()
            except Exception:  # pragma: no cover - already gone
                pass
        for p in procs:
            try:
                p.join(5)
            except Exception:  # pragma: no cover
                pass


# -- names --------------------------------------------------------------------------------

@dataclass
class NameMatch:
    names: list[str]          # canonical names that match
    closest: list[str]        # suggestions when nothing matched


def resolve_speaker(query: str, store=None) -> NameMatch:
    """Whatever form a name takes (林官房長官, プーチン, キム総書記) to canonical names."""
    from .people import Registry, normalize_name

    reg = Registry.load()
    res = reg.lookup(query)
    if res.matches:
        return NameMatch([p.name for p in res.matches], [])
    # people not in the registry: the names quotex has stored
    if store is not None:
        seen = store.speaker_names()
        keys = {k for k in (normalize_name(query), normalize_name(reg.split_mention(query).name)) if k}
        exact = [n for n in seen if normalize_name(n) in keys]
        if exact:
            return NameMatch(exact, [])
        part = [n for n in seen if any(k in normalize_name(n) for k in keys)]
        if part:
            return NameMatch(part, [])
        import difflib

        close = difflib.get_close_matches(query, seen + list(res.closest), n=5, cutoff=0.3)
        return NameMatch([], list(dict.fromkeys(close + list(res.closest)))[:5])
    return NameMatch([], list(res.closest))


def _no_match(name: str, m: NameMatch) -> QuotexError:
    if len(m.names) > 1:
        return QuotexError(f"{name!r} is ambiguous: could be {', '.join(m.names)}; give the full name")
    hint = f"; closest known: {', '.join(m.closest)}" if m.closest else ""
    return QuotexError(f"no known speaker matches {name!r}{hint}")


def _unknown_name_key(name: str) -> Optional[str]:
    """The name part of a mention nobody knows (山田太郎教授 → 山田太郎), for matching records."""
    from .people import Registry, normalize_name

    key = normalize_name(Registry.load().split_mention(name).name) or normalize_name(name)
    return key or None


def build_filter(speaker: Optional[str] = None, kind: Optional[str] = None, contains: Optional[str] = None,
                 doc_glob: Optional[str] = None, min_confidence: Optional[float] = None,
                 since: Optional[str] = None, until: Optional[str] = None, *,
                 store_path: Optional[Path] = None, use_store: bool = True,
                 from_store: bool = False) -> RecordFilter:
    """The filters of extract and who-said, checked: UsageError for bad values, QuotexError for a
    speaker that is ambiguous, or unknown when the answer must come from the store."""
    from .dates import parse_date
    from .records import KINDS

    kinds = None
    if kind is not None:
        kinds = tuple(dict.fromkeys(k.strip().lower() for k in kind.split(",") if k.strip()))
        bad = [k for k in kinds if k not in KINDS]
        if bad or not kinds:
            raise UsageError(f"--kind: unknown kind {', '.join(bad) or repr(kind)} (choose from {', '.join(KINDS)})")
    dates = {}
    for opt, value in (("--since", since), ("--until", until)):
        if value is not None:
            try:
                dates[opt] = parse_date(value)
            except ValueError as e:
                raise UsageError(f"{opt}: {e}") from None
    s, u = dates.get("--since"), dates.get("--until")
    if s and u and s > u:
        raise UsageError(f"--since {s} is after --until {u}")
    if min_confidence is not None and not 0.0 <= min_confidence <= 1.0:
        raise UsageError(f"--min-confidence: {min_confidence} is not between 0 and 1")
    speakers = key = None
    if speaker is not None:
        if not speaker.strip():
            raise UsageError("the speaker's name is empty")
        if use_store:
            with open_store(store_path) as st:
                m = resolve_speaker(speaker, st)
        else:
            m = resolve_speaker(speaker)
        if len(m.names) == 1:
            speakers = tuple(m.names)
        elif m.names or from_store:
            raise _no_match(speaker, m)
        else:
            key = _unknown_name_key(speaker)
    return RecordFilter(speakers=speakers, kinds=kinds, contains=contains or None, doc_glob=doc_glob or None,
                        min_confidence=min_confidence, since=s, until=u, speaker_key=key)


def who_said(name: str, paths: Sequence[str], settings: ExtractSettings, report: Report,
             on_error: Callable[[SourceError], None] = lambda e: None,
             on_progress: Callable[[int, int], None] = lambda done, total: None) -> Iterator[Quote]:
    """Every record of one speaker: from the store (no model loaded), or from ``paths``.

    ``settings.filter`` holds the other filters; its speaker is replaced by ``name``'s.
    With no paths and an empty store, ./seeds is read if it exists.
    """
    from dataclasses import replace

    with open_store(settings.store_path) as st:
        empty = not st.documents()
    if not paths and empty:
        paths = iter_paths_default()
        if not paths:
            raise UsageError("the store is empty and no PATH was given: run 'quotex extract PATH' first")
    flt = build_filter(name, store_path=settings.store_path, from_store=not paths)
    flt = replace(settings.filter, speakers=flt.speakers, speaker_key=flt.speaker_key)
    if not paths:
        with open_store(settings.store_path) as st:
            return iter(st.query(**flt.query_args()))
    return extract_paths(paths, replace(settings, filter=flt), report, on_error, on_progress)


def iter_paths_default() -> list[str]:
    """who-said with no PATH and an empty store reads ./seeds if there is one."""
    return ["seeds"] if os.path.isdir("seeds") else []


# -- people, show, info -------------------------------------------------------------------

def people_rows(store_path: Optional[Path], counts_inline: bool) -> list[dict[str, Any]]:
    """The store's people for formats.write_people.

    The store counts how often each mention and title was used. ``counts_inline`` (tables, csv,
    md) writes them as "林官房長官 (12)"; otherwise (json, jsonl) mentions and titles stay plain
    lists, most used first, and the counts go to ``mention_counts`` / ``title_counts``.
    """
    with open_store(store_path) as st:
        people = st.people()
    rows = []
    for p in people:
        p = dict(p)
        mentions, titles = dict(p.get("mentions") or {}), dict(p.get("titles") or {})
        if counts_inline:
            p["mentions"] = [f"{v} ({n})" for v, n in mentions.items()]
            p["titles"] = [f"{v} ({n})" for v, n in titles.items()]
        else:
            p["mentions"], p["titles"] = list(mentions), list(titles)
            p["mention_counts"], p["title_counts"] = mentions, titles
        rows.append(p)
    return rows


def show_document(path: str, settings: ExtractSettings, stdin=None) -> tuple[Document, list[Quote]]:
    """One document, read once (``-`` too), and its records."""
    try:
        doc = read_document(path, settings.encoding, stdin=stdin)
    except SourceError as e:
        raise QuotexError(str(e)) from None
    report = Report()
    recs = list(extract_documents([doc], settings, report))
    if report.failures:
        raise QuotexError(str(report.failures[0]))
    return doc, recs


INFO_PACKAGES = (("spaCy", "spacy"), ("GiNZA", "ginza"), ("ja_ginza", "ja-ginza"),
                 ("SudachiPy", "sudachipy"), ("SudachiDict", "sudachidict-core"))


def info_rows(store_path: Optional[Path]) -> list[tuple[str, str]]:
    """(what, value) rows for ``quotex info``; never loads the model, never creates the store."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__
    from .store import default_store_path

    rows = [("quotex", __version__), ("Python", platform.python_version())]
    for label, dist in INFO_PACKAGES:
        try:
            rows.append((label, version(dist)))
        except PackageNotFoundError:
            rows.append((label, "not installed"))
    path = Path(store_path) if store_path else default_store_path()
    rows.append(("store", str(path)))
    if not path.exists():
        rows.append(("store contents", "none yet (created by the first 'quotex extract')"))
    else:
        try:
            with open_store(path) as st:
                stats = st.stats()
            rows.append(("store contents", f"{stats['documents']} documents, {stats['records']} records, "
                                           f"{stats['speakers']} speakers"))
        except QuotexError as e:
            rows.append(("store contents", f"unreadable: {e}"))
    extra = os.environ.get("QUOTEX_PEOPLE")
    if extra:
        rows.append(("extra people", extra))
    return rows


def evaluate_paths(paths: Sequence[str], gold: Path, indirect: Optional[Path], settings: ExtractSettings,
                   parse_all: bool = False):
    from .evaluate import evaluate

    report = Report()
    if not parse_all:
        recs = list(extract_paths(paths, settings, report))
    else:  # every sentence through the parser: the reference the selective run must match
        from .extract import Options, extract_many

        docs = []
        for ref in iter_inputs(paths):
            try:
                doc = read_document(ref, settings.encoding)
            except SourceError as e:
                report.failures.append(e)
                continue
            docs.append((doc.path, doc.text, _doc_date(doc, settings)))
        report.documents = len(docs)
        recs = [q for rs in extract_many(docs, options=Options(parse_all=True)) for q in rs]
    return evaluate(recs, gold, indirect), report

