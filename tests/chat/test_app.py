"""`newsbrief run` as a real process: starts the configured adapters against the local stand-ins,
runs until SIGTERM or SIGINT, shuts down cleanly; with no credentials it is the console."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from fakes import WAIT

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    return {**env, **extra}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_run_starts_both_adapters_and_stops_cleanly_on_signal(
    tmp_path: Path, fake_slack: Any, fake_discord: Any, sig: signal.Signals
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[bot]\nwarm_up = false\nshutdown_grace = 2\n"
        f'[slack]\napi_base_url = "{fake_slack.api_url}"\n'
        f'[discord]\napi_base_url = "{fake_discord.api_url}"\n'
        f'gateway_url = "{fake_discord.gateway_url}"\n',
        encoding="utf-8",
    )
    env = _env(SLACK_BOT_TOKEN="xoxb-test-bot-token", SLACK_APP_TOKEN="xapp-1-test-app-token",
               DISCORD_TOKEN="test-discord-token")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake_slack.wait_connected(WAIT)
        await fake_discord.wait_request("PUT", "/applications/", WAIT)  # commands synced
        await fake_discord.wait_identified(WAIT)  # and on the gateway
        proc.send_signal(sig)
        _, stderr = await asyncio.wait_for(proc.communicate(), WAIT)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr and b"Unclosed" not in stderr, stderr.decode()


async def test_run_without_credentials_is_the_console(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=_env(),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(b"help\n"), WAIT)
    assert proc.returncode == 0, stderr.decode()
    assert b"brief <link or pasted text>" in stdout


async def test_run_with_a_bad_config_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[slack]\nbot_token = "xoxb-oops"\n', encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT, env=_env(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), WAIT)
    assert proc.returncode == 2
    assert "slack.bot_token" in stderr.decode() and "SLACK_BOT_TOKEN" in stderr.decode()


async def test_run_with_a_rejected_discord_token_says_so(
    tmp_path: Path, fake_discord: Any
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[bot]\nwarm_up = false\n[discord]\napi_base_url = "{fake_discord.api_url}"\n'
        f'gateway_url = "{fake_discord.gateway_url}"\n',
        encoding="utf-8",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT,
        env=_env(DISCORD_TOKEN="revoked-token"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), WAIT)
    assert proc.returncode == 2, stderr.decode()
    assert "newsbrief: Discord: could not start: Improper token" in stderr.decode()
    assert b"Traceback" not in stderr and b"Unclosed" not in stderr, stderr.decode()
