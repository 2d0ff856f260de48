"""The model-backed answerer, exercised with a tiny randomly initialised BERT built in the test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("transformers")
pytest.importorskip("torch")

WORDS = """the a of to in and was on that for said he she it by with as at from his letter
esper denied withdrawal milley called draft mistake trump threatened sanctions iraq troops
defense secretary general who what did how many fighters were killed 25 us airstrikes ? . ,
""".split()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import BertConfig, BertForQuestionAnswering, BertTokenizerFast

    path = tmp_path_factory.mktemp("tiny-qa")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(set(WORDS))
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(path / "vocab.txt"), do_lower_case=True)
    tokenizer.save_pretrained(path)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=37, max_position_embeddings=128)
    BertForQuestionAnswering(config).save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def answerer(tiny_model_dir: Path):
    from summarizers.qa_model import TransformersAnswerer

    return TransformersAnswerer(str(tiny_model_dir), max_answer_tokens=3, max_length=64, stride=16)


PASSAGES = [
    "Defense Secretary Mark Esper denied the withdrawal, and Milley called the letter a draft.",
    "Trump threatened sanctions on Iraq. US airstrikes killed 25 fighters.",
]


def test_loads_by_path_and_decodes_a_span_inside_the_context(answerer) -> None:
    idx, start, end, score = answerer.best_span("who denied the withdrawal ?", PASSAGES)
    assert idx in (0, 1)
    span = PASSAGES[idx][start:end]
    assert span and span == span.strip() or span.strip()
    assert span in PASSAGES[idx]  # a substring of the context, never of the question
    assert len(answerer.tokenizer.tokenize(span)) <= 3
    assert np.isfinite(score)


def test_long_passages_are_windowed_and_spans_still_fit(answerer) -> None:
    long = " ".join(["the letter was a draft and a mistake , milley said ."] * 30)
    idx, start, end, _ = answerer.best_span("what did milley call the letter ?", [long])
    assert idx == 0 and 0 <= start < end <= len(long)
    assert len(answerer.tokenizer.tokenize(long[start:end])) <= 3


def test_decode_span_respects_context_and_length() -> None:
    from summarizers.qa_model import decode_span

    seq = [None, 0, 0, None, 1, 1, 1, 1, None]
    start = np.array([9, 9, 9, 9, 0, 1, 5, 0, 9], dtype=float)  # question/specials score highest
    end = np.array([9, 9, 9, 9, 0, 0, 1, 4, 9], dtype=float)
    s, e, sc = decode_span(start, end, seq, max_answer_tokens=2)
    assert (s, e) == (6, 7) and sc == 9.0
    s, e, _ = decode_span(start, end, seq, max_answer_tokens=1)
    assert s == e == 6


def test_answer_question_uses_the_model_when_given(answerer, seed_analysis) -> None:
    from summarizers.qa import answer_question

    ans = answer_question("Who denied the withdrawal?", [seed_analysis], answerer=answerer)
    assert ans.method == "model"
    if not ans.abstained:
        assert ans.span and ans.span in ans.sentence
        assert ans.source


def test_null_margin_makes_it_abstain(tiny_model_dir: Path) -> None:
    from summarizers.qa_model import TransformersAnswerer

    strict = TransformersAnswerer(str(tiny_model_dir), null_margin=-1e9)
    assert strict.best_span("who denied ?", PASSAGES)[0] == -1


def test_get_answerer_defaults_to_the_linguistic_engine() -> None:
    from summarizers.qa_model import get_answerer

    assert get_answerer(None) is None
    assert get_answerer("linguistic") is None
