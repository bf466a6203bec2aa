"""The SQLite store, against real files under tmp_path (no mocks)."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import platformdirs
import pytest

import quotex.store as store_mod
from quotex.records import Quote, Speaker
from quotex.store import SCHEMA_VERSION, Store, StoreError, default_store_path

EV, MV = "0.1.0", "ja_ginza-5.2.0"


def q(doc, i, text="国民の皆様に説明したい", *, kind="direct", name="岸田文雄", mention="岸田首相",
      title="首相", qid="Q123", conf=0.9, cue="述べる", sentence=None, evidence="dependency-subject"):
    return Quote(
        doc=doc, start=10 * i, end=10 * i + len(text), quote=text, kind=kind,
        speaker=Speaker(name=name, mention=mention, kind="person" if name else None, title=title, qid=qid),
        cue=cue, sentence=f"「{text}」と述べた。" if sentence is None else sentence,
        confidence=conf, evidence=evidence,
    )


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "sub" / "quotex.db"


@pytest.fixture
def st(db_path):
    with Store(db_path) as s:
        yield s


# ---------------------------------------------------------------- round trip and versions

def test_round_trip_exact(st, db_path):
    doc = "news/a.txt"
    recs = [
        q(doc, 0, conf=0.1 + 0.2),  # a float that is not a "nice" decimal
        q(doc, 1, "検討を進める", kind="indirect", name=None, mention=None, title=None, qid=None,
          cue=None, sentence="", conf=0.0, evidence=""),
        Quote(doc=doc, start=5, end=7, quote="はい", kind="partial"),  # all defaults
        Quote(doc=doc, start=8, end=9, quote="😀", kind="direct", speaker=Speaker(name="某氏"),
              sentence=None, confidence=1.0, evidence="carried-subject"),
    ]
    assert st.put_document(doc, "h1", "2024-05-01", 1234, EV, MV, recs) == len(recs)
    got = st.records()
    assert got == recs
    assert [type(r.confidence) for r in got] == [float] * 4
    assert all(Quote.from_dict(r.to_dict()) == r for r in got)
    # and from a fresh connection
    with Store(db_path) as again:
        assert again.records(doc) == recs
        assert again.documents()[0] | {"extracted_at": None} == {
            "path": doc, "sha256": "h1", "date": "2024-05-01", "length": 1234,
            "extractor_version": EV, "model_version": MV, "extracted_at": None, "records": 4}
        assert again.document_date(doc) == "2024-05-01"
        assert again.document_date("missing.txt") is None


def test_records_order_by_path_then_seq(st):
    st.put_document("b.txt", "hb", None, 1, EV, MV, [q("b.txt", 2), q("b.txt", 1)])
    st.put_document("a.txt", "ha", None, 1, EV, MV, [q("a.txt", 5), q("a.txt", 0), q("a.txt", 3)])
    assert [(r.doc, r.start) for r in st.records()] == [
        ("a.txt", 50), ("a.txt", 0), ("a.txt", 30), ("b.txt", 20), ("b.txt", 10)]
    assert [r.start for r in st.records("b.txt")] == [20, 10]
    assert st.records("nope.txt") == []


def test_is_current(st):
    assert not st.is_current("a.txt", "h1", EV, MV)
    st.put_document("a.txt", "h1", None, 10, EV, MV, [q("a.txt", 0)])
    assert st.is_current("a.txt", "h1", EV, MV)
    assert not st.is_current("a.txt", "h2", EV, MV)        # text changed
    assert not st.is_current("a.txt", "h1", "0.2.0", MV)   # extractor changed
    assert not st.is_current("a.txt", "h1", EV, "other")   # model changed
    assert not st.is_current("b.txt", "h1", EV, MV)        # other path
    st.put_document("a.txt", "h2", None, 10, EV, MV, [])
    assert st.is_current("a.txt", "h2", EV, MV)
    assert not st.is_current("a.txt", "h1", EV, MV)


def test_put_document_replaces(st):
    st.put_document("a.txt", "h1", "2024-01-01", 10, EV, MV, [q("a.txt", i) for i in range(3)])
    st.put_document("b.txt", "hb", None, 10, EV, MV, [q("b.txt", 0)])
    new = [q("a.txt", 7, "新しい発言", name="石破茂", mention="石破氏")]
    st.put_document("a.txt", "h2", "2024-02-02", 20, EV, MV, new)
    assert st.records("a.txt") == new
    assert len(st.records("b.txt")) == 1
    docs = {d["path"]: d for d in st.documents()}
    assert len(docs) == 2
    assert docs["a.txt"]["sha256"] == "h2" and docs["a.txt"]["records"] == 1
    assert st.document_date("a.txt") == "2024-02-02"
    assert st.db.execute("SELECT count(*) FROM records").fetchone()[0] == 2  # no orphans
    assert st.delete_document("b.txt") and not st.delete_document("b.txt")
    assert st.db.execute("SELECT count(*) FROM records").fetchone()[0] == 1


def test_record_for_another_document_is_refused(st):
    st.put_document("a.txt", "h1", None, 10, EV, MV, [q("a.txt", 0)])
    with pytest.raises(StoreError, match="b.txt"):
        st.put_document("a.txt", "h2", None, 10, EV, MV, [q("a.txt", 1), q("b.txt", 2)])
    assert st.records() == [q("a.txt", 0)]


# ---------------------------------------------------------------- atomicity

def _assert_previous_state(st, db_path, old):
    assert not st.db.in_transaction
    for s in (st, Store(db_path)):
        assert s.records() == old
        assert s.is_current("a.txt", "h1", EV, MV)
        assert not s.is_current("a.txt", "h2", EV, MV)
        assert s.document_date("a.txt") == "2024-01-01"
    st.put_document("c.txt", "hc", None, 1, EV, MV, [q("c.txt", 0)])  # still usable
    assert len(st.records()) == len(old) + 1


def test_failed_record_insert_leaves_previous_version(st, db_path):
    old = [q("a.txt", i) for i in range(3)]
    st.put_document("a.txt", "h1", "2024-01-01", 10, EV, MV, old)
    bad = [q("a.txt", 0, "新"), q("a.txt", 1, "新"),
           Quote(doc="a.txt", start=0, end=1, quote=object(), kind="direct")]  # cannot be bound
    with pytest.raises(sqlite3.Error):
        st.put_document("a.txt", "h2", "2024-09-09", 99, EV, MV, bad)
    _assert_previous_state(st, db_path, old)


def test_interrupt_midway_leaves_previous_version(st, db_path):
    old = [q("a.txt", i) for i in range(3)]
    st.put_document("a.txt", "h1", "2024-01-01", 10, EV, MV, old)

    def interrupted():
        yield q("a.txt", 0, "新")
        yield q("a.txt", 1, "新")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        st.put_document("a.txt", "h2", "2024-09-09", 99, EV, MV, interrupted())
    _assert_previous_state(st, db_path, old)


# ---------------------------------------------------------------- queries

@pytest.fixture
def filled(st):
    st.put_document("news/2024/a.txt", "ha", "2024-05-01", 100, EV, MV, [
        q("news/2024/a.txt", 0, "増税はしない", conf=0.95),
        q("news/2024/a.txt", 1, "景気は回復している", kind="indirect", name="植田和男", mention="植田総裁",
          title="日銀総裁", qid="Q2", conf=0.6),
    ])
    st.put_document("news/2024/b.txt", "hb", "2024-06-15T09:30:00+09:00", 100, EV, MV, [
        q("news/2024/b.txt", 0, "増税も検討する", kind="partial", mention="岸田氏", title=None, conf=0.4),
        q("news/2024/b.txt", 1, "誰かの声", kind="direct", name=None, mention=None, title=None, qid=None, conf=0.1),
    ])
    st.put_document("other/c.txt", "hc", None, 100, EV, MV, [
        q("other/c.txt", 0, "増税反対", name="植田和男", mention="植田氏", title=None, qid="Q2", conf=0.8),
    ])
    return st


def _keys(rs):
    return [(r.doc.rsplit("/", 1)[-1], r.start // 10) for r in rs]


def test_query_filters(filled):
    st = filled
    assert len(st.query()) == 5
    assert _keys(st.query(speakers=["岸田文雄"])) == [("a.txt", 0), ("b.txt", 0)]
    assert _keys(st.query(speakers=["植田和男", "岸田文雄"])) == [("a.txt", 0), ("a.txt", 1), ("b.txt", 0), ("c.txt", 0)]
    assert st.query(speakers=["岸田"]) == []  # exact canonical names only
    assert st.query(speakers=[]) == []
    assert _keys(st.query(kinds=["indirect"])) == [("a.txt", 1)]
    assert _keys(st.query(kinds=["partial", "indirect"])) == [("a.txt", 1), ("b.txt", 0)]
    assert _keys(st.query(contains="増税")) == [("a.txt", 0), ("b.txt", 0), ("c.txt", 0)]
    assert _keys(st.query(contains="%")) == []  # a substring, not a LIKE pattern
    assert _keys(st.query(doc_glob="news/*")) == [("a.txt", 0), ("a.txt", 1), ("b.txt", 0), ("b.txt", 1)]
    assert _keys(st.query(doc_glob="*/c.txt")) == [("c.txt", 0)]
    assert _keys(st.query(doc_glob="NEWS/*")) == []  # GLOB is case-sensitive
    assert _keys(st.query(min_confidence=0.6)) == [("a.txt", 0), ("a.txt", 1), ("c.txt", 0)]
    assert _keys(st.query(min_confidence=0.61)) == [("a.txt", 0), ("c.txt", 0)]
    # dates: undated c.txt is excluded as soon as since or until is given
    assert _keys(st.query(since="2024-01-01")) == [("a.txt", 0), ("a.txt", 1), ("b.txt", 0), ("b.txt", 1)]
    assert _keys(st.query(since="2024-05-02")) == [("b.txt", 0), ("b.txt", 1)]
    assert _keys(st.query(until="2024-05-01")) == [("a.txt", 0), ("a.txt", 1)]
    assert _keys(st.query(until="2024-06-15")) == [("a.txt", 0), ("a.txt", 1), ("b.txt", 0), ("b.txt", 1)]
    assert _keys(st.query(until="2024-06-14")) == [("a.txt", 0), ("a.txt", 1)]
    assert _keys(st.query(since="2024-06-15", until="2024-06-15")) == [("b.txt", 0), ("b.txt", 1)]
    assert st.query(since="2025-01-01") == []
    # combined
    assert _keys(st.query(speakers=["岸田文雄"], contains="増税", min_confidence=0.5)) == [("a.txt", 0)]
    assert _keys(st.query(speakers=["植田和男"], doc_glob="news/*", kinds=["indirect"])) == [("a.txt", 1)]
    # results are full records
    assert st.query(speakers=["植田和男"], doc_glob="other/*") == st.records("other/c.txt")


def test_people_and_names(filled):
    st = filled
    assert st.speaker_names() == ["岸田文雄", "植田和男"] or st.speaker_names() == ["植田和男", "岸田文雄"]
    assert st.speaker_counts() == {"岸田文雄": 2, "植田和男": 2}
    people = {p["name"]: p for p in st.people()}
    assert set(people) == {"岸田文雄", "植田和男"}  # the unattributed quote is nobody
    k = people["岸田文雄"]
    assert k["count"] == 2 and k["documents"] == 2
    assert k["mentions"] == {"岸田氏": 1, "岸田首相": 1}
    assert k["titles"] == {"首相": 1}
    assert k["kind"] == "person" and k["qid"] == "Q123"
    u = people["植田和男"]
    assert u["count"] == 2 and u["documents"] == 2
    assert set(u["mentions"]) == {"植田総裁", "植田氏"} and u["titles"] == {"日銀総裁": 1}
    # counts follow replacement
    st.put_document("other/c.txt", "hc2", None, 1, EV, MV, [
        q("other/c.txt", i, name="植田和男", mention="植田氏", title=None, qid="Q2") for i in range(3)])
    u = {p["name"]: p for p in st.people()}["植田和男"]
    assert u["count"] == 4 and u["mentions"] == {"植田氏": 3, "植田総裁": 1}
    assert st.people()[0]["name"] == "植田和男"  # most quoted first
    assert st.speaker_names()[0] == "植田和男"
    s = st.stats()
    assert (s["documents"], s["records"], s["attributed"], s["speakers"]) == (3, 7, 6, 2)
    assert s["kinds"] == {"direct": 5, "indirect": 1, "partial": 1}
    assert s["schema_version"] == SCHEMA_VERSION


# ---------------------------------------------------------------- schema and migrations

def test_migrations_recorded_once(db_path):
    with Store(db_path) as st:
        first = st.applied_migrations()
        assert [name for name, _ in first] == [fn.__name__ for fn in store_mod.MIGRATIONS]
        assert st.schema_version == SCHEMA_VERSION == len(store_mod.MIGRATIONS)
        st.put_document("a.txt", "h", None, 1, EV, MV, [q("a.txt", 0)])
    with Store(db_path) as st:
        assert st.applied_migrations() == first  # same rows, same applied_at: nothing re-ran
        assert st.records() == [q("a.txt", 0)]
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    idx = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"records_speaker_name", "records_document_id", "documents_sha256"} <= idx
    raw.close()


def test_new_migration_applied_once_on_existing_store(db_path, monkeypatch):
    with Store(db_path) as st:
        st.put_document("a.txt", "h", None, 1, EV, MV, [q("a.txt", 0)])
    calls = []

    def m999_add_note(db):
        calls.append(1)
        db.execute("ALTER TABLE documents ADD COLUMN note TEXT")

    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, m999_add_note])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    for _ in range(3):
        with Store(db_path) as st:
            assert st.schema_version == SCHEMA_VERSION + 1
            assert st.applied_migrations()[-1][0] == "m999_add_note"
            assert st.records() == [q("a.txt", 0)]  # data kept across the upgrade
    assert calls == [1]


def test_newer_schema_is_refused(db_path):
    Store(db_path).close()
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match=r"newer than this quotex") as e:
        Store(db_path)
    assert str(db_path) in str(e.value) and "\n" not in str(e.value)


def test_garbage_file_is_refused(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_bytes(b"this is not sqlite at all\n" * 200)
    with pytest.raises(StoreError, match=r"not a quotex store.*--db") as e:
        Store(bad)
    assert str(bad) in str(e.value) and "\n" not in str(e.value)
    assert bad.read_bytes() == b"this is not sqlite at all\n" * 200  # left untouched


def test_foreign_sqlite_database_is_refused(tmp_path):
    other = tmp_path / "other.db"
    raw = sqlite3.connect(other)
    raw.execute("CREATE TABLE songs (title TEXT)")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match="not a quotex store"):
        Store(other)


def test_folder_is_refused(tmp_path):
    with pytest.raises(StoreError, match="--db"):
        Store(tmp_path)


# ---------------------------------------------------------------- default path, import weight

def test_default_store_path_honours_quotex_home(tmp_path, monkeypatch):
    home = tmp_path / "nested" / "home"
    monkeypatch.setenv("QUOTEX_HOME", str(home))
    assert default_store_path() == home / "quotex.db"
    with Store() as st:  # opens the default path, creating its folders
        assert st.path == home / "quotex.db"
    assert (home / "quotex.db").is_file()
    monkeypatch.delenv("QUOTEX_HOME")
    assert default_store_path() == platformdirs.user_data_path("quotex") / "quotex.db"


def test_store_import_is_light():
    code = "import sys, quotex.store; heavy = {'spacy', 'ginza', 'torch', 'numpy'} & set(sys.modules); assert not heavy, heavy"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- concurrency

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from quotex.records import Quote, Speaker
    from quotex.store import Store
    db, tag, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    while not go.exists():
        time.sleep(0.001)
    for i in range(50):
        path = f"{tag}/doc{i:02d}.txt"
        recs = [Quote(doc=path, start=j, end=j + 2, quote=f"{tag}{i}-{j}", kind="direct",
                      speaker=Speaker(name=f"{tag}氏", mention=tag), confidence=0.5)
                for j in range(i % 5 + 1)]
        with Store(db) as st:  # a fresh open each time: migrations and WAL setup race too
            st.put_document(path, f"sha-{tag}-{i}", None, 100, "v", "m", recs)
    print("done", tag)
""")


