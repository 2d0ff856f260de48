"""The article store on every backend: in memory, SQLite (the default) and a real PostgreSQL.

PostgreSQL: NEWSBRIEF_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test); each
test gets a schema of its own, dropped afterwards. Without a server those tests are skipped with
the reason, unless NEWSBRIEF_REQUIRE_POSTGRES is set (CI sets it): then they fail.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import store as store_module
from bot.config import ConfigError, load_config
from bot.core import Core, Engine
from bot.store import (
    ArticleStore,
    Conversation,
    MemoryStore,
    Schedule,
    SQLStore,
    StoreError,
    check_url,
    describe,
    entry_key,
    open_store,
    password_of,
    scratch_schema,
    scrub,
    sqlite_path,
)
from summarizers.article import Article

HERE = Conversation("slack", "T1", "C1", "U1")
PG_URL = os.environ.get("NEWSBRIEF_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _article(n: int | str, **extra: str) -> Article:
    return Article(
        body=f"Story {n}. The council met on Tuesday and voted on the plan for the river bank.",
        title=f"Title {n}", source=f"https://example.com/{n}", url=f"https://example.com/{n}",
        byline="Jane Smith", date="2026-11-24", extra=dict(extra),
    )


def _ids(articles: list[Article]) -> list[str]:
    return [a.title.removeprefix("Title ") for a in articles]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A schema of its own on the test server, as a URL that puts it first on the search path."""
    psycopg = pytest.importorskip("psycopg")
    try:
        with scratch_schema(PG_URL, "newsbrief_test") as url:
            yield url
    except psycopg.OperationalError as err:
        if os.environ.get("NEWSBRIEF_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL at {describe(PG_URL)} is required here: {err}")
        pytest.skip(f"no PostgreSQL at {describe(PG_URL)} ({err}); set NEWSBRIEF_TEST_POSTGRES_URL")


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'articles.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(params=["sqlite", "postgresql"])
def lasting_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Stores that outlive the process."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'articles.db'}"
    return request.getfixturevalue("postgres_url")


def test_store_prefers_the_channel_then_the_workspace_and_is_bounded(store_url: str) -> None:
    store = open_store(store_url, max_per_scope=2)
    a, b, c = _article("a"), _article("b"), _article("c")
    store.remember(HERE, a)
    store.remember(Conversation("slack", "T1", "C2"), b)
    assert _ids(store.recall(HERE)) == ["a"]
    assert _ids(store.recall(Conversation("slack", "T1", "C3"))) == ["b", "a"]  # newest first
    assert store.recall(Conversation("slack", "T2", "C1")) == []
    assert store.recall(Conversation("discord", "T1", "C1")) == []
    store.remember(HERE, c)
    store.remember(HERE, a)  # briefed again: moves to the front, no duplicate
    assert _ids(store.recall(HERE)) == ["a", "c"]
    store.remember(HERE, b)  # a third: the oldest (c) goes
    assert _ids(store.recall(HERE)) == ["b", "a"]
    store.close()


def test_articles_briefed_in_a_direct_message_stay_there(store_url: str) -> None:
    store = open_store(store_url)
    dm = Conversation("slack", "T1", "D0DIRECT1", "U1", private=True)
    store.remember(dm, _article("secret"))
    assert _ids(store.recall(dm)) == ["secret"]
    assert store.recall(Conversation("slack", "T1", "C0PUBLIC1")) == []
    store.close()


def test_articles_come_back_whole_after_a_restart(lasting_url: str) -> None:
    article = Article(
        body="Zoë said \"it's 100% done\" — twice.\n\nSecond paragraph: 日本語 too.",
        title="Ünïcode title", source="pasted text", url="", byline="", date="",
        extra={"sitename": "Example News"},
    )
    first = open_store(lasting_url)
    first.remember(HERE, article)
    first.close()
    again = open_store(lasting_url)  # a new process would open it like this
    (back,) = again.recall(HERE)
    assert back == article and back.id == article.id
    again.close()


def test_an_article_dropped_from_every_scope_is_deleted(lasting_url: str) -> None:
    store = open_store(lasting_url, max_per_scope=1)
    assert isinstance(store, SQLStore)
    store.remember(HERE, _article(1))
    store.remember(HERE, _article(2))  # pushes 1 out of the channel and the workspace
    count = store._run(lambda cur: (cur.execute("SELECT id FROM articles"), cur.fetchall())[1])
    assert [row[0] for row in count] == [_article(2).id]
    store.close()


def test_the_default_store_is_a_sqlite_file_under_the_data_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_config(None, {}).store.url == ""  # nothing set: the default
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    store = open_store("")
    assert isinstance(store, SQLStore)
    store.remember(HERE, _article(1))
    store.close()
    assert (tmp_path / "newsbrief" / "articles.db").is_file()
    assert _ids(open_store("").recall(HERE)) == ["1"]
    assert isinstance(open_store("memory"), MemoryStore)


def test_processes_sharing_a_store_keep_one_order_whatever_their_clocks(lasting_url: str) -> None:
    one, two = open_store(lasting_url, max_per_scope=2), open_store(lasting_url, max_per_scope=2)
    one.remember(HERE, _article("a"))
    two.remember(HERE, _article("b"))
    one.remember(HERE, _article("c"))  # the oldest, a, goes
    assert _ids(two.recall(HERE)) == ["c", "b"]
    two.remember(HERE, _article("b"))  # briefed again in the other process: newest
    assert _ids(one.recall(HERE)) == ["b", "c"]
    one.close()
    two.close()


