"""The GiNZA pipeline wrapper, on the real model."""
import pytest

pytestmark = pytest.mark.slow


def test_a_rejected_text_does_not_shift_or_lose_the_others(nlp):
    from quotex.pipeline import parse

    too_long = "あ" * 20000  # 60,000 bytes of UTF-8: over Sudachi's limit, the parser refuses it
    texts = ["山田氏は「行く」と述べた。", too_long, "佐藤氏は「来る」と語った。"]
    docs = list(parse(nlp, texts))
    assert len(docs) == 3
    assert docs[0].text == texts[0] and docs[2].text == texts[2]
    assert any(t.dep_ == "nsubj" for t in docs[0]) and any(t.dep_ == "nsubj" for t in docs[2])


def test_sentence_guard_keeps_one_tree(nlp):
    doc = nlp("教授は「一つ目だ。二つ目だ」と述べた。")
    assert len(list(doc.sents)) == 1


def test_ner_is_not_run(nlp):
    assert "ner" not in nlp.pipe_names and "parser" in nlp.pipe_names
