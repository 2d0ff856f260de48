"""What the bot remembers: every briefed article, per channel and per workspace/guild.

A store keeps articles (text and what is known about them), not analyses: an analysis holds spaCy
Docs and vectors, which take a fraction of a second to rebuild from the text and would be large
and version-bound to serialise. `Core` keeps the analyses it built in memory and rebuilds one from
the stored article only when the store has outlived it (after a restart).

Backends, chosen by `open_store(url)`:
- `sqlite:///path/to/articles.db`: the default, one file (`DEFAULT_SQLITE_PATH`);
- `postgresql://user@host/db`: several bot processes share one database (needs psycopg, a
  dependency); put a password in NEWSBRIEF_DATABASE_URL, never in the config file;
- `memory`: kept for the process's life only.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

from summarizers.article import Article
from summarizers.errors import NewsbriefError

log = logging.getLogger("newsbrief.store")
T = TypeVar("T")

DEFAULT_SQLITE_PATH = (
    Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    / "newsbrief"
    / "articles.db"
)
SCHEMES = ("sqlite", "postgresql", "postgres", "memory")


class StoreError(NewsbriefError):
    """The article store cannot be opened or used."""


@dataclass(frozen=True)
class Conversation:
    """Where a command came from. `team` is the Slack workspace or Discord guild."""

    platform: str
    team: str
    channel: str
    user: str = ""
    private: bool = False  # a direct message: what is briefed here is not shared workspace-wide

    def __str__(self) -> str:
        return f"{self.platform}:{self.team}/{self.channel}"


class ArticleStore(Protocol):
    def remember(self, where: Conversation, article: Article) -> None: ...

    def recall(self, where: Conversation) -> list[Article]:
        """Articles to answer from: the channel's, else the workspace's; newest first."""
        ...

    def close(self) -> None: ...


# The workspace-wide scope is stored as channel "" (no platform has a channel with that id).
_WORKSPACE = ""


def _scopes(where: Conversation) -> list[str]:
    """Channels an article briefed here is remembered under: this one, and the workspace unless
    it was briefed in private."""
    return [where.channel] if where.private else [where.channel, _WORKSPACE]


class MemoryStore:
    """Bounded per scope, so a busy workspace cannot grow memory without end."""

    def __init__(self, max_per_scope: int = 50) -> None:
        self.max_per_scope = max_per_scope
        self._scopes: dict[tuple[str, str, str], OrderedDict[str, Article]] = {}
        self._lock = threading.Lock()  # the bot calls stores from worker threads

    def remember(self, where: Conversation, article: Article) -> None:
        with self._lock:
            self._remember(where, article)

    def _remember(self, where: Conversation, article: Article) -> None:
        for channel in _scopes(where):
            scope = self._scopes.setdefault((where.platform, where.team, channel), OrderedDict())
            scope.pop(article.id, None)  # the same article briefed again moves to the front
            scope[article.id] = article
            while len(scope) > self.max_per_scope:
                scope.popitem(last=False)

    def recall(self, where: Conversation) -> list[Article]:
        with self._lock:
            for channel in (where.channel, _WORKSPACE):
                scope = self._scopes.get((where.platform, where.team, channel))
                if scope:
                    return list(reversed(scope.values()))
            return []

    def close(self) -> None:
        pass


_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS articles (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        source TEXT NOT NULL,
        url TEXT NOT NULL,
        byline TEXT NOT NULL,
        published TEXT NOT NULL,
        extra TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS briefed (
        platform TEXT NOT NULL,
        team TEXT NOT NULL,
        channel TEXT NOT NULL,
        article_id TEXT NOT NULL REFERENCES articles (id),
        briefed_at BIGINT NOT NULL,
        PRIMARY KEY (platform, team, channel, article_id)
    )""",
    "CREATE INDEX IF NOT EXISTS briefed_article ON briefed (article_id)",
)
_ARTICLE_COLUMNS = "id, title, body, source, url, byline, published, extra"


