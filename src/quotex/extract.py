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
from .attribution import (QUOTATIVE, Candidate, Sent, _cue_of, analyse_brackets, find_subject, has_case,
                          sentence_topic)
from .brackets import find_brackets
from .coref import ORG, PERSON_HINT, Discourse, katakana_name
from .dates import document_date
from .indirect import find_indirect
from .records import Quote, Speaker
from .segment import parse_unit, split_sentences
from .version import extractor_version

EXTRACTOR_VERSION = extractor_version()
# Nouns that run into a following name when a sentence starts with them (その後金委員長は).
LEADING_NOISE = {"後", "際", "中", "間", "前", "今回", "今後", "同日", "当日", "一方", "特に", "事実", "今日",
                 "きょう", "昨日", "あす", "明日", "今年", "昨年", "去年", "今月", "先月", "来月"}


@dataclass(frozen=True)
class Options:
    indirect: bool = True
    min_confidence: float = 0.0
    parse_all: bool = False   # parse every sentence (slow): proves the candidate selection loses nothing


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
        for s, sb in zip(sents, _brackets_by_sentence(sents, brackets)):
            st = s.text(text)
            if sb or options.parse_all or cue_re.search(st):
                unit = parse_unit(text, s, sb)
                plan.append(("parse", s, unit, sb, len(to_parse)))
                to_parse.append(unit.text)
            else:
                plan.append(("tok", s, None, sb, len(to_tok)))
                to_tok.append(st)
        prepared.append((doc, text, d, plan))
    parsed = list(parse(nlp, to_parse))
    toked = list(tokenize(nlp, to_tok))
    results = []
    for doc, text, d, plan in prepared:
        d = d or document_date(text)
        results.append(_attribute(doc, text, d, plan, parsed, toked, registry, options))
    return results


def _brackets_by_sentence(sents, brackets) -> list[list]:
    """The brackets opening in each sentence, in one pass over both sorted lists (a 2 MB
    document has thousands of each: scanning all brackets per sentence would be quadratic)."""
    out: list[list] = []
    k = 0
    for s in sents:
        while k < len(brackets) and brackets[k].open < s.start:
            k += 1
        j = k
        while j < len(brackets) and brackets[j].open < s.end:
            j += 1
        out.append(brackets[k:j])
        k = j
    return out


def _attribute(doc_name, text, d, plan, parsed, toked, registry, options) -> list[Quote]:
    disc = Discourse(registry, d, text)
    out: list[Quote] = []
    pending = None  # 「…」。 alone: its speaker may come in the next sentence (X氏はこう語った)
    for how, s, unit, sb, k in plan:
        if how == "tok":
            _observe_tokens(disc, text, s.start, toked[k], offset_map=None)
            pending = None
            continue
        sdoc = parsed[k]
        sent = Sent(unit, sdoc, text, sb)
        _observe_tokens(disc, text, s.start, sdoc, offset_map=sent)
        sent.known_names = disc.known_surnames()
        if pending is not None:
            q = _speaker_in_next(disc, sent, *pending)
            if q is not None and q.confidence >= options.min_confidence:
                out.append(q)
                disc.said(q.start, q.speaker)
            pending = None
        cands = analyse_brackets(sent, sb)
        alone = [c for c in cands if c.kind == "not_quote" and c.evidence == "no-cue" and c.bracket is not None
                 and not text[s.start:c.bracket.open].strip()
                 and text[c.bracket.outer_end:s.end].strip() in ("", "。") and c.end - c.start >= 6]
        if alone:
            pending = (doc_name, alone[0], text[s.start:s.end])
        used = set()
        # brackets that are whole statements (「…」と述べ): their verb reports nothing else
        framed = [c for c in cands if c.kind == "direct" and c.bracket is not None and c.cue is not None
                  and QUOTATIVE.match(text[c.bracket.outer_end:c.bracket.outer_end + 8])]
        for c in framed:
            used.update(_governors(sent, c))
        # reported speech always feeds the discourse (who spoke last), even when not emitted
        cands += find_indirect(sent, used, [c.bracket for c in framed])
        cands.sort(key=lambda c: (c.start, c.end))
        sentence_text = text[s.start:s.end]
        source = None  # Xによると governs the whole sentence: its unattributed quotes are X's
        for c in cands:
            if c.kind == "not_quote" or c.end > len(text) or c.start >= c.end:
                continue
            if c.needs_carry and source is not None:
                speaker, evidence, conf = source, "source-phrase", c.weight
            else:
                speaker, evidence, conf = _speaker_for(disc, c, s.start)
            if c.evidence == "source-phrase" and speaker is not None and speaker.name:
                source = speaker
                disc.source(c.start, speaker)
            if speaker is None:
                speaker = Speaker()
                conf = min(conf, 0.3)
            conf = round(max(0.0, min(1.0, conf)), 3)
            if speaker.name and c.evidence != "source-phrase":
                # …によると reports facts; a following dropped subject means a speaker, not the source
                disc.said(c.start, speaker)
            if conf < options.min_confidence or (c.kind == "indirect" and not options.indirect):
                continue
            out.append(Quote(doc_name, c.start, c.end, text[c.start:c.end], c.kind, speaker, c.cue,
                             sentence_text, conf, evidence))
        if cands:
            _track_topic(disc, sent, s.end)
    return out


