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
from typing import Callable, Iterable, Iterator, Optional, Sequence

from .records import Quote
from .sources import Document, SourceError, iter_inputs, read_document

# Documents are handed to the parser in batches of about this many characters: big enough
# to keep nlp.pipe busy, small enough that progress and store writes come often.
BATCH_CHARS = 60_000


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

    def match(self, q: Quote, doc_date: Optional[date]) -> bool:
        if self.speakers is not None and q.speaker.name not in self.speakers:
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
        return dict(
            speakers=list(self.speakers) if self.speakers is not None else None,
            kinds=list(self.kinds) if self.kinds is not None else None,
            contains=self.contains, doc_glob=self.doc_glob, min_confidence=self.min_confidence,
            since=self.since.isoformat() if self.since else None,
            until=self.until.isoformat() if self.until else None,
        )


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
    from .extract import EXTRACTOR_VERSION
    from .pipeline import model_version

    return EXTRACTOR_VERSION, model_version()


def _doc_date(doc: Document, settings: ExtractSettings) -> Optional[date]:
    from .dates import document_date

    return settings.doc_date or document_date(doc.text)


def extract_paths(paths: Sequence[str], settings: ExtractSettings, report: Report,
                  on_error: Callable[[SourceError], None] = lambda e: None,
                  on_progress: Callable[[int, int], None] = lambda done, total: None,
                  stdin=None) -> Iterator[Quote]:
    """Records of every input in input order; bad inputs go to on_error and are skipped."""
    refs = list(iter_inputs(paths))
    total = len(refs)
    store = open_store(settings.store_path) if settings.use_store else None
    ev, mv = versions()
    pool = _Pool(settings.workers, settings.indirect) if settings.workers > 1 else None
    try:
        batch: list[tuple[Document, Optional[date]]] = []
        size = 0
        done = 0
        for ref in refs:
            try:
                doc = read_document(ref, settings.encoding, stdin=stdin)
            except SourceError as e:
                report.failures.append(e)
                on_error(e)
                done += 1
                on_progress(done, total)
                continue
            report.documents += 1
            batch.append((doc, _doc_date(doc, settings)))
            size += len(doc.text)
            if size >= BATCH_CHARS * max(1, settings.workers):
                yield from _flush(batch, store, settings, report, ev, mv, pool)
                done += len(batch)
                on_progress(done, total)
                batch, size = [], 0
        yield from _flush(batch, store, settings, report, ev, mv, pool)
        on_progress(total, total)
    finally:
        if pool is not None:
            pool.close()
        if store is not None:
            store.close()


def _flush(batch, store, settings: ExtractSettings, report: Report, ev, mv, pool) -> Iterator[Quote]:
    if not batch:
        return
    results: dict[int, list[Quote]] = {}
    todo = []
    for i, (doc, d) in enumerate(batch):
        storable = store is not None and doc.path != "-"
        if storable and not settings.refresh and store.is_current(doc.path, doc.sha256, ev, mv):
            results[i] = store.records(doc.path)
            report.cached += 1
        else:
            todo.append(i)
    if todo:
        items = [(batch[i][0].path, batch[i][0].text, batch[i][1]) for i in todo]
        extracted = pool.extract(items) if pool is not None else extract_items(items, settings.indirect)
        for i, recs in zip(todo, extracted):
            doc, d = batch[i]
            report.parsed += 1
            if store is not None and doc.path != "-":
                # one transaction per document: an interrupt keeps the finished ones
                store.put_document(doc.path, doc.sha256, d, len(doc.text), ev, mv, recs)
            results[i] = recs
    for i, (doc, d) in enumerate(batch):
        for q in results[i]:
            if settings.filter.match(q, d):
                report.records += 1
                yield q


def extract_items(items: list[tuple[str, str, Optional[date]]], indirect: bool = True) -> list[list[Quote]]:
    """Extract (path, text, date) items in this process; the model is loaded once."""
    from .extract import Options, extract_many

    return extract_many(items, options=Options(indirect=indirect))


# -- several processes ------------------------------------------------------------------

def _worker_init() -> None:
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
        order = []
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

    def close(self):
        self.ex.shutdown(cancel_futures=True)


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
        key = normalize_name(query)
        seen = store.speaker_names()
        exact = [n for n in seen if normalize_name(n) == key]
        if exact:
            return NameMatch(exact, [])
        part = [n for n in seen if key and key in normalize_name(n)]
        if part:
            return NameMatch(part, [])
        import difflib

        close = difflib.get_close_matches(query, seen + list(res.closest), n=5, cutoff=0.3)
        return NameMatch([], list(dict.fromkeys(close + list(res.closest)))[:5])
    return NameMatch([], list(res.closest))


def iter_paths_default() -> list[str]:
    """who-said with no PATH and an empty store reads ./seeds if there is one."""
    return ["seeds"] if os.path.isdir("seeds") else []


def evaluate_paths(paths: Sequence[str], gold: Path, indirect: Optional[Path], settings: ExtractSettings):
    from .evaluate import evaluate

    report = Report()
    recs = list(extract_paths(paths, settings, report))
    return evaluate(recs, gold, indirect), report


def stored_records(settings: ExtractSettings) -> Iterable[Quote]:
    with open_store(settings.store_path) as st:
        return st.query(**settings.filter.query_args())
