"""Digest speed: a channel's digest of N full-text feed entries, against briefing the same
articles one by one (the baseline: what the digest costs on top is grouping and the splits).

Run: python bench/digest_speed.py [--items 20] [--runs 3] [--eval-dir ../shared/eval-dev]

The entries are CNN/DM articles of the eval-dev file, written into two RSS files of two made-up
outlets (full text in content:encoded, no links, so nothing is fetched): first each outlet with
its own half, then both with the same half (every story from two outlets, so the splits are
looked for in each). Each run digests them afresh (a new channel, so nothing counts as
delivered) in one warm process.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

from bot.core import Command, Core, Engine
from bot.store import Conversation, MemoryStore
from summarizers.evaluation.data import read_jsonl


def _feed(title: str, rows: list[dict]) -> str:
    items = "".join(
        f"<item><guid>{escape(r['id'])}</guid><title>{escape(r['article'][:80])}</title>"
        f"<pubDate>Mon, 0{1 + k % 9} Jun 2015 10:00:00 GMT</pubDate>"
        f"<content:encoded>{escape(r['article'])}</content:encoded></item>"
        for k, r in enumerate(rows)
    )
    return ("<rss version='2.0' xmlns:content='http://purl.org/rss/1.0/modules/content/'>"
            f"<channel><title>{title}</title>{items}</channel></rss>")


async def _idle(core: Core) -> None:
    """Wait for the work a digest leaves queued (embedding the sentences the briefings did
    not need, for questions), so it is not counted against the next run."""
    await core.engine._in_nlp(lambda: None)


async def _digest(core: Core, feeds: list[str], run: int) -> float:
    where = Conversation("bench", "local", f"run{run}")
    for feed in feeds:
        await core.run(Command("follow", feed), where)
    await _idle(core)
    start = time.perf_counter()
    digest = await core.digest(where)
    took = time.perf_counter() - start
    assert digest.stories and not digest.unread, digest.unread
    return took


async def _one_by_one(core: Core, feeds: list[str]) -> float:
    from summarizers.feeds import parse_feed

    await _idle(core)
    start = time.perf_counter()
    for feed in feeds:
        for entry in parse_feed(Path(feed).read_bytes()).entries:
            article = entry.article()
            await core.engine.briefing(await core.engine.analyze(article))
    return time.perf_counter() - start


async def _row(core: Core, feeds: list[str], what: str, runs: int) -> None:
    digests = [await _digest(core, feeds, run) for run in range(runs)]
    singles = [await _one_by_one(core, feeds) for _ in range(runs)]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("runs (s):", " ".join(f"{x:.2f}" for x in digests), "/",
          " ".join(f"{x:.2f}" for x in singles), file=sys.stderr)
    print(f"| {what} | {statistics.median(digests):.2f} s | "
          f"{statistics.median(singles):.2f} s | {rss:,.0f} MB |", flush=True)


async def main(args: argparse.Namespace) -> None:
    rows = read_jsonl(args.eval_dir / "summarization" / "cnndm_summeval.dev.jsonl")[: args.items]
    words = sum(len(r["article"].split()) for r in rows)
    tmp = Path(tempfile.mkdtemp())
    apart, shared = [], []
    for k, outlet in enumerate(("Outlet A", "Outlet B")):
        # Apart: each outlet has half the articles. Shared: both carry the same half, so every
        # story comes from two outlets and the splits are looked for in each.
        for feeds, chosen, name in ((apart, rows[k::2], "apart"), (shared, rows[::2], "shared")):
            path = tmp / f"{name}{k}.xml"
            path.write_text(_feed(outlet, chosen), encoding="utf-8")
            feeds.append(str(path))
    core = Core(engine=Engine(allow_files=True), store=MemoryStore(), digest_items=args.items)
    await _digest(core, apart, -1)  # warm-up: models loaded
    await _row(core, apart, f"{len(rows)} entries, {len(rows)} stories ({words:,} words)",
               args.runs)
    shared_words = 2 * sum(len(r["article"].split()) for r in rows[::2])
    await _row(core, shared, f"{2 * len(rows[::2])} entries, {len(rows[::2])} stories from "
               f"both outlets ({shared_words:,} words)", args.runs)
    core.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "eval-dev"
    parser.add_argument("--eval-dir", type=Path, default=default)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    print("| digest of | digest, median | baseline: each briefed alone, median | peak RSS |")
    print("|---|---|---|---|")
    asyncio.run(main(parser.parse_args()))
