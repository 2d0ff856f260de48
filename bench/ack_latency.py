"""Request-to-ack latency of Slack slash commands (HTTP Events mode) while the models are busy.

The real Slack adapter serves signed slash commands on 127.0.0.1; its Web API and response_url
calls go to the local Slack stand-in from tests/chat/fakes. Two runs:
  idle: /ask with nothing briefed yet (the work after the ack needs no model);
  busy: /brief of a different article each time, so the NLP worker is always analysing one
        (the first, then the queue) while the next request arrives.
Latency is the time from sending the HTTP request to reading the whole ack (keep-alive connection,
so connection set-up is not counted). Run:  python bench/ack_latency.py [--requests 100]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "chat")]

from fakes import SIGNING_SECRET, payload  # noqa: E402
from fakes.slack import FakeSlack, sign  # noqa: E402

from bot.config import SlackConfig  # noqa: E402
from bot.core import Core, Engine, _load_models  # noqa: E402

SEED = ROOT / "seeds" / "iraq-withdrawal-letter.txt"


async def measure(adapter: object, fake: FakeSlack, core: Core, command: str, texts: list[str],
                  interval: float) -> tuple[list[float], int]:
    """Latencies in ms, and how many requests arrived while the models were busy."""
    url = f"http://127.0.0.1:{adapter.port}/slack/events"
    latencies, busy = [], 0
    async with aiohttp.ClientSession() as session:
        for text in texts:
            form = payload("slack_slash_command.json")
            form.update(command=command, text=text, response_url=fake.hook_url())
            body = urlencode(form)
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       **sign(SIGNING_SECRET, body)}
            busy += core._pending > 0
            start = time.perf_counter()
            async with session.post(url, data=body.encode(), headers=headers) as resp:
                await resp.read()
                assert resp.status == 200, resp.status
            latencies.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(interval)
    return latencies, busy


def row(name: str, ms: list[float], busy: int) -> str:
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[-1]  # within the data
    return (f"| {name:<34} | {len(ms):>4} | {busy:>4} | {statistics.median(ms):>7.1f} | "
            f"{p95:>7.1f} | {max(ms):>7.1f} |")


async def main(requests: int, interval: float) -> None:
    from bot.adapters.slack import SlackAdapter

    engine = Engine()
    await asyncio.get_running_loop().run_in_executor(engine._nlp, _load_models)
    core = Core(engine=engine, max_queue=requests + 10)
    fake = FakeSlack()
    await fake.start()
    adapter = SlackAdapter(core, SlackConfig(
        bot_token="xoxb-bench", signing_secret=SIGNING_SECRET, mode="http",
        api_base_url=fake.api_url, host="127.0.0.1", port=0,
    ))
    await adapter.start()
    try:
        await measure(adapter, fake, core, "/ask", ["warm-up"] * 5, interval)  # bolt's auth.test
        idle, idle_busy = await measure(
            adapter, fake, core, "/ask", ["who denied the withdrawal?"] * requests, interval
        )
        seed = SEED.read_text(encoding="utf-8")
        # A different article each time (the last paragraph varies), so nothing is cached.
        texts = [f"{seed}\n\nThis is copy number {i} of the report." for i in range(requests)]
        busy, busy_busy = await measure(adapter, fake, core, "/brief", texts, interval)
    finally:
        await adapter.stop(grace=0)
        await fake.stop()
        core.close()
    print("command: python bench/ack_latency.py " + " ".join(sys.argv[1:]))
    print(f"Slack HTTP slash command, request to ack, {interval * 1000:.0f} ms between requests")
    print("| run                                |    n | busy |  median |     p95 |     max |")
    print("|------------------------------------|------|------|---------|---------|---------|")
    print(row("idle: /ask, no model work", idle, idle_busy))
    print(row("busy: /brief while a brief runs", busy, busy_busy))
    print("(ms; busy = requests that arrived while the NLP worker was analysing an article)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100, help="requests per run")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between requests")
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.interval))
