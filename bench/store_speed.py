"""Article store speed: remembering and recalling briefed articles, and the first question after
a restart.

Run: python bench/store_speed.py [--articles 50] [--calls 200] [--postgres URL] [--restart 10]

- remember / recall: `--articles` articles (the seed's text with a numbered title, so each is its
  own article of seed length) are remembered in one channel, then the channel's articles are
  recalled `--calls` times. Backends side by side: memory (the baseline: what the bot had before
  it kept articles), SQLite in a temporary file (the default), PostgreSQL (`--postgres`, default
  postgresql://postgres@127.0.0.1:5432/test, in a schema of its own that is dropped afterwards;
  left out with the reason when it cannot be reached).
- restart: `--restart` articles briefed into a SQLite store by one bot core; a new core on the
  same file (a restarted process, models already loaded) answers a question: with the store
  holding the articles' text only (the baseline: every article is analysed again), then with
  their parses and vectors kept too (read back, not made again); then the same question warm.
- memory: what one analysis kept in memory costs (the bot keeps bot.keep_analyses of them):
  the growth of this process's resident set over `--memory` analyses with all vectors made.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEED = ROOT / "seeds" / "iraq-withdrawal-letter.txt"


def _ms(values: list[float]) -> str:
    return f"{1000 * statistics.median(values):.2f}"


def _articles(n: int) -> list:
    from summarizers.article import load_source

    seed = load_source(str(SEED))
    return [type(seed)(body=seed.body, title=f"{seed.title} ({i})", source=f"story-{i}")
            for i in range(n)]


def _time_store(url: str, articles: list, calls: int) -> tuple[str, str]:
    from bot.store import Conversation, open_store

    where = Conversation("slack", "T1", "C1")
    store = open_store(url, max_per_scope=len(articles))
    remember = []
    for article in articles:
        start = time.perf_counter()
        store.remember(where, article)
        remember.append(time.perf_counter() - start)
    recall = []
    for _ in range(calls):
        start = time.perf_counter()
        got = store.recall(where)
        recall.append(time.perf_counter() - start)
    assert len(got) == len(articles)
    store.close()
    return _ms(remember), _ms(recall)


async def _restart(n: int, tmp: Path) -> dict[str, float]:
    """Seconds for the first question after a restart, the store holding the articles' text only
    (the baseline: each is analysed again) or their parses and vectors too; then a warm one."""
    import sqlite3

    from bot.core import Core, Engine, _load_models
    from bot.store import Conversation, open_store, sqlite_path

    where = Conversation("slack", "T1", "C1")
    url = f"sqlite:///{tmp / 'restart.db'}"
    question = "who denied the withdrawal?"
    engine = Engine()
    engine._nlp.submit(_load_models).result()
    before = Core(engine=engine, store=open_store(url, n))
    for article in _articles(n):
        before.remember(where, await engine.analyze(article))
    await before.handle_text(question, where)  # models warm: not part of the figures
    await engine.models_key()  # as the bot's warm-up makes it
    before.store.close()

    out: dict[str, float] = {}
    answers = set()
    for case in ("text only", "parses kept"):
        if case == "text only":
            with sqlite3.connect(sqlite_path(url)) as db:
                db.execute("DELETE FROM parsed")
        after = Core(engine=engine, store=open_store(url, n))  # a restarted process
        start = time.perf_counter()
        answers.add((await after.handle_text(question, where)).text)
        out[case] = time.perf_counter() - start
        await engine._in_nlp(lambda: None)  # queued embeddings, as between questions
        await after.flush()  # the text-only case leaves the parses kept for the next
        start = time.perf_counter()
        answers.add((await after.handle_text(question, where)).text)
        out["warm"] = time.perf_counter() - start
        after.store.close()
    assert len(answers) == 1, "the rebuilt analyses answer differently"
    engine.close()
    return out


def _rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _memory(n: int) -> tuple[float, int]:
    """MB of resident memory per analysis kept (seed-length articles, vectors made), and the
    bytes of one kept in a store (parses and vectors)."""
    from summarizers.analysis import analyze, dump_analysis

    warm = analyze(_articles(1)[0])
    warm.embeddings  # noqa: B018 - made on first access
    before = _rss_mb()
    kept = []
    for article in _articles(n):
        analysis = analyze(article)
        analysis.embeddings  # noqa: B018
        kept.append(analysis)
    grown = (_rss_mb() - before) / n
    return grown, len(dump_analysis(kept[0]) or b"")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--restart", type=int, default=10)
    parser.add_argument("--memory", type=int, default=50)
    args = parser.parse_args()

    # First, before other parts free memory that these analyses would reuse and hide.
    per_analysis, stored_bytes = _memory(args.memory)
    articles = _articles(args.articles)
    print(f"command: python bench/store_speed.py --articles {args.articles} --calls {args.calls} "
          f"--restart {args.restart} --memory {args.memory}")
    print(f"\n{args.articles} articles of {len(articles[0].body.split())} words in one channel\n")
    print("| store | remember, median ms | recall of all, median ms |")
    print("|---|---|---|")
    from bot.store import scratch_schema

    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        rows = [("memory (baseline)", "memory"), ("SQLite file", f"sqlite:///{tmp}/articles.db")]
        left_out = ""
        try:
            pg_url = stack.enter_context(scratch_schema(args.postgres, "newsbrief_bench"))
            rows.append(("PostgreSQL (127.0.0.1)", pg_url))
        except Exception as err:  # report it, measure the rest
            left_out = " ".join(str(err).split())
        for label, url in rows:
            remember, recall = _time_store(url, articles, args.calls)
            print(f"| {label} | {remember} | {recall} |")
        if left_out:
            print(f"| PostgreSQL | left out: {left_out} | |")

        restart = asyncio.run(_restart(args.restart, Path(tmp)))
    print(f"\nfirst question after a restart, {args.restart} stored articles: "
          f"{restart['text only']:.2f} s with their text only (baseline: analysed again), "
          f"{restart['parses kept']:.2f} s with their parses and vectors kept; "
          f"a warm question {1000 * restart['warm']:.0f} ms")
    print(f"memory: {per_analysis:.2f} MB per analysis kept "
          f"({args.memory} seed-length articles, vectors made); in the store, its parses and "
          f"vectors take {stored_bytes / 1000:.0f} kB")


if __name__ == "__main__":
    main()
