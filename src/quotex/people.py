"""The people registry: speaker mentions to canonical people, with titles resolved by date.

A mention as it appears in Japanese news (林官房長官, ロシア・プーチン大統領, キム・ジョンウン総書記,
ロシアの国家元首, 米国務長官, ブリンケン氏) is resolved to one canonical entry of
``data/people.json``; role descriptions (官房長官, ロシアの国家元首) go through
``data/offices.json`` and resolve by date to whoever held the matching title.

Data lives in JSON, not here:

* ``people.json``: a list of ``{"name", "name_en", "kind", "aliases", "titles", "qid"}``;
  each title is ``{"title", "org", "from", "to"}`` with ISO dates (``YYYY-MM-DD``, or a
  coarser ``YYYY-MM`` / ``YYYY`` when only that much is known: a coarse ``from`` means the
  first day of the period, a coarse ``to`` the last).  ``to: null`` means still in office.
  A term's ``to`` may equal the successor's ``from`` (the hand-over day): on that day the
  successor is the holder.
* ``offices.json``: a list of ``{"office", "titles", "orgs", "aliases"}``.  An office is a
  (title set, org set) pair plus the phrases that name it; its holders are the people whose
  ``titles`` match, so terms of office are written once, in ``people.json``.

Extra files (same formats; a file may mix people and offices, or be
``{"people": [...], "offices": [...]}``) can be passed to :meth:`Registry.load` or named in
the ``QUOTEX_PEOPLE`` environment variable (paths separated by ``os.pathsep``; a directory
means every ``*.json`` in it).  An entry whose ``name`` already exists is merged into it.

Unknown people stay unknown: :meth:`Registry.resolve_mention` never fuzzy-matches, and a
bare family name with a title nobody of that name ever held (山田教授, 林教授) resolves to
nothing.  Only :meth:`Registry.lookup` suggests close names, for ``quotex who-said``.

Standard library only (orjson is used when installed).
"""
from __future__ import annotations

import calendar
import difflib
import functools
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Sequence, Union

try:  # optional speed-up; the stdlib parser gives the same result
    import orjson as _orjson

    def _loads(raw: bytes) -> Any:
        return _orjson.loads(raw)
except ImportError:  # pragma: no cover - orjson is a declared dependency
    def _loads(raw: bytes) -> Any:
        return json.loads(raw.decode("utf-8"))

__all__ = [
    "ENV_VAR",
    "DataError",
    "Lookup",
    "MentionParts",
    "Office",
    "Person",
    "Registry",
    "Resolution",
    "Title",
    "default_registry",
    "normalize_name",
    "parse_iso_date",
    "title_matches",
    "validate_entries",
]

ENV_VAR = "QUOTEX_PEOPLE"
KINDS = ("person", "org", "group")
DateLike = Union[date, datetime, str, None]

# ---------------------------------------------------------------------------------------
# Language constants (not people data): titles, honorifics, place qualifiers.
# ---------------------------------------------------------------------------------------

#: Titles recognised after a name even when no registry entry holds them.
COMMON_TITLES = (
    "大統領", "副大統領", "大統領代行", "首相", "副首相", "総理", "総理大臣", "内閣総理大臣",
    "総書記", "第1書記", "書記", "委員長", "副委員長", "国務委員長", "国務長官", "国務副長官",
    "官房長官", "内閣官房長官", "官房副長官", "長官", "副長官", "報道官", "大統領報道官", "副報道局長",
    "報道局長", "大統領補佐官", "補佐官", "首席補佐官", "外相", "外務大臣", "国防相", "国防大臣",
    "防衛相", "防衛大臣", "財務相", "総務相", "大臣", "相", "教授", "准教授", "名誉教授", "特任教授",
    "事務総長", "国連事務総長", "知事", "市長", "社長", "会長", "議員", "上院議員", "下院議員",
    "代表", "主席", "国家主席", "デスク", "研究員", "上級研究員", "主任研究員", "大使", "次官",
    "局長", "部長", "副部長", "第1副部長", "議長", "幹事長", "総裁", "党首", "所長", "理事長",
    "顧問", "記者", "特派員", "解説委員", "編集委員", "調整官", "戦略広報調整官", "政治学者",
    "アナリスト", "最高司令官", "元帥", "司令官", "参謀総長", "外交官", "書記官",
)
# "相" alone is too short to split off safely; it is only listed so 外相/防衛相 synonyms work.
_MIN_SPLIT_TITLE = 2

#: Suffixes that are not titles: stripped for matching, kept for display.
HONORIFICS = ("容疑者", "被告人", "被告", "受刑者", "死刑囚", "参考人", "さん", "さま", "様", "殿",
              "ちゃん", "くん", "君", "氏")

#: Prefixes on a title that say the person is no longer (or not yet) in office.
_TITLE_PREFIXES = ("次期", "前", "元", "現", "新")
_NOT_CURRENT = ("次期", "前", "元", "新")

