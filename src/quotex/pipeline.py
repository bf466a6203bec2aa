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


def parse(nlp, texts: Iterable[str]) -> Iterator:
    """Parse texts in batches, one Doc per text, in order.

    A text the parser rejects is tokenised only; a text even Sudachi rejects (a lone surrogate)
    raises, so that the caller reports its document instead of silently losing its quotes.
    """
    texts = list(texts)
    for k in range(0, len(texts), BATCH_SIZE):
        chunk = texts[k:k + BATCH_SIZE]
        try:
            docs = list(nlp.pipe(chunk, batch_size=BATCH_SIZE))
        except Exception:  # find the bad text without shifting the rest of the batch
            docs = []
            for t in chunk:
                try:
                    docs.append(nlp(t))
                except Exception:
                    docs.append(nlp.make_doc(t))
        yield from docs


def tokenize(nlp, texts: Iterable[str]) -> Iterator:
    """Sudachi tokens and tags only (about 50x cheaper than a parse), for context sentences."""
    for t in texts:
        yield nlp.make_doc(t)
