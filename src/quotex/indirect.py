"""Reported speech without brackets: …と述べた, …ことを明らかにした, …考えを示した, Xによると….

Each finding is the reported clause as an offset range plus the cue and the speaker's
mention, for the same offsets contract as bracketed quotes.
"""
from __future__ import annotations

import re
from typing import Optional

from .attribution import Candidate, Mention, Sent, _cue_of, find_subject, noun_phrase

# Nouns whose modifying clause is the content of what was said: …進める考えを示した.
CONTENT_NOUNS = {"考え", "意向", "姿勢", "方針", "見方", "認識", "見通し", "意欲", "決意", "立場", "こと", "期待",
                 "懸念", "自信", "確信", "用意", "声", "旨", "意思", "方向"}
SOURCE = re.compile(r"(?:によると|によれば|によりますと)[、,\s]*")
TRAILING = re.compile(r"(?:ということです|ということだ|とのことです|とのことだ|という|としています|としている|"
                      r"[。．、\s])+$")
REPORT_CLASSES = ("say", "write", "report")


def _clause_span(sent: Sent, toks, floor: int) -> Optional[tuple[int, int]]:
    toks = [t for t in toks if sent.starts[t.i] >= floor]
    if not toks:
        return None
    toks = sorted(toks, key=lambda t: t.i)
    # a clause is contiguous: cut at the first gap
    run = [toks[0]]
    for t in toks[1:]:
        if t.i != run[-1].i + 1:
            run = [t]
            continue
        run.append(t)
    while run and (run[0].pos_ in ("PUNCT", "ADP", "CCONJ") or run[0].text in "、，"):
        run = run[1:]
    while run and (run[-1].pos_ in ("PUNCT",) or run[-1].text in ("と", "を", "、")):
        run = run[:-1]
    if not run:
        return None
    s, e = sent.starts[run[0].i], sent.ends[run[-1].i]
    txt = sent.text[s:e]
    m = TRAILING.search(txt)
    if m:
        e -= len(m.group(0))
    return (s, e) if e - s >= 4 else None


def _subtree(tok) -> list:
    return list(tok.subtree)


def find_indirect(sent: Sent, used_verbs: set[int]) -> list[Candidate]:
    out: list[Candidate] = []
    doc = sent.doc
    text = sent.text
    # Xによると、CLAUSE。
    utext = sent.unit.text
    for m in SOURCE.finditer(utext):
        src_end = sent.unit.to_orig(m.start(), end=True)
        toks_before = [t for t in doc if sent.ends[t.i] <= src_end]
        if not toks_before:
            continue
        head = toks_before[-1]
        while head.pos_ in ("ADP", "PUNCT") and head.i > 0:
            head = doc[head.i - 1]
        if head.pos_ not in ("NOUN", "PROPN", "PRON"):
            continue
        mention = noun_phrase(sent, head)
        start = sent.unit.to_orig(m.end())
        end = sent.unit.sentence.end
        clause = text[start:end]
        t = TRAILING.search(clause)
        if t:
            end -= len(t.group(0))
        if mention and end - start >= 4:
            out.append(Candidate(start, end, "indirect", "によると", mention, "source-phrase", 0.85))
    for v in doc:
        if v.i in used_verbs:
            continue
        cue = _cue_of(v)
        if not cue or cue[2] not in REPORT_CLASSES:
            continue
        lemma, weight, _ = cue
        comp = None
        for ch in v.children:
            if ch.dep_ in ("ccomp", "advcl", "obl") and any(c.dep_ == "case" and c.lemma_ == "と" for c in ch.children) \
                    and ch.pos_ in ("VERB", "ADJ", "AUX", "NOUN"):
                comp = ("clause", ch)
            elif ch.dep_ in ("obj", "obl") and ch.lemma_ in CONTENT_NOUNS:
                acl = [c for c in ch.children if c.dep_ in ("acl", "nmod") and c.i < ch.i]
                if acl:
                    comp = ("noun", acl[-1])
        if comp is None:
            continue
        mention, hops = find_subject(sent, v)
        floor = mention.end if mention is not None and mention.end <= sent.starts[comp[1].i] else sent.unit.sentence.start
        span = _clause_span(sent, _subtree(comp[1]), floor)
        if span is None:
            continue
        if any(b.start <= span[0] and span[1] <= b.end for b in sent.unit_brackets):
            continue  # the clause is a bracketed quote, already recorded
        ev = "dependency-subject" if mention else "carried-subject"
        out.append(Candidate(span[0], span[1], "indirect", lemma, mention, ev,
                             weight * (0.8 if mention else 0.65), needs_carry=mention is None,
                             extra={"verb": v.i}))
    return out
