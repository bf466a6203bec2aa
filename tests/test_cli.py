"""The CLI as a user drives it: real subprocesses for pipes and exit codes, CliRunner for output."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from conftest import ROOT, SEEDS

QUOTEX = [sys.executable, "-m", "quotex.cli"]
KEYS = ["doc", "start", "end", "quote", "kind", "speaker", "cue", "sentence", "confidence", "evidence"]
SPEAKER_KEYS = ["name", "mention", "kind", "title", "qid"]


def run(args, home, **kw):
    env = {**os.environ, "QUOTEX_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(QUOTEX + args, cwd=ROOT, env=env, capture_output=True, **kw)


@pytest.fixture(scope="session")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("clihome")


@pytest.fixture(scope="session")
def seeds_jsonl(home):
    """One real `quotex extract seeds/` run, piped: JSON Lines, and a store for who-said."""
    p = run(["extract", "seeds/"], home)
    assert p.returncode == 0, p.stderr.decode()
    return p.stdout


@pytest.mark.slow
def test_extract_writes_json_lines_with_the_record_contract(seeds_jsonl):
    lines = seeds_jsonl.decode("utf-8").splitlines()
    assert len(lines) > 60
    texts = {f.name: f.read_text(encoding="utf-8") for f in SEEDS.glob("*.txt")}
    for line in lines:
        rec = orjson.loads(line)
        assert list(rec) == KEYS
        assert list(rec["speaker"]) == SPEAKER_KEYS
        assert rec["doc"].startswith("seeds/")
        assert texts[Path(rec["doc"]).name][rec["start"]:rec["end"]] == rec["quote"]
        assert rec["kind"] in ("direct", "partial", "indirect")
        assert 0.0 <= rec["confidence"] <= 1.0 and rec["evidence"]
    assert "\\u" not in seeds_jsonl.decode("utf-8")  # Japanese unescaped


@pytest.mark.slow
@pytest.mark.parametrize("fragment,speaker", [
    ("国連安保理決議に違反するロ朝間の武器", "林芳正"),
    ("2国間の関係深化を懸念している", "ジョン・カービー"),
    ("米国、韓国、日本に対抗しようという考え方", "平岩俊司"),
    ("タイトなスケジュールにもかかわらず", "金正恩"),
    ("次は、モスクワで会談が開かれることを望む", "ウラジーミル・プーチン"),
    ("支援を断ち切るためにできるかぎりのことを行う", "アントニー・ブリンケン"),
])
def test_six_named_speakers_on_their_seed_quotes(seeds_jsonl, fragment, speaker):
    recs = [orjson.loads(x) for x in seeds_jsonl.splitlines()]
    hits = [r for r in recs if r["quote"].startswith(fragment) and r["kind"] != "indirect"]
    assert hits and all(r["speaker"]["name"] == speaker for r in hits), hits


@pytest.mark.slow
@pytest.mark.parametrize("alias,canonical", [
    ("林官房長官", "林芳正"), ("林芳正", "林芳正"), ("プーチン大統領", "ウラジーミル・プーチン"),
    ("プーチン", "ウラジーミル・プーチン"), ("金正恩", "金正恩"), ("キム総書記", "金正恩"),
    ("ブリンケン国務長官", "アントニー・ブリンケン"), ("カービー大統領補佐官", "ジョン・カービー"),
    ("平岩俊司教授", "平岩俊司"),
])
def test_who_said_every_alias(seeds_jsonl, home, alias, canonical):
    p = run(["who-said", alias, "--format", "jsonl"], home)
    assert p.returncode == 0, p.stderr.decode()
    recs = [orjson.loads(x) for x in p.stdout.splitlines()]
    assert recs and {r["speaker"]["name"] for r in recs} == {canonical}


@pytest.mark.slow
def test_who_said_unknown_and_ambiguous_names(seeds_jsonl, home):
    p = run(["who-said", "ブリンケソ"], home)
    assert p.returncode == 1 and "ブリンケン" in p.stderr.decode() and b"Traceback" not in p.stderr
    p = run(["who-said", "林"], home)
    err = p.stderr.decode()
    assert p.returncode == 1 and "林芳正" in err and "林剣" in err


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_pipe_into_jq(home):
    p = subprocess.run(
        " ".join(QUOTEX) + " extract seeds/ | jq -c 'select(.speaker.name==\"林芳正\")'",
        shell=True, cwd=ROOT, env={**os.environ, "QUOTEX_HOME": str(home)}, capture_output=True)
    assert p.returncode == 0, p.stderr.decode()
    recs = [orjson.loads(x) for x in p.stdout.splitlines()]
    assert len(recs) >= 3 and all(r["speaker"]["name"] == "林芳正" for r in recs)


def test_missing_path_is_a_usage_error(home):
    p = run(["extract", "no/such/dir"], home)
    assert p.returncode == 2
    err = p.stderr.decode()
    assert "no/such/dir" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_unknown_format_is_a_usage_error(home):
    p = run(["extract", "seeds/", "--format", "xml"], home)
    assert p.returncode == 2 and "xml" in p.stderr.decode() and b"Traceback" not in p.stderr


def test_version():
    p = subprocess.run(QUOTEX + ["--version"], capture_output=True)
    assert p.returncode == 0 and p.stdout.decode().startswith("quotex ")