#: Groups of interchangeable titles.
_TITLE_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("首相", "総理", "総理大臣", "内閣総理大臣"),
    ("外相", "外務大臣", "外務相"),
    ("官房長官", "内閣官房長官"),
    ("総務相", "総務大臣"),
    ("防衛相", "防衛大臣"),
    ("国防相", "国防大臣"),
    ("財務相", "財務大臣"),
    ("文部科学相", "文科相", "文部科学大臣"),
    ("厚生労働相", "厚労相", "厚生労働大臣"),
    ("国務委員長", "国務委員会委員長"),
    ("第1書記", "第一書記"),
)

#: Place and organisation qualifiers that precede a title or a name (米国務長官,
#: プーチン露大統領, 米国ホワイトハウス・カービー) mapped to a canonical place.
_PLACE_ALIASES = {
    "米": "米国", "米国": "米国", "アメリカ": "米国", "アメリカ合衆国": "米国", "合衆国": "米国",
    "米政府": "米国", "ホワイトハウス": "米国", "米ホワイトハウス": "米国",
    "露": "ロシア", "ロシア": "ロシア", "ロシア連邦": "ロシア", "ロシア政府": "ロシア",
    "中": "中国", "中国": "中国", "中華人民共和国": "中国", "中国政府": "中国",
    "韓": "韓国", "韓国": "韓国", "大韓民国": "韓国", "韓国政府": "韓国",
    "朝": "北朝鮮", "北朝鮮": "北朝鮮", "朝鮮民主主義人民共和国": "北朝鮮",
    "日": "日本", "日本": "日本", "日本政府": "日本",
    "英": "英国", "英国": "英国", "イギリス": "英国",
    "仏": "フランス", "フランス": "フランス", "独": "ドイツ", "ドイツ": "ドイツ",
    "宇": "ウクライナ", "ウクライナ": "ウクライナ", "ノルウェー": "ノルウェー", "オランダ": "オランダ",
    "NATO": "NATO", "北大西洋条約機構": "NATO",
}
#: Organisations whose country is not spelled at their start.
_ORG_COUNTRY = {
    "朝鮮労働党": "北朝鮮", "国務委員会": "北朝鮮", "国防委員会": "北朝鮮", "朝鮮人民軍": "北朝鮮",
    "朝鮮中央通信": "北朝鮮", "朝鮮中央テレビ": "北朝鮮", "労働新聞": "北朝鮮",
    "中国共産党": "中国", "クレムリン": "ロシア", "タス通信": "ロシア", "自民党": "日本",
    "自由民主党": "日本", "南山大学": "日本", "読売新聞": "日本", "中央日報": "韓国",
}
#: Words that may precede a name or organisation without being part of it.
_EXTRA_QUALIFIERS = ("国営", "官営", "政府系", "国務省", "米国務省", "国防総省", "米国防総省", "外務省",
                     "大統領府", "首相官邸", "官邸")
_SEPARATORS = "・の =、,/|:"
_DOTS = re.compile(r"[\s・·•‧∙⋅=゠]")
_PAREN = re.compile(r"\(([^()]*)\)")
_QUOTES = "「」『』\"'“”‘’"
_MEMO_SIZE = 8192  # resolved mentions remembered per registry (the registry never changes)
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def normalize_name(s: str) -> str:
    """NFKC, then without middle dots, ``=``/``＝`` and spaces: the form names are compared in."""
    return _DOTS.sub("", unicodedata.normalize("NFKC", s or ""))


def _key(s: str) -> str:
    return normalize_name(s).casefold()


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s or "")


def _is_kata(ch: str) -> bool:
    return "\u30a1" <= ch <= "\u30fa" or ch == "\u30fc"


def _is_kata_word(s: str) -> bool:
    return bool(s) and all(_is_kata(c) for c in s)


