"""Sentence splitters measured: boundary F1 on XSum articles (a sentence a line) and speed.

Run: python bench/splitters.py [--eval-dir ../shared/eval-dev]

Each article's lines are joined with spaces and split again; a predicted boundary is right when
it falls where a line ended. The naive baseline splits after every . ! or ? followed by a space.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import nupunkt
import pysbd

from summarizers.nlp import NLP, ModelConfig


def boundaries(sentences: list[str], text: str) -> set[int]:
    out, pos = set(), 0
    for s in sentences[:-1]:
        pos = text.find(s, pos) + len(s)
        out.add(pos)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "eval-dev"
    parser.add_argument("--eval-dir", type=Path, default=default)
    args = parser.parse_args()
    rows = [json.loads(x) for x in open(args.eval_dir / "summarization" / "xsum_test.dev.jsonl")]
    seg = pysbd.Segmenter(language="en", clean=False)
    splitters: dict[str, Callable[[str], list[str]]] = {
        "newsbrief (nupunkt, pieces cut where no sentence ends joined)":
            NLP(ModelConfig(splitter="nupunkt")).split_sentences,
        "nupunkt 0.8.0 alone": nupunkt.sent_tokenize,
        "pysbd 0.3.4": seg.segment,
        "naive regex baseline": lambda t: re.split(r"(?<=[.!?])\s+", t),
    }
    print("| splitter | boundary precision | recall | F1 | ms per article |")
    print("|---|---:|---:|---:|---:|")
    for name, split in splitters.items():
        tp = fp = fn = 0
        start = time.perf_counter()
        for row in rows:
            lines = [ln.strip() for ln in row["article"].split("\n") if ln.strip()]
            text = " ".join(lines)
            gold = boundaries(lines, text)
            pred = boundaries([s.strip() for s in split(text) if s.strip()], text)
            tp += len(gold & pred)
            fp += len(pred - gold)
            fn += len(gold - pred)
        ms = (time.perf_counter() - start) * 1000 / len(rows)
        p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
        print(f"| {name} | {p:.3f} | {r:.3f} | {2 * p * r / max(p + r, 1e-9):.3f} | {ms:.1f} |")


if __name__ == "__main__":
    main()
