"""What the bot remembers: every briefed article, per channel and per workspace/guild.

A store keeps articles (text and what is known about them) and, beside each, the bytes of its
parses and sentence vectors (`summarizers.analysis.dump_analysis`) under a key naming the models
that made them. `Core` keeps analyses in memory; when the store has outlived one (a restart) it
reads the bytes back if their key fits the models running, else it analyses the text again.

Backends, chosen by `open_store(url)`:
- `sqlite:///path/to/articles.db`: the default, one file (`default_sqlite_path()`);
- `postgresql://user@host/db`: several bot processes share one database (needs psycopg, a
  dependency); put a password in NEWSBRIEF_DATABASE_URL, never in the config file;
- `memory`: kept for the process's life only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlsplit

from summarizers.article import Article
from summarizers.errors import NewsbriefError

log = logging.getLogger("newsbrief.store")
T = TypeVar("T")

_POSTGRES = ("postgresql", "postgres")
# One key for every newsbrief process on a database: writers and schema creation take turns.
_PG_LOCK_KEY = 0x6E657773  # "news"
_PG_TIMEOUT_MS = 30_000  # a query or an unanswered packet this long fails instead of hanging
_SQLITE_BUSY_S = 30  # how long a SQLite writer waits for another to finish


def default_sqlite_path() -> Path:
    """articles.db under $XDG_DATA_HOME/newsbrief (default ~/.local/share/newsbrief)."""
    data = Path(os.environ.get("XDG_DATA_HOME") or "")
    if not data.is_absolute():  # the XDG spec: a relative value is to be ignored
        data = Path.home() / ".local" / "share"
    return data / "newsbrief" / "articles.db"


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

    def keep_parsed(self, article_id: str, models: str, data: bytes) -> None:
        """Keep an article's parses and vectors (`summarizers.analysis.dump_analysis`), made
        with `models`, so a restarted bot need not make them again."""
        ...

    def parsed(self, article_id: str, models: str) -> bytes | None:
        """What `keep_parsed` kept for the article with these models, if anything."""
        ...

    # -- feeds a channel follows, its digest schedule, what its digests have carried --------
    def follow(self, where: Conversation, feed_url: str) -> bool:
        """Follow a feed in this channel; False if it already did."""
        ...

    def unfollow(self, where: Conversation, feed_url: str) -> bool:
        """Stop following; False if it did not follow that feed."""
        ...

    def follows(self, where: Conversation) -> list[str]:
        """The feeds this channel follows, in the order they were followed."""
        ...

    def set_schedule(self, where: Conversation, schedule: Schedule | None) -> None:
        """The channel's digest schedule, or None to stop it."""
        ...

    def schedule(self, where: Conversation) -> Schedule | None:
        """The channel's digest schedule, if it has one."""
        ...

    def schedules(self) -> list[tuple[Conversation, Schedule]]:
        """Every channel's digest schedule (what a starting bot sets its clock by)."""
        ...

    def delivered(self, where: Conversation, keys: list[str]) -> set[str]:
        """Which of these feed entries (`entry_key`) a digest here has carried already."""
        ...

    def mark_delivered(self, where: Conversation, keys: list[str]) -> None:
        """These entries reached the channel (any hold on them ends)."""
        ...

    def held(self, where: Conversation, keys: list[str],
             ignoring: tuple[str, ...] = ()) -> set[str]:
        """Which of these entries a digest on its way here holds, in this process or another
        (but the digests `ignoring`)."""
        ...

    def hold(self, where: Conversation, keys: list[str], seconds: float,
             holder: str, adopting: str | None = None) -> dict[str, int]:
        """Take up entries for the digest `holder` (an id of its own) here, in one step across
        processes: of these, each neither delivered nor held by another digest is held for
        `seconds` from now (or until `mark_delivered` or `release`); one it holds already is
        held anew, and so is one the digest `adopting` holds (a run whose bot died). The ones
        it holds, each with how many digests left it for later."""
        ...

    def release(self, where: Conversation, keys: list[str], holder: str,
                for_later: bool = False) -> None:
        """Let go of entries `holder` holds (not those another digest took since): the digest
        did not reach the channel. `for_later`: each was left out to be tried at a later
        digest, which counts."""
        ...

    def claim_run(self, where: Conversation, seen: Schedule, holder: str, until: int) -> bool:
        """Take the channel's scheduled run for `holder` (a new id for each run) until `until`
        (seconds since the epoch), if its schedule is still as `seen` (same last run, same run
        under way) and no run is under way or the one under way has lapsed (its bot died): of
        the bots sharing a store, the one that does runs the digest due. True again for a
        claim already made (a write repeated after a dropped connection)."""
        ...

    def renew_run(self, where: Conversation, holder: str, until: int) -> bool:
        """Keep the run `holder` took until `until`, if it is still its own: False when it
        lapsed and another bot took it over, or the schedule was stopped."""
        ...

    def end_run(self, where: Conversation, holder: str, ran: int | None) -> None:
        """The run `holder` holds is over: ran at `ran` (the schedule's last run, never moved
        back), or given back (None: still due, for the next bot to make)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Schedule:
    """When a channel gets its digest: a five-field crontab line in an IANA time zone."""

    cron: str
    timezone: str
    # When its digest last ran (seconds since the epoch; set with the schedule, then by each
    # run): a bot that starts after a due time makes that digest up. Not part of what it is.
    last_run: int | None = field(default=None, compare=False)
    # The digest run under way, if any: the id its digest holds entries by, and until when its
    # bot keeps it (renewed while it works). Past that the bot died: the run is anyone's.
    run_holder: str | None = field(default=None, compare=False)
    run_until: int | None = field(default=None, compare=False)

    def lapsed_run(self, now: float) -> bool:
        """Did a bot die making this schedule's run (taken, and not kept since)?"""
        return self.run_until is not None and self.run_until < int(now)  # whole seconds, as SQL


