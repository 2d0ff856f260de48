"""All quality tables for the README, with the baselines measured side by side in the same run.

Run: python bench/quality.py [--eval-dir ../shared/eval-dev]
                             [--only summarize,extraction,stance,answer,digest]
                             [--cache-dir DIR]  # the answer report's context analyses
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import tempfile
import time
from pathlib import Path

TASKS = ("summarize", "extraction", "stance", "answer", "digest")


def _default_cache_dir() -> Path:
    src = Path(__file__).resolve().parent.parent / "summarizers"
    digest = hashlib.sha1()
    for name in ("analysis.py", "nlp.py", "article.py"):
        path = src / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return Path(tempfile.gettempdir()) / f"newsbrief-qa-cache-{digest.hexdigest()[:10]}"


def main() -> None:
    parser = argparse.ArgumentParser()
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "eval-dev"
    parser.add_argument("--eval-dir", type=Path, default=default)
    parser.add_argument("--only", default=",".join(TASKS))
    # The answer report analyses ~1,500 contexts (20+ minutes); kept here, reruns take a minute.
    # The default folder is named after the analysis code, so a change to it is never read stale.
    parser.add_argument("--cache-dir", type=Path, default=_default_cache_dir())
    args = parser.parse_args()
    for task in args.only.split(","):
        start = time.perf_counter()
        module = importlib.import_module(f"summarizers.evaluation.{task}")
        kwargs = {"cache_dir": str(args.cache_dir)} if task == "answer" else {}
        table = module.report(args.eval_dir, **kwargs)
        print(f"### {task}\n\n{table}\n\n({time.perf_counter() - start:.0f} s)\n", flush=True)


if __name__ == "__main__":
    main()
