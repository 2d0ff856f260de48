"""Digest evaluation on Emergent: one claim reported by many outlets, each headline labelled as
asserting it (for), reporting it (observing) or denying it (against).

- Grouping: do the headlines of one claim form one story? B-cubed precision/recall/F1 of the
  clusters against the claims, ours (MiniLM, average linkage) beside word-overlap clustering
  (tf-idf cosine, same linkage) and beside no grouping, each over a range of thresholds.
- Splits: within a claim, is a pair of headlines where one asserts and the other denies called
  out as outlets disagreeing, and a pair that agrees not? Ours (`digest.splits`) beside the
  naive cue baseline (a split when exactly one headline has a refuting word).
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from summarizers.digest import GROUP_AT, DigestItem, group, splits
from summarizers.evaluation.data import read_jsonl
from summarizers.feeds import FeedEntry

EMERGENT = "contradiction/emergent_test.dev.jsonl"
THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)
_WORD = re.compile(r"[a-z0-9]+")


def bcubed(clusters: list[list[int]], truth: list[str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of `clusters` (indices) against the true labels."""
    cluster_of = {i: tuple(c) for c in clusters for i in c}
    sizes = Counter(truth)
    p = r = 0.0
    for i, label in enumerate(truth):
        same = sum(truth[j] == label for j in cluster_of[i])
        p += same / len(cluster_of[i])
        r += same / sizes[label]
    p, r = p / len(truth), r / len(truth)
    return p, r, _f1(p, r)


def tfidf_vectors(texts: list[str]) -> np.ndarray:
    """Unit tf-idf vectors of the texts' words (the word-overlap baseline)."""
    docs = [Counter(_WORD.findall(t.lower())) for t in texts]
    df = Counter(w for d in docs for w in d)
    vocab = {w: k for k, w in enumerate(df)}
    out = np.zeros((len(texts), len(vocab)))
    for i, d in enumerate(docs):
        for w, n in d.items():
            out[i, vocab[w]] = n * math.log((1 + len(docs)) / (1 + df[w]))
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


def _item(headline: str, outlet: str) -> DigestItem:
    entry = FeedEntry(id=outlet, title=headline, link="", text="", outlet=outlet)
    return DigestItem(entry=entry, briefing=SimpleNamespace(title=headline, tldr=""))


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, _f1(p, r)


def report(eval_dir: str | Path) -> str:
    from summarizers.nlp import get_nlp
    from summarizers.stance import REFUTE_PHRASES, REFUTE_WORDS, _count_cues, stance_many

    rows = read_jsonl(Path(eval_dir) / EMERGENT)
    heads = [r["premise"] for r in rows]
    truth = [r["claim_id"] for r in rows]
    t0 = time.perf_counter()
    ours = get_nlp().embed(heads)
    embed_s = time.perf_counter() - t0
    words = tfidf_vectors(heads)
    lines = [
        f"#### Grouping: {len(rows)} Emergent headlines of {len(set(truth))} claims "
        "(B-cubed P / R / F1 x100, stories found)",
        "",
        "| threshold | ours (MiniLM) | word overlap (tf-idf) |",
        "|---|---|---|",
    ]
    for t in THRESHOLDS:
        cells = []
        for vectors in (ours, words):
            clusters = group(vectors, t)
            p, r, f = bcubed(clusters, truth)
            cells.append(f"{100 * p:.1f} / {100 * r:.1f} / {100 * f:.1f} ({len(clusters)})")
        mark = " (shipped)" if t == GROUP_AT else ""
        lines.append(f"| {t}{mark} | {cells[0]} | {cells[1]} |")
    p, r, f = bcubed([[i] for i in range(len(heads))], truth)
    lines += ["", f"No grouping (every headline alone): {100 * p:.1f} / {100 * r:.1f} / "
              f"{100 * f:.1f}. Embedding the headlines took {embed_s:.1f} s.", ""]

    # Splits: every pair of headlines of one claim; a split when one asserts it and the other
    # denies it (a headline that only reports it, "observing", splits from neither).
    by_claim: dict[str, list[dict]] = {}
    for r in rows:
        by_claim.setdefault(r["claim_id"], []).append(r)
    # Two readings of a split: strict, one asserts and the other denies; broad, one denies and
    # the other carries the claim, asserting or only reporting it ("observing").
    golds = {
        "strict": lambda x, y: {x, y} == {"entailment", "contradiction"},
        "broad": lambda x, y: (x == "contradiction") != (y == "contradiction"),
    }
    counts = {(g, m): [0, 0, 0] for g in golds for m in ("ours", "naive")}
    n_pairs = 0
    n_true = dict.fromkeys(golds, 0)
    t0 = time.perf_counter()
    for claim_rows in by_claim.values():
        for x, a in enumerate(claim_rows):
            for b in claim_rows[x + 1:]:
                n_pairs += 1
                found = bool(splits([_item(a["premise"], "A"), _item(b["premise"], "B")],
                                    stance_many))
                refutes = [bool(_count_cues(h, REFUTE_WORDS, REFUTE_PHRASES))
                           for h in (a["premise"], b["premise"])]
                for g, is_split in golds.items():
                    gold = is_split(a["label"], b["label"])
                    n_true[g] += gold
                    for name, pred in (("ours", found), ("naive", refutes[0] != refutes[1])):
                        c = counts[(g, name)]
                        c[0] += pred and gold
                        c[1] += pred and not gold
                        c[2] += gold and not pred
    split_s = time.perf_counter() - t0
    lines += [
        f"#### Outlets disagreeing: {n_pairs} pairs of headlines of one claim. A split, strict: "
        f"one asserts the claim and the other denies it ({n_true['strict']} pairs); broad: one "
        f"denies it and the other asserts or only reports it ({n_true['broad']} pairs)",
        "",
        "| method | strict P / R / F1 | broad P / R / F1 |",
        "|---|---|---|",
    ]
    for name, label in (("ours", "ours (stance engine, both directions)"),
                        ("naive", "naive (exactly one headline has a refuting word)")):
        cells = [" / ".join(f"{100 * v:.1f}" for v in _prf(*counts[(g, name)])) for g in golds]
        lines.append(f"| {label} | {cells[0]} | {cells[1]} |")
    lines.append(f"\nOurs took {split_s:.1f} s for the {n_pairs} pairs (both directions).")
    return "\n".join(lines)