def parse_iso_date(value: DateLike, *, end: bool = False) -> Optional[date]:
    """An ISO date (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``); coarse ends round to the period's end."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    m = _ISO.match(str(value).strip())
    if not m:
        raise ValueError(f"not an ISO date: {value!r}")
    y, mo, d = int(m.group(1)), m.group(2), m.group(3)
    if d is not None:
        return date(y, int(mo), int(d))
    if mo is not None:
        mo_i = int(mo)
        return date(y, mo_i, calendar.monthrange(y, mo_i)[1] if end else 1)
    return date(y, 12, 31) if end else date(y, 1, 1)


def _as_date(value: DateLike) -> Optional[date]:
    if value is None or value == "":
        return None
    return parse_iso_date(value)


def _title_forms(t: str) -> tuple[str, ...]:
    for group in _TITLE_SYNONYMS:
        if t in group:
            return group
    return (t,)


def title_matches(held: str, mentioned: str) -> bool:
    """Does a mention's title (長官, 委員長, 外務大臣) fit a held title (官房長官, 国務委員長, 外相)?

    Equal up to synonyms, or the held title ends with the mentioned one (国務長官 ← 長官),
    except across 副 (副報道局長 is not 報道局長).
    """
    if not held or not mentioned:
        return False
    for f in _title_forms(_nfkc(held)):
        for g in _title_forms(_nfkc(mentioned)):
            if f == g:
                return True
            if len(g) >= _MIN_SPLIT_TITLE and f.endswith(g) and not f[: len(f) - len(g)].endswith("副"):
                return True
    return False


def _same_title(a: str, b: str) -> bool:
    return bool(set(_title_forms(_nfkc(a))) & set(_title_forms(_nfkc(b))))


_PLACE_KEYS = {_key(k): v for k, v in _PLACE_ALIASES.items()}
_COUNTRIES = {_key(v): v for v in _PLACE_ALIASES.values()}
_ORG_COUNTRY_KEYS = {_key(k): v for k, v in _ORG_COUNTRY.items()}
_COUNTRY_PREFIXES = sorted(((k, v) for k, v in _PLACE_KEYS.items() if len(k) >= 2),
                           key=lambda kv: -len(kv[0]))


def _country_of(org: Optional[str]) -> Optional[str]:
    """The country (or NATO) an organisation or qualifier belongs to, when it can be told."""
    if not org:
        return None
    k = _key(org)
    if k in _PLACE_KEYS:
        return _PLACE_KEYS[k]
    if k in _ORG_COUNTRY_KEYS:
        return _ORG_COUNTRY_KEYS[k]
    for pk, country in _COUNTRY_PREFIXES:
        if k.startswith(pk):
            return country
    return None


def _org_matches(org: Optional[str], hint: str) -> bool:
    """Does a qualifier in the mention (中国外務省, 米, 北朝鮮) fit a title's org?"""
    if not org or not hint:
        return False
    o, h = _key(org), _key(hint)
    o, h = _key(_PLACE_KEYS.get(o, o)), _key(_PLACE_KEYS.get(h, h))
    if o == h or o.startswith(h) or h.startswith(o):
        return True
    co, ch = _country_of(org), _country_of(hint)
    return co is not None and co == ch and (h == _key(ch) or o == _key(co))


# ---------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Title:
    """A title held in an organisation for a term; ``start``/``end`` None mean unknown/ongoing."""

    title: str
    org: Optional[str] = None
    start: Optional[date] = None
    end: Optional[date] = None

    def active(self, on: date) -> bool:
        return (self.start is None or self.start <= on) and (self.end is None or on <= self.end)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "org": self.org,
                "from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None}


@dataclass(frozen=True)
class Person:
    """A canonical person (or organisation) of the registry."""

    name: str
    name_en: Optional[str] = None
    kind: str = "person"
    aliases: tuple[str, ...] = ()
    titles: tuple[Title, ...] = ()
    qid: Optional[str] = None

    def titles_matching(self, title: Optional[str] = None, on: Optional[date] = None) -> list[Title]:
        """Titles fitting ``title`` (any when None), held on ``on`` (ever when None)."""
        return [t for t in self.titles
                if (title is None or title_matches(t.title, title)) and (on is None or t.active(on))]

    def holds(self, title: str, on: Optional[date] = None, org: Optional[str] = None) -> bool:
        return any(org is None or _org_matches(t.org, org) for t in self.titles_matching(title, on))

    def titles_at(self, on: date) -> list[Title]:
        return [t for t in self.titles if t.active(on)]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "name_en": self.name_en, "kind": self.kind,
                             "aliases": list(self.aliases), "titles": [t.to_dict() for t in self.titles]}
        if self.qid:
            d["qid"] = self.qid
        return d


@dataclass(frozen=True)
class Office:
    """A role description (官房長官, ロシアの国家元首): a (titles, orgs) pair and its names."""

    office: str
    titles: tuple[str, ...]
    orgs: tuple[str, ...]
    aliases: tuple[str, ...] = ()

    def fits(self, t: Title) -> bool:
        return (any(_same_title(t.title, x) for x in self.titles)
                and t.org is not None and any(_key(t.org) == _key(o) for o in self.orgs))


@dataclass(frozen=True)
class Resolution:
    """What a speaker mention resolved to.

    ``person`` is None when the mention is ambiguous; then ``ambiguous_candidates`` holds
    the people it could be and ``name`` is the name (or office) as written.  ``how`` is
    ``"alias"`` (the name alone decided), ``"title"`` (a shared name decided by its title,
    qualifier or date) or ``"office"`` (a role resolved by date).
    """

    person: Optional[Person]
    name: str
    title: Optional[str] = None
    kind: Optional[str] = None
    how: str = "alias"
    ambiguous_candidates: tuple[Person, ...] = ()
    mention: str = ""
    suffix: Optional[str] = None      # honorific or status stripped for matching (氏, 容疑者)
    office: Optional[str] = None      # the office, when resolved through offices.json

    @property
    def ambiguous(self) -> bool:
        return self.person is None and bool(self.ambiguous_candidates)

    @property
    def qid(self) -> Optional[str]:
        return self.person.qid if self.person else None


@dataclass(frozen=True)
class Lookup:
    """``quotex who-said`` lookup: the people a query names, or close names when none."""

    query: str
    matches: list[Person] = field(default_factory=list)
    closest: list[str] = field(default_factory=list)

    @property
    def person(self) -> Optional[Person]:
        return self.matches[0] if len(self.matches) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.matches) > 1


@dataclass(frozen=True)
class MentionParts:
    """A mention split into qualifiers, name, title and honorific (best effort, no lookup)."""

    qualifiers: tuple[str, ...]
    name: str
    title: Optional[str] = None
    suffix: Optional[str] = None


