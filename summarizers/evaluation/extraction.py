"""How well the HTML loader finds an article's body: trafilatura against hand-made ground truth.

Data: feeds/html/article_extraction_benchmark (Scrapinghub's article-extraction-benchmark format):
`<hash>.html` pages and ground-truth.subset.json, {hash: {"articleBody": ..., "url": ...}}.
Measure: token-level precision / recall / F1 of the extracted body against `articleBody`, as
bags of lower-cased word tokens (each token counts as often as it occurs in both), micro-averaged
over pages (summed counts) and macro-averaged (mean of per-page F1).

Runs the same trafilatura call as `summarizers.article.article_from_html` (its
EXTRACTION_OPTIONS), plus the balanced and favor_recall variants, so a settings change can be
judged on numbers.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

_TOKEN = re.compile(r"\w+", re.UNICODE)

# Keyword arguments of trafilatura.bare_extraction per setting, on top of the shared base.
SETTINGS: dict[str, dict[str, Any]] = {
    "newsbrief (article_from_html: favor_precision)": {},
    "balanced (trafilatura default)": {"favor_precision": False},
    "favor_recall": {"favor_precision": False, "favor_recall": True},
}


def tokens(text: str) -> Counter[str]:
    return Counter(t.lower() for t in _TOKEN.findall(text or ""))


def prf(predicted: str, truth: str) -> tuple[float, float, float, int, int, int]:
    """(precision, recall, F1, overlap, predicted tokens, true tokens) of two texts."""
    p, t = tokens(predicted), tokens(truth)
    overlap = sum((p & t).values())
    np_, nt = sum(p.values()), sum(t.values())
    prec = overlap / np_ if np_ else 0.0
    rec = overlap / nt if nt else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1, overlap, np_, nt


def _find_benchmark(eval_dir: Path) -> Path:
    for candidate in (
        eval_dir,
        eval_dir / "article_extraction_benchmark",
        eval_dir / "feeds" / "html" / "article_extraction_benchmark",
    ):
        if (candidate / "ground-truth.subset.json").is_file():
            return candidate
    raise FileNotFoundError(f"no ground-truth.subset.json under {eval_dir}")


def extract_body(html: str, url: str = "", **options: Any) -> str:
    import trafilatura

    from summarizers.article import EXTRACTION_OPTIONS

    doc = trafilatura.bare_extraction(html, url=url or None, **{**EXTRACTION_OPTIONS, **options})
    return (doc.text if doc is not None else "") or ""


def evaluate(eval_dir: Path) -> dict[str, dict[str, float]]:
    """Scores per setting: micro P/R/F1, macro F1, pages, seconds."""
    from summarizers.article import decode_bytes

    folder = _find_benchmark(Path(eval_dir))
    truth = json.loads((folder / "ground-truth.subset.json").read_text(encoding="utf-8"))
    pages = []
    for key, item in sorted(truth.items()):
        path = folder / f"{key}.html"
        if path.is_file():
            html = decode_bytes(path.read_bytes())
            pages.append((html, item.get("url", ""), item["articleBody"]))
    results: dict[str, dict[str, float]] = {}
    for name, options in SETTINGS.items():
        start = time.perf_counter()
        overlap = predicted = true = 0
        f1s = []
        for html, url, body in pages:
            _p, _r, f1, o, n_p, n_t = prf(extract_body(html, url, **options), body)
            overlap, predicted, true = overlap + o, predicted + n_p, true + n_t
            f1s.append(f1)
        prec = overlap / predicted if predicted else 0.0
        rec = overlap / true if true else 0.0
        results[name] = {
            "precision": prec,
            "recall": rec,
            "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
            "macro_f1": sum(f1s) / len(f1s) if f1s else 0.0,
            "pages": len(pages),
            "seconds": time.perf_counter() - start,
        }
    return results


def report(eval_dir: Path) -> str:
    """Markdown table of body-extraction precision/recall/F1 per trafilatura setting."""
    results = evaluate(Path(eval_dir))
    lines = [
        "| trafilatura setting | pages | precision | recall | F1 (micro) | F1 (macro) | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['pages']} | {100 * r['precision']:.1f} | {100 * r['recall']:.1f} | "
            f"{100 * r['f1']:.1f} | {100 * r['macro_f1']:.1f} | {r['seconds']:.2f} |"
        )
    lines.append("")
    lines.append("Token-level (bag of lower-cased words) against the benchmark's articleBody.")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m summarizers.evaluation.extraction [EVAL_DIR]
    import sys

    print(report(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/eval-dev")))
