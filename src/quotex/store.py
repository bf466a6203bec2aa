"""The local store: one SQLite file holding documents, their quote records and the people quoted.

Kept light on purpose (stdlib + platformdirs only, imported lazily): `quotex who-said`
answers from here without loading spaCy.

Concurrency: WAL journal, synchronous=NORMAL and a busy timeout, and every write is one
``BEGIN IMMEDIATE`` transaction, so several ``extract`` processes can write to the same
file at once; each waits for the write lock instead of failing or losing records.

Schema changes are plain migration functions in ``MIGRATIONS``, applied in order once per
file; their names are recorded in ``_migrations`` and their count in ``PRAGMA user_version``.
"""
from __future__ import annotations

import datetime as _dt
import os
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Union

from .records import Quote, Speaker

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Store",
    "StoreError",
    "default_store_path",
]

BUSY_TIMEOUT_S = 30.0
DB_NAME = "quotex.db"


class StoreError(Exception):
    """A store problem the user can fix; the message is one line naming the path and the fix."""


def default_store_path() -> Path:
    """``$QUOTEX_HOME/quotex.db`` if QUOTEX_HOME is set, else the user data dir's ``quotex.db``."""
    home = os.environ.get("QUOTEX_HOME")
    if home:
        return Path(home).expanduser() / DB_NAME
    import platformdirs  # lazy: keep `import quotex.store` cheap

    return platformdirs.user_data_path("quotex") / DB_NAME


# --------------------------------------------------------------------------- migrations

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []


def _migration(fn: Migration) -> Migration:
    MIGRATIONS.append(fn)
    return fn


@_migration
def m001_initial(db: sqlite3.Connection) -> None:
    # No executescript(): it would COMMIT the migration transaction half-way.
    db.execute(
        """CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            sha256 TEXT NOT NULL,
            date TEXT,
            length INTEGER,
            extractor_version TEXT,
            model_version TEXT,
            extracted_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE records (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            quote TEXT NOT NULL,
            kind TEXT NOT NULL,
            speaker_name TEXT,
            speaker_mention TEXT,
            speaker_kind TEXT,
            speaker_title TEXT,
            speaker_qid TEXT,
            cue TEXT,
            sentence TEXT,
            confidence REAL,
            evidence TEXT,
            UNIQUE (document_id, seq)
        )"""
    )
    db.execute("CREATE INDEX records_speaker_name ON records(speaker_name)")
    db.execute("CREATE INDEX records_document_id ON records(document_id)")
    db.execute("CREATE INDEX documents_sha256 ON documents(sha256)")


SCHEMA_VERSION = len(MIGRATIONS)

# --------------------------------------------------------------------------- helpers

_RECORD_COLUMNS = (
    'd.path, r.start, r."end", r.quote, r.kind, r.speaker_name, r.speaker_mention, '
    "r.speaker_kind, r.speaker_title, r.speaker_qid, r.cue, r.sentence, r.confidence, r.evidence"
)

_DOC_COLUMNS = ("path", "sha256", "date", "length", "extractor_version", "model_version", "extracted_at")


def _row_to_quote(row: tuple) -> Quote:
    (path, start, end, quote, kind, s_name, s_mention, s_kind, s_title, s_qid,
     cue, sentence, confidence, evidence) = row
    return Quote(
        doc=path, start=start, end=end, quote=quote, kind=kind,
        speaker=Speaker(name=s_name, mention=s_mention, kind=s_kind, title=s_title, qid=s_qid),
        cue=cue, sentence=sentence, confidence=confidence, evidence=evidence,
    )


def _iso_date(date: Any) -> Optional[str]:
    if date is None or isinstance(date, str):
        return date or None
    if isinstance(date, (_dt.date, _dt.datetime)):
        return date.isoformat()
    raise TypeError(f"document date must be an ISO string, a date or None, not {type(date).__name__}")


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- the store

