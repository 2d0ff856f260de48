"""ROUGE scoring and the baseline predictors of the summarization evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizers.evaluation.summarize import item_scores, paired_bootstrap, predict, report, score

ARTICLE = (
    "The city council approved a new budget for the public library on Monday evening. "
    "The budget adds two million dollars for longer opening hours across the city. "
    "Librarians had asked for the money for three years in a row. "
    "A final vote on the plan is expected in the spring, officials said. "
    "Residents can comment on the proposal online until the end of the month."
)


def test_identical_summary_scores_100() -> None:
    gold = [{"id": "a", "reference": "the cat sat on the mat"}]
    out = score(gold, [{"id": "a", "summary": "the cat sat on the mat"}])
    assert out["rouge1"] == out["rouge2"] == out["rougeLsum"] == 100.0
    assert out["items"] == 1 and out["missing"] == 0


def test_partial_overlap_by_hand() -> None:
    # unigrams: precision 2/2, recall 2/6 -> F1 0.5; bigrams: 1/1 and 1/5 -> F1 1/3.
    gold = [{"id": "a", "reference": "the cat sat on the mat"}]
    out = score(gold, [{"id": "a", "summary": "the cat"}])
    assert out["rouge1"] == pytest.approx(50.0)
    assert out["rouge2"] == pytest.approx(33.33, abs=0.01)


def test_stemming_is_on() -> None:
    gold = [{"id": "a", "reference": "dogs were running"}]
    out = score(gold, [{"id": "a", "summary": "dog was run"}])
    assert out["rouge1"] == pytest.approx(100 * 2 / 3, abs=0.01)  # dog(s), run(ning) match


def test_best_reference_per_item_then_mean_and_missing_scores_zero() -> None:
    gold = [
        {"id": "a", "references": ["dogs bark loudly at night", "the cat sat"]},
        {"id": "b", "reference": "anything at all"},
    ]
    out = score(gold, [{"id": "a", "summary": "the cat sat"}])
    assert out["rouge1"] == pytest.approx(50.0)  # 100 for a (second reference), 0 for b
    assert out["missing"] == 1


def test_item_scores_keep_gold_order_and_mark_missing() -> None:
    gold = [{"id": "a", "reference": "the cat sat"}, {"id": "b", "reference": "a dog ran"}]
    items = item_scores(gold, [{"id": "b", "summary": "a dog ran"}])
    assert [i["rouge1"] for i in items] == [0.0, 100.0]
    assert [i["missing"] for i in items] == [1.0, 0.0]


def test_paired_bootstrap_interval() -> None:
    flat = [{"rouge1": 40.0, "rouge2": 20.0, "rougeLsum": 30.0}] * 5
    assert paired_bootstrap(flat, flat)["rouge1"] == (0.0, 0.0, 0.0)
    better = [{k: v + 1.0 for k, v in item.items()} for item in flat]
    assert paired_bootstrap(better, flat)["rougeLsum"] == pytest.approx((1.0, 1.0, 1.0))
    # One large win among ties: the mean is positive but the interval reaches 0.
    mixed = better[:1] + flat[1:]
    diff, lo, hi = paired_bootstrap(mixed, flat)["rouge2"]
    assert diff == pytest.approx(0.2) and lo == 0.0 and hi == pytest.approx(0.6)
    with pytest.raises(ValueError, match="same non-empty items"):
        paired_bootstrap(flat, flat[:2])


def test_report_lists_baselines_and_the_interval(tmp_path: Path) -> None:
    rows = [
        {"id": str(i), "article": ARTICLE, "reference": "The council approved a library budget."}
        for i in range(3)
    ]
    (tmp_path / "cnndm_summeval.dev.jsonl").write_text(
        "\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8"
    )
    out = report(tmp_path)
    assert "| CNN/DM (SummEval refs) | 3 | 3 | Lead-3 |" in out
    assert "(missing newsroom_humaneval.dev.jsonl)" in out
    assert "- CNN/DM (SummEval refs): ours - Lead-3 R1 " in out
    (tmp_path / "xsum_test.dev.jsonl").write_text("", encoding="utf-8")
    assert "| XSum | 0 | 1 | (no items in xsum_test.dev.jsonl) |" in report(tmp_path)


def test_lsum_splits_sentences() -> None:
    # Same two sentences in the opposite order: full marks only if both sides are split.
    ref = "The cat sat on the mat. The dog ran in the park."
    pred = "The dog ran in the park. The cat sat on the mat."
    out = score([{"id": "a", "reference": ref}], [{"id": "a", "summary": pred}])
    assert out["rougeLsum"] == 100.0
    assert out["rouge1"] == 100.0


def test_lead_returns_first_sentences() -> None:
    rows = [{"id": 7, "article": ARTICLE}]
    out = predict(rows, sentences=2, method="lead")
    first, second = (
        "The city council approved a new budget for the public library on Monday evening.",
        "The budget adds two million dollars for longer opening hours across the city.",
    )
    assert out == [{"id": "7", "summary": f"{first}\n{second}"}]
    assert predict(rows, sentences=1, method="lead")[0]["summary"].startswith("The city council")


@pytest.mark.parametrize("method", ["lexrank", "textrank", None])
def test_other_methods_pick_sentences_of_the_article(method: str | None) -> None:
    out = predict([{"id": "x", "article": ARTICLE}], sentences=2, method=method)
    lines = out[0]["summary"].split("\n")
    assert len(lines) == 2
    assert all(line in ARTICLE for line in lines)


def test_unknown_method() -> None:
    with pytest.raises(ValueError, match="unknown method"):
        predict([{"id": "x", "article": ARTICLE}], method="magic")
