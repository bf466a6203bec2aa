"""`quotex extract --scheduler`: a real two-process LocalCluster with the real model.

Every test compares against the single-process run (run.extract_paths) on the same corpus:
the cluster must give the same records, in the same order, whatever the batching and faults.

Faults are injected from outside quotex: a Dask WorkerPlugin, registered by the test on the
cluster, SIGKILLs its own worker process when that worker starts a quotex task holding a given
document (once, or every time). quotex's code has no test hooks; from the scheduler's side this
is a worker dying in the middle of a task, as the OOM killer or a lost machine would do.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

import cloudpickle  # noqa: E402
from distributed import Client, LocalCluster, WorkerPlugin  # noqa: E402

from quotex.cluster import _Runner, import_shards, read_shard, run_cluster, shard_files  # noqa: E402
from quotex.run import ExtractSettings, QuotexError, RecordFilter, Report, extract_paths  # noqa: E402
from quotex.sources import iter_inputs  # noqa: E402

# the killer plugin below is defined here; workers unpickle it without importing this file
cloudpickle.register_pickle_by_value(sys.modules[__name__])

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

DOCS = {
    "a01_yamada.txt": "2024年5月10日\n山田太郎教授は「景気は回復に向かっている」と述べた。"
                      "一方で、山田教授は個人消費の弱さを懸念していると話した。",
    "a02_sato.txt": "佐藤花子議員は記者団に対し「法案には反対する」と語った。同議員はさらに、審議が不十分だと指摘した。",
    "a03_suzuki.txt": "鈴木一郎社長は「来年度の売り上げは過去最高になる見通しだ」と話した。"
                      "鈴木社長は新工場の建設も検討していると明らかにした。",
    "a04_tanaka.txt": "田中次郎・東京大学准教授は「データの公開が遅れている」と批判した。",
    "a05_kishou.txt": "気象庁は「週末にかけて大雨に警戒してほしい」と呼びかけた。",
    "a06_takahashi.txt": "高橋美咲さんは「子どもたちの笑顔が励みになる」と笑顔で話した。"
                         "中村健太市長も、支援を続ける考えを示した。",
}
SEED_COPIES = ("001_000099a22431e4ec.txt", "004_ee4defb6909103be.txt")
# Small batches, so that the corpus makes several tasks (each seed is about 2,500 characters).
BATCH = 2_500


def dicts(records):
    return [q.to_dict() for q in records]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("corpus")
    for name, text in DOCS.items():
        (d / name).write_text(text, encoding="utf-8")
    for name in SEED_COPIES:
        shutil.copy(SEEDS / name, d / f"b_{name}")
    return d


@pytest.fixture(scope="module")
def reference(corpus, nlp):
    """The single-process records of the corpus (no store)."""
    report = Report()
    recs = dicts(extract_paths([str(corpus)], ExtractSettings(use_store=False), report))
    assert report.documents == len(DOCS) + len(SEED_COPIES) and not report.failures
    return recs


@pytest.fixture(scope="module")
def cluster():
    import logging

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.CRITICAL) as c, Client(c) as client:
        yield c, client


def run(paths, settings, cluster, out_dir=None, batch_chars=BATCH):
    """run_cluster through the scheduler's address, as the CLI does: (status, records, warnings, report)."""
    c, _ = cluster
    got, warned, report = [], [], Report()

    def emit(records):
        got.extend(records)
        return len(got)

    status = run_cluster(paths, settings, c.scheduler_address, out_dir, emit=emit, warn=warned.append,
                         report=report, batch_chars=batch_chars)
    return status, dicts(got), warned, report


class Killer(WorkerPlugin):
    """Test fault: SIGKILL this worker when it starts a quotex task holding `target`.

    With `marker`, only once in the whole cluster (the first worker to create the file);
    without, every time.
    """

    name = "test-killer"

    def __init__(self, target: str, marker: str | None = None):
        self.target, self.marker = target, marker

    def setup(self, worker):
        self.worker = worker

    def transition(self, key, start, finish, **kwargs):
        if finish != "executing" or not str(key).startswith("quotex_batch"):
            return
        ts = self.worker.state.tasks.get(key)
        args = getattr(getattr(ts, "run_spec", None), "args", None) or ((),)
        if not any(item[0].endswith(self.target) for item in args[0]):
            return
        if self.marker is not None:
            try:
                os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                return
        os.kill(os.getpid(), signal.SIGKILL)


def worker_pids(client) -> set[int]:
    return set(client.run(os.getpid).values())