class DataError(ValueError):
    """A malformed people/offices entry."""


# ---------------------------------------------------------------------------------------
# Loading and validation
# ---------------------------------------------------------------------------------------

def _read_json(path: Union[Path, str, None] = None, packaged: Optional[str] = None) -> Any:
    if packaged is not None:
        raw = resources.files("quotex").joinpath("data", packaged).read_bytes()
        where = f"quotex/data/{packaged}"
    else:
        raw = Path(path).read_bytes()  # type: ignore[arg-type]
        where = str(path)
    try:
        return _loads(raw)
    except ValueError as e:
        raise DataError(f"{where}: invalid JSON: {e}") from e


def _split_entries(data: Any, where: str) -> tuple[list[dict], list[dict]]:
    """(people entries, office entries) of one file's JSON."""
    if isinstance(data, dict):
        if "people" in data or "offices" in data:
            people, offices = list(data.get("people") or []), list(data.get("offices") or [])
        else:
            people, offices = [data], []
    elif isinstance(data, list):
        people, offices = [], []
        for e in data:
            (offices if isinstance(e, dict) and "office" in e else people).append(e)
    else:
        raise DataError(f"{where}: expected a list of entries")
    for e in people + offices:
        if not isinstance(e, dict):
            raise DataError(f"{where}: entry is not an object: {e!r}")
    return people, offices


def _as_list(v: Any) -> list:
    if v is None:
        return []
    return [v] if isinstance(v, str) else list(v)


def _title_from_dict(d: Any, where: str) -> Title:
    if isinstance(d, str):
        return Title(d)
    if not isinstance(d, dict) or not d.get("title"):
        raise DataError(f"{where}: title without 'title': {d!r}")
    try:
        start = parse_iso_date(d.get("from", d.get("start")))
        end = parse_iso_date(d.get("to", d.get("end")), end=True)
    except ValueError as e:
        raise DataError(f"{where}: {d['title']}: {e}") from e
    if start and end and start > end:
        raise DataError(f"{where}: {d['title']}: from {start} is after to {end}")
    return Title(_nfkc(d["title"]).strip(), _nfkc(d["org"]).strip() if d.get("org") else None, start, end)


def _person_from_dict(d: dict, where: str) -> Person:
    name = d.get("name")
    if not isinstance(name, str) or not name.strip():
        raise DataError(f"{where}: entry without a name: {d!r}")
    name = _nfkc(name).strip()
    kind = d.get("kind", "person")
    if kind not in KINDS:
        raise DataError(f"{where}: {name}: kind must be one of {KINDS}, not {kind!r}")
    aliases = tuple(dict.fromkeys(_nfkc(a).strip() for a in _as_list(d.get("aliases")) if str(a).strip()))
    titles = tuple(_title_from_dict(t, f"{where}: {name}") for t in _as_list(d.get("titles")))
    qid = d.get("qid") or None
    if qid is not None and not re.fullmatch(r"Q[1-9]\d*", str(qid)):
        raise DataError(f"{where}: {name}: bad qid {qid!r}")
    return Person(name, d.get("name_en") or None, kind, aliases, titles, qid)


def _office_from_dict(d: dict, where: str) -> Office:
    name = d.get("office")
    titles = tuple(_nfkc(t) for t in _as_list(d.get("titles")) + _as_list(d.get("title")))
    orgs = tuple(_nfkc(o) for o in _as_list(d.get("orgs")) + _as_list(d.get("org")))
    if not name or not titles or not orgs:
        raise DataError(f"{where}: office needs 'office', 'title(s)' and 'org(s)': {d!r}")
    aliases = tuple(dict.fromkeys(_nfkc(a).strip() for a in [name] + _as_list(d.get("aliases"))))
    return Office(_nfkc(name), titles, orgs, aliases)


def _merge(old: Person, new: Person, raw: dict) -> Person:
    return Person(
        old.name,
        new.name_en if raw.get("name_en") else old.name_en,
        new.kind if raw.get("kind") else old.kind,
        tuple(dict.fromkeys(old.aliases + new.aliases)),
        tuple(dict.fromkeys(old.titles + new.titles)),
        new.qid if raw.get("qid") else old.qid,
    )


def _is_short_alias(alias_key: str, person: Person) -> bool:
    """A family name or other short form: a proper prefix or suffix of a fuller name."""
    fuller = {_key(person.name)} | {_key(a) for a in person.aliases}
    return any(len(alias_key) < len(f) and (f.startswith(alias_key) or f.endswith(alias_key))
               for f in fuller)


