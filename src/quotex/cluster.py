"""Extraction on a Dask cluster: `quotex extract --scheduler ADDRESS|local [--out-dir DIR]`,
and `quotex import DIR` for the JSON Lines shards such a run writes.

How a run goes:

- This process (the client) reads and decodes the inputs, as a single-process run does, and
  asks the store about each: documents it already has (same text hash, same extractor and
  model versions) are not sent at all, unless --refresh.
- The rest travel in batches of about ``BATCH_CHARS`` characters (a document bigger than that
  is a batch of its own), so one huge file does not keep a worker busy while others idle.
  Only a bounded number of batches is in flight at a time (``_window``), so the client never
  holds the whole corpus in memory.
- A batch is one task, ``extract_batch(items, indirect)``: a pure, top-level function that
  takes ``[(path, text, date_iso)]`` and returns ``[(path, [record dict] | error string)]``.
  A document whose extraction raises becomes an error entry; the others of its batch are
  still extracted. Each worker loads ja_ginza once (``LoadModel`` plugin, and
  ``pipeline.load_nlp`` is cached per process) and keeps it for every task it gets.
- Results come back through ``distributed.as_completed`` in whatever order they finish. The
  client writes each document to the store as soon as it arrives (one transaction per
  document) and, with --out-dir, the batch's shard; records are handed to ``emit`` in input
  order, buffered until every earlier document is done.
- Faults: when a worker dies, the scheduler gives its tasks to another worker; a batch is
  collected once (by batch id) whatever happens. A batch whose workers died too often
  (``KilledWorker``, after the scheduler's ``allowed-failures``) is split into one task per
  document; a document that gets ``KilledWorker`` on its own is tried once more as the only
  task in flight (the scheduler also blames tasks that merely waited on a dying worker), and
  only if that fails too is it reported, with its path and reason; the run then exits with
  status 1, as for unreadable inputs. Every other document ends up in the output once.

Shards (``--out-dir``): one JSON Lines file per batch, written to a hidden temporary file in
DIR and renamed into place, so a shard is complete or absent. Lines::

    {"type": "shard", "format": "quotex-shard/1", "run": RUN, "batch": ID, "quotex": VERSION, "documents": N}
    {"type": "document", "path": ..., "sha256": ..., "date": ..., "length": ...,
     "extractor_version": ..., "model_version": ..., "records": K}
    {"type": "record", "doc": ..., "start": ..., ...}          # K of them: the record fields
    ...                                                       # more documents
    {"type": "end", "documents": N, "records": M}

Shards hold every record (filters only apply to what is printed), and every document of the
run, those taken from the store included, exactly once. Names are
``shard-RUN-BATCH.jsonl`` with RUN a UTC timestamp, so sorting names sorts runs by time.
``import_shards`` loads them into a store; a path found in several shards takes the last one.
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import secrets
import threading
import time
import warnings
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Union

# ImportError here is how the CLI knows the dask extra is missing.
from distributed import Client, LocalCluster, WorkerPlugin, as_completed
from distributed.scheduler import KilledWorker

from .records import Quote
from .run import ExtractSettings, QuotexError, Report, UsageError, _doc_date, open_store, versions
from .sources import SourceError, iter_inputs, missing_paths, read_document

__all__ = [
    "BATCH_CHARS",
    "LOCAL_WORKERS",
    "SHARD_FORMAT",
    "LoadModel",
    "cluster_bench",
    "extract_batch",
    "import_shards",
    "read_shard",
    "run_cluster",
]

#: Characters of text per task. Big enough that a task's overhead (tens of ms) is small
#: against its parse (about a second per 10,000 characters), small enough that many tasks
#: spread over the workers and a lost worker costs little.
BATCH_CHARS = 50_000
#: Workers (processes, one thread each) of ``--scheduler local``.
LOCAL_WORKERS = 2
SHARD_FORMAT = "quotex-shard/1"
TASK_PREFIX = "quotex_batch"
PLUGIN_NAME = "quotex-load-model"
CONNECT_TIMEOUT_S = 10
WORKER_WAIT_S = 60
MIN_WINDOW = 4


# -- on the workers -------------------------------------------------------------------------

class LoadModel(WorkerPlugin):
    """Load ja_ginza (and the people registry) when a worker starts, once per process.

    ``load_nlp`` is cached per process, so every task on the worker reuses this model; the
    plugin only moves the 2-4 s load from the first task to the worker's start.
    """

    name = PLUGIN_NAME

    def setup(self, worker) -> None:
        from .people import Registry
        from .pipeline import load_nlp

        load_nlp()
        Registry.load()


# spaCy/SudachiPy objects must not be used by two threads at once ("Already borrowed"):
# on a worker started with --nthreads > 1 the tasks take turns on the one model.
_MODEL_LOCK = threading.Lock()


def extract_batch(items: Sequence[tuple[str, str, Optional[str]]], indirect: bool = True
                  ) -> list[tuple[str, Union[list[dict], str]]]:
    """Extract ``[(path, text, date_iso or None)]``; returns ``[(path, [record dict] or error)]``.

    Same order and length as ``items``. A document whose extraction raises gets an error
    string ("ExceptionType: message") and does not cost the other documents their records.
    """
    from .run import extract_items

    prepared: list[Optional[tuple[str, str, Optional[date]]]] = []
    out: list[Optional[tuple[str, Union[list[dict], str]]]] = []
    for path, text, d in items:
        try:
            prepared.append((path, text, date.fromisoformat(d) if d else None))
            out.append(None)
        except Exception as e:
            prepared.append(None)
            out.append((path, _reason(e)))
    todo = [k for k, it in enumerate(prepared) if it is not None]
    with _MODEL_LOCK:
        try:
            # the common case: the whole batch in one parse stream
            res = extract_items([prepared[k] for k in todo], indirect)
            for k, recs in zip(todo, res):
                out[k] = (items[k][0], [q.to_dict() for q in recs])
        except Exception:
            # one document broke the batch: find it, keep the others (each document's
            # records do not depend on the other documents of its batch)
            for k in todo:
                try:
                    recs = extract_items([prepared[k]], indirect)[0]
                    out[k] = (items[k][0], [q.to_dict() for q in recs])
                except Exception as e:
                    out[k] = (items[k][0], _reason(e))
    return out  # type: ignore[return-value]


def _reason(e: BaseException) -> str:
    msg = str(e).replace("\n", " ")
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


def worker_versions() -> tuple[str, str]:
    """(extractor version, model version) of the quotex installed where this runs."""
    return versions()


# -- on the client --------------------------------------------------------------------------

def run_cluster(paths: Sequence[str], settings: ExtractSettings, scheduler: Union[str, Client],
                out_dir: Optional[Path] = None, *, emit: Callable[[Iterable[Quote]], Any],
                warn: Callable[[str], None], report: Optional[Report] = None,
                batch_chars: int = BATCH_CHARS, stdin=None,
                on_progress: Callable[[int, int], None] = lambda done, total: None) -> int:
    """Extract ``paths`` on a Dask cluster; returns the exit status (0, or 1 if an input failed).

    ``scheduler``: an address (``tcp://host:8786``), ``local`` (a LocalCluster of
    ``LOCAL_WORKERS`` processes on this machine), ``local:N`` (N processes), or a Client.
    Without ``out_dir`` the records (after ``settings.filter``) go to ``emit`` in input order.
    With ``out_dir`` every record goes to shards there and nothing to ``emit``; a summary goes
    to ``warn``. Either way documents are stored unless ``settings.use_store`` is False.
    ``on_progress(done, total)`` is called as inputs are finished (in input order).
    """
    report = report if report is not None else Report()
    missing = missing_paths(paths)
    if missing:  # as a single-process run: a usage error, before any cluster starts
        raise UsageError(f"{missing[0]}: no such file or directory")
    if out_dir is not None:
        out_dir = Path(out_dir)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise QuotexError(f"{out_dir}: cannot create the shard folder ({e.strerror or e})") from None
    ev, mv = versions()
    store = open_store(settings.store_path) if settings.use_store else None
    try:
        with _connect(scheduler) as client:
            _prepare_workers(client, ev, mv)
            runner = _Runner(client, settings, store, out_dir, warn, report, batch_chars, ev, mv, stdin,
                             emitting=out_dir is None, on_progress=on_progress)
            records = runner.records(paths)
            try:
                if out_dir is None:
                    emit(records)
                else:
                    for _ in records:
                        pass
            finally:
                records.close()
    finally:
        if store is not None:
            store.close()
    if out_dir is not None:
        warn(f"wrote {runner.shards} shards ({runner.shard_documents} documents, "
             f"{runner.shard_records} records) to {out_dir}")
    if report.failures:
        warn(f"{len(report.failures)} of {runner.total} inputs failed")
        return 1
    return 0


@contextmanager
def _connect(scheduler: Union[str, Client]) -> Iterator[Client]:
    if isinstance(scheduler, Client):
        yield scheduler
        return
    name = str(scheduler).strip()
    if name == "local" or name.startswith("local:"):
        n = LOCAL_WORKERS
        if name != "local":
            try:
                n = int(name.split(":", 1)[1])
                if n < 1:
                    raise ValueError
            except ValueError:
                raise QuotexError(f"--scheduler {name}: use local or local:N with N >= 1 workers") from None
        try:
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=logging.CRITICAL)
        except Exception as e:
            raise QuotexError(f"cannot start a local Dask cluster ({_reason(e)})") from None
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(name, timeout=CONNECT_TIMEOUT_S)
    except Exception as e:
        raise QuotexError(f"cannot reach the Dask scheduler at {name} ({_reason(e)}); start one with "
                          "'dask scheduler', or use --scheduler local") from None
    try:
        yield client
    finally:
        client.close()


def _prepare_workers(client: Client, ev: str, mv: str) -> None:
    """Wait for a worker, check it runs the same quotex and model, load the model everywhere."""
    where = getattr(client.scheduler, "address", None) or "the scheduler"
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_S)
    except Exception:
        raise QuotexError(f"no Dask worker joined {where} within {WORKER_WAIT_S} s; start some with "
                          f"'dask worker {where}'") from None
    try:
        found = client.run(worker_versions)
    except Exception as e:
        raise QuotexError(f"the Dask workers cannot run quotex ({_reason(e)}); install the same quotex on "
                          "every worker machine: pip install 'quotex[dask]'") from None
    bad = {w: v for w, v in found.items() if tuple(v) != (ev, mv)}
    if bad:
        w, (wev, wmv) = next(iter(bad.items()))
        raise QuotexError(f"Dask worker {w} has extractor {wev} with {wmv}, this machine extractor {ev} with "
                          f"{mv}; install the same quotex and ja-ginza everywhere")
    try:
        client.register_plugin(LoadModel(), name=PLUGIN_NAME)
    except Exception as e:
        raise QuotexError(f"the Dask workers cannot load the model ({_reason(e)}); install "
                          "'quotex[dask]' (with ja-ginza) on every worker machine") from None


_CACHED = object()  # slot marker: the document's records are in the store
_END = object()


@dataclass
class _Doc:
    index: int                  # position in the input order
    path: str
    sha256: str
    date: Optional[date]
    length: int
    text: Optional[str] = None  # held only while its batch is in flight


@dataclass
class _Batch:
    id: str
    send: list[_Doc] = field(default_factory=list)     # to extract
    cached: list[_Doc] = field(default_factory=list)   # from the store, only for the shard
    size: int = 0
    solo: bool = False                                  # runs as the only task in flight


class _Runner:
    def __init__(self, client: Client, settings: ExtractSettings, store, out_dir: Optional[Path],
                 warn: Callable[[str], None], report: Report, batch_chars: int, ev: str, mv: str, stdin,
                 emitting: bool = True, on_progress: Callable[[int, int], None] = lambda done, total: None):
        self.client, self.settings, self.store, self.out_dir = client, settings, store, out_dir
        self.warn, self.report, self.batch_chars = warn, report, max(1, batch_chars)
        self.ev, self.mv, self.stdin, self.emitting = ev, mv, stdin, emitting
        self.on_progress = on_progress
        now = _dt.datetime.now(_dt.timezone.utc)
        self.run_id = now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(3)
        self.total = 0
        self.next_index = 0
        self.slots: dict[int, tuple[Any, str, Optional[date]]] = {}
        self.inflight: dict[Any, _Batch] = {}
        self.finished: set[str] = set()
        self.suspects: deque[_Batch] = deque()
        self.ac: Optional[as_completed] = None  # made in records(), on the client's loop
        self.batch_count = 0
        self.sent_chars = 0
        self.tasks = 0
        self.shards = self.shard_documents = self.shard_records = 0
        self._threads = (0.0, 1)

    # the main loop ---------------------------------------------------------------------

    def records(self, paths: Sequence[str]) -> Iterator[Quote]:
        refs = list(iter_inputs(paths))
        self.total = len(refs)
        self.ac = as_completed(loop=self.client.loop)
        feed = self._batches(refs)
        more = True
        try:
            while True:
                if self.suspects or any(b.solo for b in self.inflight.values()):
                    # a document suspected of killing workers runs alone, once the batches in
                    # flight are back: if its worker dies now, it is the culprit for sure
                    if not self.inflight:
                        self._dispatch(self.suspects.popleft())
                else:
                    while more and len(self.inflight) < self._window():
                        b = next(feed, _END)
                        if b is _END:
                            more = False
                            break
                        if b is not None:
                            self._dispatch(b)
                        yield from self._ready()
                if not self.inflight:
                    break
                fut = next(self.ac)
                b = self.inflight.pop(fut, None)
                if b is not None:
                    self._collect(fut, b)
                yield from self._ready()
            yield from self._ready()
            if self.next_index != self.total:  # pragma: no cover - a bug, not a user error
                raise RuntimeError(f"cluster run lost track of input {self.next_index} of {self.total}")
        finally:
            if self.inflight:
                try:
                    self.client.cancel(list(self.inflight))
                except Exception:
                    pass
                self.inflight.clear()

    def _window(self) -> int:
        """Batches in flight: about two per worker thread, re-read every few seconds."""
        t, n = self._threads
        if time.monotonic() - t > 5:
            try:
                n = max(1, sum(self.client.nthreads().values()))
            except Exception:
                pass
            self._threads = (time.monotonic(), n)
        return max(MIN_WINDOW, 2 * n)

    def _new_batch(self) -> _Batch:
        self.batch_count += 1
        return _Batch(f"{self.batch_count:06d}")

    def _batches(self, refs) -> Iterator[Optional[_Batch]]:
        """Read inputs in order; settle cached and unreadable ones; group the rest by size.

        Yields each full batch, and None after an input that needs no task (cached, unreadable)
        so that the caller can pass its records on without waiting for the next batch.
        """
        st, s = self.store, self.settings
        cur = self._new_batch()
        for i, ref in enumerate(refs):
            try:
                doc = read_document(ref, s.encoding, stdin=self.stdin)
            except SourceError as e:
                self._fail(i, e.path, e.reason)
                yield None
                continue
            self.report.documents += 1
            d = _doc_date(doc, s)
            item = _Doc(i, doc.path, doc.sha256, d, len(doc.text))
            n = len(doc.text)
            cached = (st is not None and doc.path != "-" and not s.refresh
                      and st.is_current(doc.path, doc.sha256, self.ev, self.mv))
            if cached:
                self.report.cached += 1
                self.slots[i] = (_CACHED, doc.path, d)
                if self.out_dir is None:
                    yield None  # nothing to send, nothing to write
                    continue
            else:
                item.text = doc.text
            if (cur.send or cur.cached) and cur.size + n > self.batch_chars:
                yield cur
                cur = self._new_batch()
            (cur.cached if cached else cur.send).append(item)
            cur.size += n
            if cur.size >= self.batch_chars:
                yield cur
                cur = self._new_batch()
        if cur.send or cur.cached:
            yield cur

    def _dispatch(self, b: _Batch) -> None:
        if not b.send:
            self._finish(b, [])
            return
        items = [(d.path, d.text, d.date.isoformat() if d.date else None) for d in b.send]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "large graph" for a huge document: it is the payload
            fut = self.client.submit(extract_batch, items, self.settings.indirect,
                                     key=f"{TASK_PREFIX}-{self.run_id}-{b.id}", pure=False)
        self.tasks += 1
        self.sent_chars += sum(len(d.text or "") for d in b.send)
        self.inflight[fut] = b
        self.ac.add(fut)

    def _collect(self, fut, b: _Batch) -> None:
        if b.id in self.finished:
            return  # already collected: a batch counts once, whatever the scheduler did
        try:
            results = fut.result()
        except KilledWorker as e:
            # Workers died running this batch, or running another task while they held this
            # one (the scheduler blames every task a dead worker held). Narrow it down: a
            # batch is split into one task per document; a document that fails alone gets a
            # last attempt as the only task in flight; only a document that fails that too is
            # reported.
            self.finished.add(b.id)
            if len(b.send) > 1:
                for k, d in enumerate(b.send):
                    self._dispatch(_Batch(f"{b.id}.{k:04d}", [d], b.cached if k == 0 else [], d.length))
            elif not b.solo:
                self.suspects.append(_Batch(f"{b.id}s", b.send, b.cached, b.size, solo=True))
            else:
                tries = getattr(e, "allowed_failures", None)
                times = {0: "once", 1: "twice"}.get(tries, f"{tries + 1} times") if isinstance(tries, int) else ""
                self._fail_batch(b, f"a Dask worker died {times} while extracting it, the last time as the only "
                                    "task on the cluster (KilledWorker); skipped")
            return
        except Exception as e:
            from concurrent.futures import CancelledError

            if isinstance(e, CancelledError):
                raise QuotexError(f"the Dask cluster dropped the work ({_reason(e)}); finished documents "
                                  "are stored: run the same command again to continue") from None
            self._fail_batch(b, f"its batch failed on the cluster ({_reason(e)})")
            return
        if (not isinstance(results, list) or len(results) != len(b.send)
                or any(r[0] != d.path for r, d in zip(results, b.send))):
            self._fail_batch(b, "the worker returned results that do not match the batch")
            return
        done: list[tuple[_Doc, list[Quote]]] = []
        for d, (_, out) in zip(b.send, results):
            if isinstance(out, str):
                self._fail(d.index, d.path, f"extraction failed ({out}); please report it", read=True)
            else:
                done.append((d, [Quote.from_dict(r) for r in out]))
        self._finish(b, done)

    def _finish(self, b: _Batch, done: list[tuple[_Doc, list[Quote]]]) -> None:
        """A batch is back: store its documents, write its shard, free the emission slots."""
        self.finished.add(b.id)
        for d, recs in done:
            self.report.parsed += 1
            if self.store is not None and d.path != "-":
                # one transaction per document: an interrupt keeps the finished ones
                self.store.put_document(d.path, d.sha256, d.date, d.length, self.ev, self.mv, recs)
            self.slots[d.index] = (recs, d.path, d.date)
        if self.out_dir is not None:
            docs = [(d, self.store.records(d.path)) for d in b.cached] + done
            docs.sort(key=lambda dr: dr[0].index)
            if docs:
                self._write_shard(b, docs)
        for d in b.send:
            d.text = None

    def _fail(self, index: int, path: str, reason: str, read: bool = False) -> None:
        """An input that gives no records; ``read``: it had been read (and counted) first."""
        if read:
            self.report.documents -= 1  # as run._flush: counted among the failures instead
        err = SourceError(path, reason)
        self.report.failures.append(err)
        self.warn(str(err))
        self.slots[index] = (None, path, None)

    def _fail_batch(self, b: _Batch, reason: str) -> None:
        for d in b.send:
            self._fail(d.index, d.path, reason, read=True)
        self._finish(b, [])

    def _ready(self) -> Iterator[Quote]:
        """Records of the next documents in input order, as far as they are done."""
        flt = self.settings.filter
        while self.next_index in self.slots:
            recs, path, d = self.slots.pop(self.next_index)
            self.next_index += 1
            self.on_progress(self.next_index, self.total)
            if recs is None or not self.emitting:
                continue
            if recs is _CACHED:
                recs = self.store.records(path)
            for q in recs:
                if flt.match(q, d):
                    self.report.records += 1
                    yield q

    def _write_shard(self, b: _Batch, docs: list[tuple[_Doc, list[Quote]]]) -> None:
        name = f"shard-{self.run_id}-{b.id}.jsonl"
        final = self.out_dir / name
        tmp = self.out_dir / f".{name}.{os.getpid()}.tmp"
        n_recs = sum(len(r) for _, r in docs)
        try:
            with open(tmp, "wb") as f:
                f.write(_dumps({"type": "shard", "format": SHARD_FORMAT, "run": self.run_id, "batch": b.id,
                                "quotex": _quotex_version(), "documents": len(docs)}))
                for d, recs in docs:
                    f.write(_dumps({"type": "document", "path": d.path, "sha256": d.sha256,
                                    "date": d.date.isoformat() if d.date else None, "length": d.length,
                                    "extractor_version": self.ev, "model_version": self.mv,
                                    "records": len(recs)}))
                    for q in recs:
                        f.write(_dumps({"type": "record", **q.to_dict()}))
                f.write(_dumps({"type": "end", "documents": len(docs), "records": n_recs}))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, final)
        except OSError as e:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise QuotexError(f"{final}: cannot write the shard ({e.strerror or e}); finished documents are "
                              "stored") from None
        self.shards += 1
        self.shard_documents += len(docs)
        self.shard_records += n_recs


def _quotex_version() -> str:
    from . import __version__

    return __version__


def _dumps(obj: dict) -> bytes:
    import orjson

    try:
        return orjson.dumps(obj) + b"\n"
    except TypeError:  # a lone surrogate (an undecodable file name): escaped, still JSON
        return json.dumps(obj, ensure_ascii=True).encode("ascii") + b"\n"


def _loads(line: bytes) -> Any:
    import orjson

    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


# -- shards -> store ------------------------------------------------------------------------

_DOC_KEYS = ("path", "sha256", "date", "length", "extractor_version", "model_version", "records")


def read_shard(path: Path) -> list[tuple[dict, list[dict]]]:
    """A shard's documents as ``[(document line, [record dicts])]``; QuotexError if damaged."""
    path = Path(path)

    def bad(lineno: int, why: str) -> QuotexError:
        return QuotexError(f"{path}: line {lineno}: {why}; the shard is damaged: delete it and run "
                           "'quotex extract --out-dir' again for its documents")

    try:
        raw = path.read_bytes()
    except OSError as e:
        raise QuotexError(f"{path}: cannot read the shard ({e.strerror or e})") from None
    lines = raw.splitlines()
    docs: list[tuple[dict, list[dict]]] = []
    header = end = None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = _loads(line)
        except ValueError as e:
            raise bad(n, f"not JSON ({e})") from None
        kind = obj.get("type") if isinstance(obj, dict) else None
        if end is not None:
            raise bad(n, "a line after the end line")
        if header is None:
            if kind != "shard" or obj.get("format") != SHARD_FORMAT:
                raise bad(n, f"not a {SHARD_FORMAT} shard header")
            header = obj
        elif kind == "document":
            if any(k not in obj for k in _DOC_KEYS) or not isinstance(obj["records"], int):
                raise bad(n, "a document line without " + ", ".join(_DOC_KEYS))
            if docs and len(docs[-1][1]) != docs[-1][0]["records"]:
                raise bad(n, f"document {docs[-1][0]['path']!r} has fewer records than announced")
            docs.append(({k: obj[k] for k in _DOC_KEYS}, []))
        elif kind == "record":
            if not docs:
                raise bad(n, "a record before any document line")
            meta, recs = docs[-1]
            rec = {k: v for k, v in obj.items() if k != "type"}
            if rec.get("doc") != meta["path"] or len(recs) >= meta["records"]:
                raise bad(n, f"a record that does not belong to document {meta['path']!r}")
            recs.append(rec)
        elif kind == "end":
            end = obj
        else:
            raise bad(n, f"unknown line type {kind!r}")
    if header is None or end is None:
        raise bad(len(lines), "no end line (truncated)")
    if docs and len(docs[-1][1]) != docs[-1][0]["records"]:
        raise bad(len(lines), f"document {docs[-1][0]['path']!r} has fewer records than announced")
    if end.get("documents") != len(docs) or end.get("records") != sum(len(r) for _, r in docs):
        raise bad(len(lines), "the end line's counts do not match the shard")
    return docs