def test_two_processes_write_concurrently(tmp_path):
    db = tmp_path / "shared" / "quotex.db"  # does not exist yet: both processes create it
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), tag, str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for tag in ("p1", "p2")]
    go.touch()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out.startswith("done")
    expected_records = 2 * sum(i % 5 + 1 for i in range(50))
    with Store(db) as st:
        docs = st.documents()
        assert len(docs) == 100
        assert {d["path"] for d in docs} == {f"{t}/doc{i:02d}.txt" for t in ("p1", "p2") for i in range(50)}
        assert all(d["records"] == int(d["path"][-6:-4]) % 5 + 1 for d in docs)
        recs = st.records()
        assert len(recs) == expected_records
        assert recs[0] == Quote(doc="p1/doc00.txt", start=0, end=2, quote="p10-0", kind="direct",
                                speaker=Speaker(name="p1氏", mention="p1"), confidence=0.5)
        assert st.speaker_counts() == {"p1氏": expected_records // 2, "p2氏": expected_records // 2}
        assert [n for n, _ in st.applied_migrations()] == [fn.__name__ for fn in store_mod.MIGRATIONS]
        assert st.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert st.db.execute("PRAGMA foreign_key_check").fetchall() == []



def _create_rounds(folder, tag, barrier, rounds):
    try:
        for i in range(rounds):
            barrier.wait(timeout=60)  # every process opens the same new file at the same moment
            with Store(folder / f"q{i}.db") as st:
                st.put_document(f"{tag}.txt", "h", None, 1, "v", "m", [])
    except BaseException:
        barrier.abort()  # don't leave the others waiting
        raise


def test_many_processes_create_the_same_new_store(tmp_path):
    """Creating a store (switching it to WAL, migrating) races when several extracts start at once."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    n, rounds = 6, 20
    barrier = ctx.Barrier(n)
    procs = [ctx.Process(target=_create_rounds, args=(tmp_path / "dbs", f"p{k}", barrier, rounds)) for k in range(n)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    for i in range(rounds):
        with Store(tmp_path / "dbs" / f"q{i}.db") as st:
            assert [d["path"] for d in st.documents()] == [f"p{k}.txt" for k in range(n)]
            assert st.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert len(st.applied_migrations()) == SCHEMA_VERSION
