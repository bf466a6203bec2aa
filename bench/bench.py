"""quotex benchmark: throughput, start-up, cache speed-up, query latency and peak memory.

Run with `make bench` (= .venv/bin/python bench/bench.py). It prints numbers; it is not a test,
although it marks each target PASS or FAIL and exits 1 only when a measured step crashed.

Every measured step runs in a fresh subprocess so that its model load, start-up and peak memory
are its own. Peak memory comes from two sources:
  - os.wait4() on the child: the kernel's ru_maxrss for the child *and every descendant it
    reaped*, i.e. the largest single process (a pool worker, when there are workers);
  - a psutil sampler (every 0.2 s) over the whole process tree: the largest single process
    seen (in case a descendant was not reaped by the child) and the largest sum of RSS.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

import psutil

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
OUT = REPO / "bench" / "out"          # gitignored; used with --keep
WORK_SUBDIRS = ("corpus", "tiny", "db", "home")
SUDACHI_MAX_BYTES = 49_149            # SudachiPy refuses longer inputs
REF_BATCH_SIZE = 32
SAMPLE_INTERVAL_S = 0.2
STEP_TIMEOUT_S = 3600
WHO_SAID_NAME = "林官房長官"
WHO_SAID_RUNS = 5
MB = 1024 * 1024

# Targets (what the project promises).
TARGET_COLD_RATIO = 3.0               # cold extract, one process, vs bare nlp.pipe
TARGET_WARM_SPEEDUP = 50.0            # warm re-run vs cold
TARGET_WHO_SAID_S = 0.5
TARGET_PEAK_BYTES = 1.5 * 1024 ** 3   # per process (worker)

# Two tiny documents: with --workers 2 each worker gets one, so both workers start and load
# the model: the run is start-up and nothing else.
TINY_DOCS = [
    "林官房長官は記者会見で「引き続き緊密に連携する」と述べた。\n",
    "プーチン大統領は「関係をさらに強化したい」と語った。\n",
]


# -- running and measuring one subprocess ---------------------------------------------------

class StepFailed(RuntimeError):
    pass


@dataclass
class Run:
    wall_s: float
    peak_bytes: int        # largest single process in the tree
    tree_peak_bytes: int   # largest sampled sum of RSS over the tree
    stdout: bytes


class TreeSampler(threading.Thread):
    """Samples the RSS of a process and all its descendants until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.done = threading.Event()
        self.proc_peak = 0
        self.tree_peak = 0

    def run(self):
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.done.is_set():
            self._sample(root)
            self.done.wait(SAMPLE_INTERVAL_S)

    def _sample(self, root: psutil.Process):
        try:
            procs = [root] + root.children(recursive=True)
        except psutil.Error:
            return
        total = 0
        for p in procs:
            try:
                rss = p.memory_info().rss
            except psutil.Error:  # exited between listing and reading
                continue
            total += rss
            self.proc_peak = max(self.proc_peak, rss)
        self.tree_peak = max(self.tree_peak, total)


def run_measured(cmd: list[str], env: dict, cwd: Path, label: str) -> Run:
    """Run cmd to completion; wall time, peak memory, stdout. Raises StepFailed on a non-zero exit."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        # own session: on a timeout we can kill exactly the process group we started
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd, start_new_session=True)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        timer = threading.Timer(STEP_TIMEOUT_S, _kill_group, args=(proc.pid,))
        timer.start()
        try:
            # wait4 (not Popen.wait) because it hands back the child's rusage: ru_maxrss covers
            # the child and every descendant it reaped.
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            _kill_group(proc.pid)
            raise
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: tell Popen
        sampler.done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        sys.stderr.write(f"\n[{label}] FAILED (exit {proc.returncode}): {' '.join(cmd)}\n")
        sys.stderr.write(stderr.decode("utf-8", "replace")[-4000:] + "\n")
        raise StepFailed(f"{label}: exit {proc.returncode}")
    peak = max(usage.ru_maxrss * 1024, sampler.proc_peak)  # ru_maxrss is in KB on Linux
    return Run(wall, peak, max(sampler.tree_peak, peak), stdout)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# -- the corpus -----------------------------------------------------------------------------

@dataclass
class Corpus:
    path: Path
    files: int
    chars: int
    bytes: int


def build_corpus(dest: Path, size_kb: int) -> Corpus:
    """Copies of the seeds, round-robin, until size_kb KiB; a header line makes each copy's hash unique."""
    seeds = sorted(SEEDS.glob("*.txt"))
    if not seeds:
        raise SystemExit(f"no seeds in {SEEDS}")
    texts = [(s.name, s.read_text(encoding="utf-8")) for s in seeds]
    dest.mkdir(parents=True, exist_ok=True)
    files = chars = nbytes = 0
    while nbytes < size_kb * 1024:
        name, text = texts[files % len(texts)]
        # ASCII header without dates or brackets, so it changes neither dates nor quotes
        doc = f"bench copy {files:04d} of {name}\n{text}"
        data = doc.encode("utf-8")
        (dest / f"c{files:04d}_{name}").write_bytes(data)
        files += 1
        chars += len(doc)
        nbytes += len(data)
    return Corpus(dest, files, chars, nbytes)


