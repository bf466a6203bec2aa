"""Scoring quotex against hand annotations (../shared/gold): detection, attribution, end to end.

Matching follows the gold README: a bracketed prediction matches a gold record by document and
quote text, repeated quotes paired by their order in the document; speakers are compared after
NFKC with ・, = and spaces removed, against the gold speaker or any of its alternatives.
Ambiguous gold records are left out on both sides.  Indirect records match when their ranges
overlap by at least half of their union.
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

import orjson

from .records import Quote, span_overlap


def norm_speaker(s: Optional[str]) -> str:
    if not s:
        return ""
    s = unicodedata.normalize("NFKC", s)
    for ch in ("・", "=", " ", "\u3000", "･"):
        s = s.replace(ch, "")
    return s


@dataclass
class Score:
    label: str
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    correct: int = 0
    kind_correct: int = 0
    errors: list = field(default_factory=list)

    @staticmethod
    def _f(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        p = self.matched / self.predicted if self.predicted else 0.0
        r = self.matched / self.gold if self.gold else 0.0
        ep = self.correct / self.predicted if self.predicted else 0.0
        er = self.correct / self.gold if self.gold else 0.0
        return {
            "set": self.label, "gold": self.gold, "predicted": self.predicted, "matched": self.matched,
            "detection_precision": round(p, 3), "detection_recall": round(r, 3),
            "detection_f1": round(self._f(p, r), 3),
            "attribution_accuracy": round(self.correct / self.matched, 3) if self.matched else 0.0,
            "kind_accuracy": round(self.kind_correct / self.matched, 3) if self.matched else 0.0,
            "end_to_end_precision": round(ep, 3), "end_to_end_recall": round(er, 3),
            "end_to_end_f1": round(self._f(ep, er), 3),
        }


def load_gold(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def _speaker_ok(pred: Quote, gold: dict) -> bool:
    names = {norm_speaker(gold.get("speaker"))} | {norm_speaker(a) for a in gold.get("speaker_alts") or []}
    return norm_speaker(pred.speaker.name) in names and bool(pred.speaker.name)


def _docname(p: str) -> str:
    return Path(p).name


def _by_doc(gold: list[dict], preds: list[Quote], kinds: tuple[str, ...]):
    """Gold and predictions of the given kinds, grouped by document file name."""
    by_gold: dict[str, list[dict]] = defaultdict(list)
    for g in gold:
        by_gold[g["doc"]].append(g)
    by_pred: dict[str, list[Quote]] = defaultdict(list)
    for p in preds:
        if p.kind in kinds:
            by_pred[_docname(p.doc)].append(p)
    return by_gold, by_pred


def score_brackets(gold: list[dict], preds: list[Quote]) -> Score:
    sc = Score("quotes")
    by_doc_gold, by_doc_pred = _by_doc(gold, preds, ("direct", "partial"))
    for doc in sorted(set(by_doc_gold) | set(by_doc_pred)):
        golds = sorted(by_doc_gold.get(doc, []), key=lambda g: g["start"])
        pool: dict[str, list[dict]] = defaultdict(list)
        for g in golds:
            pool[g["quote"]].append(g)
        for g in golds:
            if g["kind"] != "not_quote" and not g.get("ambiguous"):
                sc.gold += 1
        matched_gold = set()
        for p in sorted(by_doc_pred.get(doc, []), key=lambda q: q.start):
            cands = [g for g in pool.get(p.quote, []) if id(g) not in matched_gold]
            g = cands[0] if cands else None
            if g is not None:
                matched_gold.add(id(g))
            if g is not None and g.get("ambiguous"):
                continue  # left out on both sides
            sc.predicted += 1
            if g is None or g["kind"] == "not_quote":
                sc.errors.append(("extra", doc, p.start, p.quote, p.speaker.name, g["kind"] if g else None))
                continue
            sc.matched += 1
            sc.kind_correct += p.kind == g["kind"]
            if p.kind != g["kind"]:
                sc.errors.append(("wrong-kind", doc, p.start, p.quote, p.kind, g["kind"]))
            if _speaker_ok(p, g):
                sc.correct += 1
            else:
                sc.errors.append(("wrong-speaker", doc, p.start, p.quote, p.speaker.name, g["speaker"]))
        for g in golds:
            if g["kind"] != "not_quote" and not g.get("ambiguous") and id(g) not in matched_gold:
                sc.errors.append(("miss", doc, g["start"], g["quote"], None, g["speaker"]))
    return sc



def score_indirect(gold: list[dict], preds: list[Quote]) -> Score:
    sc = Score("indirect")
    golds_by_doc, preds_by_doc = _by_doc(gold, preds, ("indirect",))
    for doc in sorted(set(golds_by_doc) | set(preds_by_doc)):
        golds = golds_by_doc.get(doc, [])
        sc.gold += sum(1 for g in golds if not g.get("ambiguous"))
        used = set()
        for p in sorted(preds_by_doc.get(doc, []), key=lambda q: q.start):
            best, best_ov = None, 0.5
            for gi, g in enumerate(golds):
                if gi in used:
                    continue
                ov = span_overlap((p.start, p.end), (g["start"], g["end"]))
                if ov >= best_ov:
                    best, best_ov = gi, ov
            if best is not None:
                used.add(best)
                g = golds[best]
                if g.get("ambiguous"):
                    continue
                sc.predicted += 1
                sc.matched += 1
                sc.kind_correct += 1
                if _speaker_ok(p, g):
                    sc.correct += 1
                else:
                    sc.errors.append(("wrong-speaker", doc, p.start, p.quote, p.speaker.name, g["speaker"]))
            else:
                sc.predicted += 1
                sc.errors.append(("extra", doc, p.start, p.quote, p.speaker.name, None))
        for gi, g in enumerate(golds):
            if gi not in used and not g.get("ambiguous"):
                sc.errors.append(("miss", doc, g["start"], g["quote"], None, g["speaker"]))
    return sc


def evaluate(records: Iterable[Quote], gold_path: Path, indirect_path: Optional[Path] = None) -> list[Score]:
    records = list(records)
    out = [score_brackets(load_gold(gold_path), records)]
    if indirect_path is not None and indirect_path.exists():
        out.append(score_indirect(load_gold(indirect_path), records))
    return out