def validate_entries(people: Sequence[dict], offices: Sequence[dict] = ()) -> list[str]:
    """Problems in raw people/offices entries (empty when the data is sound).

    Checks: names and kinds, titles with valid ISO dates and from <= to, QIDs, no alias
    (or canonical name) shared by two entries unless it is a short form (family name) of
    each, no office alias that is also a person's alias, every office having a holder.
    """
    problems: list[str] = []
    parsed: list[Person] = []
    for i, d in enumerate(people):
        try:
            parsed.append(_person_from_dict(d, f"people[{i}]"))
        except DataError as e:
            problems.append(str(e))
    seen_names: dict[str, str] = {}
    for p in parsed:
        k = _key(p.name)
        if k in seen_names:
            problems.append(f"duplicate entry {p.name!r}")
        seen_names[k] = p.name
    owners: dict[str, list[tuple[Person, bool]]] = {}
    for p in parsed:
        for form in dict.fromkeys([p.name, *p.aliases]):
            k = _key(form)
            if not k:
                problems.append(f"{p.name}: empty alias")
                continue
            owners.setdefault(k, [])
            if all(q is not p for q, _ in owners[k]):
                owners[k].append((p, form != p.name and _is_short_alias(k, p)))
    for k, lst in owners.items():
        if len(lst) > 1 and not all(short for _, short in lst):
            problems.append(f"alias {k!r} shared by {[q.name for q, _ in lst]} and is not a family name of each")
    parsed_offices: list[Office] = []
    for i, d in enumerate(offices):
        try:
            parsed_offices.append(_office_from_dict(d, f"offices[{i}]"))
        except DataError as e:
            problems.append(str(e))
    office_alias: dict[str, str] = {}
    for o in parsed_offices:
        for a in o.aliases:
            k = _key(a)
            if k in owners:
                problems.append(f"office alias {a!r} of {o.office} is also a name of {owners[k][0][0].name}")
            if k in office_alias and office_alias[k] != o.office:
                problems.append(f"office alias {a!r} in both {office_alias[k]} and {o.office}")
            office_alias[k] = o.office
        if not any(o.fits(t) for p in parsed for t in p.titles):
            problems.append(f"office {o.office} has no holder in the people data")
    return problems


def _env_paths() -> list[Path]:
    raw = os.environ.get(ENV_VAR, "").strip()
    out: list[Path] = []
    for part in raw.split(os.pathsep) if raw else []:
        part = part.strip()
        if not part:
            continue
        p = Path(part).expanduser()
        out.extend(sorted(p.glob("*.json")) if p.is_dir() else [p])
    return out


def _stamp(p: Path) -> tuple[str, int]:
    try:
        return str(p.resolve()), p.stat().st_mtime_ns
    except OSError:
        return str(p), -1


@functools.lru_cache(maxsize=16)
def _load_cached(extra: tuple[tuple[str, int], ...], defaults: bool) -> "Registry":
    return Registry._build([Path(p) for p, _ in extra], defaults=defaults)


def default_registry() -> "Registry":
    """The packaged registry plus any ``QUOTEX_PEOPLE`` files, loaded once (cached)."""
    return Registry.load()


# ---------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------