class Store:
    """One quotex store file. Use as a context manager: ``with Store(path) as st: ...``."""

    def __init__(self, path: Union[str, os.PathLike, None] = None, *, timeout: float = BUSY_TIMEOUT_S):
        self.path = Path(path) if path is not None else default_store_path()
        memory = str(path) == ":memory:"
        try:
            if not memory:
                self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(
                f"{self.path}: cannot create the store's folder ({e.strerror or e}); pass another --db or set QUOTEX_HOME"
            ) from None
        if not memory and self.path.is_dir():
            raise StoreError(f"{self.path}: is a folder, not a quotex store; pass a file path to --db")
        self._db: Optional[sqlite3.Connection] = None
        try:
            # isolation_level=None: no implicit transactions; every write below is explicit.
            self._db = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None)
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._set_wal(timeout)
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except StoreError:
            self.close()
            raise
        except sqlite3.DatabaseError as e:
            self.close()
            msg = str(e)
            if "not a database" in msg or "malformed" in msg or "encrypted" in msg:
                raise StoreError(
                    f"{self.path}: not a quotex store ({msg}); pass another --db or delete it"
                ) from None
            if "locked" in msg or "busy" in msg:
                raise StoreError(
                    f"{self.path}: store is locked by another process ({msg}); wait for it to finish and retry"
                ) from None
            raise StoreError(
                f"{self.path}: cannot open quotex store ({msg}); check permissions or pass another --db"
            ) from None

    def _set_wal(self, timeout: float) -> None:
        # Switching a new file to WAL needs an exclusive lock and SQLite does not call the busy
        # handler for it: when another process is creating the same file, retry ourselves.
        db = self.db
        if db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
            return
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            try:
                db.execute("PRAGMA journal_mode = WAL").fetchone()
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e) or time.monotonic() >= deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    # -- lifecycle

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            finally:
                self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError(f"{self.path}: store is closed; open it again with Store(path)")
        return self._db

    # -- schema

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def applied_migrations(self) -> list[tuple[str, str]]:
        """(name, applied_at) of every migration applied to this file, in order."""
        return [tuple(r) for r in self.db.execute("SELECT name, applied_at FROM _migrations ORDER BY rowid")]

    def _too_new(self, version: Any) -> StoreError:
        return StoreError(
            f"{self.path}: store schema version {version} is newer than this quotex knows "
            f"({SCHEMA_VERSION}); upgrade quotex or pass another --db"
        )

    def _migrate(self) -> None:
        db = self.db
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return  # the common case: no write lock taken, read-only commands stay fast
        if version > SCHEMA_VERSION:
            raise self._too_new(version)
        db.execute("BEGIN IMMEDIATE")  # another process may be migrating the same file right now
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise self._too_new(version)
            tables = {r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
            if version == 0 and tables and "_migrations" not in tables:
                raise StoreError(
                    f"{self.path}: not a quotex store (an SQLite database of something else: "
                    f"{', '.join(sorted(tables))}); pass another --db"
                )
            db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            applied = {r[0] for r in db.execute("SELECT name FROM _migrations")}
            unknown = applied - {fn.__name__ for fn in MIGRATIONS}
            if unknown:
                raise self._too_new(f"{version} (migrations {', '.join(sorted(unknown))})")
            for fn in MIGRATIONS:
                if fn.__name__ not in applied:
                    fn(db)
                    db.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (fn.__name__, _now()))
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    # -- writing

    def is_current(self, path: Union[str, os.PathLike], sha256: str,
                   extractor_version: Optional[str], model_version: Optional[str]) -> bool:
        """True when `path` is stored with this hash and these versions (no need to parse it again)."""
        row = self.db.execute(
            "SELECT sha256, extractor_version, model_version FROM documents WHERE path = ?", (str(path),)
        ).fetchone()
        return row is not None and tuple(row) == (sha256, extractor_version, model_version)

    def put_document(self, path: Union[str, os.PathLike], sha256: str, date: Any, length: Optional[int],
                     extractor_version: Optional[str], model_version: Optional[str],
                     records: Iterable[Quote]) -> int:
        """Replace the document at `path` and all its records, atomically. Returns the record count.

        Every record's ``doc`` must equal `path` (records are read back with ``doc`` = path).
        Any exception (or KeyboardInterrupt) before the commit leaves the previous state.
        """
        path = str(path)
        date = _iso_date(date)
        db = self.db
        count = 0

        def rows() -> Iterator[tuple]:
            nonlocal count
            for seq, q in enumerate(records):
                if q.doc != path:
                    raise StoreError(
                        f"{path}: record {seq} belongs to document {q.doc!r}; store each document's records under its own path"
                    )
                sp = q.speaker if q.speaker is not None else Speaker()
                conf = q.confidence
                if conf is not None and not isinstance(conf, float):
                    conf = float(conf)  # numpy scalars, ints
                count += 1
                yield (doc_id, seq, q.start, q.end, q.quote, q.kind, sp.name, sp.mention, sp.kind,
                       sp.title, sp.qid, q.cue, q.sentence, conf, q.evidence)

        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise StoreError(
                f"{self.path}: store is locked by another process ({e}); wait for it to finish and retry"
            ) from None
        try:
            db.execute("DELETE FROM documents WHERE path = ?", (path,))  # cascades to its records
            doc_id = db.execute(
                "INSERT INTO documents (path, sha256, date, length, extractor_version, model_version, extracted_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (path, sha256, date, length, extractor_version, model_version, _now()),
            ).lastrowid
            db.executemany(
                'INSERT INTO records (document_id, seq, start, "end", quote, kind, speaker_name, speaker_mention,'
                " speaker_kind, speaker_title, speaker_qid, cue, sentence, confidence, evidence)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows(),
            )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return count

    def delete_document(self, path: Union[str, os.PathLike]) -> bool:
        """Forget a document and its records. True if it was stored."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            n = db.execute("DELETE FROM documents WHERE path = ?", (str(path),)).rowcount
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return n > 0

    # -- reading

    def records(self, doc: Union[str, os.PathLike, None] = None) -> list[Quote]:
        """All records (or one document's), in document path then in-document order."""
        sql = f"SELECT {_RECORD_COLUMNS} FROM records r JOIN documents d ON d.id = r.document_id"
        args: tuple = ()
        if doc is not None:
            sql += " WHERE d.path = ?"
            args = (str(doc),)
        sql += " ORDER BY d.path, r.seq"
        return [_row_to_quote(r) for r in self.db.execute(sql, args)]

    def query(self, speakers: Optional[list[str]] = None, kinds: Optional[list[str]] = None,
              contains: Optional[str] = None, doc_glob: Optional[str] = None,
              min_confidence: Optional[float] = None, since: Optional[str] = None,
              until: Optional[str] = None) -> list[Quote]:
        """Records matching every filter given (None = no filter), in document path then seq order.

        speakers: canonical names, exact match. kinds: direct/partial/indirect. contains: substring
        of the quote (case-sensitive). doc_glob: SQLite GLOB on the document path. min_confidence:
        confidence >= it. since/until: inclusive ISO dates compared with the document's date at the
        precision given (until "2024-05" includes "2024-05-31T23:00"); undated documents are excluded.
        """
        where: list[str] = []
        args: list[Any] = []
        if speakers is not None:
            speakers = list(speakers)
            where.append(f"r.speaker_name IN ({', '.join('?' * len(speakers))})" if speakers else "0")
            args += speakers
        if kinds is not None:
            kinds = list(kinds)
            where.append(f"r.kind IN ({', '.join('?' * len(kinds))})" if kinds else "0")
            args += kinds
        if contains:
            where.append("instr(r.quote, ?) > 0")
            args.append(contains)
        if doc_glob is not None:
            where.append("d.path GLOB ?")
            args.append(doc_glob)
        if min_confidence is not None:
            where.append("r.confidence >= ?")
            args.append(float(min_confidence))
        if since:
            where.append("d.date IS NOT NULL AND d.date >= ?")
            args.append(_iso_date(since))
        if until:
            u = _iso_date(until)
            where.append("d.date IS NOT NULL AND substr(d.date, 1, ?) <= ?")
            args += [len(u), u]
        sql = f"SELECT {_RECORD_COLUMNS} FROM records r JOIN documents d ON d.id = r.document_id"
        if where:
            sql += " WHERE " + " AND ".join(f"({w})" for w in where)
        sql += " ORDER BY d.path, r.seq"
        return [_row_to_quote(r) for r in self.db.execute(sql, args)]

    def speaker_counts(self) -> dict[str, int]:
        """Canonical speaker name -> record count, most quoted first."""
        return {name: n for name, n in self.db.execute(
            "SELECT speaker_name, count(*) AS n FROM records WHERE speaker_name IS NOT NULL"
            " GROUP BY speaker_name ORDER BY n DESC, speaker_name")}

    def speaker_names(self) -> list[str]:
        """Distinct canonical speaker names, most quoted first (counts: `speaker_counts()`)."""
        return list(self.speaker_counts())

    def people(self) -> list[dict[str, Any]]:
        """Every named speaker, most quoted first, as dicts::

            {"name", "kind", "qid", "count", "documents",
             "mentions": {mention: count, ...}, "titles": {title: count, ...}}

        kind/qid are the most frequent non-null values seen; mentions/titles are ordered by count.
        """
        people: dict[str, dict[str, Any]] = {}
        tallies: dict[str, tuple[Counter, Counter, Counter, Counter]] = {}
        for name, kind, qid, mention, title, n in self.db.execute(
            "SELECT speaker_name, speaker_kind, speaker_qid, speaker_mention, speaker_title, count(*)"
            " FROM records WHERE speaker_name IS NOT NULL"
            " GROUP BY speaker_name, speaker_kind, speaker_qid, speaker_mention, speaker_title"
        ):
            p = people.setdefault(name, {"name": name, "kind": None, "qid": None, "count": 0, "documents": 0,
                                         "mentions": {}, "titles": {}})
            p["count"] += n
            kinds, qids, mentions, titles = tallies.setdefault(name, (Counter(), Counter(), Counter(), Counter()))
            for counter, value in ((kinds, kind), (qids, qid), (mentions, mention), (titles, title)):
                if value is not None:
                    counter[value] += n
        for name, ndocs in self.db.execute(
            "SELECT speaker_name, count(DISTINCT document_id) FROM records"
            " WHERE speaker_name IS NOT NULL GROUP BY speaker_name"
        ):
            people[name]["documents"] = ndocs

        def ordered(c: Counter) -> dict[str, int]:
            return dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))

        for name, p in people.items():
            kinds, qids, mentions, titles = tallies[name]
            p["kind"] = next(iter(ordered(kinds)), None)
            p["qid"] = next(iter(ordered(qids)), None)
            p["mentions"] = ordered(mentions)
            p["titles"] = ordered(titles)
        return sorted(people.values(), key=lambda p: (-p["count"], p["name"]))

    def documents(self) -> list[dict[str, Any]]:
        """Stored documents in path order: path, sha256, date, length, versions, extracted_at, records."""
        cols = ", ".join(f"d.{c}" for c in _DOC_COLUMNS)
        out = []
        for row in self.db.execute(
            f"SELECT {cols}, (SELECT count(*) FROM records r WHERE r.document_id = d.id)"
            " FROM documents d ORDER BY d.path"
        ):
            doc = dict(zip(_DOC_COLUMNS, row[:-1]))
            doc["records"] = row[-1]
            out.append(doc)
        return out

    def document_date(self, path: Union[str, os.PathLike]) -> Optional[str]:
        """The stored ISO date of `path`, or None if it has none or is not stored."""
        row = self.db.execute("SELECT date FROM documents WHERE path = ?", (str(path),)).fetchone()
        return row[0] if row else None

    def stats(self) -> dict[str, Any]:
        """Counts for `quotex store stats`-style output."""
        db = self.db
        one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        try:
            size = sum(os.path.getsize(p) for p in (self.path, Path(f"{self.path}-wal")) if os.path.exists(p))
        except OSError:
            size = None
        return {
            "path": str(self.path),
            "schema_version": self.schema_version,
            "documents": one("SELECT count(*) FROM documents"),
            "records": one("SELECT count(*) FROM records"),
            "attributed": one("SELECT count(*) FROM records WHERE speaker_name IS NOT NULL"),
            "speakers": one("SELECT count(DISTINCT speaker_name) FROM records"),
            "kinds": {k: n for k, n in db.execute("SELECT kind, count(*) FROM records GROUP BY kind ORDER BY kind")},
            "first_date": one("SELECT min(date) FROM documents"),
            "last_date": one("SELECT max(date) FROM documents"),
            "size_bytes": size,
        }