def _speaker_in_next(disc: Discourse, sent: Sent, doc_name: str, c: Candidate, sentence_text: str):
    """「…」。 followed by X氏は（こう）語った。: the second sentence names the first one's speaker."""
    roots = [t for t in sent.doc if t.head.i == t.i]
    if not roots:
        return None
    root = roots[-1]
    cue = _cue_of(root)
    if not cue or cue[2] not in ("say", "write"):
        return None
    if any(ch.dep_ in ("ccomp", "advcl", "obl", "obj") and has_case(ch, "と") for ch in root.children):
        return None  # the verb has words of its own
    mention = find_subject(sent, root)[0] or sentence_topic(sent)
    if mention is None:
        return None
    sp, ev, factor = disc.resolve(mention)
    if not sp.name:
        return None
    conf = round(min(1.0, cue[1] * 0.8 * factor), 3)
    text = sent.text
    return Quote(doc_name, c.start, c.end, text[c.start:c.end], "direct", sp, cue[0], sentence_text, conf,
                 "next-sentence")


def _track_topic(disc: Discourse, sent: Sent, end: int) -> None:
    """A statement sentence's main speaker is who a following dropped subject means.

    林剣報道官は…中国側は「…」と明らかにした。そのうえで「…」と述べ → 林剣, not 中国側.
    """
    roots = [t for t in sent.doc if t.head.i == t.i]
    if not roots:
        return
    root = roots[-1]
    cue = _cue_of(root)
    if not cue or cue[2] not in ("say", "write", "report"):
        return
    # the parser may hang the topic on an earlier clause (…としたうえで): the first は-topic
    mention = find_subject(sent, root)[0] or sentence_topic(sent)
    if mention is None:
        return
    sp, ev, _ = disc.resolve(mention)
    if sp.name and ev in ("registry", "name", "coreference"):
        disc.said(end - 1, sp)


def _governors(sent: Sent, c: Candidate) -> set[int]:
    """The verb a direct quote is the complement of: its report is the quote, not another record."""
    b = c.bracket
    out = set()
    for i in sent.token_range(b.start, b.end):
        t = sent.doc[i]
        if not (b.start <= sent.starts[t.head.i] < b.end):
            out.add(t.head.i)
    return out


def _speaker_for(disc: Discourse, c: Candidate, sentence_start: int):
    if c.mention is not None:
        sp, ev, factor = disc.resolve(c.mention)
        evidence = c.evidence if ev in ("registry", "name", "description") else ev
        if ev == "description":
            factor = 0.85
        return sp, evidence, c.weight * factor
    if c.evidence == "noun-introduced" and c.extra.get("by") == "statement":
        sp = disc.last_statement(c.start) or disc.carry(c.start, sentence_start)
        return sp, c.evidence, c.weight * (1.0 if sp else 0.3)
    if c.evidence == "noun-introduced":
        # 寄稿文の内容「…」: the statement of whoever was last named (プーチン大統領の寄稿文)
        sp = disc.last_named(c.start, ("person",)) or disc.carry(c.start, sentence_start)
        return sp, c.evidence, c.weight * (0.9 if sp else 0.3)
    if c.needs_carry:
        sp = disc.carry(c.start, sentence_start)
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
        # その後|金委員長: drop leading common nouns that are not part of a name or title
        while len(toks) > 1 and toks[0].lemma_ in LEADING_NOISE:
            toks.pop(0)
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
        ent = disc.observe(s, surface, person, text[sent_start:s])
        nxt = toks[-1].i + 1
        # a topic inside a quote is the quoted speaker's topic, not the article's
        in_quote = offset_map is not None and offset_map.bracket_of[toks[0].i] >= 0
        if ent is not None and nxt < len(doc) and doc[nxt].text == "は" and not in_quote:
            disc.topic(s, ent)

    for t in doc:
        if t.pos_ in ("NOUN", "PROPN") or (run and t.text in "・=＝") or t.tag_.startswith("接尾辞-名詞"):
            run.append(t)
        else:
            flush()
            run = []
    flush()
