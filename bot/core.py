"""The bot's behaviour, written once: commands in, neutral Reply objects out.

No platform library and no NLP library is imported here at module import time; the NLP is reached
through `Engine`, whose heavy work runs on a single worker thread so the event loop (and with it
every acknowledgement) never waits on a model.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.schedule import USAGE as SCHEDULE_USAGE
from bot.schedule import DigestClock, missed, parse_schedule
from bot.schedule import describe as describe_schedule
from bot.store import (
    ArticleStore,
    Conversation,
    MemoryStore,
    StoreError,
    channel_key,
    entry_key,
)
from summarizers.briefing import quoted
from summarizers.errors import InputError, NewsbriefError

log = logging.getLogger("newsbrief.bot")
T = TypeVar("T")
ENTRY_TRIES = 3  # digests that try a feed entry's page before it is given up
# How long a digest holds its entries from other digests (in this process or another sharing the
# store): while it is made, at most MAKING_S (a bot that dies meanwhile frees them then); once
# made, HOLD_S more for sending it. Past that, entries of a digest that never went out are new.
MAKING_S = 3600.0
HOLD_S = 600.0
# A scheduled run is kept in the store for RUN_LEASE_S at a time, renewed every RUN_RENEW_S while
# its digest is made and sent: a run whose bot died lapses within RUN_LEASE_S, and then the next
# bot to start, or any other bot sharing the store, makes it (with the entries it had taken).
RUN_LEASE_S = 120
RUN_RENEW_S = 30.0
_OLDEST = datetime.min.replace(tzinfo=UTC)  # an entry without a date sorts last

COMMANDS = ("brief", "ask", "help", "follow", "unfollow", "feeds", "digest", "schedule")
HELP_TEXT = (
    "I brief news articles and answer questions about them.\n"
    "• brief <link or pasted text>: a briefing: what happened, the key points, who contradicts "
    "whom, the people.\n"
    "• ask <question>: an answer from the articles briefed in this channel, with the quote "
    "it rests on.\n"
    "• follow <feed link> / unfollow <feed link> / feeds: the news feeds this channel follows.\n"
    "• digest: their new stories now, the same story from several outlets grouped, and where "
    "the outlets disagree.\n"
    "• schedule <crontab line> [time zone]: a digest on a schedule, e.g. schedule 0 8 * * 1-5 "
    "Europe/London; schedule off stops it.\n"
    "• help: this message.\n"
    "Slash commands: /brief, /ask, and /newsbrief with any of the above (/newsbrief follow "
    "<link>); where the app has them, /follow, /unfollow, /feeds, /digest and /schedule too. "
    "Mention me with a question to ask, or with \"brief <link>\" to brief."
)
_URL = re.compile(r"^https?://\S+$", re.I)
# Slack wraps links as <https://x|label>; Discord users wrap them in <> to stop the preview.
_WRAPPED_URL = re.compile(r"<(https?://[^|>\s]+)(?:\|[^>]*)?>")
_LEADING_MENTIONS = re.compile(r"^(?:\s*<@!?[A-Z0-9]+>)+\s*", re.I)


@dataclass
class _Run:
    """A scheduled digest run this bot took: by its own id (which its digest holds entries
    with), kept in the store until `until`, begun at `started` (its last run once done);
    taking over a run whose bot died, with the entries that run's digest held (`adopting`)."""

    holder: str
    until: int
    started: int
    adopting: str | None = None
    lost: bool = False  # it lapsed (this bot stalled) and another bot took it over


@dataclass
class Command:
    name: str  # one of COMMANDS
    arg: str = ""


@dataclass
class Section:
    """A heading and its lines; renderers split long sections only between lines."""

    heading: str
    lines: list[str]


@dataclass
class Reply:
    """What the bot says, before any platform shapes it."""

    text: str  # short plain text: notification and fallback; the whole reply when no sections
    title: str = ""
    url: str = ""
    sections: list[Section] = field(default_factory=list)
    context: str = ""  # the footer line: source, byline, date, confidence
    ephemeral: bool = False  # only the person who asked sees it (errors, help)
    paged: bool = False  # too long for one message: sent as several, never trimmed (digests)
    # Called by the adapter once the reply has reached the channel (a digest's entries then
    # count as delivered); not called when sending failed.
    sent: Callable[[], Awaitable[None]] | None = field(default=None, repr=False, compare=False)


def parse(text: str) -> Command:
    """Free text (a mention or a console line) to a command: a leading command word, else an ask."""
    text = _LEADING_MENTIONS.sub("", text or "").strip()
    if not text:
        return Command("help")
    word, _, rest = text.partition(" ")
    name = word.lower().lstrip("/").rstrip(":,")
    if name in COMMANDS:
        return Command(name, rest.strip() if name != "help" else "")
    if "\n" in word:  # "brief\n<pasted article>"
        first, _, rest = text.partition("\n")
        if first.strip().lower() in COMMANDS:
            return Command(first.strip().lower(), rest.strip())
    return Command("ask", text)


def parse_slash(command: str, text: str) -> Command:
    """A slash command: /brief and /ask take their argument, /newsbrief takes a whole command."""
    name = command.lower().lstrip("/")
    if name in COMMANDS:
        return Command(name, (text or "").strip() if name != "help" else "")
    return parse(text)


def strip_mention(text: str, bot_id: str | None) -> str:
    """Remove the bot's own mention (<@U1> or <@!1>) wherever it is, and any leading mention."""
    if bot_id:
        text = re.sub(rf"\s*<@!?{re.escape(bot_id)}>\s*", " ", text)
    return _LEADING_MENTIONS.sub("", text).strip()


