"""Start the bot: the console (`newsbrief chat`) or the configured adapters (`newsbrief run`)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Any

from bot.config import Config, apply_models, load_config
from bot.core import Core, Engine
from bot.schedule import SCHEDULES_REREAD_S, DigestClock
from bot.store import open_store
from summarizers.errors import NewsbriefError

log = logging.getLogger("newsbrief.app")
CONNECT_TIMEOUT = 60.0  # seconds; Socket Mode retries forever on its own
# Seconds to wait at shutdown for analyses still going to the store (a dump takes milliseconds;
# one behind a long embedding a second or two). Short: `docker stop` kills after 10 s.
FLUSH_TIMEOUT = 3.0


def build_core(cfg: Config, allow_files: bool = False) -> Core:
    apply_models(cfg.models)
    return Core(
        engine=Engine(allow_files=allow_files),
        store=open_store(cfg.store.url, max_per_scope=cfg.bot.max_articles),
        max_queue=cfg.bot.max_queue,
        keep_analyses=cfg.bot.keep_analyses,
        timezone=cfg.bot.timezone,
        max_feeds=cfg.bot.max_feeds,
        digest_items=cfg.bot.digest_items,
    )


def start_clock(core: Core, reread_every: float = SCHEDULES_REREAD_S) -> DigestClock:
    """Scheduled digests, from the schedules the store kept (in a running event loop), read
    again every `reread_every` seconds for those set through other bots sharing the store."""
    clock = DigestClock(core.deliver)
    clock.start(core.store.schedules(), reread=core.store.schedules, every=reread_every)
    core.clock = clock
    return clock


def _log_level(cfg: Config) -> None:
    logger = logging.getLogger("newsbrief")
    wanted = logging.getLevelName(cfg.bot.log_level.upper())
    if logger.getEffectiveLevel() > wanted:  # never quieter than -v asked for
        logger.setLevel(wanted)


def run_console(config_path: str | None) -> int:
    """`newsbrief chat`: read commands from stdin, print replies."""
    from bot.adapters.console import chat

    cfg = load_config(config_path)
    _log_level(cfg)
    core = build_core(cfg, allow_files=True)

    async def session() -> None:
        clock = start_clock(core)
        try:
            await chat(core, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())
        finally:
            clock.shutdown()
        await core.flush(FLUSH_TIMEOUT)  # analyses on their way to the store

    try:
        asyncio.run(session())
    finally:
        core.close()
    return 0


async def _start(adapter: Any) -> None:
    """Start one adapter; on failure close what it opened and say which platform failed."""
    name = type(adapter).__name__.removesuffix("Adapter")
    try:
        await asyncio.wait_for(adapter.start(), CONNECT_TIMEOUT)
    except Exception as err:
        await adapter.stop(0)
        if isinstance(err, TimeoutError):
            raise NewsbriefError(
                f"{name}: could not connect within {CONNECT_TIMEOUT:.0f} s; check its "
                "api_base_url (and gateway_url) settings and the network."
            ) from None
        raise NewsbriefError(f"{name}: could not start: {err}") from err


async def serve(cfg: Config, stop: asyncio.Event) -> None:
    """Start every configured adapter, wait for `stop`, then shut them down in order."""
    core = build_core(cfg)
    if cfg.bot.warm_up:
        core.engine.warm_up()
    adapters: list[Any] = []
    try:
        if cfg.slack is not None:
            from bot.adapters.slack import SlackAdapter

            adapters.append(SlackAdapter(core, cfg.slack))
        if cfg.discord is not None:
            from bot.adapters.discord import DiscordAdapter

            adapters.append(DiscordAdapter(core, cfg.discord))
        started = []
        clock = None
        try:
            for adapter in adapters:
                await _start(adapter)
                started.append(adapter)
                core.posters[adapter.platform] = adapter.post
            clock = start_clock(core)
            await stop.wait()
            log.info("shutting down")
        finally:
            if clock is not None:
                clock.shutdown()
            for adapter in reversed(started):
                try:
                    await adapter.stop(cfg.bot.shutdown_grace)
                except Exception:
                    log.exception("error while stopping %s", type(adapter).__name__)
            await core.flush(FLUSH_TIMEOUT)  # analyses on their way to the store
    finally:
        core.close()


def run(config_path: str | None) -> int:
    """`newsbrief run`: the configured adapters until SIGINT/SIGTERM; the console if none is."""
    cfg = load_config(config_path)
    _log_level(cfg)
    if cfg.slack is None and cfg.discord is None:
        log.warning("no chat credentials configured (SLACK_BOT_TOKEN, DISCORD_TOKEN): console mode")
        return run_console(config_path)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(cfg, stop)

    asyncio.run(main())
    return 0