def wait_for_workers(client, n=2, timeout=60):
    deadline = time.monotonic() + timeout
    while len(client.scheduler_info()["workers"]) < n:
        assert time.monotonic() < deadline, "the LocalCluster did not bring its workers back"
        time.sleep(0.2)


# -- batching (no cluster) -------------------------------------------------------------------

def test_batches_are_sized_by_characters(tmp_path):
    sizes = [100, 100, 100, 5000, 100, 2000, 2000]
    for k, n in enumerate(sizes):
        (tmp_path / f"d{k}.txt").write_text("あ" * n, encoding="utf-8")
    runner = _Runner(None, ExtractSettings(use_store=False), None, None, print, Report(), 2500, "1", "m", None)
    batches = [[d.length for d in b.send] for b in runner._batches(list(iter_inputs([str(tmp_path)]))) if b]
    # small documents share a batch; a document bigger than a batch is a batch of its own
    assert batches == [[100, 100, 100], [5000], [100, 2000], [2000]]


# -- the cluster ---------------------------------------------------------------------------

@pytest.mark.slow
def test_same_records_as_one_process_and_store_cache(corpus, reference, cluster, tmp_path):
    settings = ExtractSettings()  # with the (per-test) store
    status, got, warned, report = run([str(corpus)], settings, cluster)
    assert status == 0 and not warned
    assert got == reference  # same records, same order
    assert report.parsed == len(DOCS) + len(SEED_COPIES) and report.cached == 0

    from quotex.run import open_store

    with open_store(None) as st:
        assert dicts(st.records()) == sorted(reference, key=lambda r: r["doc"])  # stable per document
        assert len(st.documents()) == len(DOCS) + len(SEED_COPIES)

    # the store has every document now: nothing is sent, the same records come back
    status, again, warned, report = run([str(corpus)], settings, cluster)
    assert status == 0 and again == reference
    assert report.parsed == 0 and report.cached == len(DOCS) + len(SEED_COPIES)

    # with --out-dir, documents taken from the store are written to the shards too
    out = tmp_path / "from-store"
    status, none, _, report = run([str(corpus)], settings, cluster, out_dir=out)
    assert status == 0 and none == [] and report.parsed == 0
    assert [r for f in shard_files(out) for _, recs in read_shard(f) for r in recs] == reference

    # filters apply to what is emitted, as in one process
    flt = ExtractSettings(filter=RecordFilter(kinds=("direct",)))
    status, direct, _, _ = run([str(corpus)], flt, cluster)
    assert direct == [r for r in reference if r["kind"] == "direct"] and direct


@pytest.mark.slow
def test_out_dir_shards_and_import(corpus, reference, cluster, tmp_path):
    out = tmp_path / "shards"
    status, got, warned, report = run([str(corpus)], ExtractSettings(use_store=False), cluster, out_dir=out)
    assert status == 0 and got == []  # with --out-dir records go to the shards, not to emit
    assert len(warned) == 1 and warned[0].startswith("wrote ") and str(out) in warned[0]

    files = shard_files(out)
    assert len(files) >= 3  # several batches, one shard each
    assert sorted(os.listdir(out)) == sorted(f.name for f in files)  # no temporary files left
    docs = [doc for f in files for doc in read_shard(f)]  # read_shard checks the end line and counts
    paths = [meta["path"] for meta, _ in docs]
    assert paths == [str(p) for p in sorted(corpus.iterdir())]  # every document once, in input order
    assert [r for _, recs in docs for r in recs] == reference  # shard names sort in input order
    for f in files:
        lines = f.read_bytes().splitlines()
        assert b'"type":"shard"' in lines[0] and b'"type":"end"' in lines[-1]

    db = tmp_path / "imported.db"
    assert import_shards(out, db) == (len(paths), len(reference))
    from quotex.store import Store

    with Store(db) as st:
        first = (st.documents(), dicts(st.records()))
    assert first[1] == sorted(reference, key=lambda r: r["doc"])
    assert import_shards(out, db) == (len(paths), len(reference))
    with Store(db) as st:
        assert (st.documents(), dicts(st.records())) == first  # extracted_at included: nothing rewritten

    # a damaged shard is refused before anything is written
    bad = out / "shard-99999999T000000000000Z-000000-000001.jsonl"
    bad.write_bytes(b"\n".join(files[0].read_bytes().splitlines()[:-1]) + b"\n")  # no end line
    with pytest.raises(QuotexError, match="damaged"):
        import_shards(out, db)