def unwrap_links(text: str) -> str:
    return _WRAPPED_URL.sub(r"\1", text)


class Engine:
    """The NLP pipeline behind four calls. Models load on first use, in the worker thread."""

    def __init__(self, allow_files: bool = False, for_questions: bool = True) -> None:
        # One worker: models are not thread-safe and a second thread would only contend for cores.
        self._nlp = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsbrief-nlp")
        # Fetches wait on the network: threads of their own, so a digest's slow sites do not
        # hold up the store calls and the parsing of pasted pages in asyncio's default pool.
        self._fetches = ThreadPoolExecutor(max_workers=8, thread_name_prefix="newsbrief-fetch")
        self.allow_files = allow_files  # local paths only on the console, never from chat users
        # False for one-off commands (`newsbrief digest`): no question will follow, so the
        # sentences a briefing did not need are not embedded after it.
        self.for_questions = for_questions
        self._models_key: str | None = None

    async def _in_nlp(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._nlp, fn, *args)

    async def _fetch(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._fetches, fn, *args)

    def _local_file(self, source: str) -> Path | None:
        """The file `source` names, when files may be read (console) and it is one."""
        from summarizers.article import local_file

        return local_file(source) if self.allow_files and "\n" not in source else None

    async def load(self, source: str) -> Any:
        """A URL (fetched in a thread of its own), a local file (console only), or pasted text."""
        from summarizers.article import article_from_text, load_source

        source = unwrap_links(source).strip()
        if _URL.match(source):
            from summarizers.fetch import fetch_article

            return await self._fetch(fetch_article, source)
        path = self._local_file(source)
        if path is not None:
            return await asyncio.to_thread(load_source, str(path))
        # Off the loop: pasted HTML goes through trafilatura, which takes a while on big pages.
        return await asyncio.to_thread(article_from_text, source, "pasted text")

    async def analyze(self, article: Any) -> Any:
        return await self._in_nlp(_analyze, article)

    async def read_feed(self, source: str) -> Any:
        """A feed from its link (fetched in a thread of its own), or a local file (console)."""
        from summarizers.feeds import FeedError, parse_feed

        source = unwrap_links(source).strip()
        if _URL.match(source):
            from summarizers.fetch import fetch_feed

            return await self._fetch(fetch_feed, source)
        if self.allow_files and "\n" not in source:
            from summarizers.feeds import MAX_FEED_BYTES

            path = self._local_file(source)
            if path is None:
                raise FeedError(f"There is no file at {source[:200]!r}, nor is it a feed link "
                                "(http:// or https://).")
            if path.stat().st_size > MAX_FEED_BYTES:
                raise FeedError(f"{source} is over {MAX_FEED_BYTES:,} bytes, too large a feed.")
            return await self._fetch(lambda: parse_feed(path.read_bytes(), url=source))
        raise FeedError("Give the feed's link (RSS, Atom or JSON Feed): follow "
                        "https://example.com/rss")

    async def digest(self, items: list[Any]) -> Any:
        """Group briefed feed items into stories and find where outlets disagree."""
        return await self._in_nlp(_digest, items)

    async def briefing(self, analysis: Any) -> Any:
        from summarizers.briefing import build_briefing

        return await self._in_nlp(build_briefing, analysis)

    async def models_key(self) -> str:
        """What analyses made here are made with (see summarizers.analysis.models_key)."""
        if self._models_key is None:
            await self._in_nlp(self._file_models_key)
        assert self._models_key is not None
        return self._models_key

    async def dump(self, analysis: Any) -> bytes | None:
        """The analysis as bytes for a store; after the embeddings queued before it are made."""
        from summarizers.analysis import dump_analysis

        return await self._in_nlp(dump_analysis, analysis)

    async def restore(self, article: Any, data: bytes) -> Any:
        """An analysis from what `dump` made, without parsing or embedding again."""
        from summarizers.analysis import load_analysis

        return await self._in_nlp(load_analysis, article, data)

    def embed_rest_later(self, analysis: Any) -> None:
        """Queue the embedding of the sentences the briefing did not need, behind the briefing
        and ahead of any later question, so the reply does not wait for it and questions find
        every vector made."""
        if not self.for_questions:
            return
        self._nlp.submit(_embed_all, analysis)

    async def answer(self, question: str, analyses: list[Any]) -> Any:
        from summarizers.qa import answer_question

        return await self._in_nlp(answer_question, question, analyses)

    def warm_up(self) -> None:
        """Load the models now, in the worker, so the first user does not wait for them (nor
        for the key their stored analyses are filed under)."""
        self._nlp.submit(_load_models)
        self._nlp.submit(self._file_models_key)

    def _file_models_key(self) -> None:
        """Made once, in the worker (it hashes the spaCy weights: about 0.1 s)."""
        from summarizers.analysis import models_key

        if self._models_key is None:
            self._models_key = models_key()

    def close(self) -> None:
        self._nlp.shutdown(wait=False, cancel_futures=True)
        self._fetches.shutdown(wait=False, cancel_futures=True)


def _embed_all(analysis: Any) -> None:
    try:
        analysis.embeddings  # noqa: B018 - made on first access, then kept
    except Exception:  # a question would retry it; the reply has already gone
        log.exception("embedding %s failed", analysis.article.source)