def entry_key(feed_url: str, entry_id: str) -> str:
    """One feed entry, whatever its id looks like: a fixed-length key."""
    return hashlib.sha1(f"{feed_url}\n{entry_id}".encode()).hexdigest()


# A channel's delivered entries are kept this long: far longer than any feed keeps an entry.
DELIVERED_DAYS = 90


# The workspace-wide scope is stored as channel "" (no platform has a channel with that id).
_WORKSPACE = ""


def _scopes(where: Conversation) -> list[str]:
    """Channels an article briefed here is remembered under: this one, and the workspace unless
    it was briefed in private."""
    return [where.channel] if where.private else [where.channel, _WORKSPACE]


def channel_key(where: Conversation) -> tuple[str, str, str]:
    """The channel a conversation is in, whoever speaks: what follows, schedules and digests
    are kept by."""
    return (where.platform, where.team, where.channel)


def _asked(where: Conversation) -> tuple[str, str]:
    """Channels a question here is answered from, in order: this one, else the workspace."""
    return (where.channel, _WORKSPACE)


class MemoryStore:
    """Bounded per scope, so a busy workspace cannot grow memory without end."""

    def __init__(self, max_per_scope: int = 50) -> None:
        self.max_per_scope = max_per_scope
        self._scopes: dict[tuple[str, str, str], OrderedDict[str, Article]] = {}
        self._follows: dict[tuple[str, str, str], list[str]] = {}
        self._schedules: dict[tuple[str, str, str], tuple[Conversation, Schedule]] = {}
        self._delivered: dict[tuple[str, str, str], set[str]] = {}
        # Per channel: entry key -> [held until (epoch seconds), times left for later, holder].
        self._pending: dict[tuple[str, str, str], dict[str, list[Any]]] = {}
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
            for channel in _asked(where):
                scope = self._scopes.get((where.platform, where.team, channel))
                if scope:
                    return list(reversed(scope.values()))
            return []

    def keep_parsed(self, article_id: str, models: str, data: bytes) -> None:
        pass  # the analyses themselves live as long as this store: nothing to gain

    def parsed(self, article_id: str, models: str) -> bytes | None:
        return None

    def follow(self, where: Conversation, feed_url: str) -> bool:
        with self._lock:
            feeds = self._follows.setdefault(channel_key(where), [])
            if feed_url in feeds:
                return False
            feeds.append(feed_url)
            return True

    def unfollow(self, where: Conversation, feed_url: str) -> bool:
        with self._lock:
            feeds = self._follows.get(channel_key(where), [])
            if feed_url not in feeds:
                return False
            feeds.remove(feed_url)
            return True

    def follows(self, where: Conversation) -> list[str]:
        with self._lock:
            return list(self._follows.get(channel_key(where), []))

    def set_schedule(self, where: Conversation, schedule: Schedule | None) -> None:
        with self._lock:
            kept = self._schedules.pop(channel_key(where), None)
            if schedule is not None:  # kept as the SQL stores keep it: the channel, no user,
                running = kept[1] if kept else Schedule("", "")  # and the run under way
                self._schedules[channel_key(where)] = (replace(where, user=""), replace(
                    schedule, last_run=int(time.time()), run_holder=running.run_holder,
                    run_until=running.run_until))

    def claim_run(self, where: Conversation, seen: Schedule, holder: str, until: int) -> bool:
        with self._lock:
            kept = self._schedules.get(channel_key(where))
            if kept is not None and kept[1].run_holder == holder:
                return True
            if kept is None or (kept[1].last_run, kept[1].run_until) != (
                    seen.last_run, seen.run_until) or (
                    kept[1].run_until is not None and not kept[1].lapsed_run(time.time())):
                return False
            self._schedules[channel_key(where)] = (
                kept[0], replace(kept[1], run_holder=holder, run_until=until))
            return True

    def renew_run(self, where: Conversation, holder: str, until: int) -> bool:
        with self._lock:
            kept = self._schedules.get(channel_key(where))
            if kept is None or kept[1].run_holder != holder:
                return False
            self._schedules[channel_key(where)] = (kept[0], replace(kept[1], run_until=until))
            return True

    def end_run(self, where: Conversation, holder: str, ran: int | None) -> None:
        with self._lock:
            kept = self._schedules.get(channel_key(where))
            if kept is None or kept[1].run_holder != holder:
                return
            last = kept[1].last_run if ran is None else max(ran, kept[1].last_run or ran)
            self._schedules[channel_key(where)] = (kept[0], replace(
                kept[1], last_run=last, run_holder=None, run_until=None))

    def schedule(self, where: Conversation) -> Schedule | None:
        with self._lock:
            kept = self._schedules.get(channel_key(where))
            return kept[1] if kept else None

    def schedules(self) -> list[tuple[Conversation, Schedule]]:
        with self._lock:
            return list(self._schedules.values())

    def delivered(self, where: Conversation, keys: list[str]) -> set[str]:
        with self._lock:
            return set(keys) & self._delivered.get(channel_key(where), set())

    def mark_delivered(self, where: Conversation, keys: list[str]) -> None:
        with self._lock:
            self._delivered.setdefault(channel_key(where), set()).update(keys)
            pending = self._pending.get(channel_key(where), {})
            for key in keys:
                pending.pop(key, None)

    def held(self, where: Conversation, keys: list[str],
             ignoring: tuple[str, ...] = ()) -> set[str]:
        now = time.time()
        with self._lock:
            pending = self._pending.get(channel_key(where), {})
            return {k for k in keys if k in pending and pending[k][0] > now
                    and pending[k][2] not in ignoring}

    def hold(self, where: Conversation, keys: list[str], seconds: float,
             holder: str, adopting: str | None = None) -> dict[str, int]:
        now = time.time()
        with self._lock:
            done = self._delivered.get(channel_key(where), set())
            pending = self._pending.setdefault(channel_key(where), {})
            taken = {}
            for key in dict.fromkeys(keys):
                if key in done:
                    continue
                state = pending.setdefault(key, [0, 0, ""])
                if state[0] > now and state[2] not in (holder, adopting):
                    continue
                state[0], state[2] = int(now + seconds), holder  # whole seconds, as in SQL
                taken[key] = int(state[1])
            return taken

    def release(self, where: Conversation, keys: list[str], holder: str,
                for_later: bool = False) -> None:
        with self._lock:
            pending = self._pending.get(channel_key(where), {})
            for key in keys:
                if key in pending and pending[key][2] == holder:
                    pending[key][0] = 0
                    pending[key][1] += int(for_later)

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
    # BYTEA: PostgreSQL's bytes; SQLite keeps bytes as they are under any declared type.
    """CREATE TABLE IF NOT EXISTS parsed (
        article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
        models TEXT NOT NULL,
        data BYTEA NOT NULL
    )""",
)
_ARTICLE_COLUMNS = "id, title, body, source, url, byline, published, extra"