@pytest.mark.slow
def test_worker_killed_mid_run_costs_no_document(corpus, reference, cluster, tmp_path):
    c, client = cluster
    before = worker_pids(client)
    marker = tmp_path / "killed-once"
    client.register_plugin(Killer(SEED_COPIES[0], str(marker)), name=Killer.name)
    try:
        status, got, warned, report = run([str(corpus)], ExtractSettings(), cluster)
    finally:
        client.unregister_worker_plugin(Killer.name)
    assert marker.exists()  # a worker did die holding a batch
    assert status == 0 and not warned and not report.failures
    assert got == reference  # every document once, in order
    from quotex.run import open_store

    with open_store(None) as st:
        assert dicts(st.records()) == sorted(reference, key=lambda r: r["doc"])
    wait_for_workers(client)
    assert worker_pids(client) != before  # the nanny started a new process


@pytest.mark.slow
def test_document_that_always_kills_its_worker_is_reported(corpus, reference, cluster, tmp_path):
    c, client = cluster
    poison = SEED_COPIES[1]
    saved = c.scheduler.allowed_failures
    c.scheduler.allowed_failures = 0  # KilledWorker at the first death: keeps the test short
    client.register_plugin(Killer(poison), name=Killer.name)
    try:
        # 8,000 characters a batch: the poison document shares its batch with others
        status, got, warned, report = run([str(corpus)], ExtractSettings(use_store=False), cluster,
                                          out_dir=None, batch_chars=8_000)
    finally:
        client.unregister_worker_plugin(Killer.name)
        c.scheduler.allowed_failures = saved
    assert status == 1
    assert [str(e.path) for e in report.failures] == [str(corpus / f"b_{poison}")]
    assert "KilledWorker" in report.failures[0].reason
    assert any(w.startswith(f"{corpus / f'b_{poison}'}: a Dask worker died") for w in warned)
    assert got == [r for r in reference if not r["doc"].endswith(poison)]  # every other document
    wait_for_workers(client)


@pytest.mark.slow
def test_document_whose_extraction_raises_is_reported(tmp_path, cluster, nlp):
    """A genuine extraction failure: --encoding unicode_escape turns the escape \\ud800 in the
    file into a lone surrogate, which the tokenizer cannot encode. The other documents of the
    batch keep their records, and the cluster agrees with one process."""
    d = tmp_path / "escaped"
    d.mkdir()
    texts = {
        "1.txt": DOCS["a01_yamada.txt"],
        "2.txt": "西村康稔大臣は「丁寧に説明したい\ud800」と述べた。",
        "3.txt": DOCS["a03_suzuki.txt"],
    }
    for name, text in texts.items():
        (d / name).write_bytes(text.encode("unicode_escape"))
    settings = ExtractSettings(encoding="unicode_escape", use_store=False)
    one = Report()
    expected = dicts(extract_paths([str(d)], settings, one))
    assert [e.path for e in one.failures] == [str(d / "2.txt")] and expected

    status, got, warned, report = run([str(d)], settings, cluster, batch_chars=50_000)  # one batch
    assert status == 1 and got == expected
    assert [e.path for e in report.failures] == [str(d / "2.txt")]
    assert "extraction failed (UnicodeEncodeError" in report.failures[0].reason
    assert warned[0].startswith(f"{d / '2.txt'}: extraction failed") and warned[-1] == "1 of 3 inputs failed"
    assert report.documents == one.documents == 2


@pytest.mark.slow
def test_cli_extract_and_import(corpus, reference, cluster, tmp_path):
    import orjson

    c, _ = cluster
    quotex = [sys.executable, "-m", "quotex.cli"]
    env = dict(os.environ, QUOTEX_SCHEDULER=c.scheduler_address)
    p = subprocess.run(quotex + ["extract", str(corpus), "-f", "jsonl", "--no-store"], capture_output=True,
                       env=env, timeout=120)
    assert p.returncode == 0, p.stderr.decode()
    assert [orjson.loads(line) for line in p.stdout.splitlines()] == reference

    out = tmp_path / "out"
    p = subprocess.run(quotex + ["extract", str(corpus), "--no-store", "--out-dir", str(out)], capture_output=True,
                       env=env, timeout=120)
    assert p.returncode == 0 and p.stdout == b"", p.stderr.decode()
    assert b"wrote 1 shards (8 documents" in p.stderr
    db = tmp_path / "cli.db"
    for _ in range(2):
        p = subprocess.run(quotex + ["import", str(out), "--db", str(db)], capture_output=True, env=env, timeout=60)
        assert p.returncode == 0, p.stderr.decode()
        assert f"imported 8 documents, {len(reference)} records".encode() in p.stderr