class Registry:
    """People, organisations and offices, indexed for mention resolution."""

    def __init__(self, people: Iterable[Person], offices: Iterable[Office] = ()):
        self._people: list[Person] = list(people)
        self._offices: list[Office] = list(offices)
        self._by_name: dict[str, Person] = {}
        self._alias: dict[str, list[tuple[Person, bool]]] = {}
        for p in self._people:
            self._by_name.setdefault(_key(p.name), p)
            forms = [p.name, *p.aliases] + ([p.name_en] if p.name_en else [])
            for form in dict.fromkeys(forms):
                k = _key(form)
                if not k:
                    continue
                short = form != p.name and form != p.name_en and _is_short_alias(k, p)
                lst = self._alias.setdefault(k, [])
                if all(q is not p for q, _ in lst):
                    lst.append((p, short))
        self._office_alias: dict[str, Office] = {}
        for o in self._offices:
            for a in o.aliases:
                self._office_alias.setdefault(_key(a), o)
        titles = set(COMMON_TITLES)
        for p in self._people:
            titles.update(t.title for t in p.titles)
        for o in self._offices:
            titles.update(o.titles)
        for group in _TITLE_SYNONYMS:
            titles.update(group)
        self._titles = sorted((t for t in titles if len(t) >= _MIN_SPLIT_TITLE), key=lambda t: (-len(t), t))
        quals = set(_PLACE_ALIASES) | set(_ORG_COUNTRY) | set(_EXTRA_QUALIFIERS)
        for p in self._people:
            quals.update(t.org for t in p.titles if t.org)
            if p.kind != "person":
                quals.add(p.name)
                quals.update(p.aliases)
        for o in self._offices:
            quals.update(o.orgs)
        self._qualifiers = sorted((_nfkc(q) for q in quals if q), key=lambda q: (-len(q), q))
        self._qualifier_keys = {_key(q) for q in self._qualifiers}
        self._memo: dict[tuple[str, Optional[date]], Optional[Resolution]] = {}

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def load(cls, paths: Optional[Sequence[Union[Path, str]]] = None, *, use_env: bool = True,
             defaults: bool = True) -> "Registry":
        """The packaged data, then ``QUOTEX_PEOPLE`` files, then ``paths`` (later entries merge in).

        Cached per set of files (and their modification times): repeated calls are free.
        """
        extra = (_env_paths() if use_env else []) + [Path(p) for p in (paths or [])]
        return _load_cached(tuple(_stamp(p) for p in extra), defaults)

    @classmethod
    def from_entries(cls, people: Sequence[dict], offices: Sequence[dict] = ()) -> "Registry":
        """A registry from raw entries (as in the JSON files), without the packaged data."""
        return cls._from_raw([(people, offices, "<entries>")])

    @classmethod
    def _build(cls, paths: Sequence[Path], *, defaults: bool = True) -> "Registry":
        sources: list[tuple[list[dict], list[dict], str]] = []
        if defaults:
            people = _read_json(packaged="people.json")
            offices = _read_json(packaged="offices.json")
            p1, o1 = _split_entries(people, "people.json")
            p2, o2 = _split_entries(offices, "offices.json")
            sources.append((p1 + p2, o1 + o2, "quotex/data"))
        for path in paths:
            if not path.exists():
                raise DataError(f"{path}: no such people file (from {ENV_VAR} or paths)")
            p, o = _split_entries(_read_json(path), str(path))
            sources.append((p, o, str(path)))
        return cls._from_raw(sources)

    @classmethod
    def _from_raw(cls, sources: Sequence[tuple[Sequence[dict], Sequence[dict], str]]) -> "Registry":
        people: dict[str, Person] = {}
        offices: dict[str, Office] = {}
        for plist, olist, where in sources:
            for i, d in enumerate(plist):
                p = _person_from_dict(d, f"{where}[{i}]")
                k = _key(p.name)
                people[k] = _merge(people[k], p, d) if k in people else p
            for i, d in enumerate(olist):
                o = _office_from_dict(d, f"{where}[{i}]")
                offices[_key(o.office)] = o
        return cls(people.values(), offices.values())

    # -- plain access --------------------------------------------------------------------------
    def all(self) -> list[Person]:
        return list(self._people)

    def offices(self) -> list[Office]:
        return list(self._offices)

    def __len__(self) -> int:
        return len(self._people)

    def __iter__(self) -> Iterator[Person]:
        return iter(self._people)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def get(self, name: str) -> Optional[Person]:
        """The entry with this canonical name; failing that, the only entry with this full alias."""
        if not name:
            return None
        k = _key(name)
        if k in self._by_name:
            return self._by_name[k]
        entries = self._alias.get(k, [])
        return entries[0][0] if len(entries) == 1 and not entries[0][1] else None

    def titles(self) -> list[str]:
        """Every title the resolver splits off a name, longest first."""
        return list(self._titles)

    # -- mentions --------------------------------------------------------------------------------
    def resolve_mention(self, mention: str, date: DateLike = None) -> Optional[Resolution]:
        """The canonical person (or organisation) behind a speaker mention, or None if unknown.

        ``date`` (the article's date) decides which holder of a title or office is meant.
        Never fuzzy: a mention that names nobody in the registry gives None.
        """
        d = _as_date(date)
        memo_key = (mention, d)
        if memo_key in self._memo:
            return self._memo[memo_key]
        m, suffix = self._clean(mention)
        res = self._resolve(m, d) if m else None
        if res is not None:
            res = Resolution(res.person, res.name, res.title, res.kind, res.how, res.ambiguous_candidates,
                             mention, suffix, res.office)
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[memo_key] = res
        return res

    def lookup(self, query: str, date: DateLike = None) -> Lookup:
        """People a ``who-said`` query names (any surface form); close names when none match."""
        q = _nfkc(query or "").strip()
        if re.fullmatch(r"Q[1-9]\d*", q):
            hits = [p for p in self._people if p.qid == q]
            return Lookup(query, hits, [])
        p = self._by_name.get(_key(q))
        if p is not None:
            return Lookup(query, [p], [])
        res = self.resolve_mention(q, date)
        if res is not None and res.person is not None:
            return Lookup(query, [res.person], [])
        if res is not None and res.ambiguous_candidates:
            return Lookup(query, list(res.ambiguous_candidates), [])
        return Lookup(query, [], self.closest(q))

    def closest(self, query: str, n: int = 5, cutoff: float = 0.5) -> list[str]:
        """Up to n canonical names whose names or aliases look most like the query (difflib)."""
        parts = self.split_mention(query)
        probes = {k for k in (_key(parts.name), _key(query)) if k}
        best: dict[str, float] = {}
        for k, entries in self._alias.items():
            score = max(difflib.SequenceMatcher(None, pk, k).ratio() for pk in probes) if probes else 0.0
            if score < cutoff:
                continue
            for p, _ in entries:
                if score > best.get(p.name, -1.0):
                    best[p.name] = score
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        return [name for name, _ in ranked[:n]]

    def split_mention(self, mention: str) -> MentionParts:
        """Qualifiers, name, title and honorific of a mention, whether or not the name is known.

        南山大学・山田太郎教授 → (("南山大学",), "山田太郎", "教授", None).
        """
        m, suffix = self._clean(mention)
        title = None
        for t in self._titles:
            if m.endswith(t) and len(m) > len(t):
                title, m = t, m[: -len(t)]
                for pf in _TITLE_PREFIXES:
                    if m.endswith(pf) and len(m) > len(pf):
                        title, m = pf + title, m[: -len(pf)]
                        break
                break
        m = m.strip(_SEPARATORS)
        starts = self._starts(m)
        s = max(starts) if starts else 0
        quals = tuple(x for x in re.split("[" + re.escape(_SEPARATORS) + "]", m[:s]) if x)
        return MentionParts(quals, m[s:].strip(_SEPARATORS), title, suffix)

    # -- internals -------------------------------------------------------------------------------
    @staticmethod
    def _clean(mention: str) -> tuple[str, Optional[str]]:
        m = _nfkc(mention or "").strip().strip(_QUOTES).strip()
        suffix = None
        for _ in range(2):  # 元被告, 容疑者ら: at most two layers
            if m.endswith("ら") and any(m[:-1].endswith(h) for h in HONORIFICS + COMMON_TITLES):
                m = m[:-1]
            for h in HONORIFICS:
                if m.endswith(h) and len(m) > len(h):
                    m, suffix = m[: -len(h)], h + (suffix or "")
                    break
            else:
                break
        if m.startswith("故") and len(m) > 2:
            m = m[1:]
        return m.strip().strip(_SEPARATORS.replace("の", "")), suffix

    def _resolve(self, m: str, d: Optional[date]) -> Optional[Resolution]:
        no_paren = _PAREN.sub("", m)
        office = self._office_alias.get(_key(m)) or self._office_alias.get(_key(no_paren))
        if office is not None:
            return self._resolve_office(office, d)
        for s in self._starts(m):
            hints = tuple(x for x in re.split("[" + re.escape(_SEPARATORS) + "]", m[:s]) if x)
            res = self._resolve_tail(m[s:], hints, d)
            if res is not None:
                return res
        res = self._compose_office(m, d)
        if res is None and no_paren != m and no_paren.strip(_SEPARATORS):
            return self._resolve(no_paren.strip(_SEPARATORS), d)  # プーチン大統領(右)
        return res

    def _starts(self, m: str) -> list[int]:
        """Where a name may start: 0, after a separator, after a known qualifier."""
        n = len(m)
        starts = {0}
        for i, ch in enumerate(m):
            if ch in _SEPARATORS and i + 1 < n:
                starts.add(i + 1)
        todo = sorted(starts)
        while todo:
            b = todo.pop()
            for q in self._qualifiers:
                e = b + len(q)
                if e >= n or m[b:e].casefold() != q.casefold():
                    continue
                if len(q) == 1 and not _is_kata(m[e]):
                    continue  # 露プーチン, but not 中林
                if e not in starts:
                    starts.add(e)
                    todo.append(e)
                break
        good = []
        for s in sorted(starts):
            if s > 0 and m[s - 1] == "・":
                j = max((i for i in range(s - 1) if m[i] in _SEPARATORS), default=-1)
                seg = m[j + 1: s - 1]
                if _is_kata_word(seg) and _key(seg) not in self._qualifier_keys:
                    continue  # ジョン・カービー: ジョン is a given name, not a qualifier
            if m[s:].strip(_SEPARATORS):
                good.append(s)
        return good

    def _title_splits(self, tail: str) -> Iterator[tuple[str, Optional[str], Optional[str], bool]]:
        """(name part, title as written, bare title, not-current) for each way to split a tail."""
        for t in self._titles:
            if tail.endswith(t) and len(tail) > len(t):
                name = tail[: -len(t)]
                yield name, t, t, False
                for pf in _TITLE_PREFIXES:
                    if name.endswith(pf) and len(name) > len(pf):
                        yield name[: -len(pf)], pf + t, t, pf in _NOT_CURRENT
        yield tail, None, None, False

    def _strip_trailing_qualifiers(self, v: str) -> tuple[str, tuple[str, ...]]:
        hints: list[str] = []
        while True:
            v = v.strip(_SEPARATORS)
            for q in self._qualifiers:
                if len(v) > len(q) and v[-len(q):].casefold() == q.casefold():
                    rem = v[: -len(q)].strip(_SEPARATORS)
                    if not rem or (len(q) == 1 and not _is_kata(rem[-1])):
                        continue  # プーチン露 but not 久米
                    hints.append(q)
                    v = rem
                    break
            else:
                return v, tuple(hints)

    def _match_name(self, part: str) -> Optional[tuple[list[tuple[Person, bool]], tuple[str, ...]]]:
        part = part.strip(_SEPARATORS)
        if not part:
            return None
        variants: list[tuple[str, tuple[str, ...]]] = [(part, ())]
        no_paren = _PAREN.sub("", part).strip(_SEPARATORS)
        if no_paren != part:
            variants.append((no_paren, ()))
            variants.extend((x.strip(_SEPARATORS), ()) for x in _PAREN.findall(part))
        for v, _ in list(variants):
            stripped, hs = self._strip_trailing_qualifiers(v)
            if stripped != v and stripped:
                variants.append((stripped, hs))
        for v, hs in variants:
            entries = self._alias.get(_key(v))
            if entries:
                return entries, hs
        return None

    def _resolve_tail(self, tail: str, hints: tuple[str, ...], d: Optional[date]) -> Optional[Resolution]:
        for name_part, title_raw, title, not_current in self._title_splits(tail):
            got = self._match_name(name_part)
            if got is None:
                continue
            entries, more_hints = got
            res = self._decide(entries, name_part, title_raw, title, not_current, hints + more_hints, d)
            if res is not None:
                return res
        return None

    def _decide(self, entries: list[tuple[Person, bool]], name_part: str, title_raw: Optional[str],
                title: Optional[str], not_current: bool, hints: tuple[str, ...],
                d: Optional[date]) -> Optional[Resolution]:
        persons = list(dict.fromkeys(p for p, _ in entries))
        short_only = all(short for _, short in entries)
        initial = len(persons)
        if title:
            with_title = [p for p in persons if p.titles_matching(title)]
            if with_title:
                persons = with_title
            else:
                full = list(dict.fromkeys(p for p, short in entries if not short))
                if not full:
                    return None  # 林教授: a 林 the registry does not know
                persons = full
        if hints:
            if len(persons) > 1:
                by_org = [p for p in persons if self._fits_hints(p, title, hints)]
                if by_org:
                    persons = by_org
            if short_only:
                # only hints that are themselves a place or organisation: "北朝鮮情勢に詳しい南山大学"
                # starts with a country but says nothing about who the person works for
                countries = {c for c in map(_country_of, (h for h in hints if _key(h) in self._qualifier_keys))
                             if c}
                if countries:
                    kept = [p for p in persons
                            if not self._countries(p, title) or self._countries(p, title) & countries]
                    if not kept:
                        return None  # 韓国の金氏 is not a North Korean 金
                    persons = kept
        if len(persons) > 1 and title and d is not None and not not_current:
            active = self._active(persons, title, d)
            if active:
                persons = active
        if len(persons) == 1:
            p = persons[0]
            return Resolution(p, p.name, title_raw, p.kind, "alias" if initial == 1 else "title")
        kinds = {p.kind for p in persons}
        return Resolution(None, name_part.strip(_SEPARATORS), title_raw,
                          kinds.pop() if len(kinds) == 1 else "person", "title" if title else "alias",
                          tuple(persons))

    @staticmethod
    def _fits_hints(p: Person, title: Optional[str], hints: Sequence[str]) -> bool:
        ts = p.titles_matching(title) if title else list(p.titles)
        return any(_org_matches(t.org, h) for t in ts for h in hints) or any(
            _org_matches(a, h) for a in (p.name, *p.aliases) for h in hints if p.kind != "person")

    @staticmethod
    def _countries(p: Person, title: Optional[str]) -> set[str]:
        ts = (p.titles_matching(title) if title else []) or list(p.titles)
        return {c for c in (_country_of(t.org) for t in ts) if c}

    @staticmethod
    def _active(persons: Sequence[Person], title: str, d: date) -> list[Person]:
        pairs = [(p, t) for p in persons for t in p.titles_matching(title, d)]
        return list(dict.fromkeys(p for p, _ in _handover(pairs, d)))

    def _holders(self, office: Office, d: Optional[date]) -> list[tuple[Person, Title]]:
        pairs = [(p, t) for p in self._people for t in p.titles if office.fits(t)]
        if d is not None:
            pairs = _handover([(p, t) for p, t in pairs if t.active(d)], d)
        return pairs

    def _resolve_office(self, office: Office, d: Optional[date]) -> Optional[Resolution]:
        pairs = self._holders(office, d)
        persons = list(dict.fromkeys(p for p, _ in pairs))
        if not persons:
            return None
        if len(persons) == 1:
            p = persons[0]
            held = [t for q, t in pairs if q is p]
            # the most recent matching title, for display (総書記 rather than 第1書記)
            held.sort(key=lambda t: t.start or date.min)
            return Resolution(p, p.name, held[-1].title, p.kind, "office", office=office.office)
        return Resolution(None, office.office, office.titles[0], "person", "office", tuple(persons),
                          office=office.office)

    def _compose_office(self, m: str, d: Optional[date]) -> Optional[Resolution]:
        """ロシアの外相, 露外相, 米国の国務長官: a qualifier plus a title naming one office."""
        for t in self._titles:
            if not (m.endswith(t) and len(m) > len(t)):
                continue
            rest = m[: -len(t)].strip(_SEPARATORS)
            hints = [x for x in re.split("[" + re.escape(_SEPARATORS) + "]", rest) if x]
            if not hints:
                continue
            for h in hints:  # every piece must be a known qualifier, never an unknown name
                left, _ = self._strip_trailing_qualifiers(h)
                if _key(left) not in self._qualifier_keys and _key(h) not in self._qualifier_keys:
                    return None
            fits = [o for o in self._offices
                    if any(_same_title(t, x) for x in o.titles)
                    and any(_org_matches(org, h) for org in o.orgs for h in hints)]
            if len(fits) == 1:
                return self._resolve_office(fits[0], d)
            return None
        return None


def _handover(pairs: list[tuple[Person, Title]], d: date) -> list[tuple[Person, Title]]:
    """On a hand-over day both terms are active: the one starting that day wins."""
    if len({p for p, _ in pairs}) > 1 and any(t.start == d for _, t in pairs):
        kept = [(p, t) for p, t in pairs if t.end != d]
        if kept:
            return kept
    return pairs
