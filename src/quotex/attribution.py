"""Attribution: for each bracket (and each bracketless report) in a parsed sentence, decide
whether it is a quotation, of which kind, which cue introduces it and which noun phrase is
its speaker.  Speakers come out as surface mentions; coref.py makes them people.

Pure: a spaCy Doc of one sentence plus offsets in, candidate statements out.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Optional

from . import cues
from .brackets import Bracket
from .segment import MASK, ParseUnit

# After a closing bracket: the quotative particle that makes the bracket an utterance.
QUOTATIVE = re.compile(r"^\s*(?:と(?!も映|も見|もい)|って|とし|との)")
AS_QUOTATIVE = re.compile(r"^\s*と(?:して|した|し、|しています|している|しており|しました)")
# Brackets that name a work, a product or a term rather than quote anyone.
TITLE_AFTER = re.compile(
    r"^\s*(?:と題|と銘打|と名付け|と命名|の題|という(?:名|題|タイトル|文章|論文|記事|本|書籍|番組|映画|曲|歌|"
    r"作品|言葉|用語|スローガン|愛称|通称|見出し|名称|表現|タイトル)|といった(?:言葉|用語))"
)
# A kind of work or named thing right before the bracket: 映画「…」, 新法「…」, 作戦「…」.
WORK_BEFORE = re.compile(
    r"(?:映画|ドラマ|小説|番組|曲|新曲|楽曲|アルバム|作品|書籍|著書|新刊|本|雑誌|アニメ|ゲーム|舞台|演目|展覧会|展|"
    r"法|法案|条約|協定|作戦|計画|構想|プロジェクト|キャンペーン|賞|商品|製品|新製品|ブランド|店|施設|番組名|"
    r"シリーズ|タイトル|愛称|通称|名称|題名|社名|党名|スローガン|標語|キャッチコピー)\s*$"
)
# 「…」（防衛省幹部）。 the speaker in parentheses right after the quote, ending the sentence
PAREN_SPEAKER = re.compile(r"^\s*[（(]([^（）()、。]{2,30})[）)]\s*[。．]?\s*$")
# A noun that announces a statement: 寄稿文の内容「…」, 声明で「…」, 発表では「…」.
SPEECH_NOUN_BEFORE = re.compile(
    r"(?:内容|声明|発表|談話|寄稿|寄稿文|コメント|発言|メッセージ|書簡|演説|投稿|会見|記者会見|見解|答弁)"
    r"(?:で|では|の中で|のなかで|は|に|によると|として)?[、\s:：]*$"
)
# Words that refer back to someone already named.
ANAPHORA = re.compile(r"^(?:同氏|同大統領|同長官|同首相|同報道官|同通信|同紙|同社|同省|同局|同国|彼|彼女|両氏|同委員長|同総書記|同教授|同補佐官)$")
SUBJECT_DEPS = ("nsubj", "nsubj:pass", "csubj", "dislocated")
# What a speaker's head noun looks like: a name, a title or role, an organisation, a pronoun.
AGENT_SUFFIX = re.compile(
    r"(?:氏|さん|大統領|首相|長官|長|総書記|委員長|報道官|補佐官|教授|議員|知事|外相|相|大使|主席|書記|総長|社長|"
    r"代表|者|家|官|員|筋|デスク|指導者|元首|首脳|政府|当局|省|府|庁|通信|テレビ|新聞|日報|紙|社|党|軍|局|"
    r"委員会|大使館|メディア|機関|放送|議会|側|ら|たち|諸国|各国|関係国|総務|幹事長|議長|委員|監督|選手|幹部|高官|コーチ|弁護士|医師|社員|職員|男性|女性|少年|少女|男|女|母親|父親|妻|夫|店主|警察|警視庁|署|検察|裁判所|地裁|高裁|大臣|閣僚|遺族|作家|俳優|歌手|主将|市民|住民|国民|同氏|彼|彼女|同国|陣営|グループ|団体|協会)$"
)
NP_DEPS = {"compound", "nmod", "case", "flat", "fixed", "nummod", "det", "punct", "amod", "appos"}
PASSIVE = {"れる", "られる"}
NON_AGENT_LEMMAS = {"こと", "もの", "ため", "よう", "の", "それ", "これ", "自体", MASK}
# Subjects that are times, conditions or topics, never sayers (場合は, 今回は, 背景には).
NOT_SAYERS = NON_AGENT_LEMMAS | {"場合", "際", "時", "中", "後", "前", "今回", "今後", "一方", "点", "件", "問題",
                                 "方", "結果", "理由", "目的", "背景", "狙い", "内容", "考え", "必要", "可能性",
                                 "見通し", "予定", "方針", "声", "日", "年", "月", "今年", "昨年", "きょう", "今日"}


@dataclass
class Mention:
    start: int
    end: int
    text: str
    head: str                  # lemma of the head noun
    person_name: Optional[str] # contiguous 人名 tokens, when Sudachi tags a personal name


@dataclass
class Candidate:
    start: int                  # inner offsets of the quote in the document
    end: int
    kind: str                   # direct | partial | indirect | not_quote
    cue: Optional[str]
    mention: Optional[Mention]  # explicit speaker in this sentence
    evidence: str               # dependency-subject | carried-subject | headline | ...
    weight: float               # rule confidence before coreference
    needs_carry: bool = False   # no speaker in the sentence: take the discourse's last speaker
    bracket: Optional[Bracket] = None
    extra: dict = field(default_factory=dict)


class Sent:
    """A parsed unit with document offsets for its tokens."""

    def __init__(self, unit: ParseUnit, doc, text: str, brackets: list[Bracket] = ()):
        self.unit, self.doc, self.text = unit, doc, text
        self.unit_brackets = sorted((b for b in brackets if b.depth == 0), key=lambda b: b.start)
        self.known_names: tuple[str, ...] = ()
        self.starts = [unit.to_orig(t.idx) for t in doc]
        self.ends = [unit.to_orig(t.idx + len(t.text), end=True) for t in doc]
        # which outermost bracket (by index) each token lies inside, -1 for none: computed once,
        # so that sentences with hundreds of brackets stay linear
        ub_starts = [b.start for b in self.unit_brackets]
        self.bracket_of = []
        for st in self.starts:
            k = bisect.bisect_right(ub_starts, st) - 1
            self.bracket_of.append(k if k >= 0 and st < self.unit_brackets[k].end else -1)
        self.outside_args: dict[int, list] = {}  # bracket index -> outside tokens headed inside it
        for t in doc:
            hk = self.bracket_of[t.head.i]
            if hk >= 0 and self.bracket_of[t.i] < 0:
                self.outside_args.setdefault(hk, []).append(t)

    def token_range(self, start: int, end: int) -> range:
        """Indices of the tokens that start in [start, end)."""
        return range(bisect.bisect_left(self.starts, start), bisect.bisect_left(self.starts, end))

    def tokens_in(self, start: int, end: int) -> list:
        return [t for t in self.doc if start <= self.starts[t.i] < end]

    def span_text(self, toks) -> tuple[int, int, str]:
        s, e = self.starts[toks[0].i], self.ends[toks[-1].i]
        return s, e, self.text[s:e]


def _inside(b: Bracket, sent: Sent, tok) -> bool:
    return b.open <= sent.starts[tok.i] < b.outer_end


def _cue_of(tok) -> Optional[tuple[str, float, str]]:
    """(lemma, weight, class) when tok is a cue verb, including noun+を+verb phrases."""
    lemma = tok.lemma_
    for ch in tok.children:  # 歓声をあげる, 声をあげる
        if ch.dep_ == "obj":
            c = cues.lookup(f"{ch.lemma_}を{lemma}")
            if c:
                return c.lemma, c.weight, c.cls
    # 明らかにする, 明言する split over tokens: 明らか(に) + する
    if lemma == "する" and tok.i >= 2:
        doc = tok.doc
        c = cues.lookup(doc[tok.i - 2].text + doc[tok.i - 1].text + "する")
        if c:
            return c.lemma, c.weight, c.cls
    # サ変 nouns parse as VERB with する as aux: 強調(する)
    c = cues.lookup(lemma + "する") if tok.tag_.startswith("名詞") else None
    c = c or cues.lookup(lemma)
    if c:
        return c.lemma, c.weight, c.cls
    return None


def _is_passive(tok) -> bool:
    return any(ch.dep_ == "aux" and ch.lemma_ in PASSIVE for ch in tok.children)


def noun_phrase(sent: Sent, head, exclude: Optional[Bracket] = None) -> Optional[Mention]:
    """The speaker's noun phrase: the head with its compounds and の-modifiers, no clauses."""
    keep = {head.i}

    def add(t):
        for ch in t.children:
            if ch.i > head.i and ch.dep_ != "compound" and not (ch.dep_ == "case" and ch.lemma_ == "の"):
                continue
            # a noun the parser mislabelled (ウシャコフ/ADJ/acl) still belongs to the phrase
            adjacent_noun = (ch.pos_ in ("PROPN", "NOUN") or ch.tag_.startswith("名詞")) and ch.i < head.i
            # 米国と韓国の当局者: a conjoined noun inside the phrase
            conj_noun = ch.dep_ in ("nmod", "conj") and ch.i < head.i and has_case(ch, "と")
            if conj_noun:
                keep.add(ch.i)
                keep.update(g.i for g in ch.children if g.dep_ == "case")
                add(ch)
                continue
            if (ch.dep_ in NP_DEPS or adjacent_noun) and (exclude is None or not _inside(exclude, sent, ch)):
                if ch.dep_ == "punct" and ch.text not in "・=＝":
                    continue
                if ch.dep_ == "case" and ch.lemma_ != "の":
                    continue
                keep.add(ch.i)
                add(ch)

    add(head)
    # contiguous run ending at the head (or its trailing suffix like 氏/ら)
    lo = head.i
    while lo - 1 in keep:
        lo -= 1
    hi = head.i
    while hi + 1 in keep:
        hi += 1
    toks = [sent.doc[i] for i in range(lo, hi + 1)]
    while toks and (toks[0].pos_ in ("ADP", "PUNCT", "SCONJ") or toks[0].text in "・、"):
        toks = toks[1:]
    while toks and toks[-1].pos_ in ("ADP",) and toks[-1].text not in ("ら",):
        toks = toks[:-1]
    if not toks:
        return None
    s, e, t = sent.span_text(toks)
    names = [x for x in toks if "人名" in x.tag_ or (x.text in "・=＝" and x.i > toks[0].i)]
    person = None
    run: list = []
    for x in toks:  # the last contiguous run of 人名 tokens (with ・ inside) is the name
        if "人名" in x.tag_ or (run and x.text in "・=＝"):
            run.append(x)
        elif run:
            if any("人名" in y.tag_ for y in run):
                person_run = run
            run = []
    if run:
        person_run = run
    if names and "person_run" in locals():
        pr = person_run
        while pr and pr[-1].text in "・=＝":
            pr = pr[:-1]
        if pr:
            person = sent.text[sent.starts[pr[0].i]:sent.ends[pr[-1].i]]
    if person is not None:
        from .coref import katakana_name  # why: Sudachi tags マリア but not ペトロワ as a name

        kn = katakana_name(t)
        if kn and person in kn:
            person = kn
    else:
        person = _katakana_before_title(sent, toks)
    return Mention(s, e, t, head.lemma_, person)


