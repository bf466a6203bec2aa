"""Coreference inside one document: who 同氏, 彼, 同通信, 専門家 and アスモロフ氏 are.

The document is read in order; every person or organisation named is remembered with its
offset, and each speaker mention is resolved against what came before it: anaphors to
the nearest fitting antecedent, role nouns to the person introduced with that role, short
names to the fullest name the document gave, titles to the registry.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

from .attribution import ANAPHORA, Mention
from .records import Speaker

HONORIFIC = re.compile(r"(?:氏|さん|様|殿|容疑者|被告)$")
# Nouns that describe a person by role; bare, they point back to someone already introduced.
ROLE_NOUNS = ("専門家", "政治学者", "経済学者", "学者", "研究者", "研究員", "アナリスト", "識者",
              "評論家", "教授", "記者", "当局者", "関係者", "報道官", "大臣", "担当者")
ROLE_BARE = re.compile(r"^(?:この|その|同)?(" + "|".join(ROLE_NOUNS) + r")(?:は|が)?$")
GROUP = re.compile(r"(?:ら|たち|陣|団|一同|市民|住民|国民)$")
ORG = re.compile(r"(?:省|府|庁|通信|テレビ|新聞|日報|政府|軍|社|党|機関|局|委員会|大使館|メディア|当局|紙|放送|"
                 r"議会|協会|連盟|組合|銀行|大学|研究所|同盟|国|側)$")
PERSON_HINT = re.compile(r"(?:氏|さん|大統領|首相|長官|総書記|委員長|報道官|補佐官|教授|議員|知事|外相|相|大使|"
                         r"主席|書記|総長|社長|代表|者|家|官|員|筋|デスク|指導者|元首)$")


# A foreign name in katakana right before an honorific or a title: マリア・ペトロワ氏, テオ報道官.
KATAKANA_NAME = re.compile(
    r"([ァ-ヴー]{2,}(?:[・=＝][ァ-ヴー]{2,})*)(?:氏|さん|夫人|大統領|首相|長官|報道官|補佐官|教授|議員|"
    r"大使|外相|国防相|首席|書記|総長|社長|会長|代表|知事|市長|委員長)$"
)


def katakana_name(surface: str) -> Optional[str]:
    """The katakana personal name a mention ends with, when Sudachi did not tag it as a name."""
    m = KATAKANA_NAME.search(surface)
    return m.group(1) if m else None


BARE_TITLE = re.compile(r"^(?:大統領|首相|総理|長官|官房長官|総書記|委員長|報道官|補佐官|教授|知事|市長|外相|大臣|"
                        r"議長|会長|社長|監督|総裁|代表|主席|事務総長|国務長官)$")
KANJI_NAME = re.compile(r"^[\u4e00-\u9fff々]+$")
SPEECH_OWNER = re.compile(r"^(.{2,}?)の(?:発表|声明|談話|調べ|調査|話|まとめ|集計|報告|資料|会見|説明|コメント)$")
# A reference to a statement rather than a person: それによりますと, 発表では「…」.
STATEMENT_ANAPHOR = re.compile(r"^(?:それ|これ|発表|声明|談話|同発表|同声明)$")
# A generic description of a medium or body already named: 国営テレビ → 朝鮮中央テレビ.
GENERIC_ORG = re.compile(r"^(?:国営|同|その|現地の?|当の?)(テレビ|通信|新聞|メディア|放送|紙|省|政府)$")


# How far back (in characters) "who the text is about" still outranks the last name listed.
SALIENT_SPAN = 250


@dataclass
class Entity:
    pos: int
    name: str                 # canonical or fullest name
    kind: str                 # person | org | group
    mention: str
    title: Optional[str] = None
    qid: Optional[str] = None
    named: bool = False       # a real name (registry or 人名), not a description
    roles: set = field(default_factory=set)


def nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


class Discourse:
    """What the reader knows so far in one document."""

    def __init__(self, registry, doc_date: Optional[date], text: str = ""):
        self.registry = registry
        self.text = text
        self.date = doc_date
        self.entities: list[Entity] = []
        self.last_speaker: Optional[tuple[int, Speaker]] = None
        self.full_names: list[str] = []  # names with a given name, for short-name lookup
        self.last_topic: Optional[tuple[int, Speaker]] = None
        self.last_source: Optional[tuple[int, Speaker]] = None
        self._resolved: dict[tuple[int, int], tuple[Speaker, str, float]] = {}

    # -- observing ---------------------------------------------------------------------
    def observe(self, pos: int, surface: str, person_name: Optional[str], context: str = "") -> Optional[Entity]:
        """Remember a person or organisation named at pos (from any sentence, parsed or not)."""
        person_name = person_name or katakana_name(nfkc(surface))
        sp, named = self._resolve_name(surface, person_name)
        if sp is None or sp.name is None:
            return None
        ent = Entity(pos, sp.name, sp.kind or "person", surface, sp.title, sp.qid, named)
        ent.roles = {r for r in ROLE_NOUNS if r in context}
        if person_name and sp.name not in self.full_names and (
                "・" in nfkc(person_name) or (KANJI_NAME.match(sp.name) and len(sp.name) >= 2)):
            self.full_names.append(sp.name)
        self.entities.append(ent)
        return ent

    def said(self, pos: int, speaker: Speaker) -> None:
        if speaker.name:
            self.last_speaker = (pos, speaker)

    # -- resolving -----------------------------------------------------------------------
    def resolve(self, m: Mention) -> tuple[Speaker, str, float]:
        """(speaker, evidence, factor): factor scales the rule's confidence.

        One mention is one speaker: a phrase that governs two statements is resolved once.
        """
        key = (m.start, m.end)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(m)
        return self._resolved[key]

    def _resolve(self, m: Mention) -> tuple[Speaker, str, float]:
        text = nfkc(m.text).strip()
        owner = SPEECH_OWNER.match(text)
        if owner:  # 環境省の発表によると: the ministry speaks, not its announcement
            m = Mention(m.start, m.start + len(owner.group(1)), owner.group(1), m.head, m.person_name)
            text = owner.group(1)
        core = re.sub(r"^(?:この|その)", "", text)
        if ANAPHORA.match(core) or core.startswith("同") and len(core) <= 5:
            ent = self._antecedent(core, m.start)
            if ent:
                return self._speaker(ent, m.text), "coreference", 0.9
            return Speaker(None, m.text, None, None), "coreference-unresolved", 0.3
        if STATEMENT_ANAPHOR.match(core) and self.last_speaker and self.last_speaker[0] < m.start:
            # それによりますと / 発表では: the statement just reported, so its speaker
            sp = self.last_speaker[1]
            return Speaker(sp.name, m.text, sp.kind, sp.title, sp.qid), "coreference", 0.8
        gm = GENERIC_ORG.match(core)
        if gm:
            ent = self._org_with_head(gm.group(1), m.start)
            if ent:
                return self._speaker(ent, m.text), "coreference", 0.8
        rb = ROLE_BARE.match(core)
        if rb:
            ent = self._role_antecedent(rb.group(1), m.start)
            if ent:
                return self._speaker(ent, m.text), "coreference", 0.85
        sp, named = self._resolve_name(m.text, m.person_name)
        if sp is not None:
            return sp, "registry" if sp.qid or self._in_registry(sp.name) else "name", 1.0
        if BARE_TITLE.match(core):
            # 大統領はさらに…: a bare title is the last person who held it in this text
            ent = self._antecedent("同" + core, m.start)
            if ent is not None and ent.kind == "person":
                return self._speaker(ent, m.text), "coreference", 0.85
        return Speaker(text, m.text, self._kind(text), None), "description", 0.9

    def known_surnames(self) -> tuple[str, ...]:
        """Last parts of the foreign names seen so far: a bare アスモロフ is a person."""
        out = []
        for full in self.full_names:
            last = re.split(r"[・=＝]", full)[-1]
            if len(last) >= 2:
                out.append(last)
        return tuple(out)

    def topic(self, pos: int, ent: Entity) -> None:
        """A named person or organisation marked with は: the sentence is about them."""
        if ent.named:
            self.last_topic = (pos, self._speaker(ent, ent.mention))

    def last_statement(self, pos: int) -> Optional[Speaker]:
        if self.last_speaker and self.last_speaker[0] < pos:
            return self.last_speaker[1]
        return None

    def carry(self, pos: int, sentence_start: Optional[int] = None) -> Optional[Speaker]:
        """The speaker a dropped subject refers to: whoever spoke last or was last the topic.

        A topic counts only from an earlier sentence: inside this one it is the topic of the
        reported words (キム総書記は…としている), not their source.
        """
        bound = pos if sentence_start is None else sentence_start
        cands = [c for c in (self.last_speaker,) if c is not None and c[0] < pos]
        if self.last_topic is not None and self.last_topic[0] < bound:
            cands.append(self.last_topic)
        return max(cands, key=lambda c: c[0])[1] if cands else None

    def last_named(self, pos: int, kinds=("person",)) -> Optional[Speaker]:
        for ent in reversed(self.entities):
            if ent.pos < pos and ent.kind in kinds and ent.named:
                return self._speaker(ent, ent.mention)
        return None

    # -- internals ----------------------------------------------------------------------
    def _in_registry(self, name: str) -> bool:
        return self.registry is not None and self.registry.get(name) is not None

    def _speaker(self, ent: Entity, mention: str) -> Speaker:
        return Speaker(ent.name, mention, ent.kind, ent.title, ent.qid)

    def _antecedent(self, core: str, pos: int) -> Optional[Entity]:
        tail = core[1:] if core.startswith("同") else ""
        if core in ("同氏", "彼", "彼女") or tail == "氏":
            # the person the text was just about (who spoke, the topic, a source) outranks
            # a name merely listed since: …ウシャコフ氏によると、…ラブロフ外相などが同行。同氏は…
            sal = self._salient_person(pos)
            if sal is not None:
                return sal
        want_org = bool(tail) and bool(ORG.search(tail)) and tail not in ("氏",)
        for ent in reversed(self.entities):
            if ent.pos >= pos:
                continue
            if core in ("同氏", "彼", "彼女", "両氏") or tail in ("氏",):
                if ent.kind == "person" and ent.named:
                    return ent
                continue
            if want_org:
                if ent.kind == "org" and (ent.name.endswith(tail) or ent.mention.endswith(tail)):
                    return ent
                continue
            if tail and ((ent.title or "").endswith(tail) or ent.mention.endswith(tail)):
                return ent
        return None

    def _salient_person(self, pos: int) -> Optional[Entity]:
        best = None
        for c in (self.last_speaker, self.last_topic, self.last_source):
            if c is not None and c[0] < pos and c[1].kind == "person" and c[1].name and pos - c[0] <= SALIENT_SPAN:
                if best is None or c[0] > best[0]:
                    best = c
        if best is None:
            return None
        sp = best[1]
        return Entity(best[0], sp.name, "person", sp.mention or "", sp.title, sp.qid, True)

    def source(self, pos: int, speaker: Speaker) -> None:
        """Xによると: X is salient for what follows, though not a speaker to carry."""
        if speaker.name:
            self.last_source = (pos, speaker)

    def _org_with_head(self, head: str, pos: int) -> Optional[Entity]:
        for ent in reversed(self.entities):
            if ent.pos < pos and ent.kind == "org" and ent.name.endswith(head):
                return ent
        return None

    def _role_antecedent(self, role: str, pos: int) -> Optional[Entity]:
        recent = [e for e in reversed(self.entities) if e.pos < pos and e.kind == "person" and e.named]
        for ent in recent[:12]:
            if role in ent.roles or (ent.title or "").endswith(role):
                return ent
        # no one was introduced with that role: the last named speaker, if not an office-holder
        if self.last_speaker and self.last_speaker[0] < pos:
            sp = self.last_speaker[1]
            if sp.kind == "person" and sp.name != nfkc(sp.mention or ""):  # a name, not a description
                return Entity(self.last_speaker[0], sp.name, "person", sp.mention or "", sp.title, sp.qid, True)
        return None

    def _resolve_name(self, surface: str, person_name: Optional[str]) -> tuple[Optional[Speaker], bool]:
        """A surface form to a speaker via the registry, then via names seen in the document."""
        surface = nfkc(surface).strip()
        person_name = person_name or katakana_name(surface)
        reg = self.registry
        if reg is not None:
            res = reg.resolve_mention(surface, self.date)
            if res is not None and getattr(res, "person", None) is not None:
                p = res.person
                return Speaker(p.name, surface, p.kind, res.title, getattr(p, "qid", None)), True
            if res is not None and getattr(res, "ambiguous_candidates", None):
                seen = {e.name for e in self.entities}
                pick = [c for c in res.ambiguous_candidates if getattr(c, "name", c) in seen]
                if not pick and self.text:
                    # a headline before the body: the candidate the document names later
                    pick = [c for c in res.ambiguous_candidates
                            if any(a in self.text for a in (c.name, *c.aliases) if len(a) >= 3)]
                if len(pick) == 1:
                    p = reg.get(getattr(pick[0], "name", pick[0]))
                    if p is not None:
                        return Speaker(p.name, surface, p.kind, res.title, p.qid), True
                return None, False
            # organisations often come with qualifiers: 北朝鮮の国営朝鮮中央通信 → 朝鮮中央通信
            if ORG.search(surface):
                for i in range(1, max(1, len(surface) - 2)):
                    res = reg.resolve_mention(surface[i:], self.date)
                    if res is not None and getattr(res, "person", None) is not None and res.person.kind == "org":
                        return Speaker(res.person.name, surface, "org", None, res.person.qid), True
        bare = HONORIFIC.sub("", surface)
        if not person_name and bare in self.known_surnames():
            person_name = bare  # コワルスカ after アンナ・コワルスカ氏
        if person_name:
            name = nfkc(person_name)
            full = self._fullest(name)
            title = surface[surface.find(person_name) + len(person_name):] if person_name in surface else None
            title = HONORIFIC.sub("", title or "") or None
            return Speaker(full, surface, "person", title, None), True
        return None, False

    def _fullest(self, name: str) -> str:
        """A short name to the fullest the document gave: ペトロワ → マリア・ペトロワ (family name
        last), 山口 → 山口真一 (a Japanese family name first)."""
        key = name.replace("・", "").replace("=", "")
        kanji = bool(KANJI_NAME.match(key))
        for full in reversed(self.full_names):
            f = full.replace("・", "").replace("=", "")
            if f == key:
                continue
            if (not kanji and f.endswith(key)) or (kanji and KANJI_NAME.match(f) and f.startswith(key)):
                return full
        return name

    @staticmethod
    def _kind(text: str) -> str:
        if GROUP.search(text):
            return "group"
        if ORG.search(text) and not PERSON_HINT.search(text):
            return "org"
        return "person"
