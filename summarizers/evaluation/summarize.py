"""Extractive summarization: predictions, ROUGE scores, and a report against standard baselines.

    newsbrief predict summarize IN.jsonl [--sentences N] [--method M] -o PRED.jsonl
    newsbrief score summarize IN.jsonl PRED.jsonl

Methods: None / "keypoints" (ours, `summarizers.keypoints`), "lead" (first N sentences),
"lexrank" and "textrank" (sumy's implementations). Every method sees the same sentence split
(`NLP.split_sentences`), so the comparison is between rankings, not splitters.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from summarizers.article import without_soft_hyphens

DEFAULT_SENTENCES = 3
METHODS = ("keypoints", "lead", "lexrank", "textrank")
ROUGE_TYPES = ("rouge1", "rouge2", "rougeLsum")

# (file, sentences per summary, label). CNN/DM and Newsroom are scored with 3 sentences, as in
# the Lead-3 baselines of See et al. 2017 and Grusky et al. 2018; XSum's reference is one sentence,
# so Lead-1 is its baseline (Narayan et al. 2018).
REPORT_FILES = (
    ("cnndm_summeval.dev.jsonl", 3, "CNN/DM (SummEval refs)"),
    ("newsroom_humaneval.dev.jsonl", 3, "Newsroom (human-eval)"),
    ("xsum_test.dev.jsonl", 1, "XSum"),
)


# -- methods -------------------------------------------------------------------------------------
def _nlp() -> Any:
    from summarizers.nlp import get_nlp

    return get_nlp()


def _lead(sentences: list[str], k: int) -> list[str]:
    return sentences[:k]


def _keypoints(sentences: list[str], k: int) -> list[str]:
    """The briefing's key points, read from the parse as the briefing reads them."""
    from summarizers.keypoints import (
        clean_sentence,
        key_point_texts,
        lexical_vectors,
        select_key_points,
    )

    if not sentences:
        return []
    texts, clauses = key_point_texts(sentences, _nlp().parse(sentences))
    picks = select_key_points(texts, lexical_vectors(texts), k, order="article", clauses=clauses)
    return [clean_sentence(texts[i]) for i in picks]


class _WordTokenizer:
    """sumy's own tokenizer needs NLTK punkt data, which is not to be had offline."""

    _word = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

    def to_words(self, text: str) -> list[str]:
        return self._word.findall(text)


def _sumy(name: str) -> Callable[[list[str], int], list[str]]:
    def run(sentences: list[str], k: int) -> list[str]:
        from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
        from sumy.nlp.stemmers import Stemmer
        from sumy.utils import get_stop_words

        if name == "lexrank":
            from sumy.summarizers.lex_rank import LexRankSummarizer as Summarizer
        else:
            from sumy.summarizers.text_rank import TextRankSummarizer as Summarizer

        if not sentences:
            return []
        tok = _WordTokenizer()
        doc = ObjectDocumentModel([Paragraph([Sentence(s, tok) for s in sentences])])
        summarizer = Summarizer(Stemmer("english"))
        summarizer.stop_words = get_stop_words("english")
        return [str(s) for s in summarizer(doc, k)]

    return run


_REGISTRY: dict[str, Callable[[list[str], int], list[str]]] = {
    "keypoints": _keypoints,
    "lead": _lead,
    "lexrank": _sumy("lexrank"),
    "textrank": _sumy("textrank"),
}


def predict(
    rows: Sequence[dict], sentences: int = DEFAULT_SENTENCES, method: str | None = None
) -> list[dict]:
    """One extractive summary per row ({id, article}): `sentences` sentences joined by newlines."""
    name = (method or "keypoints").lower()
    if name not in _REGISTRY:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if sentences < 1:
        raise ValueError("sentences must be at least 1")
    run = _REGISTRY[name]
    nlp = _nlp()
    out = []
    for row in rows:
        sents = nlp.split_sentences(without_soft_hyphens(row.get("article") or ""))
        out.append({"id": str(row["id"]), "summary": "\n".join(run(sents, sentences))})
    return out


# -- scoring -------------------------------------------------------------------------------------
def _references(row: dict) -> list[str]:
    refs = row.get("references") or [row.get("reference") or ""]
    return [r for r in refs if r and r.strip()] or [""]


def _as_lines(text: str) -> str:
    """rougeLsum treats newlines as sentence boundaries: one sentence per line."""
    if "\n" in text.strip():
        return "\n".join(line.strip() for line in text.split("\n") if line.strip())
    return "\n".join(_nlp().split_sentences(text))