KATAKANA = re.compile(r"^[ァ-ヴー・=＝]+$")
PERSON_TITLE = re.compile(
    r"(?:氏|さん|大統領|首相|長官|総書記|委員長|報道官|補佐官|教授|議員|知事|外相|相|大使|主席|書記|総長|社長|代表|"
    r"総務|幹事長|議長|委員|監督|選手|コーチ|弁護士|医師|会長|博士|記者|研究員|所長|院長|学長|理事長|総裁|局長|"
    r"部長|課長|次官|長)$"
)


def _katakana_before_title(sent: "Sent", toks) -> Optional[str]:
    """マコネル上院院内総務: a katakana word (not a place or a body) right before a person's title."""
    for k in range(len(toks) - 1, 0, -1):
        if not KATAKANA.match(toks[k - 1].text) or "地名" in toks[k - 1].tag_ or "組織" in toks[k - 1].tag_:
            continue
        tail = sent.text[sent.starts[toks[k].i]:sent.ends[toks[-1].i]]
        if all(t.pos_ in ("NOUN", "PROPN") and not KATAKANA.match(t.text) for t in toks[k:]) and PERSON_TITLE.search(tail):
            j = k - 1
            while j > 0 and KATAKANA.match(toks[j - 1].text) and "地名" not in toks[j - 1].tag_:
                j -= 1
            name = sent.text[sent.starts[toks[j].i]:sent.ends[toks[k - 1].i]].strip("・=＝")
            return name if len(name.replace("・", "")) >= 2 else None
        return None
    return None


