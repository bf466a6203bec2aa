"""The NLP core: text in, Quote records out.  No printing, no files, no CLI.

Only the sentences that can carry a quote or a speech verb are parsed; the others are
tokenised (Sudachi only) so that the names they mention still feed coreference.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Optional

from . import cues
from .attribution import Candidate, Sent, analyse_brackets
from .brackets import find_brackets
from .coref import ORG, PERSON_HINT, Discourse, katakana_name
from .dates import document_date
from .indirect import find_indirect
from .records import Quote, Speaker
from .segment import parse_unit, split_sentences

EXTRACTOR_VERSION = "1"


@dataclass(frozen=True)
class Options:
    indirect: bool = True
    min_confidence: float = 0.0


def _cue_regex() -> re.Pattern:
    return re.compile("|".join(re.escape(s) for s in cues.stems()))


def extract_text(text: str, doc: str = "-", nlp=None, *, doc_date: Optional[date] = None,
                 registry=None, options: Options = Options()) -> list[Quote]:
    """Every quotation and reported statement in text, attributed, in document order."""
    return extract_many([(doc, text, doc_date)], nlp, registry=registry, options=options)[0]


def extract_many(items: Iterable[tuple[str, str, Optional[date]]], nlp=None, *, registry=None,
                 options: Options = Options()) -> list[list[Quote]]:
    """Extract several documents, parsing all their candidate sentences in one batch stream."""
    from .pipeline import load_nlp, parse, tokenize

    nlp = nlp or load_nlp()
    if registry is None:
        from .people import Registry

        registry = Registry.load()
    cue_re = _cue_regex()
    prepared = []
    to_parse: list[str] = []
    to_tok: list[str] = []
    for doc, text, d in items:
        brackets = find_brackets(text)
        sents = split_sentences(text, brackets)
        plan = []
        for s in sents:
            st = s.text(text)
            has_bracket = any(s.start <= b.open < s.end for b in brackets)
            if has_bracket or cue_re.search(st):
                unit = parse_unit(text, s, brackets)
                plan.append(("parse", s, unit, len(to_parse)))
                to_parse.append(unit.text)
            else:
                plan.append(("tok", s, None, len(to_tok)))
                to_tok.append(st)
        prepared.append((doc, text, d, brackets, plan))
    parsed = list(parse(nlp, to_parse))
    toked = list(tokenize(nlp, to_tok))
    results = []
    for doc, text, d, brackets, plan in prepared:
        d = d or document_date(text)
        results.append(_attribute(doc, text, d, brackets, plan, parsed, toked, registry, options))
    return results


def _attribute(doc_name, text, d, brackets, plan, parsed, toked, registry, options) -> list[Quote]:
    disc = Discourse(registry, d)
    out: list[Quote] = []
    for how, s, unit, k in plan:
        if how == "tok":
            _observe_tokens(disc, text, s.start, toked[k], offset_map=None)
            continue
        sdoc = parsed[k]
        sent = Sent(unit, sdoc, text)
        _observe_tokens(disc, text, s.start, sdoc, offset_map=sent)
        sb = [b for b in brackets if s.start <= b.open < s.end]
        cands = analyse_brackets(sent, sb)
        used = set()
        for c in cands:
            if c.kind != "not_quote" and c.bracket is not None:
                used.update(_governors(sent, c))
        if options.indirect:
            cands += find_indirect(sent, used)
        cands.sort(key=lambda c: (c.start, c.end))
        sentence_text = text[s.start:s.end]
        for c in cands:
            if c.kind == "not_quote" or c.end > len(text) or c.start >= c.end:
                continue
            speaker, evidence, conf = _speaker_for(disc, c)
            if speaker is None:
                speaker = Speaker()
                conf = min(conf, 0.3)
            conf = round(max(0.0, min(1.0, conf)), 3)
            if conf < options.min_confidence:
                continue
            out.append(Quote(doc_name, c.start, c.end, text[c.start:c.end], c.kind, speaker, c.cue,
                             sentence_text, conf, evidence))
            if speaker.name:
                disc.said(c.start, speaker)
    return out


def _governors(sent: Sent, c: Candidate) -> set[int]:
    """Token indices of the verbs a bracket hangs from, so indirect search skips them."""
    b = c.bracket
    out = set()
    for t in sent.doc:
        if b.start <= sent.starts[t.i] < b.end and not (b.start <= sent.starts[t.head.i] < b.end):
            h = t.head
            for _ in range(3):
                out.add(h.i)
                if h.head.i == h.i:
                    break
                h = h.head
    return out


def _speaker_for(disc: Discourse, c: Candidate):
    if c.mention is not None:
        sp, ev, factor = disc.resolve(c.mention)
        evidence = c.evidence if ev in ("registry", "name", "description") else ev
        if ev == "description":
            factor = 0.85
        return sp, evidence, c.weight * factor
    if c.evidence in ("noun-introduced",):
        sp = disc.carry(c.start) or disc.last_named(c.start, ("person", "org"))
        return sp, c.evidence, c.weight * (0.9 if sp else 0.3)
    if c.needs_carry:
        sp = disc.carry(c.start)
        return sp, "carried-subject" if c.evidence == "dependency-subject" else c.evidence, c.weight
    return None, c.evidence, c.weight


def _observe_tokens(disc: Discourse, text: str, sent_start: int, doc, offset_map) -> None:
    """Feed coreference with every name-like noun run of a sentence."""
    if offset_map is not None:
        starts, ends = offset_map.starts, offset_map.ends
    else:
        starts, ends = [], []
        for t in doc:
            starts.append(sent_start + t.idx)
            ends.append(sent_start + t.idx + len(t.text))
    run: list = []

    def flush():
        if not run:
            return
        toks = list(run)
        while toks and toks[-1].text in "・=＝":
            toks.pop()
        while toks and toks[0].text in "・=＝":
            toks.pop(0)
        if not toks:
            return
        has_name = any("人名" in t.tag_ for t in toks)
        s, e = starts[toks[0].i], ends[toks[-1].i]
        surface = text[s:e]
        if not (has_name or ORG.search(surface) or PERSON_HINT.search(surface)):
            return
        person = None
        if has_name:
            idx = [i for i, t in enumerate(toks) if "人名" in t.tag_]
            a, b_ = idx[0], idx[-1]
            person = text[starts[toks[a].i]:ends[toks[b_].i]]
            kn = katakana_name(surface)
            if kn and person in kn:
                person = kn  # マリア(人名)・ペトロワ(unknown) is one name
        disc.observe(s, surface, person, text[sent_start:s])

    for t in doc:
        if t.pos_ in ("NOUN", "PROPN") or (run and t.text in "・=＝") or t.tag_.startswith("接尾辞-名詞"):
            run.append(t)
        else:
            flush()
            run = []
    flush()