def build_tiny(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(TINY_DOCS):
        (dest / f"tiny{i}.txt").write_text(text, encoding="utf-8")
    return dest


def split_for_sudachi(text: str, limit: int = SUDACHI_MAX_BYTES, seps: tuple[str, ...] = ("\n", "。")) -> list[str]:
    """Pieces of text under Sudachi's byte limit: by paragraph, then by sentence, then by length."""
    if len(text.encode("utf-8")) <= limit:
        return [text]
    if not seps:
        step = limit // 4  # a UTF-8 character is at most 4 bytes
        return [text[i:i + step] for i in range(0, len(text), step)]
    units = [u for u in re.split(f"(?<={re.escape(seps[0])})", text) if u]  # separators kept
    pieces, cur, cur_bytes = [], "", 0
    for u in units:
        n = len(u.encode("utf-8"))
        if cur and cur_bytes + n > limit:
            pieces.append(cur)
            cur, cur_bytes = "", 0
        if n > limit:  # one paragraph too long on its own: split it more finely
            pieces.extend(split_for_sudachi(u, limit, seps[1:]))
        else:
            cur, cur_bytes = cur + u, cur_bytes + n
    if cur:
        pieces.append(cur)
    return pieces


# -- the reference (runs in its own process via --child-reference) ---------------------------

def child_reference(corpus: Path) -> None:
    """Bare nlp.pipe with the full ja_ginza pipeline; prints JSON timings on stdout."""
    t0 = time.perf_counter()
    import spacy

    nlp = spacy.load("ja_ginza")  # the full pipeline, nothing disabled
    load_s = time.perf_counter() - t0
    texts = []
    for f in sorted(corpus.glob("*.txt")):
        texts.extend(split_for_sudachi(f.read_text(encoding="utf-8")))
    chars = sum(len(t) for t in texts)
    t1 = time.perf_counter()
    tokens = sum(len(doc) for doc in nlp.pipe(texts, batch_size=REF_BATCH_SIZE))
    parse_s = time.perf_counter() - t1
    json.dump({"load_s": load_s, "parse_s": parse_s, "chars": chars, "texts": len(texts),
               "tokens": tokens, "pipeline": nlp.pipe_names}, sys.stdout)


# -- the steps ------------------------------------------------------------------------------

@dataclass
class Step:
    name: str
    wall_s: Optional[float] = None
    chars_per_s: Optional[float] = None
    peak_mb: Optional[float] = None
    tree_peak_mb: Optional[float] = None
    ratio: Optional[float] = None     # chars/s vs the reference
    records: Optional[int] = None
    note: str = ""
    extra: dict = field(default_factory=dict)


class Bench:
    def __init__(self, work: Path, corpus: Corpus, tiny: Path):
        self.work, self.corpus, self.tiny = work, corpus, tiny
        self.steps: dict[str, Step] = {}
        self.failures: list[str] = []
        self.env = child_env(work)
        self.quotex = quotex_command()

    # helpers

    def db(self, name: str) -> str:
        path = self.work / "db" / f"{name}.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):  # a new, empty store every time
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return str(path)

    def extract(self, label: str, paths: list[str], db: str, *extra: str) -> Run:
        cmd = self.quotex + ["extract", *paths, "--format", "jsonl", "--db", db, *extra]
        return run_measured(cmd, self.env, self.work, label)

    def add(self, step: Step, run: Optional[Run] = None) -> Step:
        if run is not None:
            step.wall_s = step.wall_s if step.wall_s is not None else run.wall_s
            step.peak_mb = run.peak_bytes / MB
            step.tree_peak_mb = run.tree_peak_bytes / MB
        self.steps[step.name] = step
        rate = f"{step.chars_per_s:>9,.0f} chars/s" if step.chars_per_s else " " * 17
        peak = f"peak {step.peak_mb:5.0f} MB" if step.peak_mb is not None else " " * 13
        wall = f"{step.wall_s:8.2f} s" if step.wall_s is not None else " " * 10
        print(f"  {pad(step.name, 38)} {wall}  {rate}  {peak}  {step.note}", flush=True)
        return step

    def guarded(self, fn, *args) -> None:
        """Run one step; a failure is reported and recorded, the other steps still run."""
        try:
            fn(*args)
        except StepFailed as e:
            self.failures.append(str(e))

    def ref_rate(self) -> Optional[float]:
        ref = self.steps.get("reference nlp.pipe")
        return ref.chars_per_s if ref else None

    def ratio(self, rate: Optional[float]) -> Optional[float]:
        ref = self.ref_rate()
        return rate / ref if rate and ref else None

    # (a) the reference

    def reference(self):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child-reference", str(self.corpus.path)]
        run = run_measured(cmd, self.env, self.work, "reference")
        r = json.loads(run.stdout)
        self.add(Step("reference model load", wall_s=r["load_s"], note='spacy.load("ja_ginza")'))
        self.add(Step("reference nlp.pipe", wall_s=r["parse_s"], chars_per_s=r["chars"] / r["parse_s"],
                      note=f"full ja_ginza ({','.join(r['pipeline'])}), batch {REF_BATCH_SIZE}; "
                           f"parse only, model load excluded", extra=r), run)

    # start-up: the same command on two one-line documents

    def startup(self, workers: int):
        run = self.extract(f"startup w{workers}", [str(self.tiny)], self.db(f"tiny-w{workers}"),
                           "--workers", str(workers))
        self.add(Step(f"start-up w{workers} (tiny input)", note="imports + model load + store"), run)

    # (b), (c) cold

    def cold(self, workers: int):
        run = self.extract(f"cold w{workers}", [str(self.corpus.path)], self.db(f"cold-w{workers}"),
                           "--workers", str(workers))
        rate = self.corpus.chars / run.wall_s
        self.add(Step(f"extract cold w{workers}", chars_per_s=rate, ratio=self.ratio(rate),
                      records=count_lines(run.stdout), note="whole command"), run)
        start = self.steps.get(f"start-up w{workers} (tiny input)")
        if start and run.wall_s > start.wall_s:
            net = self.corpus.chars / (run.wall_s - start.wall_s)
            self.add(Step(f"extract cold w{workers} excl. start-up", wall_s=run.wall_s - start.wall_s,
                          chars_per_s=net, ratio=self.ratio(net),
                          note="estimate: cold wall minus tiny-input wall"))

    # (d) warm

    def warm(self):
        cold = self.steps.get("extract cold w1")
        if cold is None:
            print("  extract warm: skipped (cold w1 did not run)")
            return
        run = self.extract("warm w1", [str(self.corpus.path)], str(self.work / "db" / "cold-w1.sqlite"))
        records = count_lines(run.stdout)
        speedup = cold.wall_s / run.wall_s
        note = f"{speedup:.1f}x faster than cold"
        if records != cold.records:
            note += f"; WARNING {records} records vs {cold.records} cold"
        self.add(Step("extract warm w1 (cached)", records=records, note=note,
                      extra={"speedup": speedup}), run)

    # (e) who-said

    def who_said(self):
        if "extract cold w1" not in self.steps:
            print("  who-said: skipped (cold w1 did not run)")
            return
        cmd = self.quotex + ["who-said", WHO_SAID_NAME, "--db", str(self.work / "db" / "cold-w1.sqlite"),
                             "--format", "jsonl"]
        runs = [run_measured(cmd, self.env, self.work, "who-said") for _ in range(WHO_SAID_RUNS)]
        walls = [r.wall_s for r in runs]
        worst = max(runs, key=lambda r: r.peak_bytes)
        step = Step(f"who-said {WHO_SAID_NAME}", wall_s=statistics.median(walls),
                    records=count_lines(runs[0].stdout),
                    note=f"median of {WHO_SAID_RUNS} (min {min(walls):.3f}, max {max(walls):.3f})",
                    extra={"walls": walls})
        self.add(step, worst)

    # (f) dask

    def cluster(self):
        if not cluster_available(self.env):
            self.add(Step("cluster: not available", note="(no quotex.cluster module, or dask missing)"))
            return
        # "local" is a LocalCluster of quotex.cluster's default size (2 worker processes)
        run = self.extract("cluster local", [str(self.corpus.path)], self.db("cluster"), "--scheduler", "local")
        rate = self.corpus.chars / run.wall_s
        self.add(Step("extract cold --scheduler local", chars_per_s=rate, ratio=self.ratio(rate),
                      records=count_lines(run.stdout), note="whole command, LocalCluster"), run)


def child_env(work: Path) -> dict:
    env = dict(os.environ)
    # an inherited scheduler or store would silently change what is measured
    for var in ("QUOTEX_SCHEDULER", "QUOTEX_DB"):
        env.pop(var, None)
    env["QUOTEX_HOME"] = str(work / "home")   # never touch the user's own store
    # measure quotex as a user runs it: bytecode cached, stdout buffered (a session or CI may
    # set these, which would charge every start-up with recompiling every module)
    for var in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"):
        env.pop(var, None)
    return env


def quotex_command() -> list[str]:
    exe = Path(sys.executable).parent / "quotex"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "quotex.cli"]