# The schema's version, kept in the database. _SCHEMA above is version 1 (stores made before the
# version was kept have exactly it). A change to the tables bumps SCHEMA_VERSION and adds the
# statements that bring the previous version up to it under _MIGRATIONS[new version].
SCHEMA_VERSION = 5
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (  # feeds, digest schedules, and what digests have carried
        """CREATE TABLE IF NOT EXISTS follows (
            platform TEXT NOT NULL,
            team TEXT NOT NULL,
            channel TEXT NOT NULL,
            feed_url TEXT NOT NULL,
            followed_at BIGINT NOT NULL,
            PRIMARY KEY (platform, team, channel, feed_url)
        )""",
        """CREATE TABLE IF NOT EXISTS schedules (
            platform TEXT NOT NULL,
            team TEXT NOT NULL,
            channel TEXT NOT NULL,
            private INTEGER NOT NULL,
            cron TEXT NOT NULL,
            timezone TEXT NOT NULL,
            PRIMARY KEY (platform, team, channel)
        )""",
        """CREATE TABLE IF NOT EXISTS delivered (
            platform TEXT NOT NULL,
            team TEXT NOT NULL,
            channel TEXT NOT NULL,
            entry_key TEXT NOT NULL,
            delivered_at BIGINT NOT NULL,
            PRIMARY KEY (platform, team, channel, entry_key)
        )""",
    ),
    3: (  # digests shared by processes: entries on their way or left for later; missed runs
        """CREATE TABLE IF NOT EXISTS pending (
            platform TEXT NOT NULL,
            team TEXT NOT NULL,
            channel TEXT NOT NULL,
            entry_key TEXT NOT NULL,
            held_until BIGINT NOT NULL,
            tries INTEGER NOT NULL,
            changed_at BIGINT NOT NULL,
            PRIMARY KEY (platform, team, channel, entry_key)
        )""",
        "ALTER TABLE schedules ADD COLUMN last_run BIGINT",
    ),
    4: (),  # which digest holds an entry: pending.holder (see _create_or_upgrade)
    5: (  # the scheduled run under way, so one whose bot died is made by another or at restart
        "ALTER TABLE schedules ADD COLUMN run_holder TEXT",
        "ALTER TABLE schedules ADD COLUMN run_until BIGINT",
    ),
}


