"""The people registry: mentions to canonical people, offices by date, who-said lookups, data."""
from __future__ import annotations

import ast
import json
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from quotex import people as people_mod
from quotex.people import (
    ENV_VAR,
    DataError,
    Lookup,
    Person,
    Registry,
    Resolution,
    Title,
    normalize_name,
    parse_iso_date,
    title_matches,
    validate_entries,
)

D = date(2024, 6, 19)  # the day Putin's visit to Pyongyang was reported


@pytest.fixture(scope="module")
def reg() -> Registry:
    return Registry.load(use_env=False)


def _raw(name: str):
    return json.loads(resources.files("quotex").joinpath("data", name).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------- mentions

MENTIONS = [
    ("林官房長官", "林芳正", "官房長官"),
    ("南山大学・平岩俊司教授", "平岩俊司", "教授"),
    ("北朝鮮情勢に詳しい南山大学・平岩教授", "平岩俊司", "教授"),
    ("米国ホワイトハウス・カービー大統領補佐官", "ジョン・カービー", "大統領補佐官"),
    ("ロシア・プーチン大統領", "ウラジーミル・プーチン", "大統領"),
    ("ロシアのプーチン大統領", "ウラジーミル・プーチン", "大統領"),
    ("ロシアのウラジーミル・プーチン大統領", "ウラジーミル・プーチン", "大統領"),
    ("ロシアのウラジミール・プーチン大統領", "ウラジーミル・プーチン", "大統領"),
    ("プーチン大統領", "ウラジーミル・プーチン", "大統領"),
    ("キム・ジョンウン総書記", "金正恩", "総書記"),
    ("キム・ジョンウン(金正恩)総書記", "金正恩", "総書記"),
    ("北朝鮮のキム・ジョンウン総書記", "金正恩", "総書記"),
    ("キム総書記", "金正恩", "総書記"),
    ("金委員長", "金正恩", "委員長"),
    ("金総書記", "金正恩", "総書記"),
    ("北朝鮮の金正恩委員長", "金正恩", "委員長"),
    ("金正恩総書記", "金正恩", "総書記"),
    ("金正恩・朝鮮労働党総書記", "金正恩", "総書記"),
    ("アントニー・ブリンケン米国務長官", "アントニー・ブリンケン", "国務長官"),
    ("ブリンケン氏", "アントニー・ブリンケン", None),
    ("プーチン露大統領", "ウラジーミル・プーチン", "大統領"),
    ("プーチン氏", "ウラジーミル・プーチン", None),
    ("ウシャコフ露大統領補佐官", "ユーリ・ウシャコフ", "大統領補佐官"),
    ("中国外務省の林剣報道官", "林剣", "報道官"),
    ("韓国外務省のイム・ススク報道官", "イム・ススク", "報道官"),
    ("ロシア科学アカデミー中国・現代アジア研究所のアスモロフ研究員", "コンスタンチン・アスモロフ", "研究員"),
    ("アスモロフ氏", "コンスタンチン・アスモロフ", None),
    ("ビクター・テオ氏", "ビクター・テオ", None),
    ("国際部・高野洋デスク", "高野洋", "デスク"),
    ("ストルテンベルグNATO事務総長", "イェンス・ストルテンベルグ", "事務総長"),
    ("ラブロフ露外相", "セルゲイ・ラブロフ", "外相"),
    ("ペスコフ大統領報道官", "ドミトリー・ペスコフ", "大統領報道官"),
    ("中国の習近平国家主席", "習近平", "国家主席"),
    ("ゼレンスキー大統領", "ウォロディミル・ゼレンスキー", "大統領"),
    ("尹錫悦(ユン・ソンニョル)大統領", "尹錫悦", "大統領"),
    ("バイデン米大統領", "ジョー・バイデン", "大統領"),
    ("故安倍晋三元首相", "安倍晋三", "元首相"),
    ("金与正副部長", "金与正", "副部長"),
    ("ＫＣＮＡ", "朝鮮中央通信", None),
    ("北朝鮮の国営朝鮮中央通信", "朝鮮中央通信", None),
    ("クレムリン", "ロシア大統領府", None),
    ("プーチン大統領(右)", "ウラジーミル・プーチン", "大統領"),
]


@pytest.mark.parametrize("mention,name,title", MENTIONS)
def test_mentions_resolve(reg, mention, name, title):
    r = reg.resolve_mention(mention, D)
    assert r is not None and r.person is not None, mention
    assert r.name == name == r.person.name
    assert r.title == title
    assert r.kind == r.person.kind
    assert r.how in ("alias", "title")
    assert r.mention == mention
    assert r.ambiguous_candidates == ()


def test_suffix_kept_for_display(reg):
    r = reg.resolve_mention("ブリンケン氏", D)
    assert r.suffix == "氏" and r.title is None
    assert reg.resolve_mention("金正恩氏").person.name == "金正恩"


def test_organisations_are_kind_org(reg):
    for mention, name in [("朝鮮中央通信", "朝鮮中央通信"), ("KCNA", "朝鮮中央通信"), ("朝鮮中央テレビ", "朝鮮中央テレビ"),
                          ("中国外務省", "中国外務省"), ("韓国外務省", "韓国外務省"), ("ロシア大統領府", "ロシア大統領府"),
                          ("労働新聞", "労働新聞"), ("タス通信", "タス通信"), ("中央日報", "中央日報"),
                          ("読売新聞", "読売新聞")]:
        r = reg.resolve_mention(mention)
        assert r is not None and r.person is not None and r.name == name and r.kind == "org", mention


def test_shared_surname_hayashi_never_merges(reg):
    assert reg.resolve_mention("林報道官", D).person.name == "林剣"
    assert reg.resolve_mention("林官房長官", D).person.name == "林芳正"
    assert reg.resolve_mention("中国外務省の林剣報道官", D).person.name == "林剣"
    assert reg.resolve_mention("中国外務省の林報道官", D).person.name == "林剣"
    assert reg.resolve_mention("林外相", date(2022, 6, 1)).person.name == "林芳正"
    assert reg.resolve_mention("林芳正官房長官", D).person.name == "林芳正"
    # title used, not date: 林官房長官 is 林芳正 whatever the date
    assert reg.resolve_mention("林官房長官").person.name == "林芳正"
    assert reg.resolve_mention("林報道官").person.name == "林剣"
    assert reg.resolve_mention("林芳正", D).person != reg.resolve_mention("林剣", D).person
    assert reg.resolve_mention("林報道官", D).how == "title"


def test_shared_surname_without_title_is_ambiguous(reg):
    r = reg.resolve_mention("林氏", D)
    assert r is not None and r.person is None and r.ambiguous
    assert {p.name for p in r.ambiguous_candidates} == {"林芳正", "林剣"}
    r = reg.resolve_mention("キム", D)
    assert r.person is None and {p.name for p in r.ambiguous_candidates} == {"金正恩", "金与正"}


def test_title_only_offices_by_date(reg):
    assert reg.resolve_mention("官房長官", D).person.name == "林芳正"
    assert reg.resolve_mention("官房長官", date(2026, 3, 1)).person.name == "木原稔"
    assert reg.resolve_mention("官房長官", date(2022, 1, 1)).person.name == "松野博一"
    assert reg.resolve_mention("官房長官", date(2019, 4, 1)).person.name == "菅義偉"
    assert reg.resolve_mention("米国務長官", date(2024, 3, 1)).person.name == "アントニー・ブリンケン"
    assert reg.resolve_mention("米国務長官", date(2025, 6, 1)).person.name == "マルコ・ルビオ"
    assert reg.resolve_mention("米国務長官", "2025-06-01").person.name == "マルコ・ルビオ"
    r = reg.resolve_mention("ロシアの国家元首", date(2023, 9, 13))
    assert r.person.name == "ウラジーミル・プーチン" and r.how == "office" and r.office == "ロシア大統領"
    assert reg.resolve_mention("北朝鮮の指導者", date(2023, 9, 13)).person.name == "金正恩"
    assert reg.resolve_mention("ロシア大統領", D).person.name == "ウラジーミル・プーチン"
    assert reg.resolve_mention("首相", D).person.name == "岸田文雄"
    assert reg.resolve_mention("米大統領", D).person.name == "ジョー・バイデン"
    assert reg.resolve_mention("NATO事務総長", D).person.name == "イェンス・ストルテンベルグ"
    assert reg.resolve_mention("NATO事務総長", date(2025, 1, 1)).person.name == "マルク・ルッテ"
    assert reg.resolve_mention("中国国家主席", D).person.name == "習近平"
    assert reg.resolve_mention("韓国大統領", D).person.name == "尹錫悦"
    assert reg.resolve_mention("韓国大統領", date(2025, 7, 1)).person.name == "李在明"
    assert reg.resolve_mention("ロシアの外相", D).person.name == "セルゲイ・ラブロフ"


def test_office_handover_day(reg):
    # the successor takes over on the day the predecessor's term ends
    assert reg.resolve_mention("官房長官", date(2025, 10, 20)).person.name == "林芳正"
    assert reg.resolve_mention("官房長官", date(2025, 10, 21)).person.name == "木原稔"
    assert reg.resolve_mention("米大統領", date(2025, 1, 20)).person.name == "ドナルド・トランプ"
    assert reg.resolve_mention("米国務長官", date(2025, 1, 20)).person.name == "アントニー・ブリンケン"


def test_office_without_date_is_ambiguous_unless_one_holder(reg):
    r = reg.resolve_mention("官房長官")
    assert r.person is None and r.how == "office"
    assert {"林芳正", "木原稔", "松野博一", "加藤勝信", "菅義偉"} <= {p.name for p in r.ambiguous_candidates}
    assert reg.resolve_mention("ロシアの国家元首").person.name == "ウラジーミル・プーチン"
    assert reg.resolve_mention("北朝鮮の指導者").person.name == "金正恩"


def test_unknown_people_stay_unknown(reg):
    for m in ["山田太郎教授", "山田太郎", "林教授", "マイケル・カービー氏", "韓国の金氏", "小林官房長官",
              "同氏", "山田国務長官", "ジョン・スミス報道官", "南山大学・山田太郎教授", ""]:
        assert reg.resolve_mention(m, D) is None, m


def test_no_fuzzy_matching_in_resolve(reg):
    assert reg.resolve_mention("プーチソ大統領", D) is None
    assert reg.resolve_mention("ブリンケソ氏", D) is None


# ---------------------------------------------------------------------------------- lookup

WHO = [
    ("林官房長官", "林芳正"), ("林芳正", "林芳正"), ("プーチン大統領", "ウラジーミル・プーチン"),
    ("プーチン", "ウラジーミル・プーチン"), ("金正恩", "金正恩"), ("キム総書記", "金正恩"),
    ("ブリンケン国務長官", "アントニー・ブリンケン"), ("カービー大統領補佐官", "ジョン・カービー"),
    ("平岩俊司教授", "平岩俊司"), ("林剣", "林剣"), ("林報道官", "林剣"), ("ウラジミール・プーチン", "ウラジーミル・プーチン"),
    ("金委員長", "金正恩"), ("Vladimir Putin", "ウラジーミル・プーチン"), ("Q7747", "ウラジーミル・プーチン"),
]


@pytest.mark.parametrize("query,name", WHO)
def test_lookup_exactly_one(reg, query, name):
    res = reg.lookup(query)
    assert isinstance(res, Lookup)
    assert [p.name for p in res.matches] == [name]
    assert res.person is not None and res.person.name == name and not res.ambiguous
    assert res.closest == []


def test_lookup_surname_is_ambiguous(reg):
    res = reg.lookup("林")
    assert res.ambiguous and {"林芳正", "林剣"} <= {p.name for p in res.matches}
    assert res.person is None
    assert {p.name for p in reg.lookup("金").matches} == {"金正恩", "金与正"}


def test_lookup_typo_suggests_closest(reg):
    for typo, want in [("ブリンケソ", "アントニー・ブリンケン"), ("プーチソ大統領", "ウラジーミル・プーチン"),
                       ("ゼレンスキ", "ウォロディミル・ゼレンスキー"), ("林芳生", "林芳正")]:
        res = reg.lookup(typo)
        assert res.matches == []
        assert res.closest and res.closest[0] == want, (typo, res.closest)
        assert len(res.closest) <= 5


def test_lookup_unknown_has_no_matches(reg):
    res = reg.lookup("山田太郎教授")
    assert res.matches == [] and res.person is None
    res = reg.lookup("ストルテンベルク事務総長")  # a spelling variant that is an alias
    assert [p.name for p in res.matches] == ["イェンス・ストルテンベルグ"]
    res = reg.lookup("ストルテンベルゲ")
    assert res.matches == [] and "イェンス・ストルテンベルグ" in res.closest


def test_lookup_with_date(reg):
    assert [p.name for p in reg.lookup("官房長官", date(2026, 3, 1)).matches] == ["木原稔"]
    assert len(reg.lookup("官房長官").matches) >= 5


# ---------------------------------------------------------------------------------- API bits

def test_get_and_all(reg):
    p = reg.get("金正恩")
    assert isinstance(p, Person) and p.qid == "Q56226" and p.kind == "person"
    assert reg.get("ウラジーミル・プーチン").qid == "Q7747"
    assert reg.get("ウラジーミル・プーチン") is reg.get("ウラジミール・プーチン")  # unique full alias
    assert reg.get("林") is None  # shared family name
    assert reg.get("山田太郎") is None
    names = [p.name for p in reg.all()]
    assert len(names) == len(set(names)) >= 40
    assert all(isinstance(t, Title) for p in reg.all() for t in p.titles)
    assert isinstance(reg.all()[0].aliases, tuple) and isinstance(reg.all()[0].titles, tuple)


def test_person_is_frozen_and_hashable(reg):
    p = reg.get("林芳正")
    with pytest.raises(Exception):
        p.name = "x"  # type: ignore[misc]
    assert {p: 1}[p] == 1
    assert p.holds("官房長官", D) and not p.holds("官房長官", date(2026, 1, 1))
    assert p.holds("外相", date(2022, 1, 1), org="日本")


def test_resolution_fields(reg):
    r = reg.resolve_mention("キム総書記", D)
    assert isinstance(r, Resolution)
    assert (r.name, r.title, r.kind, r.how, r.qid) == ("金正恩", "総書記", "person", "title", "Q56226")
    assert not r.ambiguous


def test_normalize_name():
    assert normalize_name("ウラジーミル・プーチン") == "ウラジーミルプーチン"
    assert normalize_name("ウラジーミル･プーチン") == "ウラジーミルプーチン"  # half-width dot
    assert normalize_name("ジョン＝カービー") == "ジョンカービー"
    assert normalize_name("ジョン = カービー") == "ジョンカービー"
    assert normalize_name("ＫＣＮＡ　通信") == "KCNA通信"
    assert normalize_name("ｷﾑ・ｼﾞｮﾝｳﾝ") == "キムジョンウン"


def test_title_matching():
    assert title_matches("国務長官", "長官")
    assert title_matches("国務委員長", "委員長")
    assert title_matches("外相", "外務大臣") and title_matches("外相", "大臣")
    assert title_matches("首相", "総理")
    assert not title_matches("副報道局長", "報道局長")
    assert not title_matches("官房長官", "報道官")


def test_parse_iso_date():
    assert parse_iso_date("2024-06-19") == date(2024, 6, 19)
    assert parse_iso_date("2024-02") == date(2024, 2, 1)
    assert parse_iso_date("2024-02", end=True) == date(2024, 2, 29)
    assert parse_iso_date("2024", end=True) == date(2024, 12, 31)
    assert parse_iso_date(None) is None
    with pytest.raises(ValueError):
        parse_iso_date("19 June 2024")


# ---------------------------------------------------------------------------------- extra files

def _extra(tmp_path: Path) -> Path:
    f = tmp_path / "extra_people.json"
    f.write_text(json.dumps([
        {"name": "山田太郎", "name_en": "Taro Yamada", "kind": "person", "aliases": ["山田"],
         "titles": [{"title": "教授", "org": "架空大学", "from": "2020-04-01", "to": None}]},
        {"name": "林芳正", "aliases": ["林芳正氏本人"]},
    ], ensure_ascii=False), encoding="utf-8")
    return f


def test_env_extra_file_adds_person(tmp_path, monkeypatch):
    f = _extra(tmp_path)
    assert Registry.load(use_env=False).resolve_mention("山田太郎教授") is None
    monkeypatch.setenv(ENV_VAR, str(f))
    reg = Registry.load()
    r = reg.resolve_mention("架空大学の山田太郎教授", D)
    assert r is not None and r.person.name == "山田太郎" and r.title == "教授"
    assert [p.name for p in reg.lookup("山田教授").matches] == ["山田太郎"]
    # merged, not replaced: 林芳正 keeps titles and gains the alias
    hayashi = reg.get("林芳正")
    assert "林芳正氏本人" in hayashi.aliases and hayashi.holds("官房長官", D)
    # the packaged data is still there
    assert reg.resolve_mention("林官房長官", D).person.name == "林芳正"
    monkeypatch.delenv(ENV_VAR)
    assert Registry.load().get("山田太郎") is None


def test_env_directory_and_paths_argument(tmp_path, monkeypatch):
    _extra(tmp_path)
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert Registry.load().get("山田太郎") is not None
    monkeypatch.delenv(ENV_VAR)
    assert Registry.load(paths=[tmp_path / "extra_people.json"]).get("山田太郎") is not None


def test_default_registry_is_cached(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert Registry.load() is Registry.load()
    assert people_mod.default_registry() is Registry.load()


def test_bad_extra_file_is_reported(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"name": "X", "titles": [{"title": "教授", "from": "2024-13-01"}]}]),
                   encoding="utf-8")
    with pytest.raises(DataError):
        Registry.load(paths=[bad], use_env=False)
    with pytest.raises(DataError):
        Registry.load(paths=[tmp_path / "missing.json"], use_env=False)