def cluster_available(env: dict) -> bool:
    code = ("import importlib.util as u, sys; "
            "sys.exit(0 if all(u.find_spec(m) for m in ('quotex.cluster', 'dask', 'distributed')) else 1)")
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True).returncode == 0


def count_lines(data: bytes) -> int:
    return sum(1 for line in data.splitlines() if line.strip())


# -- reporting ------------------------------------------------------------------------------

def fmt(x, spec: str, empty: str = "-") -> str:
    return empty if x is None else format(x, spec)


def pad(text: str, width: int) -> str:
    """Left-justify to a terminal width: CJK characters take two columns (林官房長官)."""
    cols = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - cols)


def machine_info() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    def ver(pkg):
        try:
            return version(pkg)
        except PackageNotFoundError:
            return "not installed"

    return {
        "nproc": os.cpu_count(), "usable_cpus": len(os.sched_getaffinity(0)),
        "memory_gb": round(psutil.virtual_memory().total / 1024 ** 3, 1),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(), "platform": platform.platform(),
        **{pkg: ver(pkg) for pkg in ("quotex", "spacy", "ginza", "ja-ginza", "sudachipy", "sudachidict-core")},
    }


def print_table(steps: dict[str, Step]) -> None:
    head = f"| {'step':36} | {'chars/s':>9} | {'wall s':>7} | {'peak MB':>7} | {'tree MB':>7} | {'vs ref':>6} | {'records':>7} |"
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for s in steps.values():
        print(f"| {pad(s.name, 36)} | {fmt(s.chars_per_s, ',.0f'):>9} | {fmt(s.wall_s, '.3f'):>7} | "
              f"{fmt(s.peak_mb, '.0f'):>7} | {fmt(s.tree_peak_mb, '.0f'):>7} | "
              f"{fmt(s.ratio, '.2f', '') + ('x' if s.ratio else ''):>6} | {fmt(s.records, 'd', ''):>7} |")
    print("peak MB = largest single process (wait4 ru_maxrss, psutil samples); "
          "tree MB = largest sampled sum of RSS over the process tree")