async def _unstoppable(call: Callable[..., T], *args: Any) -> T:
    """`call(*args)` on a worker thread that a cancellation of the caller does not stop: it
    finishes (the bot waits for it at exit) while the cancellation goes on."""
    return await asyncio.shield(asyncio.get_running_loop().run_in_executor(None, call, *args))


async def _finished(write: Callable[..., T], args: tuple[Any, ...],
                    undo: Callable[[T], None]) -> T:
    """`write(*args)` on a worker thread, which a cancellation cannot cut in two: if the caller
    is cancelled meanwhile (once, or again as the bot exits), the write still finishes and
    `undo(its result)` follows on a worker thread too, which the bot waits for at exit."""
    lock = threading.Lock()
    state: dict[str, Any] = {"done": False, "cancelled": False}

    def undo_quietly(result: T) -> None:
        try:
            undo(result)
        except Exception:
            log.exception("could not undo a store write cut short by the bot stopping")

    def run() -> T:
        result = write(*args)
        with lock:
            state["done"], state["result"] = True, result
            cancelled = state["cancelled"]
        if cancelled:
            undo_quietly(result)
        return result

    loop = asyncio.get_running_loop()
    try:
        return await asyncio.shield(loop.run_in_executor(None, run))
    except asyncio.CancelledError:
        with lock:
            state["cancelled"] = True
            finished = state["done"]
        if finished:  # the write ended before the cancellation was seen: undo it here
            loop.run_in_executor(None, undo_quietly, state["result"])
        raise


def _fair_share(feeds: list[list[tuple[str, Any]]], limit: int) -> list[tuple[str, Any]]:
    """At most `limit` entries, the newest of each feed taken in turn, so a busy feed (or one
    dated in the future) cannot keep a quiet or undated one out of every digest."""
    queues = [sorted(entries, key=lambda ke: ke[1].published or _OLDEST, reverse=True)
              for entries in feeds]
    out: list[tuple[str, Any]] = []
    while len(out) < limit and any(queues):
        for queue in queues:
            if queue and len(out) < limit:
                out.append(queue.pop(0))
    return out


def _unread(entry: Any, err: NewsbriefError, page_error: NewsbriefError | None) -> Any:
    """An entry that could not be briefed, with the reason in a feed reader's terms."""
    from summarizers.digest import DigestItem
    from summarizers.errors import TransientFetchError

    words = len(entry.text.split())
    teaser = (f"the feed gives only {_count(words, 'word')} of it" if words < 150 and
              "too little text" in str(err) else f"its text in the feed: {err}")
    if page_error is None:
        why = teaser + ("" if entry.link else ", and no link to the article")
        return DigestItem(entry, error=why[0].upper() + why[1:] + ".")
    # A site too slow or down may answer next time; a missing page or one with no article not.
    return DigestItem(entry, error=f"Its page could not be read ({page_error}) and {teaser}.",
                      retry=isinstance(page_error, TransientFetchError))


def _count(n: int, noun: str) -> str:
    """ "1 feed", "2 feeds", "1 entry", "3 entries" """
    if n == 1:
        return f"1 {noun}"
    return f"{n} {noun[:-1]}ies" if noun.endswith("y") else f"{n} {noun}s"


def _digest(items: list[Any]) -> Any:
    from summarizers.digest import build_digest
    from summarizers.nlp import get_nlp
    from summarizers.stance import stance_many

    return build_digest(items, get_nlp().embed, stance_many)


def _analyze(article: Any) -> Any:
    from summarizers.analysis import analyze
    from summarizers.nlp import get_nlp

    # The bot lives long: the second process speeds up parses from the next article on.
    get_nlp().start_entity_process()
    return analyze(article)


def _load_models() -> None:
    from summarizers import lexicon
    from summarizers.nlp import get_nlp

    nlp = get_nlp()
    nlp.start_entity_process()  # loads beside the models below, in a process of its own
    nlp.parse(["Models are loading."])
    nlp.embed(["Models are loading."])
    nlp.entity_process_ready(timeout=30)  # rarely a wait: it started first
    lexicon.load()


class Background:
    """Work started after an acknowledgement, kept so that shutdown can let it finish."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background work failed", exc_info=task.exception())

    async def drain(self, grace: float) -> None:
        """Wait up to `grace` seconds for running work, then cancel what is left."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=1)