def item_scores(gold: Sequence[dict], pred: Sequence[dict]) -> list[dict[str, float]]:
    """ROUGE-1/2/Lsum F1 (x100, Porter stemming) of each gold item, in gold order. With several
    references an item scores its best reference per measure; an item with no prediction scores
    0 (and is marked `missing`)."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    preds = {str(p["id"]): p.get("summary") or "" for p in pred}
    out = []
    for row in gold:
        key = str(row["id"])
        best = dict.fromkeys(ROUGE_TYPES, 0.0)
        if key not in preds:
            out.append({**best, "missing": 1.0})
            continue
        candidate = _as_lines(preds[key])
        for ref in _references(row):
            result = scorer.score(_as_lines(ref), candidate)
            for t in ROUGE_TYPES:
                best[t] = max(best[t], 100 * result[t].fmeasure)
        out.append({**best, "missing": 0.0})
    return out


def score(gold: Sequence[dict], pred: Sequence[dict]) -> dict:
    """The mean of `item_scores` per measure, rounded to 0.01, with the item and missing counts."""
    items = item_scores(gold, pred)
    out: dict[str, Any] = {t: round(m, 2) for t, m in _means(items).items()}
    out["items"] = len(items)
    out["missing"] = int(sum(i["missing"] for i in items))
    return out


def _means(items: Sequence[dict[str, float]]) -> dict[str, float]:
    """Each ROUGE measure averaged over the items (0 when there are none)."""
    return {t: sum(i[t] for i in items) / max(len(items), 1) for t in ROUGE_TYPES}


def paired_bootstrap(
    ours: Sequence[dict[str, float]], base: Sequence[dict[str, float]], *,
    samples: int = 10_000, seed: int = 0,
) -> dict[str, tuple[float, float, float]]:
    """Per measure, (mean difference ours - base, 2.5th and 97.5th percentile of that mean over
    `samples` resamplings of the items with replacement): how far a difference on a few dozen
    items can be told from chance. Both lists hold the same items in the same order."""
    import numpy as np

    if len(ours) != len(base) or not ours:
        raise ValueError("paired bootstrap needs the same non-empty items on both sides")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(ours), size=(samples, len(ours)))
    out = {}
    for t in ROUGE_TYPES:
        diff = np.array([a[t] - b[t] for a, b in zip(ours, base, strict=True)])
        means = diff[picks].mean(axis=1)
        lo, hi = np.percentile(means, [2.5, 97.5])
        out[t] = (float(diff.mean()), float(lo), float(hi))
    return out


# -- report --------------------------------------------------------------------------------------
def report(eval_dir: Path) -> str:
    """Markdown table: ours against Lead-N, LexRank and TextRank on the dev summarization files."""
    from summarizers.evaluation.data import read_jsonl

    eval_dir = Path(eval_dir)
    folder = eval_dir / "summarization" if (eval_dir / "summarization").is_dir() else eval_dir
    lines = [
        "| data | items | N | method | ROUGE-1 | ROUGE-2 | ROUGE-Lsum | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    intervals: list[str] = []
    for filename, k, label in REPORT_FILES:
        path = folder / filename
        if not path.is_file():
            lines.append(f"| {label} | - | {k} | (missing {filename}) | | | | |")
            continue
        gold = read_jsonl(path)
        if not gold:
            lines.append(f"| {label} | 0 | {k} | (no items in {filename}) | | | | |")
            continue
        per_item = {}
        for method in METHODS:
            start = time.perf_counter()
            per_item[method] = item_scores(gold, predict(gold, sentences=k, method=method))
            took = time.perf_counter() - start
            scores = _means(per_item[method])
            shown = {"keypoints": "ours (keypoints)", "lead": f"Lead-{k}"}.get(method, method)
            lines.append(
                f"| {label} | {len(gold)} | {k} | {shown} | {scores['rouge1']:.2f} | "
                f"{scores['rouge2']:.2f} | {scores['rougeLsum']:.2f} | {took:.1f} |"
            )
        intervals.append(
            f"{label}: ours - Lead-{k} "
            + ", ".join(
                f"{name} {d:+.2f} [{lo:+.2f}, {hi:+.2f}]"
                for name, (d, lo, hi) in zip(
                    ("R1", "R2", "RLsum"),
                    paired_bootstrap(per_item["keypoints"], per_item["lead"]).values(),
                    strict=True,
                )
            )
        )
    lines.append("")
    lines.append(
        "F1 x100, rouge-score 0.1.2 with Porter stemming; best reference per item, then mean. "
        "Seconds include sentence splitting for every method, and for ours the parse it reads "
        "whole clauses from."
    )
    lines.append("")
    lines.append(
        "Difference from the lead baseline with its paired-bootstrap 95% interval (10,000 "
        "resamplings of the items): an interval that spans 0 is a tie on this many items."
    )
    lines += [f"- {line}" for line in intervals]
    return "\n".join(lines)


if __name__ == "__main__":  # python -m summarizers.evaluation.summarize [EVAL_DIR]
    import sys

    print(report(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/eval-dev")))
