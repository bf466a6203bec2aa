"""The store's cache key: which extractor and which model made a document's records.

Kept apart from the extractor so that a warm re-run, which only checks versions, imports
none of the NLP code (its many regular expressions alone cost more than the whole check).
"""
from __future__ import annotations

import functools
import hashlib
import os
from importlib import resources

MODEL_MODULE = "ja_ginza"
# Everything whose change can change a record: code and data of the extractor.
EXTRACTOR_FILES = ("brackets.py", "segment.py", "pipeline.py", "attribution.py", "indirect.py", "coref.py",
                   "extract.py", "cues.py", "people.py", "dates.py", "data/cues.tsv", "data/people.json",
                   "data/offices.json")


@functools.lru_cache(maxsize=1)
def extractor_version() -> str:
    """Changes whenever the extractor's code or data does, so a store never serves records an
    older extractor made (no version number to forget to bump)."""
    from . import __version__

    h = hashlib.sha256()
    pkg = resources.files("quotex")
    for name in EXTRACTOR_FILES:
        h.update(pkg.joinpath(name).read_bytes())
    for extra in filter(None, os.environ.get("QUOTEX_PEOPLE", "").split(os.pathsep)):
        h.update(extra.encode())  # a user's extra registry changes who is who
        if os.path.isfile(extra):
            with open(extra, "rb") as f:
                h.update(f.read())
    return f"{__version__}+{h.hexdigest()[:12]}"


@functools.lru_cache(maxsize=1)
def model_version() -> str:
    """The installed model's version, from its meta.json: found without importing the model
    package (which imports spaCy) or importlib.metadata (20 ms of every warm run)."""
    import importlib.util
    import json

    spec = importlib.util.find_spec(MODEL_MODULE)
    for location in (spec.submodule_search_locations or []) if spec else []:
        meta = os.path.join(location, "meta.json")
        if os.path.isfile(meta):
            with open(meta, encoding="utf-8") as f:
                return f"ja_ginza-{json.load(f).get('version', '?')}"
    return "ja_ginza"