def shard_files(directory: Path) -> list[Path]:
    """The shards in a folder, oldest run first (names sort by run time, then batch)."""
    return sorted(p for p in Path(directory).glob("*.jsonl") if p.is_file() and not p.name.startswith("."))


def import_shards(directory: Path, db: Optional[Path] = None) -> tuple[int, int]:
    """Load every shard of ``directory`` into the store at ``db`` (None: the default store).

    Returns (documents, records) the shards hold; the store then holds exactly those for
    their paths. A path in several shards takes the last (newest) one. Every shard is checked
    before anything is written. A document already stored with the same text hash, versions,
    date and records is left alone, so importing twice changes nothing.
    """
    files = shard_files(directory)
    if not files:
        raise QuotexError(f"{directory}: no shards (*.jsonl) here; write some with "
                          "'quotex extract --scheduler ... --out-dir DIR'")
    last: dict[str, tuple[int, int]] = {}
    for fi, f in enumerate(files):
        for di, (meta, _) in enumerate(read_shard(f)):
            last[meta["path"]] = (fi, di)
    n_docs = n_recs = 0
    with open_store(db) as store:
        for fi, f in enumerate(files):
            for di, (meta, recs) in enumerate(read_shard(f)):
                path = meta["path"]
                if last[path] != (fi, di):
                    continue
                quotes = [Quote.from_dict(r) for r in recs]
                n_docs += 1
                n_recs += len(quotes)
                if (store.is_current(path, meta["sha256"], meta["extractor_version"], meta["model_version"])
                        and store.document_date(path) == meta["date"]
                        and [q.to_dict() for q in store.records(path)] == [q.to_dict() for q in quotes]):
                    continue
                store.put_document(path, meta["sha256"], meta["date"], meta["length"],
                                   meta["extractor_version"], meta["model_version"], quotes)
    return n_docs, n_recs


# -- benchmark helper -----------------------------------------------------------------------

def cluster_bench(paths: Sequence[str], n_workers: int = LOCAL_WORKERS,
                  batch_chars: int = BATCH_CHARS) -> dict:
    """Time a LocalCluster run of ``paths`` (no store): start-up (workers + model) and extraction."""
    t0 = time.perf_counter()
    with _connect(f"local:{n_workers}") as client:
        ev, mv = versions()
        _prepare_workers(client, ev, mv)
        t1 = time.perf_counter()
        report = Report()
        warnings_seen: list[str] = []
        runner = _Runner(client, ExtractSettings(use_store=False), None, None, warnings_seen.append, report,
                         batch_chars, ev, mv, None)
        n = sum(1 for _ in runner.records(paths))
        t2 = time.perf_counter()
    return {
        "workers": n_workers, "documents": report.documents, "failures": len(report.failures),
        "chars": runner.sent_chars, "tasks": runner.tasks, "records": n,
        "startup_s": round(t1 - t0, 3), "extract_s": round(t2 - t1, 3),
        "chars_per_s": round(runner.sent_chars / (t2 - t1), 1) if t2 > t1 else None,
    }