def test_extra_offices_in_extra_file(tmp_path):
    f = tmp_path / "more.json"
    f.write_text(json.dumps({
        "people": [{"name": "テスト・ダレカ", "aliases": ["ダレカ"],
                    "titles": [{"title": "外相", "org": "架空国", "from": "2020-01-01", "to": None}]}],
        "offices": [{"office": "架空国外相", "titles": ["外相"], "orgs": ["架空国"], "aliases": ["架空国の外相"]}],
    }, ensure_ascii=False), encoding="utf-8")
    reg = Registry.load(paths=[f], use_env=False)
    assert reg.resolve_mention("架空国の外相", D).person.name == "テスト・ダレカ"


# ---------------------------------------------------------------------------------- data files

def test_packaged_data_is_valid():
    assert validate_entries(_raw("people.json"), _raw("offices.json")) == []


def test_packaged_people_fields():
    people = _raw("people.json")
    assert isinstance(people, list) and people
    for e in people:
        assert isinstance(e.get("name"), str) and e["name"].strip(), e
        assert e.get("kind") in ("person", "org"), e
        assert isinstance(e.get("aliases", []), list)
        for t in e.get("titles", []):
            assert t.get("title"), e["name"]
            start = parse_iso_date(t.get("from"))
            end = parse_iso_date(t.get("to"), end=True)
            assert start is None or end is None or start <= end, (e["name"], t)
        if "qid" in e:
            assert e["qid"].startswith("Q") and e["qid"][1:].isdigit()


