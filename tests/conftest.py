"""Shared fixtures: the real ja_ginza model loaded once per session, and an isolated store."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD = ROOT.parent / "shared" / "gold"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Every test gets its own store directory: never the user's real data."""
    monkeypatch.setenv("QUOTEX_HOME", str(tmp_path / "quotex-home"))
    monkeypatch.delenv("QUOTEX_DB", raising=False)
    monkeypatch.delenv("QUOTEX_PEOPLE", raising=False)
    monkeypatch.delenv("QUOTEX_SCHEDULER", raising=False)


@pytest.fixture(scope="session")
def nlp():
    from quotex.pipeline import load_nlp

    return load_nlp()


@pytest.fixture(scope="session")
def registry():
    from quotex.people import Registry

    return Registry.load()


@pytest.fixture(scope="session")
def extract(nlp, registry):
    """extract(text, date=None) -> records, with the session's model."""
    from quotex.extract import extract_text

    def run(text, doc_date=None, doc="t.txt"):
        return extract_text(text, doc, nlp, doc_date=doc_date, registry=registry)

    return run


@pytest.fixture(scope="session")
def seed_records(nlp, registry):
    from quotex.extract import extract_many

    files = sorted(SEEDS.glob("*.txt"))
    res = extract_many([(f"seeds/{f.name}", f.read_text(encoding="utf-8"), None) for f in files],
                       nlp, registry=registry)
    return {f.name: r for f, r in zip(files, res)}