class SQLStore:
    """Articles in SQLite or PostgreSQL, bounded per scope like `MemoryStore`.

    One connection, used by one thread at a time (the bot calls the store from worker threads).
    The same SQL serves both databases; only the parameter marks differ ("?" against "%s").
    """

    def __init__(self, url: str, max_per_scope: int = 50) -> None:
        self.url = url
        self.max_per_scope = max_per_scope
        self.postgres = urlsplit(url).scheme in ("postgresql", "postgres")
        self._lock = threading.Lock()
        self._conn: Any = None
        self._last_stamp = 0
        self._run(lambda cur: [cur.execute(statement) for statement in _SCHEMA])

    # -- connection --------------------------------------------------------------------------
    def _connect(self) -> Any:
        try:
            if self.postgres:
                import psycopg

                return psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            path = sqlite_path(self.url)
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")  # readers do not wait for a writer
            return conn
        except Exception as err:
            raise StoreError(
                f"Could not open the article store at {redacted(self.url)}: "
                f"{redacted(str(err).strip(), self.url)}"
            ) from None

    def _run(self, work: Callable[[Any], T]) -> T:
        """`work(cursor)` in one transaction. A PostgreSQL connection that broke (a server
        restart) is opened again once."""
        with self._lock:
            for attempt in (1, 2):
                if self._conn is None:
                    self._conn = self._connect()
                try:
                    if self.postgres:
                        with self._conn.transaction(), self._conn.cursor() as cur:
                            return work(_Cursor(cur))
                    with self._conn:  # commits, or rolls back on an exception
                        return work(_Cursor(self._conn.cursor(), qmark=True))
                except Exception as err:
                    if self.postgres and attempt == 1 and self._conn.closed:
                        log.warning("article store connection lost; opening it again")
                        self._conn = None
                        continue
                    raise StoreError(
                        "The article store failed: " + redacted(str(err).strip(), self.url)
                    ) from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- the store ---------------------------------------------------------------------------
    def _stamp(self) -> int:
        """Briefing time in ns, strictly increasing within this process (order = recency)."""
        self._last_stamp = max(time.time_ns(), self._last_stamp + 1)
        return self._last_stamp

    def remember(self, where: Conversation, article: Article) -> None:
        stamp = self._stamp()
        row = (article.id, article.title, article.body, article.source, article.url,
               article.byline, article.date, json.dumps(article.extra))

        def work(cur: _Cursor) -> None:
            cur.execute(
                f"INSERT INTO articles ({_ARTICLE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO NOTHING", row,
            )
            for channel in _scopes(where):
                scope = (where.platform, where.team, channel)
                cur.execute(
                    "INSERT INTO briefed (platform, team, channel, article_id, briefed_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, team, channel, article_id) "
                    "DO UPDATE SET briefed_at = excluded.briefed_at",
                    (*scope, article.id, stamp),
                )
                # Keep the newest max_per_scope: drop what is older than the last one kept.
                cur.execute(
                    "DELETE FROM briefed WHERE platform = ? AND team = ? AND channel = ? "
                    "AND briefed_at < (SELECT briefed_at FROM briefed WHERE platform = ? "
                    "AND team = ? AND channel = ? ORDER BY briefed_at DESC LIMIT 1 OFFSET ?)",
                    (*scope, *scope, self.max_per_scope - 1),
                )
            cur.execute(
                "DELETE FROM articles WHERE NOT EXISTS "
                "(SELECT 1 FROM briefed WHERE briefed.article_id = articles.id)"
            )

        self._run(work)

    def recall(self, where: Conversation) -> list[Article]:
        def work(cur: _Cursor) -> list[Article]:
            for channel in (where.channel, _WORKSPACE):
                cur.execute(
                    f"SELECT {', '.join('a.' + c for c in _ARTICLE_COLUMNS.split(', '))} "
                    "FROM briefed b JOIN articles a ON a.id = b.article_id "
                    "WHERE b.platform = ? AND b.team = ? AND b.channel = ? "
                    "ORDER BY b.briefed_at DESC LIMIT ?",
                    (where.platform, where.team, channel, self.max_per_scope),
                )
                rows = cur.fetchall()
                if rows:
                    return [_article(row) for row in rows]
            return []

        return self._run(work)


class _Cursor:
    """A DB-API cursor that takes "?" parameter marks on either database."""

    def __init__(self, cursor: Any, qmark: bool = False) -> None:
        self._cursor = cursor
        self._qmark = qmark

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        self._cursor.execute(sql if self._qmark else sql.replace("?", "%s"), params)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self._cursor.fetchall())


def _article(row: tuple[Any, ...]) -> Article:
    _, title, body, source, url, byline, published, extra = row
    return Article(body=body, title=title, source=source, url=url, byline=byline,
                   date=published, extra=json.loads(extra))


def sqlite_path(url: str) -> str:
    """The file of a sqlite: URL ("sqlite:///rel.db", "sqlite:////abs.db", "sqlite:///:memory:")."""
    rest = url.split(":", 1)[1]
    if not rest.startswith("///"):
        raise StoreError(f"store.url: {url} is not a SQLite URL like sqlite:///path/to/articles.db")
    return rest[3:]


def redacted(text: str, url: str | None = None) -> str:
    """`text` with the password of a database URL in it (or of `url`) replaced by ***."""
    def hide(match: re.Match[str]) -> str:
        parts = urlsplit(match.group(0))
        if parts.password is None:
            return match.group(0)
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))

    out = re.sub(r"\b[a-z][a-z0-9+.-]*://[^\s'\"]+", hide, text)
    password = urlsplit(url).password if url else None
    return out.replace(password, "***") if password else out


def check_url(url: str) -> str:
    """The URL of the store to open ("" = the default SQLite file), if it names one."""
    url = url or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    scheme = urlsplit(url).scheme if "://" in url else url
    if scheme not in SCHEMES:
        raise StoreError(
            f"store.url: {redacted(url)} is not a store; use sqlite:///path/to/articles.db, "
            "postgresql://user@host/db or memory."
        )
    if scheme == "sqlite":
        sqlite_path(url)
    return url


def open_store(url: str, max_per_scope: int = 50) -> ArticleStore:
    """The store a URL names ("" = the default SQLite file); see the module docstring."""
    url = check_url(url)
    if url == "memory":
        return MemoryStore(max_per_scope)
    store = SQLStore(url, max_per_scope)
    log.info("articles are kept in %s", redacted(url))
    return store