def test_packaged_aliases_shared_only_as_family_names():
    owners: dict[str, set[str]] = {}
    for e in _raw("people.json"):
        for a in {e["name"], *e.get("aliases", [])}:
            owners.setdefault(normalize_name(a), set()).add(e["name"])
    shared = {a: names for a, names in owners.items() if len(names) > 1}
    assert set(shared) == {"林", "金", "キム"}
    for a, names in shared.items():
        for n in names:  # a family name: the start of the full name or of a full alias
            forms = [normalize_name(x) for e in _raw("people.json") if e["name"] == n
                     for x in [e["name"], *e["aliases"]]]
            assert any(f != a and f.startswith(a) for f in forms), (a, n)


def test_required_people_and_terms(reg):
    required = ["ウラジーミル・プーチン", "金正恩", "金与正", "アントニー・ブリンケン", "マルコ・ルビオ", "ジョン・カービー",
                "林芳正", "木原稔", "松野博一", "加藤勝信", "菅義偉", "岸田文雄", "石破茂", "高市早苗", "安倍晋三",
                "平岩俊司", "林剣", "毛寧", "汪文斌", "イム・ススク", "イェンス・ストルテンベルグ", "マルク・ルッテ",
                "コンスタンチン・アスモロフ", "ビクター・テオ", "ユーリ・ウシャコフ", "セルゲイ・ラブロフ",
                "ドミトリー・ペスコフ", "ジョー・バイデン", "ドナルド・トランプ", "習近平", "尹錫悦", "李在明",
                "ウォロディミル・ゼレンスキー", "高野洋"]
    orgs = ["朝鮮中央通信", "朝鮮中央テレビ", "中国外務省", "韓国外務省", "ロシア大統領府", "労働新聞", "タス通信",
            "中央日報", "読売新聞"]
    for n in required:
        assert reg.get(n) is not None and reg.get(n).kind == "person", n
    for n in orgs:
        assert reg.get(n) is not None and reg.get(n).kind == "org", n
    putin = reg.get("ウラジーミル・プーチン")
    assert putin.holds("大統領", date(2005, 1, 1)) and putin.holds("首相", date(2010, 1, 1))
    assert not putin.holds("大統領", date(2010, 1, 1))
    kim = reg.get("金正恩")
    assert kim.holds("総書記", date(2021, 1, 10)) and not kim.holds("総書記", date(2020, 1, 1))
    assert kim.holds("委員長", date(2018, 1, 1)) and kim.holds("第1書記", date(2013, 1, 1))