def _brief_and_drop_at_once(url: str) -> None:
    """Four processes' stores brief and push out the same articles at once: none may fail."""
    stores = [open_store(url, max_per_scope=1) for _ in range(4)]
    errors: list[str] = []

    def brief(n: int) -> None:
        where = Conversation("slack", f"T{n}", "C1")
        for i in range(30):
            try:
                stores[n].remember(where, _article(i % 3))  # each pushes out what another briefs
            except StoreError as err:
                errors.append(str(err))

    threads = [threading.Thread(target=brief, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for n, store in enumerate(stores):
        assert _ids(store.recall(Conversation("slack", f"T{n}", "C1"))) == ["2"]  # 29 % 3
        store.close()


def test_processes_briefing_and_dropping_the_same_articles_at_once_lose_none(
    lasting_url: str,
) -> None:
    _brief_and_drop_at_once(lasting_url)


def test_a_stricter_default_isolation_on_the_server_changes_nothing(postgres_url: str) -> None:
    # As if the operator ran ALTER DATABASE ... SET default_transaction_isolation.
    _brief_and_drop_at_once(
        postgres_url + "%20-cdefault_transaction_isolation%3Drepeatable%5C%20read"
    )


def test_a_postgresql_connection_lost_is_opened_again(postgres_url: str) -> None:
    import psycopg

    store = open_store(postgres_url)
    assert isinstance(store, SQLStore)
    store.remember(HERE, _article(1))
    pid = store._conn.info.backend_pid
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))  # as a server restart would
    assert _ids(store.recall(HERE)) == ["1"]
    assert store._conn.info.backend_pid != pid
    store.close()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://newsbrief:s3cret-pw@db.internal/newsbrief",
        "postgresql://newsbrief@db.internal/newsbrief?password=s3cret-pw",
        "postgresql://newsbrief:s3cret%23pw@db.internal:5433/newsbrief",  # "s3cret#pw"
        "POSTGRESQL://newsbrief:s3cret-pw@db.internal/newsbrief",
    ],
)
def test_a_password_anywhere_in_the_url_is_never_printed_nor_taken_from_the_file(
    url: str, tmp_path: Path
) -> None:
    shown = describe(check_url(url))
    assert shown.startswith("postgresql://newsbrief@db.internal") and "s3cret" not in shown
    password = password_of(check_url(url))
    assert password and password.startswith("s3cret")
    said = scrub(f"connection to {url} failed: password {password} rejected", check_url(url))
    assert "s3cret" not in said
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "{url}"\n')
    with pytest.raises(ConfigError, match="NEWSBRIEF_DATABASE_URL") as err:
        load_config(str(config), {})
    assert "s3cret" not in str(err.value)


@pytest.mark.parametrize(
    "url",
    [
        "mongodb://db/x", "memory://", "sqlite://rel.db", "db.sqlite",
        "postgresql://newsbrief:Zx9/Qw+e@127.0.0.1:5432/newsbrief",  # "/" not encoded
        "postgresql://newsbrief:p@ssw0rd@127.0.0.1:5432/newsbrief",  # "@" not encoded
    ],
)
def test_a_url_that_names_no_store_is_a_config_error(url: str) -> None:
    with pytest.raises(StoreError, match="store.url") as err:
        check_url(url)
    assert "Zx9" not in str(err.value) and "ssw0rd" not in str(err.value)


def test_urls_are_read_as_people_write_them() -> None:
    assert check_url("  sqlite:////data/articles.db\n") == "sqlite:////data/articles.db"
    assert check_url("MEMORY") == "memory"
    assert check_url("PostgreSQL://u@h/db") == "postgresql://u@h/db"
    assert describe("postgresql://u@[::1]:5433/db") == "postgresql://u@[::1]:5433/db"


def test_fewer_analyses_kept_than_articles_asked_about_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[bot]\nmax_articles = 50\nkeep_analyses = 20\n")
    with pytest.raises(ConfigError, match="keep_analyses"):
        load_config(str(config), {})


def test_store_url_comes_from_the_file_or_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[store]\nurl = "postgresql://newsbrief@db.internal/newsbrief"\n')
    assert load_config(str(config), {}).store.url == "postgresql://newsbrief@db.internal/newsbrief"
    env = {"NEWSBRIEF_DATABASE_URL": "postgresql://newsbrief:s3cret-pw@db.internal/newsbrief"}
    cfg = load_config(str(config), env)
    assert cfg.store.url == env["NEWSBRIEF_DATABASE_URL"]  # the environment wins
    assert "s3cret-pw" not in repr(cfg)
    config.write_text('[store]\nurl = "mongodb://db.internal/newsbrief"\n')
    with pytest.raises(StoreError, match="sqlite:///path"):
        load_config(str(config), {})


def test_an_unreachable_database_is_a_clear_error_without_the_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    url = "postgresql://newsbrief:s3cret-pw@127.0.0.1:1/newsbrief"  # nothing listens on port 1
    with pytest.raises(StoreError, match="Could not open the article store") as err:
        open_store(url)
    assert "postgresql://newsbrief@127.0.0.1:1/newsbrief" in str(err.value)
    assert "s3cret-pw" not in str(err.value) and "s3cret-pw" not in caplog.text


def test_the_store_in_use_is_logged_without_its_password(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="newsbrief.store")
    # trust authentication here: any password is accepted, so it really is in use
    with_password = postgres_url.replace("postgresql://postgres@", "postgresql://postgres:s3cret@")
    assert with_password != postgres_url
    open_store(with_password).close()
    assert "articles are kept in postgresql://postgres@127.0.0.1" in caplog.text
    assert "s3cret" not in caplog.text and "search_path" not in caplog.text