def agentive(sent: "Sent", tok) -> bool:
    """Could this noun say something? Names, titles, organisations, countries, pronouns."""
    if "人名" in tok.tag_ or "組織名" in tok.tag_ or "地名-国" in tok.tag_:
        return True
    if (tok.pos_ == "PROPN" and "地名" not in tok.tag_ and tok.dep_ in SUBJECT_DEPS
            and re.search(r"[ァ-ヴA-Za-zＡ-Ｚ]", tok.text)):
        return True  # トヨタ自動車は…と発表した: a named subject, whatever Sudachi calls it
    if tok.pos_ == "PRON":
        return tok.lemma_ in ("彼", "彼女", "彼ら", "私", "我々")
    m = noun_phrase(sent, tok)
    if m is None:
        return False
    # a name the document already introduced (アスモロフ after コンスタンチン・アスモロフ氏)
    known = getattr(sent, "known_names", ())
    return bool(m.person_name or AGENT_SUFFIX.search(m.text) or any(m.text.endswith(k) for k in known))


def find_subject(sent: Sent, verb, quote: Optional[Bracket] = None,
                 allow_plain: bool = True) -> tuple[Optional[Mention], int]:
    """The subject or topic of the cue verb, climbing through te-form and conjoined clauses.

    Returns (mention, hops): hops counts how far up the tree the subject was found.
    """
    cur, hops = verb, 0
    seen = set()
    plain = None  # the verb's own は/が subject that does not look like a sayer (ファンの一人は)
    while cur.i not in seen:
        seen.add(cur.i)
        best = None
        for ch in cur.children:
            if ch.dep_ not in SUBJECT_DEPS and not (ch.dep_ in ("obl", "nmod") and _topic(ch)):
                continue
            if quote is not None and _inside(quote, sent, ch):
                continue
            if ch.lemma_ in NON_AGENT_LEMMAS or ch.pos_ not in ("NOUN", "PROPN", "PRON"):
                continue
            if _in_any_bracket(sent, ch):
                continue
            if not agentive(sent, ch):
                if (allow_plain and plain is None and hops == 0 and ch.lemma_ not in NOT_SAYERS
                        and (ch.dep_ == "nsubj" or _topic(ch)) and not _is_passive(verb)
                        and ch.pos_ != "PRON" and (_topic(ch) or has_case(ch, "が"))
                        and not has_case(ch, *OBLIQUE)):
                    plain = ch
                continue
            if best is None or (_topic(ch) and not _topic(best)):
                best = ch
        if best is not None:
            return noun_phrase(sent, best, quote), hops
        if cur.dep_ in ("advcl", "conj") and cur.head.i != cur.i:
            cur, hops = cur.head, hops + 1
            continue
        break
    if plain is not None:
        # an explicit subject the verb really has: better than carrying someone else's name
        return noun_phrase(sent, plain, quote), 2
    return None, hops


