"""Every model is swappable by id or path from the [models] table, and checked at start."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, apply_models, load_config
from summarizers.nlp import NLP, ModelConfig, default_embedding_model, get_nlp


def _write(tmp_path, body: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(body)
    return str(path)


def test_defaults_are_the_packaged_models(tmp_path):
    cfg = load_config(_write(tmp_path, ""), env={})
    assert cfg.models.embedding_model == "" and cfg.models.qa_model == ""
    assert cfg.models.splitter == "nupunkt"


@pytest.mark.parametrize(
    "body, message",
    [
        ('[models]\nsplitter = "blingfire"', "models.splitter"),
        ('[models]\nembedding_model = "/no/such/model"', "models.embedding_model"),
        ('[models]\nqa_model = "./missing-qa-model"', "models.qa_model"),
        ('[models]\nwordnet = "/no/such/wordnet"', "models.wordnet"),
        ("[models]\nspacy_model = 3", "models.spacy_model"),
        ("[models]\ntorch_threads = 0", "models.torch_threads"),
        ("[models]\nembedding_threads = 0", "models.embedding_threads"),
        ("[models]\nner_process = 1", "models.ner_process"),
        ('[models]\nsummarizer = "t5"', "models.summarizer: unknown key"),
    ],
)
def test_bad_model_settings_name_the_key(tmp_path, body, message):
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, body), env={})


def test_a_model_given_by_local_path_is_loaded_from_there(tmp_path):
    path = default_embedding_model()  # a real model directory on disk
    cfg = load_config(
        _write(tmp_path, f'[models]\nembedding_model = "{path}"\nsplitter = "pysbd"'), env={}
    )
    previous = get_nlp().config
    try:
        apply_models(cfg.models)
        nlp = get_nlp()
        assert nlp.config.embedding_model == path and nlp.config.splitter == "pysbd"
        vectors = nlp.embed(["The council approved the budget.", "Rain fell all day."])
        assert vectors.shape == (2, 384)
        assert nlp.split_sentences("Brig. Gen. Seely wrote it. Esper denied it.") == [
            "Brig. Gen. Seely wrote it.", "Esper denied it."]
    finally:
        get_nlp(previous)


def test_unknown_splitter_is_refused_by_the_model_stack():
    with pytest.raises(ValueError, match="models.splitter"):
        NLP(ModelConfig(splitter="blingfire"))