class SQLStore:
    """Articles in SQLite or PostgreSQL, bounded per scope like `MemoryStore`.

    One connection, used by one thread at a time (the bot calls the store from worker threads).
    The same SQL serves both databases; only the parameter marks differ ("?" against "%s").
    Recency is a counter per scope kept in the database, not a clock: processes sharing a
    database, or a clock set back, cannot reorder what was briefed.
    """

    def __init__(self, url: str, max_per_scope: int = 50) -> None:
        self.url = url
        self.max_per_scope = max_per_scope
        self.postgres = urlsplit(url).scheme in _POSTGRES
        self._lock = threading.Lock()
        self._conn: Any = None

        self._run(self._create_or_upgrade)

    def _create_or_upgrade(self, cur: _Cursor) -> None:
        """The tables at SCHEMA_VERSION: made, or brought up from an older version in order. A
        store a newer newsbrief has changed is left alone, with an error that says so."""
        self._take_turns(cur)  # concurrent CREATE ... IF NOT EXISTS collide in PostgreSQL
        cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        cur.execute("SELECT version FROM schema_version")
        rows = cur.fetchall()
        version = int(rows[0][0]) if rows else 1
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"The article store at {describe(self.url)} was changed by a newer newsbrief "
                f"(schema version {version}; this one knows up to {SCHEMA_VERSION}). Upgrade "
                "newsbrief, or point it at another store."
            )
        for statement in _SCHEMA:
            cur.execute(statement)
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in _MIGRATIONS[step]:
                cur.execute(statement)
            # A build of main for a while made version 3 with it already.
            if step == 4 and not self._has_column(cur, "pending", "holder"):
                cur.execute("ALTER TABLE pending ADD COLUMN holder TEXT NOT NULL DEFAULT ''")
        # Schedules kept from before their last run was (version 2, and the first version 3)
        # run from now on, as if just set.
        cur.execute("UPDATE schedules SET last_run = ? WHERE last_run IS NULL",
                    (int(time.time()),))
        if not rows:
            cur.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        elif version < SCHEMA_VERSION:
            cur.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))

    def _has_column(self, cur: _Cursor, table: str, column: str) -> bool:
        if self.postgres:
            cur.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = "
                        "current_schema() AND table_name = ? AND column_name = ?", (table, column))
            return bool(cur.fetchall())
        cur.execute(f"PRAGMA table_info({table})")
        return any(row[1] == column for row in cur.fetchall())

    # -- connection --------------------------------------------------------------------------
    def _connect(self) -> Any:
        try:
            if self.postgres:
                import psycopg

                # Defaults for what the URL does not set itself.
                params = _postgres_params(self.url)
                defaults = {"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 30,
                            "tcp_user_timeout": _PG_TIMEOUT_MS}
                conn = psycopg.connect(
                    self.url, autocommit=True,
                    **{k: v for k, v in defaults.items() if k not in params},
                )
                # The counter and the advisory lock assume each statement sees the latest
                # commits, whatever default isolation the database or role was given.
                conn.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
                for setting, ms in (("statement_timeout", _PG_TIMEOUT_MS),
                                    ("idle_in_transaction_session_timeout", 2 * _PG_TIMEOUT_MS)):
                    if setting not in params.get("options", ""):
                        conn.execute(f"SET {setting} = {ms}")
                return conn
            path = sqlite_path(self.url)
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=_SQLITE_BUSY_S, check_same_thread=False)
            _use_wal(conn)
            conn.execute("PRAGMA foreign_keys=ON")  # SQLite checks them only when asked
            return conn
        except Exception as err:
            raise StoreError(
                f"Could not open the article store at {describe(self.url)}: "
                f"{scrub(str(err).strip(), self.url)}"
            ) from None

    def _run(self, work: Callable[[_Cursor], T]) -> T:
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
                except StoreError:
                    raise
                except Exception as err:
                    if self.postgres and attempt == 1 and self._conn.closed:
                        log.warning("article store connection lost; opening it again")
                        self._conn = None
                        continue
                    raise StoreError(
                        "The article store failed: " + scrub(str(err).strip(), self.url)
                    ) from None
        raise AssertionError("unreachable")

    def _take_turns(self, cur: _Cursor) -> None:
        """One writer at a time across processes, until the transaction ends: an article
        briefed in one process while another drops it would otherwise break the foreign key or
        deadlock, and two processes could both upgrade the schema. PostgreSQL: an advisory lock.
        SQLite: its write lock, taken at the start (it would otherwise be taken at the first
        write, after the schema version was read; and tables are made outside a transaction)."""
        if self.postgres:
            cur.execute("SELECT pg_advisory_xact_lock(?)", (_PG_LOCK_KEY,))
        elif not self._conn.in_transaction:
            cur.execute("BEGIN IMMEDIATE")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- the store ---------------------------------------------------------------------------
    def remember(self, where: Conversation, article: Article) -> None:
        row = (article.id, article.title, article.body, article.source, article.url,
               article.byline, article.date, json.dumps(article.extra))

        def work(cur: _Cursor) -> None:
            self._take_turns(cur)
            cur.execute(
                f"INSERT INTO articles ({_ARTICLE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO NOTHING", row,
            )
            for channel in _scopes(where):
                scope = (where.platform, where.team, channel)
                # The scope's next number: newer briefings have larger ones.
                cur.execute(
                    "INSERT INTO briefed (platform, team, channel, article_id, briefed_at) "
                    "SELECT ?, ?, ?, ?, COALESCE(MAX(briefed_at), 0) + 1 FROM briefed "
                    "WHERE platform = ? AND team = ? AND channel = ? "
                    "ON CONFLICT (platform, team, channel, article_id) "
                    "DO UPDATE SET briefed_at = excluded.briefed_at",
                    (*scope, article.id, *scope),
                )
                # Keep the newest max_per_scope: drop what is older than the last one kept.
                cur.execute(
                    "DELETE FROM briefed WHERE platform = ? AND team = ? AND channel = ? "
                    "AND briefed_at < (SELECT briefed_at FROM briefed WHERE platform = ? "
                    "AND team = ? AND channel = ? ORDER BY briefed_at DESC LIMIT 1 OFFSET ?)",
                    (*scope, *scope, self.max_per_scope - 1),
                )
            # An article no scope holds goes, and its parsed row with it (ON DELETE CASCADE).
            cur.execute(
                "DELETE FROM articles WHERE NOT EXISTS "
                "(SELECT 1 FROM briefed WHERE briefed.article_id = articles.id)"
            )

        self._run(work)

    def keep_parsed(self, article_id: str, models: str, data: bytes) -> None:
        def work(cur: _Cursor) -> None:
            self._take_turns(cur)  # the article may be being dropped by another process
            cur.execute(
                "INSERT INTO parsed (article_id, models, data) SELECT ?, ?, ? "
                "WHERE EXISTS (SELECT 1 FROM articles WHERE id = ?) ON CONFLICT (article_id) "
                "DO UPDATE SET models = excluded.models, data = excluded.data",
                (article_id, models, data, article_id),
            )

        self._run(work)

    def parsed(self, article_id: str, models: str) -> bytes | None:
        def work(cur: _Cursor) -> bytes | None:
            cur.execute("SELECT data FROM parsed WHERE article_id = ? AND models = ?",
                        (article_id, models))
            rows = cur.fetchall()
            return bytes(rows[0][0]) if rows else None

        return self._run(work)

    def recall(self, where: Conversation) -> list[Article]:
        def work(cur: _Cursor) -> list[Article]:
            for channel in _asked(where):
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

    def follow(self, where: Conversation, feed_url: str) -> bool:
        def work(cur: _Cursor) -> bool:
            self._take_turns(cur)  # two processes must not take the same next number
            # The channel's next number keeps the order feeds were followed in.
            cur.execute(
                "INSERT INTO follows (platform, team, channel, feed_url, followed_at) "
                "SELECT ?, ?, ?, ?, COALESCE(MAX(followed_at), 0) + 1 FROM follows "
                "WHERE platform = ? AND team = ? AND channel = ? "
                "ON CONFLICT (platform, team, channel, feed_url) DO NOTHING",
                (*channel_key(where), feed_url, *channel_key(where)),
            )
            return cur.rowcount > 0

        return self._run(work)

    def unfollow(self, where: Conversation, feed_url: str) -> bool:
        def work(cur: _Cursor) -> bool:
            cur.execute("DELETE FROM follows WHERE platform = ? AND team = ? AND channel = ? "
                        "AND feed_url = ?", (*channel_key(where), feed_url))
            return cur.rowcount > 0

        return self._run(work)

    def follows(self, where: Conversation) -> list[str]:
        def work(cur: _Cursor) -> list[str]:
            cur.execute("SELECT feed_url FROM follows WHERE platform = ? AND team = ? "
                        "AND channel = ? ORDER BY followed_at", channel_key(where))
            return [row[0] for row in cur.fetchall()]

        return self._run(work)

    def set_schedule(self, where: Conversation, schedule: Schedule | None) -> None:
        def work(cur: _Cursor) -> None:
            if schedule is None:
                cur.execute("DELETE FROM schedules WHERE platform = ? AND team = ? "
                            "AND channel = ?", channel_key(where))
                return
            # One statement: processes setting the same channel at once cannot collide. A new
            # or changed schedule counts from now: nothing before it is to be made up.
            cur.execute(
                "INSERT INTO schedules (platform, team, channel, private, cron, timezone, "
                "last_run) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, team, channel) "
                "DO UPDATE SET private = excluded.private, cron = excluded.cron, "
                "timezone = excluded.timezone, last_run = excluded.last_run",
                (*channel_key(where), int(where.private), schedule.cron, schedule.timezone,
                 int(time.time())),
            )

        self._run(work)

    def claim_run(self, where: Conversation, seen: Schedule, holder: str, until: int) -> bool:
        def work(cur: _Cursor) -> bool:
            # One statement, compared and set at once. -1: none (NULL equals nothing).
            cur.execute(
                "UPDATE schedules SET run_holder = ?, run_until = ? WHERE platform = ? "
                "AND team = ? AND channel = ? AND ((COALESCE(last_run, -1) = ? "
                "AND COALESCE(run_until, -1) = ? AND COALESCE(run_until, -1) < ?) "
                "OR run_holder = ?)",
                (holder, until, *channel_key(where), _or_none(seen.last_run),
                 _or_none(seen.run_until), int(time.time()), holder))
            return cur.rowcount > 0

        return self._run(work)

    def renew_run(self, where: Conversation, holder: str, until: int) -> bool:
        def work(cur: _Cursor) -> bool:
            cur.execute("UPDATE schedules SET run_until = ? WHERE platform = ? AND team = ? "
                        "AND channel = ? AND run_holder = ?",
                        (until, *channel_key(where), holder))
            return cur.rowcount > 0

        return self._run(work)

    def end_run(self, where: Conversation, holder: str, ran: int | None) -> None:
        def work(cur: _Cursor) -> None:
            # GREATEST/MAX would differ between the two; a schedule changed during the run
            # counts from its change.
            cur.execute(
                "UPDATE schedules SET run_holder = NULL, run_until = NULL, last_run = CASE "
                "WHEN COALESCE(last_run, -1) < ? THEN ? ELSE last_run END WHERE platform = ? "
                "AND team = ? AND channel = ? AND run_holder = ?",
                (_or_none(ran), ran, *channel_key(where), holder))

        self._run(work)

    def schedule(self, where: Conversation) -> Schedule | None:
        found = [s for _, s in self._schedules("WHERE platform = ? AND team = ? AND channel = ?",
                                               channel_key(where))]
        return found[0] if found else None

    def schedules(self) -> list[tuple[Conversation, Schedule]]:
        return self._schedules("ORDER BY platform, team, channel")

    def _schedules(self, rest: str, params: tuple[Any, ...] = ()
                   ) -> list[tuple[Conversation, Schedule]]:
        def work(cur: _Cursor) -> list[tuple[Conversation, Schedule]]:
            cur.execute("SELECT platform, team, channel, private, cron, timezone, last_run, "
                        f"run_holder, run_until FROM schedules {rest}", params)
            return [(Conversation(p, t, c, private=bool(private)),
                     Schedule(cron, tz, None if ran is None else int(ran), holder,
                              None if until is None else int(until)))
                    for p, t, c, private, cron, tz, ran, holder, until in cur.fetchall()]

        return self._run(work)

    def delivered(self, where: Conversation, keys: list[str]) -> set[str]:
        return self._run(lambda cur: set(_entries(cur, "delivered", where, keys))) \
            if keys else set()

    def held(self, where: Conversation, keys: list[str],
             ignoring: tuple[str, ...] = ()) -> set[str]:
        now = int(time.time())

        def work(cur: _Cursor) -> set[str]:
            rows = _entries(cur, "pending", where, keys, "held_until, holder")
            return {key for key, (until, by) in rows.items()
                    if until > now and by not in ignoring}

        return self._run(work) if keys else set()

    def hold(self, where: Conversation, keys: list[str], seconds: float,
             holder: str, adopting: str | None = None) -> dict[str, int]:
        now = int(time.time())
        keys = list(dict.fromkeys(keys))

        def work(cur: _Cursor) -> dict[str, int]:
            self._take_turns(cur)  # two processes must not both take an entry
            done = _entries(cur, "delivered", where, keys)
            pending = _entries(cur, "pending", where, keys, "held_until, holder, tries")
            taken = {}
            for key in keys:
                until, by, tries = pending.get(key, (0, "", 0))
                if key in done or (until > now and by not in (holder, adopting)):
                    continue
                cur.execute(
                    "INSERT INTO pending (platform, team, channel, entry_key, held_until, holder, "
                    "tries, changed_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT (platform, "
                    "team, channel, entry_key) DO UPDATE SET held_until = excluded.held_until, "
                    "holder = excluded.holder, changed_at = excluded.changed_at",
                    (*channel_key(where), key, int(now + seconds), holder, now),
                )
                taken[key] = int(tries)
            return taken

        return self._run(work) if keys else {}

    def release(self, where: Conversation, keys: list[str], holder: str,
                for_later: bool = False) -> None:
        now = int(time.time())

        def work(cur: _Cursor) -> None:
            for key in keys:
                cur.execute(
                    "UPDATE pending SET held_until = 0, tries = tries + ?, changed_at = ? "
                    "WHERE platform = ? AND team = ? AND channel = ? AND entry_key = ? "
                    "AND holder = ?",
                    (int(for_later), now, *channel_key(where), key, holder),
                )

        self._run(work)

    def mark_delivered(self, where: Conversation, keys: list[str]) -> None:
        now = int(time.time())

        def work(cur: _Cursor) -> None:
            for key in keys:
                cur.execute(
                    "INSERT INTO delivered (platform, team, channel, entry_key, delivered_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, team, channel, entry_key) "
                    "DO UPDATE SET delivered_at = excluded.delivered_at",
                    (*channel_key(where), key, now),
                )
                cur.execute("DELETE FROM pending WHERE platform = ? AND team = ? "
                            "AND channel = ? AND entry_key = ?", (*channel_key(where), key))
            cur.execute("DELETE FROM delivered WHERE delivered_at < ?",
                        (now - DELIVERED_DAYS * 86400,))
            # An entry left for later that its feed then dropped is never delivered.
            cur.execute("DELETE FROM pending WHERE changed_at < ?",
                        (now - DELIVERED_DAYS * 86400,))

        self._run(work)