def test_offices_reference_people_titles_only():
    # offices carry no terms: holders come from people.json titles
    for o in _raw("offices.json"):
        assert set(o) <= {"office", "titles", "orgs", "aliases"}, o
        assert o["aliases"] and o["titles"] and o["orgs"]


def test_validation_catches_bad_entries():
    bad = [
        {"name": "", "kind": "person"},
        {"name": "A", "kind": "robot"},
        {"name": "B", "titles": [{"title": "x", "from": "2024-05-01", "to": "2020-01-01"}]},
        {"name": "C", "titles": [{"title": "x", "from": "June 2020"}]},
        {"name": "山田一郎", "aliases": ["同姓同名"]},
        {"name": "山田二郎", "aliases": ["同姓同名"]},
    ]
    problems = validate_entries(bad, [{"office": "O", "titles": ["t"], "orgs": ["nowhere"], "aliases": ["山田一郎"]}])
    text = "\n".join(problems)
    assert "without a name" in text and "kind" in text and "after" in text and "ISO" in text
    assert "同姓同名" in text and "no holder" in text and "also a name" in text


# ---------------------------------------------------------------------------------- hygiene

def test_module_imports_stdlib_only():
    src = Path(people_mod.__file__).read_text(encoding="utf-8")
    mods = set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Import):
            mods.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            mods.add(node.module.split(".")[0])
    import sys
    assert mods - set(sys.stdlib_module_names) <= {"orjson"}, mods
