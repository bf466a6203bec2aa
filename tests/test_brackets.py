"""The bracket scanner: pure string rules."""
from quotex.brackets import find_brackets


def inner(text, b):
    return text[b.start:b.end]


def test_pairs_and_offsets():
    t = "彼は「行く」と言い、『本』と“英語”を読んだ。"
    bs = find_brackets(t)
    assert [inner(t, b) for b in bs] == ["行く", "本", "英語"]
    assert [b.pair for b in bs] == ["「」", "『』", "“”"]
    assert all(not b.unclosed for b in bs)


def test_nesting_depth_and_parent():
    t = "「会議で『改革』と言った」と語った"
    outer, nested = find_brackets(t)
    assert inner(t, outer) == "会議で『改革』と言った" and outer.depth == 0
    assert inner(t, nested) == "改革" and nested.depth == 1 and nested.parent == 0


def test_unclosed_runs_to_end_of_line():
    t = "題名「未完の題 全文\n次の行「閉じる」"
    first, second = find_brackets(t)
    assert first.unclosed and inner(t, first) == "未完の題 全文"
    assert not second.unclosed and inner(t, second) == "閉じる"


def test_half_width_and_stray_closers():
    t = "」余計な閉じ｢半角｣』"
    bs = find_brackets(t)
    assert [inner(t, b) for b in bs] == ["半角"]


def test_inner_unclosed_is_closed_by_outer_closer():
    t = "「外『内」後"
    outer, inner_b = find_brackets(t)
    assert inner(t, outer) == "外『内" and not outer.unclosed
    assert inner_b.unclosed and inner(t, inner_b) == "内"


def test_empty_and_plain_text():
    assert find_brackets("") == []
    assert find_brackets("括弧のない文。") == []
