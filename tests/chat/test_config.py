"""Configuration: defaults, the example file, secrets only from the environment, and errors that
name the key and say what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
SLACK_SOCKET = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_no_file_and_no_credentials_means_console_only(tmp_path: Path) -> None:
    for path in (None, str(tmp_path / "missing.toml")):
        cfg = load_config(path, env={})
        assert cfg.slack is None and cfg.discord is None
        assert cfg.bot.max_articles == 50


def test_example_file_documents_every_key_and_loads() -> None:
    from dataclasses import fields

    from bot.config import SECRETS, BotConfig, DiscordConfig, SlackConfig

    text = EXAMPLE.read_text(encoding="utf-8")
    for section, cls in (("bot", BotConfig), ("slack", SlackConfig), ("discord", DiscordConfig)):
        assert f"[{section}]" in text
        for f in fields(cls):
            assert (f"\n{f.name} =" in text) != (f.name in SECRETS), f"{section}.{f.name}"
    for env_name in SECRETS.values():
        assert env_name in text
    cfg = load_config(str(EXAMPLE), env={**SLACK_SOCKET, "DISCORD_TOKEN": "d"})
    assert cfg.slack.mode == "socket" and cfg.slack.bot_token == "xoxb-1"
    assert cfg.discord.token == "d" and cfg.discord.gateway_url == "wss://gateway.discord.gg/"
    assert load_config(str(EXAMPLE), env={}).slack is None


def test_http_mode_when_there_is_no_app_token(tmp_path: Path) -> None:
    cfg = load_config(
        write(tmp_path, '[slack]\nport = 8080\napi_base_url = "http://127.0.0.1:9/api"\n'),
        env={"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"},
    )
    assert (cfg.slack.mode, cfg.slack.port) == ("http", 8080)
    assert cfg.slack.api_base_url == "http://127.0.0.1:9/api/"  # slack_sdk needs the slash


def test_disabled_adapter_stays_off_even_with_credentials(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "[slack]\nenabled = false\n"), env=SLACK_SOCKET)
    assert cfg.slack is None


@pytest.mark.parametrize(
    ("text", "env", "names"),
    [
        ('[slack]\nbot_token = "xoxb-1"\n', {}, ["slack.bot_token", "SLACK_BOT_TOKEN"]),
        ('[discord]\ntoken = "abc"\n', {}, ["discord.token", "DISCORD_TOKEN"]),
        ("[slack]\nprot = 3000\n", {}, ["slack.prot", "unknown key", "port"]),
        ('[slack]\nport = "3000"\n', SLACK_SOCKET, ["slack.port", "expected int"]),
        ("[slack]\nport = 70000\n", SLACK_SOCKET, ["slack.port", "not a TCP port"]),
        ('[slack]\nmode = "websocket"\n', SLACK_SOCKET, ["slack.mode", "websocket"]),
        ("[slack]\nenabled = true\n", {}, ["SLACK_BOT_TOKEN", "not set"]),
        ('[slack]\nenabled = "yes"\n', {}, ["slack.enabled"]),
        ("", {"SLACK_BOT_TOKEN": "xoxp-user"}, ["SLACK_BOT_TOKEN", "xoxb-"]),
        ("", {"SLACK_BOT_TOKEN": "xoxb-1"}, ["SLACK_SIGNING_SECRET"]),
        ('[slack]\nmode = "socket"\n', {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"},
         ["SLACK_APP_TOKEN", "xapp-"]),
        ('[slack]\napi_base_url = "slack.com/api"\n', SLACK_SOCKET, ["slack.api_base_url"]),
        ('[discord]\ngateway_url = "https://gateway.discord.gg"\n', {"DISCORD_TOKEN": "d"},
         ["discord.gateway_url", "ws or wss"]),
        ('[discord]\nguild_ids = ["123"]\n', {"DISCORD_TOKEN": "d"}, ["discord.guild_ids"]),
        ("[discord]\nenabled = true\n", {}, ["DISCORD_TOKEN"]),
        ("[bot]\nmax_articles = 0\n", {}, ["bot.max_articles", "at least 1"]),
        ("[bot]\nmax_feeds = 0\n", {}, ["bot.max_feeds", "at least 1", "got 0"]),
        ("[bot]\ndigest_items = 0\n", {}, ["bot.digest_items", "at least 1", "got 0"]),
        ("[bot]\ndigest_items = -3\n", {}, ["bot.digest_items", "at least 1", "got -3"]),
        ('[bot]\nmax_feeds = "20"\n', {}, ["bot.max_feeds", "expected int"]),
        ('[bot]\ntimezone = "Mars/Olympus"\n', {},
         ["bot.timezone", "'Mars/Olympus'", "Europe/London"]),
        ('[bot]\ntimezone = "London"\n', {}, ["bot.timezone", "'London'", "Europe/London"]),
        ('[bot]\ntimezone = ""\n', {}, ["bot.timezone", "not a time zone"]),
        ("[bot]\ntimezone = 1\n", {}, ["bot.timezone", "expected str"]),
        ('[bot]\nlog_level = "LOUD"\n', {}, ["bot.log_level"]),
        ("[bot]\nshutdown_grace = -1\n", {}, ["bot.shutdown_grace"]),
        ("[telegram]\ntoken = 1\n", {}, ["telegram", "unknown section"]),
        ("[bot\n", {}, ["not valid TOML"]),
    ],
)
def test_errors_name_the_key_and_say_what_is_wrong(
    tmp_path: Path, text: str, env: dict[str, str], names: list[str]
) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), env=env)
    for name in names:
        assert name in str(err.value)


@pytest.mark.parametrize("zone", ["Europe/London", "UTC", "America/New_York"])
def test_a_time_zone_by_its_iana_name_is_taken(tmp_path: Path, zone: str) -> None:
    cfg = load_config(write(tmp_path, f'[bot]\ntimezone = "{zone}"\n'), env={})
    assert cfg.bot.timezone == zone


def test_feeds_and_digests_have_defaults_and_take_any_positive_number(tmp_path: Path) -> None:
    cfg = load_config(None, env={})
    assert (cfg.bot.timezone, cfg.bot.max_feeds, cfg.bot.digest_items) == ("UTC", 20, 20)
    cfg = load_config(write(tmp_path, "[bot]\nmax_feeds = 1\ndigest_items = 1\n"), env={})
    assert (cfg.bot.max_feeds, cfg.bot.digest_items) == (1, 1)


def test_a_region_that_is_no_time_zone_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="bot.timezone"):
        load_config(write(tmp_path, '[bot]\ntimezone = "America/Argentina"\n'), env={})