class Core:
    """Runs commands for any adapter. `quick_reply` is the ack path: cheap, no NLP, no I/O."""

    def __init__(
        self,
        engine: Engine | None = None,
        store: ArticleStore | None = None,
        max_queue: int = 20,
        keep_analyses: int = 150,
        timezone: str = "UTC",
        max_feeds: int = 20,
        digest_items: int = 20,
    ) -> None:
        self.engine = engine or Engine()
        self.store = store or MemoryStore()
        self.max_queue = max_queue
        self.timezone = timezone  # of schedules set without one
        self.max_feeds = max_feeds
        self.digest_items = digest_items
        # Platform -> how to post to one of its channels unasked (the adapters register them);
        # scheduled digests go through these.
        self.posters: dict[str, Callable[[Conversation, Reply], Awaitable[None]]] = {}
        self.clock: DigestClock | None = None  # set while the bot serves
        self._digesting: dict[tuple[str, str, str], asyncio.Lock] = {}
        # Fetches of all digests together: half the fetch threads, so `brief` always has some.
        self._digest_fetches = asyncio.Semaphore(4)
        self._pending = 0
        # Analyses in this process, by article id, least recently used first. One the store
        # has outlived (a restart) is read back from the parses it kept, or built again.
        self.keep_analyses = keep_analyses
        self._analyses: OrderedDict[str, Any] = OrderedDict()
        self._building: dict[str, asyncio.Future[Any]] = {}
        self._writes = Background()  # analyses on their way to the store

    def quick_reply(self, cmd: Command) -> Reply | None:
        """A reply that needs no work (help, usage, busy), or None when the command must run."""
        if cmd.name == "help":
            return Reply(HELP_TEXT, title="newsbrief", ephemeral=True)
        usage = {
            "brief": "Send a link or paste the article's text: brief https://example.com/story",
            "ask": "Ask a question about the articles briefed here: ask who denied it?",
            "follow": "Give the feed's link: follow https://example.com/rss",
            "unfollow": "Give the feed's link: unfollow https://example.com/rss",
            "schedule": SCHEDULE_USAGE,
        }
        if not cmd.arg and cmd.name in usage:
            return Reply(usage[cmd.name], ephemeral=True)
        if self._pending >= self.max_queue:
            return Reply("I am busy with other articles right now. Try again in a minute.",
                         ephemeral=True)
        return None

    def working_text(self, cmd: Command) -> str:
        return {"brief": "Reading the article…", "ask": "Looking through the articles…",
                "digest": "Reading the feeds…", "follow": "Reading the feed…"}.get(
                    cmd.name, "One moment…")

    async def run(self, cmd: Command, where: Conversation) -> Reply:
        """Run a command to its reply. Never raises: failures become short ephemeral replies."""
        quick = self.quick_reply(cmd)
        if quick is not None:
            return quick
        self._pending += 1
        try:
            if cmd.name == "brief":
                return await self._brief(cmd.arg, where)
            if cmd.name == "ask":
                return await self._ask(cmd.arg, where)
            return await self._feed_command(cmd, where)
        except StoreError as err:  # the operator's to fix: the user hears only that it is down
            log.error("%s failed for %s: %s", cmd.name, where, err)
            return Reply("Sorry, I could not answer that: my article store is not available "
                         "right now.", ephemeral=True)
        except NewsbriefError as err:  # written for users: show it as it is
            log.info("%s failed for %s: %s", cmd.name, where, err)
            return Reply(str(err), ephemeral=True)
        except Exception:
            log.exception("%s failed for %s", cmd.name, where)
            what = {"brief": "brief that article", "ask": "answer that",
                    "digest": "make the digest"}.get(cmd.name, f"{cmd.name} that")
            return Reply(f"Sorry, I could not {what}: something went wrong on my side.",
                         ephemeral=True)
        finally:
            self._pending -= 1

    async def handle_text(self, text: str, where: Conversation) -> Reply:
        return await self.run(parse(text), where)

    async def _brief(self, source: str, where: Conversation) -> Reply:
        analysis = await self.engine.analyze(await self.engine.load(source))
        briefing = await self.engine.briefing(analysis)
        self._keep(analysis)
        try:
            await asyncio.to_thread(self.store.remember, where, analysis.article)
        except StoreError as err:  # the briefing is made: send it; questions will say the rest
            log.error("could not store %s for %s: %s", analysis.article.source, where, err)
        self.engine.embed_rest_later(analysis)
        self._keep_parsed_later(analysis)
        return briefing_reply(briefing)

    async def _ask(self, question: str, where: Conversation) -> Reply:
        articles = await asyncio.to_thread(self.store.recall, where)
        if not articles:
            raise InputError(
                "No articles have been briefed here yet. Brief one first: brief <link or text>."
            )
        analyses = [await self._analysis(article) for article in articles]
        return answer_reply(await self.engine.answer(question, analyses))

    # -- feeds and digests ------------------------------------------------------------------
    async def _feed_command(self, cmd: Command, where: Conversation) -> Reply:
        if cmd.name == "digest":
            return await self._digest_reply(where)
        if cmd.name == "schedule":
            return await self._schedule(cmd.arg, where)
        follows = await asyncio.to_thread(self.store.follows, where)
        if cmd.name == "feeds":
            return await self._feeds_reply(follows, where)
        url = unwrap_links(cmd.arg).strip()
        if cmd.name == "unfollow":
            if not await asyncio.to_thread(self.store.unfollow, where, url):
                raise InputError(f"This channel does not follow {url}. feeds lists what it "
                                 "follows.")
            return Reply(f"Stopped following {url}.")
        if url in follows:
            return Reply(f"This channel already follows {url}.", ephemeral=True)
        if len(follows) >= self.max_feeds:
            raise InputError(f"This channel follows {_count(len(follows), 'feed')}, the most "
                             "it may. Unfollow one first.")
        feed = await self.engine.read_feed(url)  # a link that is no feed is refused now
        # The feed's own address: a page that named its feed is not fetched at every digest.
        url = feed.url or url
        if url in follows:
            return Reply(f"This channel already follows {url}.", ephemeral=True)
        await asyncio.to_thread(self.store.follow, where, url)
        # The first digest carries the newest entries, not the feed's whole backlog over weeks.
        backlog = [entry_key(url, e.id) for e in feed.entries[self.digest_items:]]
        await asyncio.to_thread(self.store.mark_delivered, where, backlog)
        newest = f' The newest: "{feed.entries[0].title}".' if feed.entries else ""
        return Reply(f"Following {feed.title or url} ({_count(len(feed.entries), 'entry')}, "
                     f"{url}).{newest} Type digest for its new stories, or get them on a "
                     f"schedule: schedule 0 8 * * * {self.timezone}.")

    async def _feeds_reply(self, follows: list[str], where: Conversation) -> Reply:
        schedule = await asyncio.to_thread(self.store.schedule, where)
        if not follows:
            later = f" Digest: {describe_schedule(schedule)}, with nothing to read until then." \
                if schedule else ""
            return Reply("This channel follows no feeds. Add one: follow "
                         f"https://example.com/rss{later}", ephemeral=True)
        lines = [f"• {url}" for url in follows]
        lines.append(f"Digest: {describe_schedule(schedule)}." if schedule else
                     "Digest: when asked (digest), no schedule set.")
        return Reply(f"This channel follows {_count(len(follows), 'feed')}.",
                     sections=[Section("Feeds followed here", lines)], ephemeral=True)

    async def _schedule(self, arg: str, where: Conversation) -> Reply:
        schedule = None if arg.strip().lower() in ("off", "stop", "none") else \
            parse_schedule(arg, self.timezone)
        await asyncio.to_thread(self.store.set_schedule, where, schedule)
        if self.clock is not None:
            self.clock.set(where, schedule)
        if schedule is None:
            return Reply("No more scheduled digests here. digest still gives one when asked.")
        hint = "" if await asyncio.to_thread(self.store.follows, where) else \
            " This channel follows no feeds yet: follow https://example.com/rss"
        return Reply(f"Digest scheduled: {describe_schedule(schedule)}.{hint}")

    def _turn(self, where: Conversation) -> asyncio.Lock:
        """Digests of one channel take turns, from reading its feeds to recording what was
        delivered: a digest asked for while the scheduled one runs finds its entries delivered
        instead of carrying them again."""
        return self._digesting.setdefault(channel_key(where), asyncio.Lock())

    async def _digest_reply(self, where: Conversation) -> Reply:
        async with self._turn(where):
            digest = await self._digest(where)
            if not digest.stories and not digest.unread and not digest.failed_feeds:
                await self.delivered(where, digest)  # renews what the feeds still carry
                return Reply("Nothing new in the feeds followed here since the last digest.",
                             ephemeral=True)
        # Its entries are delivered when the adapter has sent the reply; until then (or for
        # HOLD_S, if sending fails) the store holds them from every other digest here.
        reply = digest_reply(digest)

        async def sent() -> None:
            try:
                await self.delivered(where, digest)
            except StoreError as err:  # shown but not recorded: it may come again, no more
                log.error("could not record the digest delivered to %s: %s", where, err)

        reply.sent = sent
        return reply

    async def digest(self, where: Conversation) -> Any:
        """The channel's feeds read, their entries not yet in a digest here briefed (newest
        first, a fair share from each feed, at most `digest_items`), grouped into stories. Every
        article read is remembered here, so questions can be asked about it. The entries count
        as delivered only once `delivered` is called, when the digest has reached the channel."""
        async with self._turn(where):
            return await self._digest(where)

    async def _digest(self, where: Conversation, holder: str | None = None,
                      adopting: str | None = None) -> Any:
        """The digest (see `digest`), its entries held by `holder` (a new id if None); a run
        taken over from a bot that died goes on with the entries that run held (`adopting`)."""
        holder = holder or uuid.uuid4().hex
        feeds = await asyncio.to_thread(self.store.follows, where)
        if not feeds:
            raise InputError("This channel follows no feeds yet. Add one: "
                             "follow https://example.com/rss")
        fetching = self._digest_fetches

        async def read(url: str) -> Any:
            async with fetching:
                return await self.engine.read_feed(url)

        fed = await asyncio.gather(*(read(u) for u in feeds), return_exceptions=True)
        failed, per_feed = [], []
        for url, feed in zip(feeds, fed, strict=True):
            if isinstance(feed, BaseException):
                if not isinstance(feed, NewsbriefError):
                    log.warning("feed %s could not be read", url, exc_info=feed)
                failed.append((url, str(feed) if isinstance(feed, NewsbriefError)
                               else "it could not be read."))
                continue
            per_feed.append([(entry_key(url, e.id), e) for e in feed.entries])
        seen = [k for entries in per_feed for k, _ in entries]
        done = await asyncio.to_thread(self.store.delivered, where, seen)
        held = await asyncio.to_thread(
            self.store.held, where, [k for k in seen if k not in done], (holder, adopting))
        chosen = _fair_share([[ke for ke in entries if ke[0] not in done and ke[0] not in held]
                              for entries in per_feed], self.digest_items)
        # Held until delivered: another digest here, in this process or another, leaves them.
        tries = await _finished(
            self.store.hold, (where, [k for k, _ in chosen], MAKING_S, holder, adopting),
            lambda taken: self.store.release(where, list(taken), holder))
        new = [(k, e) for k, e in chosen if k in tries]
        try:
            digest = await self._brief_entries(where, new, tries, fetching, holder)
            # Made: held for its sending from now. One another digest took meanwhile (this
            # one took longer than MAKING_S) is that one's to deliver.
            kept = await asyncio.to_thread(self.store.hold, where, digest.keys, HOLD_S, holder)
        except BaseException:
            await self._release(where, list(tries), holder)
            raise
        if len(kept) < len(digest.keys):
            log.warning("digest for %s took over %.0f s to make: %d entries went to another "
                        "digest meanwhile", where, MAKING_S, len(digest.keys) - len(kept))
        digest.failed_feeds = failed
        digest.holder = holder
        # Delivered once it reaches the channel: what was shown, and what the feeds still
        # carry from before (its time renewed, so a long-lived entry is not shown again).
        digest.keys = [k for k in digest.keys if k in kept] + sorted(done)
        return digest

    async def _release(self, where: Conversation, keys: list[str], holder: str) -> None:
        """The entries a digest held are new again: it will not reach the channel."""
        try:
            await _unstoppable(self.store.release, where, keys, holder)
        except StoreError as err:  # its hold lapses instead
            log.error("could not release the digest's entries for %s: %s", where, err)

    async def _brief_entries(self, where: Conversation, new: list[tuple[str, Any]],
                             tries: dict[str, int], fetching: asyncio.Semaphore,
                             holder: str) -> Any:
        """The digest of these (held) entries; `keys` holds those it carries."""
        read_entries = await asyncio.gather(*(self._read_entry(e, where, fetching)
                                              for _, e in new))
        digest = await self.engine.digest([item for item, _ in read_entries])
        for _, analysis in read_entries:  # behind the digest on the worker, not ahead of it
            if analysis is not None:
                self.engine.embed_rest_later(analysis)
                self._keep_parsed_later(analysis)
        # An entry whose page the site could not serve for now is left out, to be tried again
        # at the next digests; after ENTRY_TRIES it is shown as not briefed.
        later = {key for (key, _), (item, _) in zip(new, read_entries, strict=True)
                 if item.retry and tries[key] + 1 < ENTRY_TRIES}
        if later:
            await asyncio.to_thread(self.store.release, where, sorted(later), holder, True)
        waiting = {id(e) for k, e in new if k in later}
        digest.unread = [i for i in digest.unread if id(i.entry) not in waiting]
        digest.keys = [k for k, _ in new if k not in later]
        return digest

    async def delivered(self, where: Conversation, digest: Any) -> None:
        """The digest's entries are in the channel: later digests leave them out."""
        await asyncio.to_thread(self.store.mark_delivered, where, digest.keys)

    async def _read_entry(self, entry: Any, where: Conversation,
                          fetching: asyncio.Semaphore) -> tuple[Any, Any]:
        """A feed entry briefed (a DigestItem, and its analysis if it was read): from the
        feed's own text when it carries the article, else from its page, else from its teaser;
        an entry that cannot be read says why."""
        from summarizers.digest import DigestItem
        from summarizers.feeds import entry_article

        page_error = None  # why the page could not be read, if it was tried
        try:
            article = entry.article()
            if article is None and _URL.match(entry.link):
                try:
                    async with fetching:
                        article = await self.engine.load(entry.link)
                    article.title = entry.title or article.title
                    article.source = entry.outlet or article.source
                    article.url = entry.link
                except NewsbriefError as err:
                    log.info("feed entry %s: %s; briefing its teaser", entry.link, err)
                    page_error = err
            if article is None:
                article = entry_article(entry, entry.text)
            analysis = await self.engine.analyze(article)
            briefing = await self.engine.briefing(analysis)
        except NewsbriefError as err:
            return _unread(entry, err, page_error), None
        except Exception:
            log.exception("feed entry %s could not be briefed", entry.link or entry.id)
            return DigestItem(entry, error="something went wrong on my side."), None
        self._keep(analysis)
        try:
            await asyncio.to_thread(self.store.remember, where, analysis.article)
        except StoreError as err:
            log.error("could not store %s for %s: %s", analysis.article.source, where, err)
        return DigestItem(entry, briefing=briefing), analysis

    async def deliver(self, where: Conversation) -> None:
        """A scheduled digest: posted to the channel when there is something new, and its
        entries counted as delivered only once the post went through."""
        post = self.posters.get(where.platform)
        if post is None:
            log.warning("no %s connection to post the digest for %s", where.platform, where)
            return
        async with self._turn(where):
            run = await self._claim_run(where)
            if run is None:
                return
            making = asyncio.ensure_future(
                self._deliver(where, post, run.holder, run.adopting))
            stop = asyncio.Event()
            keeping = asyncio.ensure_future(self._keep_run(where, run, making, stop))
            try:
                try:
                    await making
                finally:
                    stop.set()
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if run.lost and not (task is not None and task.cancelling()):
                    return  # another bot makes it now
                # Cut short (the bot stopping): still due, made up at the next start; unless
                # the digest was made and posted already.
                made = making.done() and not making.cancelled()
                with contextlib.suppress(StoreError):
                    await _unstoppable(self.store.end_run, where, run.holder,
                                       run.started if made else None)
                raise
            try:
                await keeping  # stopped: back within its renewal, if one is under way
            finally:  # made, so its run is over, even if the bot stops this moment
                try:
                    await _unstoppable(self.store.end_run, where, run.holder, run.started)
                except StoreError as err:  # its time lapses; the bot that makes it again
                    log.error("could not record the digest run for %s: %s", where, err)

    async def _claim_run(self, where: Conversation) -> _Run | None:
        """Is this bot to run the channel's scheduled digest now? Not when the schedule is gone
        or not due by what the store holds (changed, or run by another bot sharing the store),
        nor when another bot claimed it first. Either way the clock is set by the store's
        schedule again. A run another bot is making is tried again when its time lapses, in
        case that bot dies; one that lapsed is taken over, with the entries it holds."""
        try:
            stored = await asyncio.to_thread(self.store.schedule, where)
            if self.clock is not None:
                self.clock.set(where, stored)
            if stored is None or (stored.last_run is not None and missed(stored) is None):
                return None
            now = time.time()
            lapsed = stored.lapsed_run(now)
            if stored.run_until is not None and not lapsed:
                if self.clock is not None:
                    self.clock.retry(where, stored.run_until + 1)
                return None
            run = _Run(uuid.uuid4().hex, int(now + RUN_LEASE_S), int(now),
                       adopting=stored.run_holder if lapsed else None)

            def give_back(claimed: bool) -> None:
                if claimed:
                    self.store.end_run(where, run.holder, None)

            if not await _finished(self.store.claim_run, (where, stored, run.holder, run.until),
                                   give_back):
                # Another bot claimed it just now: made here if that bot dies first.
                if self.clock is not None:
                    self.clock.retry(where, int(now + RUN_LEASE_S) + 1)
                return None
        except NewsbriefError as err:  # the store, or a zone this host does not know
            log.error("scheduled digest for %s not made: %s", where, err)
            return None
        if lapsed:
            log.warning("the digest for %s was begun by a bot that stopped before it was done; "
                        "it is made now", where)
        return run

    async def _keep_run(self, where: Conversation, run: _Run, making: asyncio.Future[None],
                        stop: asyncio.Event) -> None:
        """Renew the run in the store until `stop`, so that it does not lapse while this bot
        makes it. One another bot took over (this one stalled past its time), or that could
        not be kept, stops here."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RUN_RENEW_S)
                return
            until = int(time.time() + RUN_LEASE_S)
            try:
                kept = await asyncio.to_thread(self.store.renew_run, where, run.holder, until)
            except StoreError as err:
                log.error("could not keep the digest run for %s: %s", where, err)
                # Tried again at the next renewal, unless the run would lapse before it: then
                # another bot may take it over, and this one must not post it too.
                kept = time.time() + RUN_RENEW_S < run.until
                if kept:
                    continue
            if stop.is_set():  # done meanwhile (and ended: nothing left to keep)
                return
            if not kept:
                log.warning("the digest run for %s could not be kept (it lapsed, and another "
                            "bot may make it); this one stops", where)
                run.lost = True
                making.cancel()
                return
            run.until = until

    async def _deliver(self, where: Conversation,
                       post: Callable[[Conversation, Reply], Awaitable[None]],
                       holder: str, adopting: str | None) -> None:
        try:
            digest = await self._digest(where, holder, adopting)
        except NewsbriefError as err:
            log.info("scheduled digest for %s not made: %s", where, err)
            return
        except Exception:
            log.exception("scheduled digest for %s failed", where)
            return
        if digest.stories or digest.unread or digest.failed_feeds:
            try:
                await post(where, digest_reply(digest))
            except Exception:
                log.exception("could not post the digest to %s; its entries stay new", where)
                await self._release(where, digest.keys, digest.holder)
                return
        try:
            await self.delivered(where, digest)
        except StoreError as err:
            log.error("could not record the digest delivered to %s: %s", where, err)

    def remember(self, where: Conversation, analysis: Any) -> None:
        """Answer questions here from an analysis made elsewhere (blocks on the store)."""
        self._keep(analysis)
        self.store.remember(where, analysis.article)

    def _keep(self, analysis: Any) -> None:
        self._analyses[analysis.article.id] = analysis
        self._analyses.move_to_end(analysis.article.id)
        while len(self._analyses) > self.keep_analyses:
            self._analyses.popitem(last=False)

    async def _analysis(self, article: Any) -> Any:
        """The analysis of a stored article: the one built here, else built again now (once,
        however many questions wait for it)."""
        analysis = self._analyses.get(article.id)
        if analysis is None:
            building = self._building.get(article.id)
            if building is None:
                building = asyncio.ensure_future(self._analyse_again(article))
                self._building[article.id] = building
                building.add_done_callback(self._built)
            analysis = await asyncio.shield(building)  # a cancelled question leaves it running
        self._keep(analysis)
        return analysis

    async def _analyse_again(self, article: Any) -> Any:
        """Briefed before this process started, or pushed out of memory by newer analyses: read
        back the parses and vectors the store kept, else analyse the article again."""
        analysis = None
        try:
            data = await asyncio.to_thread(self.store.parsed, article.id,
                                           await self.engine.models_key())
        except StoreError as err:  # the article's text came through: analyse it again
            log.warning("could not read the stored analysis of %s: %s", article.source, err)
            data = None
        if data is not None:
            try:
                analysis = await self.engine.restore(article, data)
            except Exception:  # damaged, or from another spaCy: the text is still there
                log.warning("the stored analysis of %s could not be read", article.source,
                            exc_info=True)
        if analysis is None:
            log.info("analysing %s again from the store", article.source)
            analysis = await self.engine.analyze(article)
            self.engine.embed_rest_later(analysis)
            self._keep_parsed_later(analysis)
        self._keep(analysis)  # kept even if every question waiting for it was cancelled
        return analysis

    def _keep_parsed_later(self, analysis: Any) -> None:
        """Once its vectors are made, hand the analysis to a store that outlives this process."""
        if isinstance(self.store, MemoryStore):
            return
        self._writes.spawn(self._keep_parsed(analysis))

    async def _keep_parsed(self, analysis: Any) -> None:
        try:
            data = await self.engine.dump(analysis)  # queued behind embed_rest_later
            if data is not None:
                await asyncio.to_thread(self.store.keep_parsed, analysis.article.id,
                                        await self.engine.models_key(), data)
        except Exception as err:  # the article is stored: a restart analyses it again
            log.warning("could not store the analysis of %s: %s", analysis.article.source, err)

    def _built(self, task: asyncio.Future[Any]) -> None:
        self._building = {k: v for k, v in self._building.items() if v is not task}
        if not task.cancelled() and task.exception() is not None:  # each waiter got it too
            log.warning("analysing a stored article failed: %s", task.exception())

    async def flush(self, timeout: float = 10.0) -> None:
        """Wait (up to `timeout` s) for analyses still being handed to the store; at shutdown."""
        await self._writes.drain(timeout)

    def close(self) -> None:
        self.engine.close()
        self.store.close()


def _side_line(c: Any, side: Any) -> str:
    """"who: what" for a side of a contradiction. The counter side's `what` names each of its
    speakers already ("Esper: ...; Milley: ..."), so it stands alone."""
    return side.what if side is c.counter else f"{side.who}: {side.what}"


def briefing_reply(b: Any) -> Reply:
    """A Briefing as sections, most important first, since renderers trim from the end."""
    sections = [Section("In short", [b.tldr])] if b.tldr else []
    if b.key_points:
        sections.append(Section("Key points", [f"• {p}" for p in b.key_points]))
    c = b.contradiction
    if c is not None:
        lines = []
        for side in (c.claim, c.counter):
            lines.append(_side_line(c, side))
            # One supporting quote, unless the side's summary already quotes it.
            extra = [q for q in side.quotes if q.text.strip("“”\"' …") not in side.what]
            lines += [f"    {q.line()}" for q in extra[:1]]
        if c.why:
            lines.append(f"Why it matters: {c.why}")
        sections.append(Section("The contradiction", lines))
    if b.people:
        sections.append(
            Section("People", [f"• {p.name}, {p.role}" if p.role else f"• {p.name}"
                               for p in b.people])
        )
    if b.timeline:
        sections.append(Section("Timeline", [f"• {t.when}: {t.what}" for t in b.timeline]))
    context = " · ".join(
        x for x in (b.source, b.byline, b.date, f"{b.word_count:,} words" if b.word_count else "")
        if x
    )
    return Reply(
        text=b.tldr or b.title or "Briefing",
        title=b.title or "Briefing",
        url=b.url,
        sections=sections,
        context=context,
    )


def answer_reply(a: Any) -> Reply:
    """An Answer (summarizers.qa): the answer, the quote it rests on, others who fit, the source."""
    if a.abstained:
        return Reply(a.answer or "I could not find that in the articles briefed here.")
    lines = [a.answer]
    if a.quote:
        who = f" ({a.speaker})" if a.speaker else ""
        lines.append(quoted(a.quote) + who)
    elif getattr(a, "sentence", ""):
        # No quote: the article's sentence is the evidence, and says whose word it is.
        lines.append(f"From the article: {a.sentence}")
    others = [getattr(o, "name", None) or str(o) for o in (a.others or [])]
    if others:
        lines.append("Also: " + ", ".join(others))
    lines.extend(f"Says otherwise: {x}" for x in getattr(a, "against", None) or [])
    context = " · ".join(x for x in (a.source, f"confidence {a.confidence:.0%}") if x)
    return Reply(text=a.answer, sections=[Section("", lines)], context=context)


def digest_reply(d: Any) -> Reply:
    """A Digest (summarizers.digest): one section per story, stories told by several outlets
    first; where outlets disagree, both headlines side by side."""
    sections = []
    for story in d.stories:
        lead = story.items[0]
        b = lead.briefing
        lines = []
        if len(story.outlets) > 1:
            lines.append(f"Reported by {len(story.outlets)} outlets: {', '.join(story.outlets)}")
        for split in story.splits:
            lines.append(f"Outlets disagree: {split.claim.entry.outlet} reports "
                         f"{quoted(split.claim.headline)}; {split.counter.entry.outlet}: "
                         f"{quoted(split.counter.headline)}")
        if b.tldr:
            lines.append(b.tldr)
        # The story's key contradiction: the lead article's, else the first other outlet's.
        told = next((i for i in story.items if i.briefing.contradiction is not None), None)
        if told is not None:
            c = told.briefing.contradiction
            whose = f" ({told.entry.outlet})" if told is not lead and told.entry.outlet else ""
            lines.append(f"Contradiction{whose}: {_side_line(c, c.claim)} / "
                         f"{_side_line(c, c.counter)}")
        lines += [f"• {i.entry.outlet}: {i.headline}" + (f" {i.entry.link}" if i.entry.link
                                                           else "")
                  for i in story.items[1:]]
        source = " · ".join(x for x in (lead.entry.outlet, lead.entry.link) if x)
        if source:
            lines.append(source)
        sections.append(Section(lead.headline or b.title or "Story", lines))
    if d.unread:
        sections.append(Section("Not briefed", [
            f"• {i.headline or i.entry.link}: {i.error}" for i in d.unread]))
    if d.failed_feeds:
        sections.append(Section("Feeds not read", [f"• {url}: {why}"
                                                   for url, why in d.failed_feeds]))
    split = sum(bool(s.splits) for s in d.stories)
    text = ", ".join(x for x in (
        _count(len(d.stories), "story"),
        f"{split} where outlets disagree" if split else "",
        f"{_count(len(d.unread), 'entry')} not briefed" if d.unread else "",
        f"{_count(len(d.failed_feeds), 'feed')} not read" if d.failed_feeds else "") if x)
    return Reply(text=f"News digest: {text}.", title="News digest", sections=sections,
                 context=text, paged=True)