OBLIQUE = {"に", "で", "から", "まで", "へ", "と", "より", "を"}  # 壁には, 発表では: places and means, not sayers


def has_case(tok, *particles: str) -> bool:
    """Does tok carry one of these case particles (は, が, と…) as a child?"""
    return any(ch.dep_ == "case" and ch.lemma_ in particles for ch in tok.children)


def fallback_subject(sent: Sent, b: Bracket) -> Optional[Mention]:
    """When the parse gives the cue no subject: a は-topic the parser hung inside the quote,
    else the sentence's first agentive topic or subject before the quote."""
    toks = [t for t in sent.doc if sent.starts[t.i] < b.open and not _in_any_bracket(sent, t)
            and t.pos_ in ("NOUN", "PROPN", "PRON") and t.lemma_ not in NON_AGENT_LEMMAS]
    # a subject whose verb comes before the quote belongs to a clause that closed already
    # (a noun head before it is only the parser's mistake: 監督は試合後、「…」)
    toks = [t for t in toks if sent.starts[t.head.i] >= b.open or t.head.pos_ in ("NOUN", "PROPN")]
    marked = [t for t in toks if _topic(t) and agentive(sent, t)]
    if not marked:
        return None
    # a topic is the head of its phrase: skip tokens that only modify the next noun
    return noun_phrase(sent, marked[0], b)


def sentence_topic(sent: Sent, before: Optional[int] = None) -> Optional[Mention]:
    """The sentence's first agentive は-topic (before token index `before`), for when the
    parser hung it somewhere other than on the verb it is the subject of."""
    for t in sent.doc:
        if before is not None and t.i >= before:
            break
        if (t.pos_ in ("NOUN", "PROPN") and has_case(t, "は")
                and not _in_any_bracket(sent, t) and agentive(sent, t)):
            return noun_phrase(sent, t)
    return None