def _or_none(value: int | None) -> int:
    """A time for comparing with COALESCE(column, -1): -1 for none."""
    return -1 if value is None else value


def _entries(cur: _Cursor, table: str, where: Conversation, keys: list[str],
             columns: str = "") -> dict[str, Any]:
    """The rows of `table` ("delivered" or "pending") for these entries of the channel: entry
    key -> the value of the one column asked for, else a tuple of the columns asked for."""
    found: dict[str, Any] = {}
    names = [c.strip() for c in columns.split(",") if c.strip()]
    for start in range(0, len(keys), 500):  # bounded statements
        chunk = keys[start:start + 500]
        cur.execute(
            f"SELECT {', '.join(['entry_key', *names])} FROM {table} WHERE platform = ? "
            f"AND team = ? AND channel = ? AND entry_key IN ({', '.join('?' * len(chunk))})",
            (*channel_key(where), *chunk),
        )
        for key, *values in cur.fetchall():
            found[key] = values[0] if len(values) == 1 else tuple(values)
    return found


def _use_wal(conn: sqlite3.Connection) -> None:
    """Write-ahead logging, so readers do not wait for a writer. Switching a new file to it
    needs the file to itself, and SQLite answers "locked" at once rather than waiting when
    another process is doing the same (several bots started together on a fresh store)."""
    deadline = time.monotonic() + _SQLITE_BUSY_S
    pause = 0.01
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(2 * pause, 0.5)


