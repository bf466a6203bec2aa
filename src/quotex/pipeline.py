"""The GiNZA pipeline: loading ja_ginza once, and parsing quotex's units with it.

quotex segments text itself (segment.py), so each unit handed to the parser is one sentence:
a component placed before the parser forbids further sentence breaks, which GiNZA would
otherwise make inside brackets and so cut a quote from its cue verb.
"""
from __future__ import annotations

import functools
from typing import Iterable, Iterator

MODEL = "ja_ginza"
# ner is 40% of GiNZA's time and quotex reads names from Sudachi's tags and the registry instead;
# compound_splitter annotates what quotex never reads (bunsetu_recognizer stays: it finalises
# the dependency labels the parser predicts).
EXCLUDE = ("ner", "compound_splitter")
BATCH_SIZE = 64


def _register() -> None:
    from spacy.language import Language

    if "quotex_one_sentence" in Language.factories:
        return

    @Language.component("quotex_one_sentence")
    def one_sentence(doc):  # why: keep the whole unit one tree so the cue reaches its quote
        for tok in doc[1:]:
            tok.is_sent_start = False
        return doc


@functools.lru_cache(maxsize=1)
def load_nlp():
    """Load ja_ginza once per process (2 s, 0.4 GB), with quotex's sentence guard."""
    from thinc.api import NumpyOps, set_current_ops

    # The prebuilt blis wheel runs a generic kernel on this CPU; numpy's BLAS is ~1.8x faster
    # for tok2vec's matrix products (measured: 1,992 vs 3,530 chars/s on the seeds).
    set_current_ops(NumpyOps(use_blis=False))
    import spacy

    _register()
    nlp = spacy.load(MODEL, exclude=list(EXCLUDE))
    nlp.add_pipe("quotex_one_sentence", before="parser")
    return nlp


def model_version() -> str:
    """The installed model's version, part of the store's cache key; no spaCy import."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{MODEL}-{version('ja-ginza')}"
    except PackageNotFoundError:  # pragma: no cover - only in a broken install
        return MODEL


def parse(nlp, texts: Iterable[str]) -> Iterator:
    """Parse texts in batches; a text the parser rejects is tokenised only, never lost."""
    texts = list(texts)
    try:
        yield from nlp.pipe(texts, batch_size=BATCH_SIZE)
        return
    except Exception:
        pass
    for t in texts:  # slow path: find the bad one without losing the others
        try:
            yield nlp(t)
        except Exception:
            yield nlp.make_doc(t[:10000])


def tokenize(nlp, texts: Iterable[str]) -> Iterator:
    """Sudachi tokens and tags only (about 50x cheaper than a parse), for context sentences."""
    for t in texts:
        try:
            yield nlp.make_doc(t)
        except Exception:
            yield nlp.make_doc("")
