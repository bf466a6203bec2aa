"""The records quotex emits: small frozen dataclasses with a stable key order."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

KINDS = ("direct", "partial", "indirect")


@dataclass(frozen=True)
class Speaker:
    name: Optional[str] = None      # canonical name; None when the text names nobody
    mention: Optional[str] = None   # the surface form in the text that identified the speaker
    kind: Optional[str] = None      # "person", "org", "group" or None
    title: Optional[str] = None     # title attached to the mention (官房長官), if any
    qid: Optional[str] = None       # Wikidata QID from the registry, if known


@dataclass(frozen=True)
class Quote:
    doc: str                        # document path as given by the user
    start: int                      # text[start:end] == quote, offsets in the decoded text
    end: int
    quote: str
    kind: str                       # direct | partial | indirect
    speaker: Speaker = field(default_factory=Speaker)
    cue: Optional[str] = None       # lemma of the verb (or phrase) introducing the quote
    sentence: str = ""              # the sentence holding the quote, for context
    confidence: float = 0.0         # 0..1, how sure the attribution is
    evidence: str = ""              # which rule attributed it (dependency-subject, carried-subject, ...)

    def to_dict(self) -> dict[str, Any]:
        # written out rather than dataclasses.asdict, which deep-copies and is 10x slower:
        # a warm re-run serialises every stored record
        sp = self.speaker
        return {
            "doc": self.doc, "start": self.start, "end": self.end, "quote": self.quote, "kind": self.kind,
            "speaker": {"name": sp.name, "mention": sp.mention, "kind": sp.kind, "title": sp.title, "qid": sp.qid},
            "cue": self.cue, "sentence": self.sentence, "confidence": self.confidence, "evidence": self.evidence,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Quote":
        sp = d.get("speaker") or {}
        return cls(
            doc=d["doc"], start=d["start"], end=d["end"], quote=d["quote"], kind=d["kind"],
            speaker=Speaker(**{k: sp.get(k) for k in Speaker.__dataclass_fields__}),
            cue=d.get("cue"), sentence=d.get("sentence", ""),
            confidence=d.get("confidence", 0.0), evidence=d.get("evidence", ""),
        )


def span_overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Shared length of two [start, end) ranges over the length of their union (0..1)."""
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0
