"""Fixtures for the chat tests: the real NLP pipeline (loaded once), local Slack/Discord stand-ins
and adapters wired to them over 127.0.0.1. Every stand-in must end a test with no request it did not
understand. `seed_analysis` (the seed, analysed once) comes from tests/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes import SIGNING_SECRET, WAIT, payload

from bot.config import DiscordConfig, SlackConfig
from bot.core import Core, Engine
from bot.store import MemoryStore

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "iraq-withdrawal-letter.txt"


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    """The real pipeline, models loaded once for the whole session."""
    from bot.core import _load_models

    eng = Engine()
    eng._nlp.submit(_load_models).result()
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def hostile(seed_text: str) -> str:
    """The seed with every kind of ping written into its headline and first sentence."""
    return seed_text.replace("Leaked draft letter", "@everyone Leaked draft letter", 1).replace(
        "The American military",
        "<!channel> <!here> @here <@U0BOSS99> <@&1190000000000000900> The American military", 1,
    )


@pytest.fixture
def core(engine: Engine) -> Core:
    return Core(engine=engine, store=MemoryStore())


# -- Slack -------------------------------------------------------------------------------------


@pytest.fixture
async def fake_slack() -> AsyncIterator[Any]:
    from fakes.slack import FakeSlack

    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()
    assert fake.unhandled == [], f"requests the Slack stand-in does not know: {fake.unhandled}"


async def _slack_adapter(core: Core, fake: Any, mode: str) -> Any:
    from bot.adapters.slack import SlackAdapter

    cfg = SlackConfig(
        bot_token="xoxb-test-bot-token", app_token="xapp-1-test-app-token",
        signing_secret=SIGNING_SECRET if mode == "http" else "", mode=mode,
        api_base_url=fake.api_url, host="127.0.0.1", port=0,
    )
    adapter = SlackAdapter(core, cfg)
    await adapter.start()
    return adapter


@pytest.fixture
async def slack_http(core: Core, fake_slack: Any) -> AsyncIterator[Any]:
    adapter = await _slack_adapter(core, fake_slack, "http")
    yield adapter
    await adapter.stop(grace=5)


@pytest.fixture
async def slack_socket(core: Core, fake_slack: Any) -> AsyncIterator[Any]:
    import asyncio

    adapter = await asyncio.wait_for(_slack_adapter(core, fake_slack, "socket"), WAIT)
    await fake_slack.wait_connected(WAIT)
    yield adapter
    await adapter.stop(grace=5)


# -- Discord -----------------------------------------------------------------------------------


@pytest.fixture
async def fake_discord() -> AsyncIterator[Any]:
    from fakes.discord import FakeDiscord

    fake = FakeDiscord(payload("discord_guild_create.json"))
    await fake.start()
    yield fake
    await fake.stop()
    assert fake.unhandled == [], f"requests the Discord stand-in does not know: {fake.unhandled}"


@pytest.fixture
async def discord_bot(core: Core, fake_discord: Any) -> AsyncIterator[Any]:
    from bot.adapters.discord import DiscordAdapter

    cfg = DiscordConfig(
        token="test-discord-token", api_base_url=fake_discord.api_url,
        gateway_url=fake_discord.gateway_url,
    )
    adapter = DiscordAdapter(core, cfg)
    adapter.client._connection.guild_ready_timeout = 0.1  # the default 2 s only delays on_ready
    await adapter.start()
    await adapter.wait_ready(WAIT)
    yield adapter
    await adapter.stop(grace=5)
