"""The GiNZA pipeline wrapper, on the real model."""
import pytest

pytestmark = pytest.mark.slow


def test_batches_keep_one_doc_per_text_in_order(nlp):
    from quotex.pipeline import BATCH_SIZE, parse

    texts = [f"山田{i}氏は「行く」と述べた。" for i in range(BATCH_SIZE + 3)]
    docs = list(parse(nlp, texts))
    assert [d.text for d in docs] == texts
    assert all(any(t.dep_ == "nsubj" for t in d) for d in docs)


def test_a_text_sudachi_rejects_raises_instead_of_shifting_the_others(nlp):
    from quotex.pipeline import parse

    too_long = "あ" * 20000  # 60,000 bytes of UTF-8: over Sudachi's limit
    with pytest.raises(Exception):
        list(parse(nlp, ["山田氏は「行く」と述べた。", too_long, "佐藤氏は「来る」と語った。"]))


def test_sentence_guard_keeps_one_tree(nlp):
    doc = nlp("教授は「一つ目だ。二つ目だ」と述べた。")
    assert len(list(doc.sents)) == 1


def test_ner_is_not_run(nlp):
    assert "ner" not in nlp.pipe_names and "parser" in nlp.pipe_names
