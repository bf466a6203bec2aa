"""The cue-verb lexicon (data/cues.tsv): which lemmas introduce reported speech."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

SPEECH_CLASSES = frozenset({"say", "write", "report", "name"})


@dataclass(frozen=True)
class Cue:
    lemma: str
    cls: str
    weight: float


@functools.lru_cache(maxsize=1)
def lexicon() -> dict[str, Cue]:
    text = resources.files("quotex").joinpath("data/cues.tsv").read_text(encoding="utf-8")
    out: dict[str, Cue] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lemma, cls, weight = line.split("\t")
        out[lemma] = Cue(lemma, cls, float(weight))
    return out


def lookup(lemma: str) -> Cue | None:
    return lexicon().get(lemma)


@functools.lru_cache(maxsize=1)
def stems() -> tuple[str, ...]:
    """Surface stems for a cheap pre-filter: the part of each lemma before its inflection."""
    out = set()
    for lemma, cue in lexicon().items():
        if cue.cls in ("light", "think"):
            continue
        stem = lemma[:-2] if lemma.endswith("する") else lemma[:-1]
        if lemma.endswith("をあげる"):
            stem = lemma[: -len("をあげる")]
        if len(stem) >= 1:
            out.add(stem)
    out.update(("によると", "によれば", "によりますと", "としている", "としています"))
    return tuple(sorted(out, key=len, reverse=True))