async def test_a_store_that_fails_gives_a_polite_reply_and_the_operator_the_reason(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "articles.db"
    store = open_store(f"sqlite:///{path}")
    store.close()
    path.write_bytes(b"this is not a SQLite database file" * 100)  # a disk that went bad
    core = Core(engine=engine, store=store)
    briefed = await core.handle_text("brief " + _article(1).body * 3, HERE)
    assert not briefed.ephemeral and briefed.sections  # the briefing still goes out
    reply = await core.handle_text("ask who met?", HERE)
    assert reply.ephemeral and reply.text == (
        "Sorry, I could not answer that: my article store is not available right now."
    )
    assert str(tmp_path) not in reply.text  # the path is for the log, not the channel
    assert "file is not a database" in caplog.text


@pytest.fixture
def analysed(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Ids of the articles the engine analyses from now on (the real analysis runs)."""
    ids: list[str] = []
    real_analyze = engine.analyze

    async def counting_analyze(article: Article) -> object:
        ids.append(article.id)
        return await real_analyze(article)

    monkeypatch.setattr(engine, "analyze", counting_analyze)
    return ids


async def _seed_briefed_before_a_restart(
    engine: Engine, seed_text: str, url: str, keep_parses: bool = True
) -> None:
    """A bot briefs the seed into the store at `url` and stops; without `keep_parses` its parses
    are gone from the store, as if made by other models."""
    before = Core(engine=engine, store=open_store(url))
    briefed = await before.handle_text("brief " + seed_text, HERE)
    assert not briefed.ephemeral
    await before.flush()
    before.store.close()
    if not keep_parses:
        _forget_parses(url)


def _forget_parses(sqlite_url: str) -> None:
    import sqlite3

    with sqlite3.connect(sqlite_path(sqlite_url)) as db:
        db.execute("DELETE FROM parsed")


def test_parses_are_kept_with_their_models_and_go_with_their_article(lasting_url: str) -> None:
    store = open_store(lasting_url, max_per_scope=1)
    one, two = _article(1), _article(2)
    store.keep_parsed(one.id, "models-a", b"\x00parses\xff")  # not stored yet: nothing kept
    assert store.parsed(one.id, "models-a") is None
    store.remember(HERE, one)
    store.keep_parsed(one.id, "models-a", b"\x00parses\xff")
    assert store.parsed(one.id, "models-a") == b"\x00parses\xff"
    assert store.parsed(one.id, "models-b") is None  # made with other models: not to be used
    store.keep_parsed(one.id, "models-b", b"newer")
    assert store.parsed(one.id, "models-b") == b"newer"
    store.remember(HERE, two)  # pushes one out of every scope: its parses go with it
    assert store.parsed(one.id, "models-b") is None
    store.close()


async def test_a_question_after_a_restart_is_answered_from_the_stored_article(
    engine: Engine, seed_text: str, lasting_url: str, analysed: list[str]
) -> None:
    before = Core(engine=engine, store=open_store(lasting_url))
    await before.handle_text("brief " + seed_text, HERE)
    briefed_answer = await before.handle_text("who denied the withdrawal?", HERE)
    await before.flush()
    before.store.close()  # the process ends; the analyses it held go with it
    analysed.clear()

    after = Core(engine=engine, store=open_store(lasting_url))
    reply = await after.handle_text("who denied the withdrawal?", HERE)
    assert not reply.ephemeral, reply.text
    assert "Esper" in str(reply.sections) + reply.text
    assert reply == briefed_answer
    assert analysed == []  # read back from the store's parses and vectors, not analysed again
    assert len(after._analyses) == 1  # then kept for the next question
    after.store.close()


async def test_questions_at_once_after_a_restart_analyse_each_article_once(
    engine: Engine, seed_text: str, tmp_path: Path, analysed: list[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'articles.db'}"
    await _seed_briefed_before_a_restart(engine, seed_text, url, keep_parses=False)
    analysed.clear()
    after = Core(engine=engine, store=open_store(url))
    replies = await asyncio.gather(
        after.handle_text("who denied the withdrawal?", HERE),
        after.handle_text("who called the letter a mistake?", HERE),
    )
    assert all(not r.ephemeral for r in replies)
    assert len(analysed) == 1  # the second question waited for the first one's analysis
    after.store.close()


async def test_an_analysis_built_for_a_question_that_was_cancelled_is_kept(
    engine: Engine, seed_text: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'articles.db'}"
    await _seed_briefed_before_a_restart(engine, seed_text, url, keep_parses=False)
    after = Core(engine=engine, store=open_store(url))
    question = asyncio.create_task(after.handle_text("who denied the withdrawal?", HERE))
    while not after._building:  # the question is waiting for the analysis
        await asyncio.sleep(0.01)
    (building,) = after._building.values()
    question.cancel()  # the user went away (or the bot is shutting down)
    analysis = await building
    assert after._analyses == {analysis.article.id: analysis}
    assert not after._building
    after.store.close()


async def test_a_stored_analysis_that_cannot_be_read_back_is_made_again_and_replaced(
    engine: Engine, seed_text: str, tmp_path: Path, analysed: list[str]
) -> None:
    from summarizers.analysis import load_analysis

    url = f"sqlite:///{tmp_path / 'articles.db'}"
    await _seed_briefed_before_a_restart(engine, seed_text, url)
    store = open_store(url)
    (article,) = store.recall(HERE)
    key = await engine.models_key()
    store.keep_parsed(article.id, key, b"damaged on disk")
    analysed.clear()
    after = Core(engine=engine, store=store)
    reply = await after.handle_text("who denied the withdrawal?", HERE)
    assert not reply.ephemeral and "Esper" in str(reply.sections) + reply.text
    assert analysed == [article.id]  # analysed again from its text
    await after.flush()
    load_analysis(article, store.parsed(article.id, key))  # and stored anew, readable
    store.close()


def test_an_older_bot_sharing_the_store_can_still_drop_articles(lasting_url: str) -> None:
    store = open_store(lasting_url, max_per_scope=1)
    assert isinstance(store, SQLStore)
    store.remember(HERE, _article(1))
    store.keep_parsed(_article(1).id, "models", b"parses")
    # What a bot from before the parsed table does when an article leaves its last scope:
    store._run(lambda cur: [cur.execute(f"DELETE FROM {t}") for t in ("briefed", "articles")])
    assert store.parsed(_article(1).id, "models") is None  # its parses went with it
    store.close()


def _sql(store: SQLStore, statement: str) -> list[tuple]:
    def work(cur):  # noqa: ANN001, ANN202
        cur.execute(statement)
        return cur.fetchall() if statement.lstrip().upper().startswith("SELECT") else []

    return store._run(work)


def _drop_run_columns(store: SQLStore) -> None:
    """What a store before version 5 had not: the run under way."""
    _sql(store, "ALTER TABLE schedules DROP COLUMN run_holder")
    _sql(store, "ALTER TABLE schedules DROP COLUMN run_until")


def _raw(url: str, query: str) -> list[tuple]:
    """A query on the database itself, past SQLStore (which may refuse to open it)."""
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(sqlite_path(url)) as db:
            return db.execute(query).fetchall()
    import psycopg

    with psycopg.connect(url) as db:
        return db.execute(query).fetchall()


def test_a_store_keeps_its_schema_version(lasting_url: str) -> None:
    store = open_store(lasting_url)
    assert isinstance(store, SQLStore)
    assert _sql(store, "SELECT version FROM schema_version") == [(store_module.SCHEMA_VERSION,)]
    store.close()


def test_a_store_from_before_the_version_was_kept_is_adopted_whole(lasting_url: str) -> None:
    store = open_store(lasting_url)
    assert isinstance(store, SQLStore)
    store.remember(HERE, _article(1))
    # What the first release of the store left: version 1's tables, and no version kept.
    for table in ("schema_version", "follows", "schedules", "delivered", "pending"):
        _sql(store, f"DROP TABLE {table}")
    store.close()
    again = open_store(lasting_url)
    assert _ids(again.recall(HERE)) == ["1"]
    # Taken for version 1 (what it is), then brought up to the current version.
    assert _sql(again, "SELECT version FROM schema_version") == [(store_module.SCHEMA_VERSION,)]
    assert again.follow(HERE, "https://example.com/rss") is True  # version 2's tables are there
    again.close()


def test_a_store_changed_by_a_newer_newsbrief_is_refused_and_left_alone(lasting_url: str) -> None:
    store = open_store(lasting_url)
    assert isinstance(store, SQLStore)
    store.remember(HERE, _article(1))
    newer = store_module.SCHEMA_VERSION + 1
    _sql(store, f"UPDATE schema_version SET version = {newer}")
    store.close()
    with pytest.raises(StoreError, match=f"newer newsbrief \\(schema version {newer}") as err:
        open_store(lasting_url)
    assert "Upgrade newsbrief" in str(err.value)
    assert _raw(lasting_url, "SELECT version FROM schema_version") == [(newer,)]
    assert _raw(lasting_url, "SELECT title FROM articles") == [("Title 1",)]


def test_an_older_store_is_upgraded_once_in_order(
    lasting_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(lasting_url)
    assert isinstance(store, SQLStore)
    store.remember(HERE, _article(1))
    store.close()
    # Two versions after the current one, the second only right after the first.
    now = store_module.SCHEMA_VERSION
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", now + 2)
    monkeypatch.setattr(store_module, "_MIGRATIONS", {
        **store_module._MIGRATIONS,
        now + 1: ("ALTER TABLE articles ADD COLUMN lang TEXT NOT NULL DEFAULT 'en'",),
        now + 2: ("UPDATE articles SET lang = lang || '-gb'",),
    })
    for _ in range(2):  # the second opening finds it done
        upgraded = open_store(lasting_url)
        assert _sql(upgraded, "SELECT version FROM schema_version") == [(now + 2,)]
        assert _sql(upgraded, "SELECT lang FROM articles") == [("en-gb",)]
        assert _ids(upgraded.recall(HERE)) == ["1"]
        upgraded.close()


def _open_at_once(url: str, count: int) -> list[ArticleStore]:
    stores: list[ArticleStore] = []
    start = threading.Barrier(count)

    def open_one() -> None:
        start.wait()
        stores.append(open_store(url))

    threads = [threading.Thread(target=open_one) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stores


def test_stores_opened_at_once_record_one_schema_version(lasting_url: str, tmp_path: Path) -> None:
    # Bots started together on a fresh store. SQLite answered "locked" at once (not after its
    # busy wait) to about one start in twenty here, so fresh files are tried many times.
    urls = ([f"sqlite:///{tmp_path / f'fresh{i}.db'}" for i in range(60)]
            if lasting_url.startswith("sqlite") else [lasting_url])
    for url in urls:
        stores = _open_at_once(url, 4)
        assert len(stores) == 4, url
        assert _sql(stores[0], "SELECT version FROM schema_version") == [
            (store_module.SCHEMA_VERSION,)
        ]
        for s in stores:
            s.close()


# -- feeds followed, digest schedules, entries delivered ---------------------------------------

FEED_A, FEED_B, FEED_C = (f"https://example.com/{n}/rss" for n in ("a", "b", "c"))
ELSEWHERE = [
    Conversation("slack", "T1", "C2", "U1"),  # another channel
    Conversation("slack", "T2", "C1", "U1"),  # the same channel id in another workspace
    Conversation("discord", "T1", "C1", "U1"),  # ... on another platform
    Conversation("slack", "T1", "", "U1"),  # the workspace-wide scope is no channel's follows
]


def test_a_channel_follows_feeds_in_the_order_it_followed_them(store_url: str) -> None:
    store = open_store(store_url)
    assert store.follows(HERE) == []
    for feed in (FEED_B, FEED_A, FEED_C):
        assert store.follow(HERE, feed) is True
    assert store.follows(HERE) == [FEED_B, FEED_A, FEED_C]  # not sorted: as followed
    assert store.follow(HERE, FEED_A) is False  # already followed: nothing added, order kept
    assert store.follows(HERE) == [FEED_B, FEED_A, FEED_C]
    assert store.follows(Conversation("slack", "T1", "C1", "U2")) == [FEED_B, FEED_A, FEED_C]
    assert store.unfollow(HERE, FEED_A) is True
    assert store.unfollow(HERE, FEED_A) is False  # no longer followed
    assert store.unfollow(HERE, "https://example.com/never/rss") is False
    assert store.follows(HERE) == [FEED_B, FEED_C]
    assert store.follow(HERE, FEED_A) is True  # followed again: now the last
    assert store.follows(HERE) == [FEED_B, FEED_C, FEED_A]
    store.close()


def test_feeds_followed_in_one_channel_are_that_channels_alone(store_url: str) -> None:
    store = open_store(store_url)
    store.follow(HERE, FEED_A)
    for other in ELSEWHERE:
        assert store.follows(other) == [], other
        assert store.unfollow(other, FEED_A) is False, other
        assert store.follow(other, FEED_A) is True, other  # not "already followed"
    assert store.follows(HERE) == [FEED_A]
    assert store.unfollow(ELSEWHERE[0], FEED_A) is True
    assert store.follows(HERE) == [FEED_A]  # another channel unfollowing changes nothing here
    assert store.follows(ELSEWHERE[1]) == [FEED_A]
    store.close()


def test_feeds_followed_are_kept_across_a_restart(lasting_url: str) -> None:
    first = open_store(lasting_url)
    for feed in (FEED_C, FEED_A, FEED_B):
        first.follow(HERE, feed)
    first.unfollow(HERE, FEED_A)
    first.close()
    again = open_store(lasting_url)
    assert again.follows(HERE) == [FEED_C, FEED_B]
    assert again.follow(HERE, FEED_C) is False
    again.close()


def _channels(schedules: list[tuple[Conversation, Schedule]]) -> set[tuple[Conversation, Schedule]]:
    """Schedules as a set, each channel without the user who set it (not part of a channel)."""
    return {(dataclasses.replace(where, user=""), schedule) for where, schedule in schedules}


def test_a_channel_has_one_schedule_replaced_or_cleared(store_url: str) -> None:
    store = open_store(store_url)
    assert store.schedules() == []
    morning, evening = Schedule("0 8 * * 1-5", "Europe/London"), Schedule("30 18 * * *", "UTC")
    store.set_schedule(HERE, morning)
    assert _channels(store.schedules()) == {(Conversation("slack", "T1", "C1"), morning)}
    store.set_schedule(Conversation("slack", "T1", "C1", "U2"), evening)  # replaced, not added
    assert _channels(store.schedules()) == {(Conversation("slack", "T1", "C1"), evening)}
    store.set_schedule(HERE, None)
    assert store.schedules() == []
    store.set_schedule(HERE, None)  # clearing what is not set is no error
    assert store.schedules() == []
    store.close()


def test_every_channels_schedule_is_listed(store_url: str) -> None:
    store = open_store(store_url)
    dm = Conversation("slack", "T1", "D0DIRECT1", "U1", private=True)
    plan = {
        HERE: Schedule("0 8 * * *", "UTC"),
        dm: Schedule("0 7 * * 1", "America/New_York"),
        Conversation("slack", "T2", "C1", "U1"): Schedule("0 9 * * *", "Europe/Paris"),
        Conversation("discord", "T1", "C1", "U1"): Schedule("15 12 * * 0", "Asia/Tokyo"),
    }
    for where, schedule in plan.items():
        store.set_schedule(where, schedule)
    store.set_schedule(Conversation("slack", "T1", "C2", "U1"), Schedule("0 6 * * *", "UTC"))
    store.set_schedule(Conversation("slack", "T1", "C2", "U1"), None)
    listed = store.schedules()
    assert len(listed) == len(plan)
    assert _channels(listed) == _channels(list(plan.items()))
    assert {where.channel: where.private for where, _ in listed} == {"C1": False, "D0DIRECT1": True}
    store.close()


def test_schedules_and_whether_their_channel_is_private_survive_a_restart(
    lasting_url: str,
) -> None:
    dm = Conversation("slack", "T1", "D0DIRECT1", "U1", private=True)
    first = open_store(lasting_url)
    first.set_schedule(dm, Schedule("0 7 * * 1-5", "Europe/London"))
    first.set_schedule(HERE, Schedule("0 8 * * *", "UTC"))
    first.close()
    again = open_store(lasting_url)
    assert _channels(again.schedules()) == {
        (Conversation("slack", "T1", "D0DIRECT1", private=True),
         Schedule("0 7 * * 1-5", "Europe/London")),
        (Conversation("slack", "T1", "C1", private=False), Schedule("0 8 * * *", "UTC")),
    }
    again.set_schedule(dm, None)
    again.close()
    last = open_store(lasting_url)
    assert _channels(last.schedules()) == {
        (Conversation("slack", "T1", "C1"), Schedule("0 8 * * *", "UTC"))
    }
    last.close()


def test_an_entry_key_names_the_entry_of_one_feed() -> None:
    key = entry_key(FEED_A, "tag:example.com,2026:1")
    assert key == entry_key(FEED_A, "tag:example.com,2026:1")
    assert key != entry_key(FEED_B, "tag:example.com,2026:1")  # the same id in another feed
    assert key != entry_key(FEED_A, "tag:example.com,2026:2")
    assert len(key) == len(entry_key(FEED_A, "x" * 5000)) == 40


def test_entries_delivered_are_remembered_per_channel(store_url: str) -> None:
    store = open_store(store_url)
    one, two, three = (entry_key(FEED_A, str(n)) for n in (1, 2, 3))
    assert store.delivered(HERE, []) == set()
    assert store.delivered(HERE, [one, two]) == set()
    store.mark_delivered(HERE, [one, two])
    assert store.delivered(HERE, [one, two, three]) == {one, two}
    assert store.delivered(HERE, [three]) == set()
    store.mark_delivered(HERE, [two, three])  # one already delivered: no error, no duplicate
    assert store.delivered(HERE, [three, one, two, one]) == {one, two, three}
    store.mark_delivered(HERE, [])
    for other in ELSEWHERE:
        assert store.delivered(other, [one, two, three]) == set(), other
    store.mark_delivered(ELSEWHERE[0], [three])
    assert store.delivered(ELSEWHERE[0], [one, two, three]) == {three}
    store.close()


def test_many_entries_at_once_are_marked_and_found(store_url: str) -> None:
    store = open_store(store_url)
    keys = [entry_key(FEED_A, str(n)) for n in range(1234)]
    # Across the boundaries of the statements the question is split into.
    marked = [keys[i] for i in (0, 1, 498, 499, 500, 501, 999, 1000, 1233)]
    store.mark_delivered(HERE, marked)
    assert store.delivered(HERE, keys) == set(marked)
    store.mark_delivered(HERE, keys)
    assert store.delivered(HERE, keys) == set(keys)
    assert store.delivered(ELSEWHERE[0], keys) == set()
    store.close()


def test_entries_delivered_are_kept_across_a_restart(lasting_url: str) -> None:
    keys = [entry_key(FEED_A, str(n)) for n in range(3)]
    first = open_store(lasting_url)
    first.mark_delivered(HERE, keys[:2])
    first.close()
    again = open_store(lasting_url)
    assert again.delivered(HERE, keys) == set(keys[:2])
    assert again.delivered(ELSEWHERE[0], keys) == set()
    again.close()


def _age(store: SQLStore, keys: list[str], seconds: int) -> None:
    """As if these entries had been delivered `seconds` earlier."""
    listed = ", ".join(f"'{k}'" for k in keys)
    _sql(store, f"UPDATE delivered SET delivered_at = delivered_at - {seconds} "
                f"WHERE entry_key IN ({listed})")


def test_entries_delivered_long_ago_are_forgotten_at_the_next_delivery(lasting_url: str) -> None:
    store = open_store(lasting_url)
    assert isinstance(store, SQLStore)
    days = store_module.DELIVERED_DAYS * 86400
    old, recent, again, elsewhere, new = (entry_key(FEED_A, str(n)) for n in range(5))
    store.mark_delivered(HERE, [old, recent, again])
    store.mark_delivered(ELSEWHERE[0], [elsewhere])
    _age(store, [old, again, elsewhere], days + 600)  # past the limit
    _age(store, [recent], days - 3600)  # within it, just
    assert store.delivered(HERE, [old, recent, again]) == {old, recent, again}  # not yet pruned
    store.mark_delivered(HERE, [again, new])  # delivered once more: its clock starts again
    assert store.delivered(HERE, [old, recent, again, new]) == {recent, again, new}
    assert store.delivered(ELSEWHERE[0], [elsewhere]) == set()  # every channel is pruned
    assert _sql(store, "SELECT COUNT(*) FROM delivered") == [(3,)]
    store.close()


_NEW_IN_2 = ("follows", "schedules", "delivered")
_NEW_SINCE_2 = (*_NEW_IN_2, "pending")


def _tables(url: str) -> set[str]:
    if url.startswith("sqlite"):
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    return {row[0] for row in _raw(url, query)}


def test_a_version_1_store_is_upgraded_with_feeds_schedules_and_deliveries(
    lasting_url: str,
) -> None:
    store = open_store(lasting_url)
    assert isinstance(store, SQLStore)
    store.remember(HERE, _article(1))
    store.keep_parsed(_article(1).id, "models", b"parses")
    for table in _NEW_SINCE_2:  # what version 1 had not
        _sql(store, f"DROP TABLE {table}")
    _sql(store, "UPDATE schema_version SET version = 1")
    store.close()
    assert _raw(lasting_url, "SELECT version FROM schema_version") == [(1,)]
    assert not _tables(lasting_url) & set(_NEW_IN_2)

    upgraded = open_store(lasting_url)
    assert isinstance(upgraded, SQLStore)
    assert _tables(lasting_url) >= {*_NEW_IN_2, "articles", "briefed", "parsed"}
    assert _sql(upgraded, "SELECT version FROM schema_version") == [(store_module.SCHEMA_VERSION,)]
    assert _ids(upgraded.recall(HERE)) == ["1"]  # what it had is kept
    assert upgraded.parsed(_article(1).id, "models") == b"parses"
    assert upgraded.follow(HERE, FEED_A) is True
    assert upgraded.follows(HERE) == [FEED_A]
    upgraded.set_schedule(HERE, Schedule("0 8 * * *", "UTC"))
    assert _channels(upgraded.schedules()) == {
        (Conversation("slack", "T1", "C1"), Schedule("0 8 * * *", "UTC"))
    }
    upgraded.mark_delivered(HERE, [entry_key(FEED_A, "1")])
    assert upgraded.delivered(HERE, [entry_key(FEED_A, "1")]) == {entry_key(FEED_A, "1")}
    upgraded.close()
    again = open_store(lasting_url)  # the next opening finds it done
    assert _sql(again, "SELECT version FROM schema_version") == [(store_module.SCHEMA_VERSION,)]
    assert again.follows(HERE) == [FEED_A]
    again.close()


# -- entries held by a digest on its way, and schedules' last runs (schema version 3) ----------


def _expire_holds(store: ArticleStore) -> None:
    """As if every hold had run out."""
    if isinstance(store, SQLStore):
        _sql(store, "UPDATE pending SET held_until = held_until - 100000")
    else:
        assert isinstance(store, MemoryStore)
        for pending in store._pending.values():
            for state in pending.values():
                state[0] -= 100000


def test_an_entry_is_held_by_one_digest_until_delivered_or_released(store_url: str) -> None:
    store = open_store(store_url)
    one, two, three, four = (entry_key(FEED_A, str(n)) for n in range(4))
    store.mark_delivered(HERE, [four])
    assert store.hold(HERE, [one, two, four, one], 600, "A") == {one: 0, two: 0}  # four went out
    assert store.held(HERE, [one, two, three, four]) == {one, two}
    assert store.hold(HERE, [one, two, three], 600, "B") == {three: 0}  # A has them
    assert store.hold(HERE, [one, two], 600, "A") == {one: 0, two: 0}  # A holds its own anew
    assert store.hold(ELSEWHERE[0], [one], 600, "C") == {one: 0}  # another channel's own digest
    store.mark_delivered(HERE, [one])  # delivered: held no more, and never new again
    assert store.held(HERE, [one, two, three]) == {two, three}
    assert store.hold(HERE, [one], 600, "D") == {}
    store.release(HERE, [two], "B")  # not B's to let go
    assert store.held(HERE, [two]) == {two}
    store.release(HERE, [two], "A")  # that digest never went out: new again, no try counted
    assert store.hold(HERE, [two], 600, "E") == {two: 0}
    store.release(HERE, [two], "E", for_later=True)  # left for a later digest: counted
    store.release(HERE, [three], "B", for_later=True)
    assert store.hold(HERE, [two, three], 600, "F") == {two: 1, three: 1}
    store.release(HERE, [two], "F", for_later=True)
    assert store.hold(HERE, [two], 600, "G") == {two: 2}
    store.release(HERE, [entry_key(FEED_B, "never held")], "G")  # no error
    assert store.hold(HERE, [], 600, "G") == {} and store.held(HERE, []) == set()
    store.close()


def test_a_digest_whose_hold_ran_out_cannot_free_the_next_ones(store_url: str) -> None:
    store = open_store(store_url)
    x = entry_key(FEED_A, "x")
    assert store.hold(HERE, [x], 600, "A") == {x: 0}
    _expire_holds(store)  # A was slow: its hold ran out
    assert store.hold(HERE, [x], 600, "B") == {x: 0}  # B takes x, rightly
    store.release(HERE, [x], "A", for_later=True)  # A gives up: not B's entry, nor its tries
    assert store.held(HERE, [x]) == {x}
    assert store.hold(HERE, [x], 600, "A") == {}  # A cannot take it back either
    store.release(HERE, [x], "B")
    assert store.hold(HERE, [x], 600, "C") == {x: 0}
    store.close()


def test_a_hold_runs_out_so_a_digest_that_never_went_out_frees_its_entries(
    store_url: str,
) -> None:
    store = open_store(store_url)
    one, two = (entry_key(FEED_A, str(n)) for n in range(2))
    assert store.hold(HERE, [one], 600, "A") == {one: 0}
    assert store.hold(HERE, [two], 0, "A") == {two: 0}  # held for no time at all
    assert store.held(HERE, [one, two]) == {one}
    _expire_holds(store)
    assert store.held(HERE, [one, two]) == set()
    assert store.hold(HERE, [one, two], 600, "B") == {one: 0, two: 0}
    store.close()


def test_processes_sharing_a_store_never_take_the_same_entry(lasting_url: str) -> None:
    # Four bots on one database, each in its own thread with its own connection, each making
    # the channel's digest from the same feed at the same moment.
    keys = [entry_key(FEED_A, str(n)) for n in range(40)]
    stores = [open_store(lasting_url) for _ in range(4)]
    taken: list[dict[str, int]] = [{} for _ in stores]
    start = threading.Barrier(len(stores))

    def digest(i: int) -> None:
        start.wait()
        for k in range(0, len(keys), 5):  # several rounds, overlapping the others'
            taken[i].update(stores[i].hold(HERE, keys[k:] + keys[:k], 600, f"bot {i}"))

    threads = [threading.Thread(target=digest, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [key for got in taken for key in got]
    assert sorted(every) == sorted(keys)  # each entry taken once, by one of them
    for store in stores:
        store.close()


def test_holds_and_tries_outlive_a_restart(lasting_url: str) -> None:
    one, two = (entry_key(FEED_A, str(n)) for n in range(2))
    first = open_store(lasting_url)
    first.hold(HERE, [one, two], 600, "A")
    first.release(HERE, [two], "A", for_later=True)
    first.close()
    again = open_store(lasting_url)
    assert again.held(HERE, [one, two]) == {one}
    assert again.hold(HERE, [one, two], 600, "B") == {two: 1}
    again.close()


def test_a_schedule_knows_when_it_last_ran(store_url: str) -> None:
    store = open_store(store_url)
    before = int(time.time())
    store.set_schedule(HERE, Schedule("0 8 * * *", "UTC"))
    [(_, kept)] = store.schedules()
    assert kept.last_run is not None and before <= kept.last_run <= time.time()  # set: from now
    assert kept.run_holder is None and kept.run_until is None
    until = int(time.time()) + 120
    assert store.claim_run(HERE, kept, "A", until) is True
    running = store.schedule(HERE)
    assert (running.last_run, running.run_holder, running.run_until) == (kept.last_run, "A", until)
    assert store.claim_run(HERE, kept, "A", until) is True  # A's own, written again
    # Under way: no second claim, whether from the schedule as it was or as it is now.
    assert store.claim_run(HERE, kept, "B", until) is False
    assert store.claim_run(HERE, running, "B", until) is False
    assert store.claim_run(ELSEWHERE[0], kept, "B", until) is False  # no schedule there
    assert store.renew_run(HERE, "B", until + 60) is False  # not B's
    assert store.renew_run(HERE, "A", until + 60) is True
    assert store.schedule(HERE).run_until == until + 60
    store.end_run(HERE, "B", kept.last_run + 50)  # not B's to end
    assert store.schedule(HERE).run_holder == "A"
    # A schedule changed during the run keeps the run under way, and counts from its change.
    store.set_schedule(HERE, Schedule("0 9 * * *", "UTC"))
    changed = store.schedule(HERE)
    assert changed.run_holder == "A" and changed.last_run >= before
    store.end_run(HERE, "A", kept.last_run)  # began before the change: not moved back
    done = store.schedule(HERE)
    assert (done.last_run, done.run_holder, done.run_until) == (changed.last_run, None, None)
    # A run given back leaves the last run as it was; one ended moves it on, never back.
    assert store.claim_run(HERE, done, "C", until) is True
    store.end_run(HERE, "C", None)
    assert store.schedule(HERE).last_run == changed.last_run
    assert store.claim_run(HERE, store.schedule(HERE), "D", until) is True
    store.end_run(HERE, "D", changed.last_run + 100)
    assert store.schedule(HERE).last_run == changed.last_run + 100
    assert store.schedule(HERE).run_holder is None
    store.close()


def test_a_run_whose_bot_died_lapses_and_is_taken_over(store_url: str) -> None:
    store = open_store(store_url)
    store.set_schedule(HERE, Schedule("0 8 * * *", "UTC"))
    kept = store.schedule(HERE)
    lapsed = int(time.time()) - 1  # A took it and was not heard of since
    assert store.claim_run(HERE, kept, "A", lapsed) is True
    seen = store.schedule(HERE)
    assert seen.lapsed_run(time.time()) and not kept.lapsed_run(time.time())
    assert store.claim_run(HERE, kept, "B", lapsed + 600) is False  # not as it stands now
    assert store.claim_run(HERE, seen, "B", lapsed + 600) is True
    # One taker only: a third bot that read the lapsed run too comes second.
    assert store.claim_run(HERE, seen, "C", lapsed + 700) is False
    # A wakes up (it had stalled): its run is no longer its own.
    assert store.renew_run(HERE, "A", lapsed + 120) is False
    store.end_run(HERE, "A", int(time.time()))
    assert store.schedule(HERE).run_holder == "B"
    assert store.schedule(HERE).run_until == lapsed + 600
    store.close()


def test_a_version_2_store_is_upgraded_with_holds_and_last_runs(lasting_url: str) -> None:
    store = open_store(lasting_url)
    assert isinstance(store, SQLStore)
    store.set_schedule(HERE, Schedule("0 8 * * *", "UTC"))
    store.mark_delivered(HERE, [entry_key(FEED_A, "1")])
    _sql(store, "DROP TABLE pending")  # what version 2 had not
    _sql(store, "ALTER TABLE schedules DROP COLUMN last_run")
    _drop_run_columns(store)
    _sql(store, "UPDATE schema_version SET version = 2")
    store.close()

    upgraded = open_store(lasting_url)
    assert isinstance(upgraded, SQLStore)
    assert _sql(upgraded, "SELECT version FROM schema_version") == [(store_module.SCHEMA_VERSION,)]
    # What it had is kept; a schedule from before runs from the upgrade on, as if just set.
    [(_, kept)] = upgraded.schedules()
    assert kept == Schedule("0 8 * * *", "UTC")
    assert kept.last_run is not None and abs(kept.last_run - time.time()) < 60
    assert upgraded.delivered(HERE, [entry_key(FEED_A, "1")]) == {entry_key(FEED_A, "1")}
    keys = [entry_key(FEED_A, "1"), entry_key(FEED_A, "2")]
    assert upgraded.hold(HERE, keys, 600, "A") == {
        entry_key(FEED_A, "2"): 0}
    upgraded.close()


def test_one_channels_schedule_is_read_alone(store_url: str) -> None:
    store = open_store(store_url)
    assert store.schedule(HERE) is None
    store.set_schedule(HERE, Schedule("0 8 * * *", "UTC"))
    store.set_schedule(ELSEWHERE[0], Schedule("0 9 * * *", "Europe/Paris"))
    assert store.schedule(HERE) == Schedule("0 8 * * *", "UTC")
    assert store.schedule(dataclasses.replace(HERE, user="U2")) == Schedule("0 8 * * *", "UTC")
    assert store.schedule(ELSEWHERE[0]) == Schedule("0 9 * * *", "Europe/Paris")
    assert all(store.schedule(other) is None for other in ELSEWHERE[1:])
    store.set_schedule(HERE, None)
    assert store.schedule(HERE) is None
    store.close()


def test_bots_sharing_a_store_claim_each_scheduled_run_once(lasting_url: str) -> None:
    stores = [open_store(lasting_url) for _ in range(4)]
    stores[0].set_schedule(HERE, Schedule("0 8 * * *", "UTC"))
    last = stores[0].schedule(HERE)
    won: list[bool] = [False] * len(stores)
    start = threading.Barrier(len(stores))

    def run(i: int) -> None:
        start.wait()
        won[i] = stores[i].claim_run(HERE, last, str(i), 1_800_000_000 + i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(won) == 1
    assert stores[0].schedule(HERE).run_holder == str(won.index(True))
    assert stores[0].schedule(HERE).run_until == 1_800_000_000 + won.index(True)
    for store in stores:
        store.close()


def test_a_version_3_store_is_upgraded_with_the_holder_of_each_hold(lasting_url: str) -> None:
    # Version 3 (c763988) kept holds without saying whose.
    store = open_store(lasting_url)
    assert isinstance(store, SQLStore)
    one, two = (entry_key(FEED_A, str(n)) for n in range(2))
    store.hold(HERE, [one], 600, "A")
    _sql(store, "ALTER TABLE pending DROP COLUMN holder")
    _drop_run_columns(store)
    _sql(store, "UPDATE schema_version SET version = 3")
    store.close()

    upgraded = open_store(lasting_url)
    assert _sql(upgraded, "SELECT version FROM schema_version") == [(store_module.SCHEMA_VERSION,)]
    assert upgraded.held(HERE, [one, two]) == {one}  # a hold from before still holds
    assert upgraded.hold(HERE, [one, two], 600, "B") == {two: 0}
    upgraded.close()


def test_a_version_3_store_that_has_holders_already_is_upgraded_too(lasting_url: str) -> None:
    # A build of main for a while made version 3 with the holder column; and its schedules
    # may have no last run yet: they run from the upgrade on.
    store = open_store(lasting_url)
    assert isinstance(store, SQLStore)
    one = entry_key(FEED_A, "1")
    store.hold(HERE, [one], 600, "A")
    store.set_schedule(HERE, Schedule("0 8 * * *", "UTC"))
    _sql(store, "UPDATE schedules SET last_run = NULL")
    _drop_run_columns(store)
    _sql(store, "UPDATE schema_version SET version = 3")
    store.close()

    upgraded = open_store(lasting_url)
    assert _sql(upgraded, "SELECT version FROM schema_version") == [(store_module.SCHEMA_VERSION,)]
    assert upgraded.hold(HERE, [one], 600, "B") == {}  # A's hold is kept, with its holder
    kept = upgraded.schedule(HERE)
    assert kept is not None and kept.last_run is not None
    assert abs(kept.last_run - time.time()) < 60
    upgraded.close()


def test_a_version_4_store_is_upgraded_with_the_run_under_way(lasting_url: str) -> None:
    store = open_store(lasting_url)
    assert isinstance(store, SQLStore)
    store.set_schedule(HERE, Schedule("0 8 * * *", "UTC"))
    before = store.schedule(HERE)
    _drop_run_columns(store)
    _sql(store, "UPDATE schema_version SET version = 4")
    store.close()

    upgraded = open_store(lasting_url)
    assert _sql(upgraded, "SELECT version FROM schema_version") == [(store_module.SCHEMA_VERSION,)]
    kept = upgraded.schedule(HERE)
    assert kept is not None and kept.last_run == before.last_run and kept.run_until is None
    assert upgraded.claim_run(HERE, kept, "A", int(time.time()) + 120) is True
    upgraded.close()


def test_a_run_taken_over_adopts_the_entries_the_dead_run_held(store_url: str) -> None:
    store = open_store(store_url)
    one, two = (entry_key(FEED_A, str(n)) for n in range(2))
    assert store.hold(HERE, [one], 600, "A") == {one: 0}
    assert store.held(HERE, [one, two]) == {one}
    assert store.held(HERE, [one, two], ignoring=("B", "A")) == set()
    assert store.held(HERE, [one, two], ignoring=("B",)) == {one}
    assert store.hold(HERE, [one, two], 600, "B") == {two: 0}  # A's is A's
    assert store.hold(HERE, [one, two], 600, "B", adopting="A") == {one: 0, two: 0}
    # A, if it was only stalled, lets go of nothing B holds now.
    store.release(HERE, [one, two], "A")
    assert store.held(HERE, [one, two]) == {one, two}
    assert store.hold(HERE, [one], 600, "A") == {}
    store.close()
