"""Stance engine and its evaluation, on small hand-written examples (none from the eval files)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from summarizers.evaluation.stance import naive_headline, naive_overlap, predict, score
from summarizers.stance import FEATURES, WEIGHTS_PATH, fit_logreg, predict_proba

CLAIM = "The mayor of Springfield resigned on Monday."


@pytest.fixture(scope="session")
def engine():
    # One engine (and one set of loaded models) for the whole test session.
    from summarizers.stance import get_engine

    return get_engine()


def _stance(engine, claim: str, text: str):
    return engine.stance_many([(claim, text)])[0]


def test_named_official_denial_is_contradiction_with_speaker(engine):
    res = _stance(
        engine, CLAIM, "City spokesman Tom Baker denied that the mayor of Springfield had resigned."
    )
    assert res.label == "contradiction"
    assert res.speaker and "Tom Baker" in res.speaker
    assert res.evidence and res.evidence[0].stance == "deny"


def test_hoax_wording_is_contradiction(engine):
    res = _stance(engine, CLAIM, "Viral post about Springfield mayor resigning is a hoax")
    assert res.label == "contradiction"
    assert "hoax" in res.evidence[0].cues


def test_added_negation_is_contradiction(engine):
    res = _stance(engine, CLAIM, "The mayor of Springfield did not resign on Monday.")
    assert res.label == "contradiction"


def test_confirmation_is_entailment(engine):
    res = _stance(
        engine, CLAIM, "The mayor of Springfield resigned on Monday, the city council confirmed."
    )
    assert res.label == "entailment"
    assert res.speaker == "the city council"


def test_plain_report_is_entailment(engine):
    res = _stance(engine, CLAIM, "Springfield mayor resigns after budget row")
    assert res.label == "entailment"


def test_rumour_is_neutral(engine):
    res = _stance(
        engine, CLAIM, "Rumours are swirling that the mayor of Springfield may have resigned."
    )
    assert res.label == "neutral"
    assert res.evidence[0].stance == "hedge"


def test_question_headline_is_neutral(engine):
    assert _stance(engine, CLAIM, "Did the Springfield mayor resign?").label == "neutral"


def test_unrelated_text(engine):
    res = _stance(engine, CLAIM, "Heavy rain flooded the football stadium in Leeds overnight.")
    assert res.label == "unrelated"
    assert res.evidence == ()


def test_two_statements_contradict_and_agree(engine):
    from summarizers.stance import contradicts

    a = "The factory will close next year."
    assert contradicts(a, "The company rejected claims that the factory will close.") is not None
    assert contradicts(a, "The factory will close next year, managers said.") is None


ARTICLE_DENY = (
    "Reports spread on social media this week that the mayor of Springfield had resigned. "
    "The posts claimed that she quit on Monday after a row over the budget.\n\n"
    "But city spokesman Tom Baker denied the reports on Tuesday. "
    "\"The mayor has not resigned and has no plans to resign,\" Baker said. "
    "He called the story fake and said it was debunked by the council within hours.\n\n"
    "The mayor was seen at a school opening on Tuesday afternoon."
)
ARTICLE_OTHER = (
    "A new bakery opened on Main Street in Shelbyville on Saturday. "
    "Customers queued for fresh bread from early morning.\n\n"
    "The owner said she had wanted to open a shop for ten years. "
    "The bakery will be open six days a week."
)


def test_long_article_denial_and_unrelated(engine):
    deny, other = engine.stance_many([(CLAIM, ARTICLE_DENY), (CLAIM, ARTICLE_OTHER)])
    assert deny.label == "contradiction"
    assert any(ev.speaker and "Baker" in ev.speaker for ev in deny.evidence)
    assert other.label == "unrelated"
    assert 0.0 <= deny.score <= 1.0


def test_predict_with_bodies_and_naive(engine):
    rows = [
        {"id": "a", "body_id": "1", "hypothesis": CLAIM, "label": "contradiction"},
        {"id": "b", "body_id": "2", "hypothesis": CLAIM, "label": "unrelated"},
    ]
    bodies = {"1": {"body_id": "1", "premise": ARTICLE_DENY},
              "2": {"body_id": "2", "premise": ARTICLE_OTHER}}
    ours = predict(rows, bodies=bodies)
    assert [p["id"] for p in ours] == ["a", "b"]
    assert [p["label"] for p in ours] == ["contradiction", "unrelated"]
    naive = predict(rows, bodies=bodies, method="naive")
    assert naive[1]["label"] == "unrelated"
    with pytest.raises(ValueError):
        predict(rows, bodies=bodies, method="nope")


def test_naive_baselines_read_only_cues():
    assert naive_headline(CLAIM, "Mayor resignation story is fake") == "contradiction"
    assert naive_headline(CLAIM, "Mayor reportedly resigns") == "neutral"
    assert naive_headline(CLAIM, "Mayor resigns") == "entailment"
    # The naive headline baseline misses a plain negation; the engine does not (see above).
    assert naive_headline(CLAIM, "The mayor of Springfield did not resign") == "entailment"
    assert naive_overlap(CLAIM, "Bread prices rose in Leeds.") == "unrelated"


def test_score_on_hand_made_set():
    gold = [
        {"id": "1", "label": "entailment"},
        {"id": "2", "label": "entailment"},
        {"id": "3", "label": "contradiction"},
        {"id": "4", "label": "neutral"},
        {"id": "5", "label": "unrelated"},
    ]
    pred = [
        {"id": "1", "label": "entailment"},
        {"id": "2", "label": "contradiction"},
        {"id": "3", "label": "contradiction"},
        {"id": "4", "label": "entailment"},
        {"id": "5", "label": "unrelated"},
    ]
    s = score(gold, pred)
    assert s["accuracy"] == 0.6
    ent = s["per_class"]["entailment"]
    assert (ent["precision"], ent["recall"], ent["f1"]) == (0.5, 0.5, 0.5)
    con = s["per_class"]["contradiction"]
    assert (con["precision"], con["recall"], con["f1"]) == (0.5, 1.0, 0.6667)
    assert s["per_class"]["neutral"]["f1"] == 0.0
    assert s["per_class"]["unrelated"]["f1"] == 1.0
    assert s["macro_f1"] == round((0.5 + 0.6667 + 0.0 + 1.0) / 4, 4)
    assert s["macro_f1_related"] == round((0.5 + 0.6667 + 0.0) / 3, 4)
    # A missing prediction counts as wrong, not as skipped.
    assert score(gold, pred[:4])["missing"] == 1


def test_logreg_fit_and_predict_roundtrip():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, len(FEATURES)))
    y = ["entailment" if a > 0.5 else "contradiction" if a < -0.5 else "neutral" for a in X[:, 0]]
    model = fit_logreg(X, y, ["entailment", "neutral", "contradiction"])
    json.dumps(model)  # numbers only, serialisable
    probs = predict_proba(model, X)
    acc = np.mean([max(p, key=p.get) == g for p, g in zip(probs, y, strict=True)])
    assert acc > 0.85


def test_shipped_weights_are_numbers_only():
    weights = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    model = weights["document"]
    assert model["features"] == list(FEATURES)
    assert set(model["labels"]) == {"entailment", "neutral", "contradiction", "unrelated"}
    assert np.array(model["coef"]).shape == (4, len(FEATURES))


def test_source_before_colon_is_neutral(engine):
    # "<source>: <claim>" attributes the claim to the source without the outlet committing to it.
    res = _stance(engine, CLAIM, "Officials: Springfield mayor resigned on Monday after budget row")
    assert res.label == "neutral"


def test_speakerless_reporting_clause_is_neutral(engine):
    # "the woman who says [the mayor resigned]": the claim sits inside someone's report.
    res = _stance(
        engine, CLAIM, "The woman who says the Springfield mayor resigned has been sued by the city"
    )
    assert res.label == "neutral"


def test_no_before_a_compound_noun_is_not_negation(engine):
    from summarizers.stance import _parse_info

    doc = engine.nlp.parse(["Airline charges passengers a no show fee for missed flights"])[0]
    assert not _parse_info(doc).neg_any
    doc = engine.nlp.parse(["The mayor did not resign"])[0]
    assert _parse_info(doc).neg_any


def test_denial_scope_reaches_the_claim_words(engine):
    from summarizers.stance import _parse_info

    doc = engine.nlp.parse(["A spokesman denied that the mayor had resigned."])[0]
    scopes = _parse_info(doc).cue_scopes
    assert any({"mayor", "resign"} <= sc for sc in scopes)


def test_refute_cues_split_by_claim_polarity(engine):
    body = ARTICLE_DENY
    pos, neg = engine.stance_many([(CLAIM, body), ("The mayor resignation story is a hoax", body)])
    assert pos.features["rel_refute_pos"] > 0 and pos.features["rel_refute_negc"] == 0
    assert neg.features["rel_refute_negc"] > 0 and neg.features["rel_refute_pos"] == 0
