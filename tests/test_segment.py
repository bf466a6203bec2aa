"""Sentence cutting and the parser's units: offsets must map back exactly."""
from quotex.brackets import find_brackets
from quotex.segment import MASK, MAX_UNIT, parse_unit, split_sentences


def sents(t):
    return [s.text(t) for s in split_sentences(t, find_brackets(t))]


def test_never_splits_inside_brackets():
    t = "教授は「一つ目。二つ目。」と述べた。次の文。"
    assert sents(t) == ["教授は「一つ目。二つ目。」と述べた。", "次の文。"]


def test_line_breaks_end_sentences():
    assert sents("見出し\n本文です。\n\n次") == ["見出し", "本文です。", "次"]


def test_long_line_without_period_is_cut_under_the_limit():
    t = "あ、" * 30000
    out = split_sentences(t, [])
    assert all(s.end - s.start <= MAX_UNIT for s in out)
    assert "".join(s.text(t) for s in out) == t


def test_masking_keeps_offsets():
    t = "前文。知事は「長い発言です。二文目もあります。」と述べた。"
    bs = find_brackets(t)
    s = split_sentences(t, bs)[1]
    u = parse_unit(t, s, bs)
    assert MASK in u.text and "二文目" not in u.text
    q = u.text.index(MASK)
    b = bs[0]
    assert u.to_orig(q) == b.start and u.to_orig(q + 1, end=True) == b.end
    k = u.text.index("述べ")
    assert t[u.to_orig(k):u.to_orig(k) + 2] == "述べ"
