"""Reported speech without brackets: …と述べた, …ことを明らかにした, …考えを示した, Xによると….

Each finding is the reported clause as an offset range plus the cue and the speaker's
mention, for the same offsets contract as bracketed quotes.
"""
from __future__ import annotations

import re
from typing import Optional

from .brackets import CLOSERS, PAIRS
from .records import span_overlap
from .attribution import (PERSON_TITLE, Candidate, Mention, Sent, _cue_of, _in_any_bracket, _is_passive, agentive,
                          find_subject, has_case, noun_phrase)

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
        if run[0].text in PAIRS and PAIRS[run[0].text] in "".join(t.text for t in run[1:]):
            break  # keep the opening bracket of a quote inside the clause
        run = run[1:]
    while run and (run[-1].pos_ in ("PUNCT",) or run[-1].text in ("と", "を", "、")):
        if run[-1].text in CLOSERS and CLOSERS[run[-1].text] in "".join(t.text for t in run[:-1]):
            break  # keep the closing bracket of a quote inside the clause
        run = run[:-1]
    if not run:
        return None
    s, e = sent.starts[run[0].i], sent.ends[run[-1].i]
    txt = sent.text[s:e]
    m = TRAILING.search(txt)
    if m:
        e -= len(m.group(0))
    return (s, e) if e - s >= 4 else None


def _is_quotative_clause(ch) -> bool:
    return (ch.dep_ in ("ccomp", "advcl", "obl") and ch.pos_ in ("VERB", "ADJ", "AUX", "NOUN")
            and has_case(ch, "と"))


def _quotative_child(v):
    for ch in v.children:
        if _is_quotative_clause(ch):
            return ch
    return None


def _first_topic(sent: Sent, comp) -> Optional[Mention]:
    """The sentence's first agentive は-topic before the reported clause's head: its speaker."""
    left = min(x.i for x in comp.subtree)
    for t in sent.doc:
        if sent.starts[t.i] >= sent.starts[comp.i]:
            break
        if t.pos_ in ("NOUN", "PROPN") and has_case(t, "は", "が") \
                and not _in_any_bracket(sent, t) and agentive(sent, t):
            m = noun_phrase(sent, t)
            # inside the clause, a が-subject is its content (ロシアが…) unless it is plainly a
            # person by name or title (ブリンケン米国務長官が…と述べた, hung there by the parser)
            if t.i < left or has_case(t, "は") or (m is not None and (m.person_name or PERSON_TITLE.search(m.text))):
                return m
    return None



def _volitional(tok) -> bool:
    """逃れようとしている is trying, not reporting."""
    return any(c.dep_ == "aux" and c.lemma_ in ("う", "よう") for c in tok.children) or tok.text.endswith(("よう", "おう"))



def _subtree(tok) -> list:
    return list(tok.subtree)


def _after_direct_quotes(sent: Sent, span: tuple[int, int], direct) -> Optional[tuple[int, int]]:
    """A reported clause never swallows a direct quote: 「…」と述べ、X → X alone."""
    s, e = span
    text = sent.text
    for b in direct:
        if s <= b.open and b.end <= e:
            if e - b.outer_end < 6 or text[b.outer_end:e].lstrip().startswith(("と", "って")) and "、" not in text[b.outer_end:e]:
                return None  # the clause is the quote and its quotative
            comma = text.find("、", b.outer_end, e)
            if comma < 0:
                return None
            s = comma + 1
    return (s, e) if e - s >= 4 else None


def _after_verbs(sent: Sent, span, verbs) -> Optional[tuple[int, int]]:
    """「…」と述べ、X: a clause never starts with the verb of a quote already recorded."""
    if span is None:
        return None
    s, e = span
    for u in verbs:
        if u < len(sent.starts) and s <= sent.starts[u] < e:
            comma = sent.text.find("、", sent.ends[u], e)
            if comma < 0:
                return None
            s = max(s, comma + 1)
    return (s, e) if e - s >= 4 else None


def _balanced(sent: Sent, span) -> Optional[tuple[int, int]]:
    """A clause that starts inside a bracket and ends outside it takes the whole bracket."""
    if span is None:
        return None
    s, e = span
    for b in sent.unit_brackets:
        if b.start <= s < b.end < e:
            s = b.open
    return s, e


def find_indirect(sent: Sent, used_verbs: set[int], direct=()) -> list[Candidate]:
    """Reported clauses in one parsed sentence; direct = the brackets already recorded as direct."""
    out: list[Candidate] = []
    seen: set[tuple[int, int]] = set()
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
        if v.i in used_verbs or _in_any_bracket(sent, v):
            continue  # a verb inside a quote belongs to the quoted speaker's own words
        cue = _cue_of(v)
        light = False
        if not cue or cue[2] not in REPORT_CLASSES:
            # …としている / …としたうえで: a light verb that reports, at a clause's end
            if (v.lemma_ == "する" and _quotative_child(v) is not None and (v.head.i == v.i or v.dep_ == "advcl")
                    and not _is_passive(v) and not _volitional(_quotative_child(v))):
                cue, light = ("する", 0.6, "light"), True
            else:
                continue
        lemma, weight, _ = cue
        comp = None
        for ch in v.children:
            if _is_quotative_clause(ch):
                comp = ch
            elif ch.dep_ in ("obj", "obl") and ch.lemma_ in CONTENT_NOUNS:
                # …進める考えを示した: the noun's clause, not a mere 北朝鮮の modifier
                acl = [c for c in ch.children if c.dep_ == "acl" and c.i < ch.i]
                if acl:
                    comp = acl[-1]
        if comp is None:
            continue
        toks = _subtree(comp)
        mention, hops = find_subject(sent, v)
        ev = "dependency-subject"
        if mention is None:
            mention = _first_topic(sent, comp)
            ev = "sentence-topic"
        if light:
            own_subject = any(c.dep_ in ("nsubj", "csubj") for c in comp.children)
            if mention is not None and (mention.start >= min(sent.starts[t.i] for t in toks) or not own_subject):
                # キム総書記は…談笑したとしている: a topic that is also the subject of the reported
                # clause is what the report is about; only 報道官は…意見が交わされたとした is a sayer
                mention = None
            # Aて、Bし、Cしたとしている: clauses conjoined before the complement report too
            floor_pos = mention.end if mention is not None else sent.unit.sentence.start
            for sib in v.children:
                if sib.dep_ in ("advcl", "conj") and sib.i < comp.i and sent.starts[sib.i] >= floor_pos:
                    toks += _subtree(sib)
        floor = sent.unit.sentence.start
        if mention is not None and mention.start <= sent.starts[comp.i]:
            floor = max(floor, mention.end)
        span = _clause_span(sent, toks, floor)
        if span is None:
            continue
        if any(b.open <= span[0] and span[1] <= b.outer_end for b in sent.unit_brackets):
            continue  # the clause is a bracketed quote, already recorded
        span = _after_direct_quotes(sent, span, direct)
        span = _after_verbs(sent, span, used_verbs)
        span = _balanced(sent, span)
        if span is None or any(span_overlap(span, o) > 0.5 for o in seen):
            # the same report reached from two verbs (…としたうえで…と明らかにした): keep the first
            continue
        seen.add(span)
        if mention is None:
            ev = "carried-subject"
        w = weight * (0.8 if ev == "dependency-subject" else 0.7 if ev == "sentence-topic" else 0.6)
        out.append(Candidate(span[0], span[1], "indirect", lemma, mention, ev, w * (0.9 if light else 1.0),
                             needs_carry=mention is None, extra={"verb": v.i}))
    return out