def target(name: str, value: Optional[float], spec: str, unit: str, ok, extra: str = "") -> dict:
    """One target row; a step that did not run gives n/a, not FAIL."""
    shown = "n/a" if value is None else format(value, spec) + unit + extra
    result = "n/a" if value is None else ("PASS" if ok(value) else "FAIL")
    return {"target": name, "value": value, "shown": shown, "result": result}


def targets(steps: dict[str, Step]) -> list[dict]:
    cold = steps.get("extract cold w1")
    net = steps.get("extract cold w1 excl. start-up")
    warm = steps.get("extract warm w1 (cached)")
    who = steps.get(f"who-said {WHO_SAID_NAME}")
    peaks = [s.peak_mb for n, s in steps.items() if s.peak_mb is not None and not n.startswith("reference")]
    return [
        target(f"cold extract, 1 process, whole command >= {TARGET_COLD_RATIO:g}x reference",
               cold.ratio if cold else None, ".2f", "x", lambda v: v >= TARGET_COLD_RATIO,
               f" (excl. start-up {net.ratio:.2f}x)" if net and net.ratio else ""),
        target(f"warm re-run >= {TARGET_WARM_SPEEDUP:g}x faster than cold",
               warm.extra.get("speedup") if warm else None, ".1f", "x", lambda v: v >= TARGET_WARM_SPEEDUP),
        target(f"who-said < {TARGET_WHO_SAID_S} s (median wall)",
               who.wall_s if who else None, ".3f", " s", lambda v: v < TARGET_WHO_SAID_S),
        target(f"peak memory < {TARGET_PEAK_BYTES / 1024 ** 3:g} GiB per process (quotex steps)",
               max(peaks) if peaks else None, ".0f", " MB", lambda v: v * MB < TARGET_PEAK_BYTES),
    ]