class _Cursor:
    """A DB-API cursor that takes "?" parameter marks on either database."""

    def __init__(self, cursor: Any, qmark: bool = False) -> None:
        self._cursor = cursor
        self._qmark = qmark

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        self._cursor.execute(sql if self._qmark else sql.replace("?", "%s"), params)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self._cursor.fetchall())

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)


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


def _postgres_params(url: str) -> dict[str, str]:
    """What libpq reads from a PostgreSQL URL (a password may hide in the query string too)."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        return {k: str(v) for k, v in conninfo_to_dict(url).items()}
    except Exception:  # the message would quote the URL, password and all
        raise StoreError(
            "store.url: not a valid PostgreSQL URL; it looks like postgresql://user@host/db"
        ) from None


def password_of(url: str) -> str | None:
    """The password a store URL carries, wherever in it libpq would find one."""
    if urlsplit(url).scheme not in _POSTGRES:
        return None
    params = _postgres_params(url)
    return params.get("password") or params.get("sslpassword") or None


def describe(url: str) -> str:
    """A store URL as it may be printed: a PostgreSQL URL is rebuilt from user, host, port and
    database only, so no password (nor any other option) reaches a log or a message. Only for
    URLs `check_url` accepted."""
    if urlsplit(url).scheme not in _POSTGRES:
        return url
    p = _postgres_params(url)
    user = f"{p['user']}@" if p.get("user") else ""
    host = p.get("host", "")
    host = f"[{host}]" if ":" in host else host  # IPv6
    port = f":{p['port']}" if p.get("port") else ""
    return f"postgresql://{user}{host}{port}/{p.get('dbname', '')}"


def scrub(text: str, url: str) -> str:
    """`text` (a driver's message, say) with the store URL and its password masked."""
    text = text.replace(url, describe(url))
    password = password_of(url)
    if password:
        for form in {password, quote(password, safe=""), quote(password)}:
            text = text.replace(form, "***")
    return text


def _check_postgres(url: str) -> None:
    """A PostgreSQL URL libpq reads as its writer meant: a "/", "@", ":" or "%" left unencoded
    in a password moves the split into host, port and database (and the password with it)."""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
        well_formed = parts.netloc.count("@") <= 1
    except ValueError:
        well_formed = False
    if not well_formed:
        raise StoreError(
            "store.url: not a valid PostgreSQL URL (write a \"/\", \"@\", \":\" or \"%\" in "
            "the password as %2F, %40, %3A, %25); it looks like postgresql://user:pw@host:5432/db"
        )
    _postgres_params(url)


@contextmanager
def scratch_schema(url: str, prefix: str = "newsbrief_scratch") -> Iterator[str]:
    """A schema of its own on the PostgreSQL server at `url`, dropped with everything in it on
    exit, given as a URL that puts it first on the search path: for tests and benchmarks that must
    not touch the database's own tables. Raises psycopg's error when the server cannot be
    reached."""
    import psycopg

    admin = psycopg.connect(url, autocommit=True, connect_timeout=5)
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        admin.execute(f"CREATE SCHEMA {schema}")
        sep = "&" if "?" in url else "?"
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.close()


def check_url(url: str) -> str:
    """The URL of the store to open ("" = the default SQLite file), if it names one; the
    scheme is made lower case, as libpq wants it."""
    url = url.strip() or f"sqlite:///{default_sqlite_path()}"
    if url.lower() == "memory":
        return "memory"
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in ("sqlite", *_POSTGRES):
        raise StoreError(
            "store.url: not a store; use sqlite:///path/to/articles.db, "
            "postgresql://user@host/db or memory."
        )
    url = scheme + url[len(scheme):]
    if scheme == "sqlite":
        sqlite_path(url)
    else:
        _check_postgres(url)
    return url


def open_store(url: str, max_per_scope: int = 50) -> ArticleStore:
    """The store a URL names ("" = the default SQLite file); see the module docstring."""
    url = check_url(url)
    if url == "memory":
        return MemoryStore(max_per_scope)
    store = SQLStore(url, max_per_scope)
    log.info("articles are kept in %s", describe(url))
    return store
