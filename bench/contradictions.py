"""How often the briefing finds a key contradiction, where one is likely and where it is not.

Run: python bench/contradictions.py [--eval-dir ../shared/eval-dev] [--limit N]

No data set labels contradictions inside one article, so this is a proxy: FNC-1 bodies whose
headline the body *disagrees* with (the body reports someone denying the headline's claim) should
get a contradiction more often than bodies that only *agree* with theirs. A finder that fires on
any negative sentence scores the same on both; the naive row (someone asserts, someone else
says something negative) shows that floor. CNN/DM dev articles are counted too.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def naive(analysis) -> bool:
    """Someone asserts and someone else says something negative: the analysis alone."""
    speakers = {(s.speaker_key, s.polarity) for s in analysis.statements if s.content}
    asserting = {k for k, p in speakers if p == "assert"}
    denying = {k for k, p in speakers if p == "deny"}
    return any(a != d for a in asserting for d in denying)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval-dir", default=str(ROOT.parent / "shared" / "eval-dev"))
    ap.add_argument("--limit", type=int, default=0, help="bodies per group (0: all)")
    args = ap.parse_args()

    from summarizers.analysis import analyze
    from summarizers.article import article_from_text
    from summarizers.contradiction import find_contradiction
    from summarizers.errors import NewsbriefError

    folder = Path(args.eval_dir)
    bodies = {}
    for line in open(folder / "contradiction" / "fnc1_test_bodies.dev.jsonl", encoding="utf-8"):
        row = json.loads(line)
        bodies[row["body_id"]] = row["premise"]
    stances = defaultdict(set)
    path = folder / "contradiction" / "fnc1_test_stances_related_plus_1in9_unrelated.dev.jsonl"
    for line in open(path, encoding="utf-8"):
        row = json.loads(line)
        stances[row["body_id"]].add(row["orig_label"])
    groups = {
        "FNC-1 bodies that disagree with a headline": [
            bodies[b] for b in bodies if "disagree" in stances[b]],
        "FNC-1 bodies that only agree with theirs": [
            bodies[b] for b in bodies if "agree" in stances[b] and stances[b] <= {"agree",
                                                                                  "unrelated"}],
        "CNN/DM dev articles": [
            json.loads(line)["article"] for line in
            open(folder / "summarization" / "cnndm_summeval.dev.jsonl", encoding="utf-8")],
    }
    print("| articles | n | naive (assert + someone else's negative) | newsbrief "
          "| contradiction ms per article |")
    print("|---|---:|---:|---:|---:|")
    for name, texts in groups.items():
        texts = texts[: args.limit] if args.limit else texts
        found = base = n = 0
        took = 0.0
        for text in texts:
            try:
                analysis = analyze(article_from_text(text))
            except NewsbriefError:
                continue
            n += 1
            base += naive(analysis)
            start = time.perf_counter()
            found += find_contradiction(analysis) is not None
            took += time.perf_counter() - start
        print(f"| {name} | {n} | {base} ({100 * base / max(n, 1):.0f}%) | "
              f"{found} ({100 * found / max(n, 1):.0f}%) | {1000 * took / max(n, 1):.0f} |")


if __name__ == "__main__":
    main()
