"""Stance engine and its evaluation, on small hand-written examples (none from the eval files)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from summarizers.evaluation.stance import naive_headline, naive_overlap, predict, score
from summarizers.stance import FEATURE_DECIMALS, FEATURES, WEIGHTS_PATH, fit_gbt, predict_proba

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


def test_an_unrelated_headline_still_says_how_it_reads_for_a_three_way_task(engine):
    # Few shared words, so unrelated; but it hedges ("could"), and it denies ("denied").
    hedging = _stance(engine, CLAIM, "Town hall officials could face questions over the budget.")
    denying = _stance(engine, CLAIM, "The council denied every report about the budget row.")
    assert hedging.label == denying.label == "unrelated"
    assert hedging.related_label == "neutral"
    assert denying.related_label == "contradiction"
    related = _stance(engine, CLAIM, "The mayor of Springfield has resigned.")
    assert related.related_label == related.label == "entailment"


def test_predict_gives_headline_pairs_three_labels_and_bodies_four(engine):
    headline = "Heavy rain may have flooded the football stadium in Leeds, fans claim."
    rows = [{"id": "h", "premise": headline, "hypothesis": CLAIM, "label": "neutral"}]
    assert _stance(engine, CLAIM, headline).label == "unrelated"
    assert predict(rows)[0]["label"] == "neutral"


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


def test_features_are_rounded_so_batching_jitter_cannot_move_a_split(engine):
    # The trees split at feature values seen in training: features off that grid by 1e-6 (the
    # encoder run in another batch) crossed splits and moved FNC-1 CV scores.
    alone = engine.relations([(CLAIM, ARTICLE_DENY)])[0][0]
    batched = engine.relations([(CLAIM, ARTICLE_OTHER), (CLAIM, ARTICLE_DENY)])[1][0]
    assert np.array_equal(alone, np.round(alone, FEATURE_DECIMALS))
    assert np.array_equal(alone, batched)


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


def _accuracy(model, X, y) -> float:
    return float(np.mean([max(p, key=p.get) == g for p, g in zip(predict_proba(model, X), y,
                                                                    strict=True)]))


def test_boosted_trees_learn_an_interaction_and_survive_json():
    # The label is an XOR of two features (a refuting cue means disagree for a positive claim,
    # agree for a negated one): a sum of one-feature effects (stumps, a linear model) cannot fit it.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(1000, len(FEATURES)))
    y = ["contradiction" if (a > 0.7) != (b > 0) else "entailment" for a, b in X[:, :2]]
    labels = ["entailment", "contradiction"]
    model = fit_gbt(X[:600], y[:600], labels, rounds=100, depth=2, colsample=1.0)
    again = json.loads(json.dumps(model))  # numbers only, and predicts the same after a roundtrip
    assert predict_proba(again, X[600:]) == predict_proba(model, X[600:])
    assert _accuracy(model, X[600:], y[600:]) > 0.95
    stumps = fit_gbt(X[:600], y[:600], labels, rounds=100, depth=1, colsample=1.0)
    assert _accuracy(stumps, X[600:], y[600:]) < 0.85


def test_boosted_trees_fit_is_reproducible_and_rounds_add_trees():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, len(FEATURES)))
    y = ["entailment" if a > 0 else "neutral" if a > -1 else "contradiction" for a in X[:, 0]]
    labels = ["entailment", "neutral", "contradiction"]
    a = fit_gbt(X, y, labels, rounds=20, depth=3)
    assert a == fit_gbt(X, y, labels, rounds=20, depth=3)
    assert len(a["trees"]["leaf"]) == 20 * len(labels)
    assert all(len(leaf) == 2**3 for leaf in a["trees"]["leaf"])


def test_shipped_weights_are_numbers_only():
    weights = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    model = weights["document"]
    assert model["features"] == list(FEATURES)
    assert set(model["labels"]) == {"entailment", "neutral", "contradiction", "unrelated"}
    trees, depth = model["trees"], model["depth"]
    assert len(trees["feature"]) % len(model["labels"]) == 0
    assert all(len(f) == 2**depth - 1 for f in trees["feature"])
    assert all(0 <= j < len(FEATURES) for f in trees["feature"] for j in f)
    assert all(isinstance(v, float) for leaf in trees["leaf"] for v in leaf)


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


ARTICLE_PREDICATE = (
    "The mayor of Springfield {} on Monday, her office said, after posts shared online. "
    "A post shared thousands of times had said she quit. "
    "She chaired the council meeting on Tuesday evening as usual.\n\n"
    "Local elections are due next spring."
)


def test_body_denying_the_claims_predicate_reads_as_a_denial(engine):
    denied, asserted = engine.stance_many([
        (CLAIM, ARTICLE_PREDICATE.format("did not resign")),
        (CLAIM, ARTICLE_PREDICATE.format("resigned")),
    ])
    # "did not resign" negates the claim's own verb: a denial of this claim, and only then.
    assert denied.features["pred_deny_max_pos"] > 0 and denied.features["pred_deny_n_negc"] == 0
    assert asserted.features["pred_deny_max_pos"] == 0
    # The trees move less on one feature than the old linear model did (x4 here, was x15).
    assert denied.probabilities["contradiction"] > 3 * asserted.probabilities["contradiction"]
    assert denied.probabilities["entailment"] < asserted.probabilities["entailment"]
    assert asserted.label == "entailment"


def test_claim_that_denies_reads_a_body_denial_as_agreement(engine):
    # The same denial agrees with a claim that itself says it did not happen.
    res = _stance(engine, "The mayor of Springfield did not resign",
                  ARTICLE_PREDICATE.format("did not resign"))
    assert res.features["pred_deny_max_pos"] == 0
    assert res.label != "contradiction"


@pytest.mark.parametrize(
    ("claim", "denies"),
    [
        ("Local TV station falls for prank about the mayor of Springfield resigning", True),
        ("Debunking the myth that the mayor of Springfield resigned", True),
        ("The mayor of Springfield resigned on Monday", False),
        ("Not a hoax: the mayor of Springfield resigned on Monday", False),  # the cue negated
    ],
)
def test_a_claim_that_calls_something_false_is_a_denying_claim(engine, claim, denies):
    # The parse does not put "prank" or "myth" in the main clause; the words still deny.
    res = _stance(engine, claim, ARTICLE_PREDICATE.format("resigned"))
    assert res.features["claim_deny"] == float(denies)


def test_claim_predicates_are_its_content_verbs(engine):
    from summarizers.stance import _parse_info

    doc = engine.nlp.parse(["Officials say the mayor of Springfield resigned on Monday"])[0]
    preds = _parse_info(doc).preds
    assert "resign" in preds
    assert "say" not in preds  # a reporting verb is who says it, not what is claimed


def test_firm_and_hedged_refutation_are_told_apart(engine):
    firm, hedged = engine.stance_many([
        (CLAIM, ARTICLE_DENY),
        (CLAIM, "Some readers say the post about the mayor resigning could be a hoax. "
                "Nobody knows yet. The mayor may comment on Friday. More soon."),
    ])
    assert firm.features["firm_refute_pos"] > 0
    assert hedged.features["firm_refute_pos"] == 0 and hedged.features["hedged_refute_pos"] > 0


def test_denial_probe_is_nearer_to_a_denying_sentence(engine):
    from summarizers.stance import _unit, denial_probe

    claim_v, probe_v, deny_v, assert_v = engine.nlp.embed([
        CLAIM, denial_probe(CLAIM),
        "Reports that the mayor of Springfield resigned are false, a hoax.",
        "The mayor of Springfield resigned on Monday, officials confirmed.",
    ])
    gap = [float(v @ _unit(probe_v)) - float(v @ _unit(claim_v)) for v in (deny_v, assert_v)]
    assert gap[0] > gap[1]


def test_cross_validation_chooses_trees_inside_the_training_folds(monkeypatch):
    from summarizers.evaluation import stance as ev

    seen = []
    real = ev.choose_gbt

    def spy(X, y, groups, labels, **kw):
        seen.append(set(groups))
        return real(X, y, groups, labels, **kw)

    monkeypatch.setattr(ev, "choose_gbt", spy)
    monkeypatch.setattr(ev, "GBT_GRID", {"depth": (1, 2), "rounds": (10, 30)})
    rng = np.random.default_rng(2)
    X = rng.normal(size=(120, len(FEATURES)))
    y = ["entailment" if a > 0 else "contradiction" for a in X[:, 0]]
    groups = [str(i // 4) for i in range(120)]
    pred = ev.cross_validate(X, y, groups, ["entailment", "contradiction"], k=3, **ev.FIT_PARAMS)
    assert len(seen) == 3  # once per outer fold
    for test, chosen_on in zip(ev._folds(groups, 3), seen, strict=True):
        held_out = {g for g, t in zip(groups, test, strict=True) if t}
        assert not (chosen_on & held_out)
    assert np.mean([p == t for p, t in zip(pred, y, strict=True)]) > 0.8


def test_report_finds_the_files_from_the_eval_dev_folder(tmp_path):
    # Given the eval-dev folder, the report reads contradiction/ for every file, SNLI included.
    from summarizers.evaluation import stance as ev

    folder = tmp_path / "contradiction"
    folder.mkdir()
    for name in (ev.EMERGENT, ev.SNLI):
        (folder / name).write_text("", encoding="utf-8")
    assert ev._contradiction_dir(tmp_path) == folder
    assert ev._contradiction_dir(folder) == folder
    assert (ev._contradiction_dir(tmp_path) / ev.SNLI).exists()


def test_cached_nlp_reuses_parses_and_embeddings(engine, tmp_path):
    from summarizers.evaluation.stance import CachedNLP

    calls = []

    class Counting:
        config = engine.nlp.config
        spacy = engine.nlp.spacy

        def parse(self, texts):
            calls.append(("parse", len(texts)))
            return engine.nlp.parse(texts)

        def embed(self, texts):
            calls.append(("embed", len(texts)))
            return engine.nlp.embed(texts)

    c = CachedNLP(Counting(), tmp_path)
    v1 = c.embed(["The mayor resigned.", "The mayor resigned."])
    d1 = c.parse(["The mayor did not resign."])
    c.save()
    again = CachedNLP(Counting(), tmp_path)
    v2 = again.embed(["The mayor resigned."])
    d2 = again.parse(["The mayor did not resign."])
    assert calls == [("embed", 1), ("parse", 1)]
    assert np.allclose(v1[0], v2[0])
    assert [t.dep_ for t in d1[0]] == [t.dep_ for t in d2[0]]


def test_main_clause_polarity(engine):
    from summarizers.stance import _parse_info

    docs = engine.nlp.parse([
        "Egypt's president denies offering land to Palestinians",
        "The story of the three-breasted woman is a hoax",
        "No threats were made to the families",
        "Argentina's president adopts a boy so he won't turn into a werewolf",
        "Three-breasted woman: they're not fake",
    ])
    assert [_parse_info(d).polarity for d in docs] == [-1, -1, -1, 1, 1]


def test_verdicts_name_what_they_are_said_of(engine):
    from summarizers.stance import _parse_info

    story, other = engine.nlp.parse([
        "The story is a hoax.",
        "The new ticket prices are wrong, fans said.",
    ])
    assert _parse_info(story).verdicts == [set()]
    assert any({"price", "ticket"} & v for v in _parse_info(other).verdicts)


def test_balanced_log_loss_weights_rows_by_their_class():
    from summarizers.evaluation.stance import balanced_log_loss

    y = ["a", "a", "a", "b"]
    probs = [{"a": 0.9, "b": 0.1}] * 3 + [{"a": 0.5, "b": 0.5}]
    # Each class weighs the same in total: half the mean of class a's loss, half of class b's.
    assert balanced_log_loss(probs, y) == pytest.approx(0.5 * -np.log(0.9) + 0.5 * -np.log(0.5))
    assert balanced_log_loss(probs, y, balance=0.0) == pytest.approx(
        (3 * -np.log(0.9) - np.log(0.5)) / 4)


def test_tree_choice_stops_before_the_fit_learns_the_noise(monkeypatch):
    # A one-feature rule with a quarter of the labels flipped: many fast rounds of deep trees fit
    # the flips and grow overconfident on the held-out folds, which the log loss sees.
    from summarizers.evaluation import stance as ev

    monkeypatch.setattr(ev, "GBT_GRID", {"depth": (3,), "rounds": (5, 300)})
    rng = np.random.default_rng(5)
    X = rng.normal(size=(240, len(FEATURES)))
    y = [("entailment" if a > 0 else "contradiction") if f > 0.25 else
         ("contradiction" if a > 0 else "entailment") for a, f in zip(X[:, 0], rng.random(240),
                                                                      strict=True)]
    groups = [str(i // 4) for i in range(240)]
    chosen = ev.choose_gbt(X, y, groups, ["entailment", "contradiction"], lr=0.5)
    assert chosen == {"depth": 3, "rounds": 5}