def _topic(tok) -> bool:
    return has_case(tok, "は", "が", "も")


def _in_any_bracket(sent: Sent, tok) -> bool:
    return sent.bracket_of[tok.i] >= 0


def analyse_brackets(sent: Sent, brackets: list[Bracket]) -> list[Candidate]:
    """Classify every outermost bracket of the sentence."""
    out = []
    for b in brackets:
        if b.depth:
            continue  # a bracket inside a quote is a name or a term inside the speaker's words
        out.append(_analyse(sent, b))
    return out


def _analyse(sent: Sent, b: Bracket) -> Candidate:
    text = sent.text
    after = text[b.outer_end:b.outer_end + 16]
    before = text[max(sent.unit.sentence.start, b.open - 24):b.open]
    inner_len = b.end - b.start

    def cand(kind, cue=None, mention=None, evidence="", weight=0.0, carry=False):
        return Candidate(b.start, b.end, kind, cue, mention, evidence, weight, carry, b)

    if b.start == b.end or TITLE_AFTER.match(after) or WORK_BEFORE.search(before):
        return cand("not_quote", evidence="title")

    inner = [sent.doc[i] for i in sent.token_range(b.start, b.end)]
    heads = [t for t in inner if not (b.start <= sent.starts[t.head.i] < b.end) or t.head.i == t.i]
    heads = [t for t in heads if t.pos_ != "PUNCT"] or heads
    qhead = heads[-1] if heads else None
    gov = None
    if qhead is not None and qhead.head.i != qhead.i and not _inside(b, sent, qhead.head):
        gov = qhead.head
    # a fragment: a core argument outside the brackets (ロシアが「…」, 訪問は「…」) belongs to
    # a predicate inside them, so the brackets hold only part of the clause
    k = next((i for i, x in enumerate(sent.unit_brackets) if x is b), -1)
    frag_args = [
        t for t in sent.outside_args.get(k, ())
        if t.dep_ in ("nsubj", "obj", "csubj") and sent.starts[t.i] < b.open
        and t.pos_ in ("NOUN", "PROPN", "PRON")
    ]

    def is_fragment(mention: Optional[Mention]) -> bool:
        for t in frag_args:
            if mention is not None and mention.start <= sent.starts[t.i] < mention.end:
                continue  # the speaker, hung inside by the parser: not part of the words
            if not agentive(sent, t) or mention is not None:
                return True
        return False

    line_start = text.rfind("\n", 0, b.open) + 1
    line_end = text.find("\n", b.outer_end)
    line_end = len(text) if line_end < 0 else line_end
    rest_of_line = text[b.outer_end:line_end].strip()
    lead = text[line_start:b.open]

    # Headline: 林官房長官 “…” / 中国「…」 alone on its line.
    if not rest_of_line and not b.unclosed and 0 < len(lead.strip()) <= 20 and not re.search(r"[。、]", lead):
        mtoks = [t for t in sent.doc if line_start <= sent.starts[t.i] < b.open and not t.is_space]
        mtoks = [t for t in mtoks if t.pos_ != "PUNCT" or t.text in "・"]
        if mtoks and mtoks[-1].pos_ in ("NOUN", "PROPN") and agentive(sent, mtoks[-1]):
            s, e, t_ = sent.span_text(mtoks)
            m = noun_phrase(sent, mtoks[-1]) or Mention(s, e, t_, mtoks[-1].lemma_, None)
            return cand("direct", None, Mention(s, e, t_.strip(), m.head, m.person_name), "headline", 0.8)

    # 「…」（防衛省幹部）: a caption or headline naming its speaker in parentheses
    paren = PAREN_SPEAKER.match(text[b.outer_end:line_end]) if not b.unclosed else None
    if paren:
        ptoks = [sent.doc[i] for i in sent.token_range(b.outer_end + paren.start(1), b.outer_end + paren.end(1))]
        ptoks = [t for t in ptoks if t.pos_ in ("NOUN", "PROPN", "PRON") or t.text in "・"]
        if ptoks and agentive(sent, ptoks[-1]):
            s_, e_ = b.outer_end + paren.start(1), b.outer_end + paren.end(1)
            m = noun_phrase(sent, ptoks[-1])
            return cand("direct", None, Mention(s_, e_, text[s_:e_], ptoks[-1].lemma_, m.person_name if m else None),
                        "parenthetical", 0.85)

    if QUOTATIVE.match(after):
        if AS_QUOTATIVE.match(after):
            verb = gov
            while verb is not None and verb.dep_ == "fixed":
                verb = verb.head
            target = verb if verb is not None else qhead
            # …としている: only a real sayer outranks the source or the carried speaker
            mention, hops = find_subject(sent, target, b, allow_plain=False) if target is not None else (None, 0)
            kind = "partial" if is_fragment(mention) else "direct"
            return cand(kind, "する", mention, "dependency-subject" if mention else "carried-subject",
                        0.85 if mention else 0.7, carry=mention is None)
        cue = _cue_of(gov) if gov is not None else None
        if cue is None and gov is not None:
            # the parser sometimes hangs the quote on a noun of the speaker's phrase: climb a little
            anc = gov
            for _ in range(3):
                if anc.head.i == anc.i:
                    break
                anc = anc.head
                c2 = _cue_of(anc)
                if c2 and c2[2] != "light":
                    gov, cue = anc, c2
                    break
        if cue is None or cue[2] == "light":
            # surface fallback: the verb right after the quotative (「…」と述べるにとどめた)
            after_toks = [sent.doc[i] for i in sent.token_range(b.outer_end, b.outer_end + 12)]
            after_toks = [t for t in after_toks if t.pos_ not in ("ADP", "PUNCT")]
            if after_toks:
                c3 = _cue_of(after_toks[0])
                if c3 and c3[2] != "light":
                    gov, cue = after_toks[0], c3
        if cue is None or cue[2] in ("light",):
            return cand("not_quote", evidence="no-cue")
        lemma, weight, cls = cue
        mention, hops = find_subject(sent, gov, b)
        if mention is None and _is_passive(gov):
            return cand("not_quote", lemma, evidence="passive-no-agent")
        if mention is None:
            mention = fallback_subject(sent, b)
            hops = 3 if mention is not None else hops
        if cls == "think" and mention is None:
            return cand("not_quote", lemma, evidence="no-cue")
        kind = "partial" if is_fragment(mention) else "direct"
        if cls == "name" and inner_len <= 20:
            kind = "partial"
        if mention is None and SPEECH_NOUN_BEFORE.search(before):
            # 発表では「…」と強調した: the announcement's author, i.e. who last made a statement
            c = cand(kind, lemma, None, "noun-introduced", weight * 0.8, carry=True)
            c.extra["by"] = "statement"
            return c
        if mention is not None:
            if hops >= 3:
                return cand(kind, lemma, mention, "sentence-topic", weight * 0.8)
            return cand(kind, lemma, mention, "dependency-subject", weight * (0.97 if hops == 0 else 0.92))
        return cand(kind, lemma, None, "carried-subject", weight * 0.8, carry=True)

    # Not followed by a quotative: a fragment inside reported speech, or not a quote at all.
    node = gov
    steps = 0
    while node is not None and steps < 8:
        c = _cue_of(node)
        if c and c[2] in cues.SPEECH_CLASSES:
            mention, hops = find_subject(sent, node, b)
            if mention is None and _is_passive(node):
                break
            if mention is not None:
                return cand("partial", c[0], mention, "dependency-subject", c[1] * 0.85)
            mention = fallback_subject(sent, b)
            if mention is not None:
                return cand("partial", c[0], mention, "sentence-topic", c[1] * 0.75)
            return cand("partial", c[0], None, "carried-subject", c[1] * 0.7, carry=True)
        if node.head.i == node.i:
            break
        if has_case(node, "と") and node.head.lemma_ == "する":
            break  # …としたうえで: a clause framed by a light verb, not the cue's own words
        node = node.head
        steps += 1

    # 寄稿文の内容「…」。 / 声明で「…」: a statement introduced by a noun, no verb.
    if SPEECH_NOUN_BEFORE.search(before) and inner_len >= 8:
        return cand("direct", None, None, "noun-introduced", 0.7, carry=True)
    # 今後の関係については「…」。 — the bracket is the whole predicate of its sentence.
    if re.match(r"^\s*[。．]", after) and inner_len >= 15 and re.search(r"(?:は|については|では|、)\s*$", before):
        return cand("direct", None, None, "predicate-quote", 0.6, carry=True)
    return cand("not_quote", evidence="no-cue")
