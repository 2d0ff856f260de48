"""spaCy's entity recogniser can run in a second process beside the parse: same Docs, and a lost
process costs speed, never entities."""

from __future__ import annotations

import logging
import os
import signal

import pytest
import spacy

from summarizers.nlp import NLP, ModelConfig


def _annotations(docs: list) -> list[tuple]:
    return [(t.text, t.tag_, t.pos_, t.dep_, t.head.i, t.lemma_, t.ent_iob_, t.ent_type_)
            for doc in docs for t in doc]


@pytest.fixture(scope="module")
def sentences(seed_path) -> list[str]:
    return NLP().split_sentences(seed_path.read_text())


@pytest.fixture(scope="module")
def in_process(sentences) -> list[tuple]:
    return _annotations(NLP(ModelConfig(ner_process=False)).parse(sentences))


def test_entities_from_the_second_process_match_the_whole_pipeline(sentences, in_process):
    nlp = NLP()
    nlp.start_entity_process()
    assert nlp.entity_process_ready(timeout=60)
    # With the recogniser switched off here, every entity must come from the other process.
    nlp.spacy.disable_pipe("ner")
    docs = nlp.parse(sentences)
    assert _annotations(docs) == in_process
    names = {e.text for doc in docs for e in doc.ents if e.label_ == "PERSON"}
    assert {"Esper", "Milley"} <= names


def test_a_killed_process_costs_no_entities_and_is_replaced(sentences, in_process, caplog):
    nlp = NLP()
    nlp.start_entity_process()
    assert nlp.entity_process_ready(timeout=60)
    first = nlp.entity_process_pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    with caplog.at_level(logging.WARNING, logger="summarizers.nlp"):
        docs = nlp.parse(sentences)
    assert _annotations(docs) == in_process
    assert "entity process" in caplog.text
    assert nlp.entity_process_ready(timeout=60)
    assert nlp.entity_process_pid not in (None, first)
    assert _annotations(nlp.parse(sentences)) == in_process


def test_parses_side_by_side_share_the_process_or_parse_alone(sentences, in_process):
    from concurrent.futures import ThreadPoolExecutor

    nlp = NLP()
    nlp.start_entity_process()
    assert nlp.entity_process_ready(timeout=60)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: _annotations(nlp.parse(sentences)), range(3)))
    assert all(r == in_process for r in results)


def test_switched_off_it_is_never_started():
    nlp = NLP(ModelConfig(ner_process=False))
    nlp.start_entity_process()
    assert nlp.entity_process_pid is None and not nlp.entity_process_ready()


def test_a_recogniser_that_listens_to_a_shared_tok2vec_stays_in_the_pipeline(tmp_path):
    """Split off, such a recogniser would have no features: it is kept where it is."""
    pipeline = spacy.blank("en")
    pipeline.add_pipe("tok2vec")
    listener = {"@architectures": "spacy.Tok2VecListener.v1", "width": 96}
    pipeline.add_pipe("ner", config={"model": {"tok2vec": listener}})
    pipeline.get_pipe("ner").add_label("PERSON")
    pipeline.initialize()
    pipeline.to_disk(tmp_path / "model")
    nlp = NLP(ModelConfig(spacy_model=str(tmp_path / "model")))
    nlp.start_entity_process()
    assert nlp.entity_process_pid is None
    assert len(nlp.parse(["Mark Esper spoke on Monday."])[0]) == 6