def print_targets(rows: list[dict]) -> None:
    for r in rows:
        print(f"  {r['result']:4}  {r['target']:60} {r['shown']}")


# -- main -----------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size-kb", type=int, default=320, help="corpus size in KiB (default 320)")
    p.add_argument("--skip-reference", action="store_true", help="skip the bare nlp.pipe reference")
    p.add_argument("--keep", action="store_true", help=f"work in {OUT.relative_to(REPO)} and keep it")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    p.add_argument("--child-reference", type=Path, help=argparse.SUPPRESS)  # internal: the reference child
    return p.parse_args(argv)


def workdir(keep: bool) -> Path:
    if not keep:
        return Path(tempfile.mkdtemp(prefix="quotex-bench-"))
    for sub in WORK_SUBDIRS:  # a kept run starts clean too: stale stores would make "cold" warm
        shutil.rmtree(OUT / sub, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    return OUT


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child_reference:
        child_reference(args.child_reference)
        return 0

    started = time.perf_counter()
    info = machine_info()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    if info["loadavg_at_start"][0] > 0.5:
        print(f"note: load average {info['loadavg_at_start'][0]} at start: other processes may skew the numbers")

    work = workdir(args.keep)
    try:
        corpus = build_corpus(work / "corpus", args.size_kb)
        tiny = build_tiny(work / "tiny")
        print(f"corpus: {corpus.path}: {corpus.files} files, {corpus.chars:,} chars, {corpus.bytes:,} bytes")

        bench = Bench(work, corpus, tiny)
        print("steps:")
        if not args.skip_reference:
            bench.guarded(bench.reference)
        bench.guarded(bench.startup, 1)
        bench.guarded(bench.cold, 1)
        bench.guarded(bench.warm)
        bench.guarded(bench.who_said)
        bench.guarded(bench.startup, 2)
        bench.guarded(bench.cold, 2)
        bench.guarded(bench.cluster)

        total = time.perf_counter() - started
        print()
        print_table(bench.steps)
        print("\ntargets:")
        rows = targets(bench.steps)
        print_targets(rows)
        print(f"\nbenchmark took {total:.0f} s" + (f"; FAILED steps: {', '.join(bench.failures)}" if bench.failures else ""))
        if args.json:
            args.json.write_text(json.dumps({
                "machine": info, "corpus": {**asdict(corpus), "path": str(corpus.path)},
                "steps": [asdict(s) for s in bench.steps.values()], "targets": rows,
                "failures": bench.failures, "total_s": total}, ensure_ascii=False, indent=2), encoding="utf-8")
        return 1 if bench.failures else 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
