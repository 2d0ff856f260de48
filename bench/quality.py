"""All quality tables for the README, with the baselines measured side by side in the same run.

Run: python bench/quality.py [--eval-dir ../shared/eval-dev]
                             [--only summarize,extraction,stance,answer]
"""

from __future__ import annotations

import argparse
import importlib
import time
from pathlib import Path

TASKS = ("summarize", "extraction", "stance", "answer")


def main() -> None:
    parser = argparse.ArgumentParser()
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "eval-dev"
    parser.add_argument("--eval-dir", type=Path, default=default)
    parser.add_argument("--only", default=",".join(TASKS))
    args = parser.parse_args()
    for task in args.only.split(","):
        start = time.perf_counter()
        module = importlib.import_module(f"summarizers.evaluation.{task}")
        table = module.report(args.eval_dir)
        print(f"### {task}\n\n{table}\n\n({time.perf_counter() - start:.0f} s)\n", flush=True)


if __name__ == "__main__":
    main()
