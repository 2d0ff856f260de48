"""Feeds, digests and scheduled digests end to end: the real pipeline (the session's engine), a
real SQLite store, and a local HTTP server playing the news sites. The sites have made-up public
names that resolve to a public address, and the one place fetch opens a socket routes that
address to the local server, so nothing here needs `allow_private`.

The stories are invented for these tests."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import html
import ipaddress
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fakes import WAIT

import bot.core as core_module
import bot.store as store_module
from bot.app import start_clock
from bot.core import ENTRY_TRIES, Core, Engine, Reply, Section
from bot.render import to_discord, to_slack
from bot.schedule import (
    DigestClock,
    check_timezone,
    describe,
    missed,
    next_run,
    parse_schedule,
    trigger,
)
from bot.store import Conversation, Schedule, SQLStore, channel_key, entry_key, open_store
from summarizers import fetch
from summarizers.errors import InputError

PUBLIC_IP = "93.184.216.34"  # what the made-up sites resolve to; routed to the local server
HOSTS = {
    "gazette.example": [PUBLIC_IP],
    "courier.example": [PUBLIC_IP],
    "valley.example": [PUBLIC_IP],
    "internal.example": ["10.1.2.3"],
}
GAZETTE = "http://gazette.example/rss"
COURIER = "http://courier.example/feed.xml"
VALLEY = "http://valley.example/rss"
HERE = Conversation("slack", "T1", "C1", "U1")
NOW = datetime.now(UTC).replace(microsecond=0)
# What Slack or Discord would turn into a ping (as the adapter tests check).
SLACK_PINGS = re.compile(r"<[!@#]|@(everyone|here|channel)\b", re.I)
DISCORD_PINGS = re.compile(r"<@[!&]?\d+>|@(everyone|here)\b", re.I)

# -- the stories ---------------------------------------------------------------------------------

BRIDGE_CONFIRMS = "Mayor confirms Kestrel Bridge will close in May"
BRIDGE_CONFIRMS_TEXT = [
    "The Dunmore city council voted eight to three on Tuesday night to approve a new crossing "
    "over the Alder River, ending two years of argument over the future of the ageing Kestrel "
    "Bridge. Mayor Helen Okafor confirmed after the vote that the old bridge will close to all "
    "traffic in May, when demolition crews are due to begin removing its steel deck.",
    "“We cannot keep patching a bridge that was built for horses and carts,” Okafor told "
    "reporters outside the council chamber. “The Kestrel Bridge will close in May, and drivers "
    "should start planning other routes now.”",
    "The new bridge, a four-lane concrete span with a separate lane for cyclists, is expected to "
    "cost 64 million dollars and to take about three years to build. The council will pay for "
    "most of it with a state infrastructure grant and a bond approved by voters last autumn.",
    "Business owners on the east bank warned that a long closure would cut them off from their "
    "customers. Priya Natarajan, who runs a hardware store near the bridge, said the city had "
    "given traders too little notice. “Three years is a long time to live without a bridge,” "
    "she said. The council said a temporary ferry service would run while the works last.",
]

BRIDGE_DENIES = "City denies Kestrel Bridge will close in May"
BRIDGE_DENIES_TEXT = [
    "Dunmore councillors approved plans for a new bridge across the Alder River on Tuesday, but "
    "city officials denied reports that the old Kestrel Bridge would shut in May. The council "
    "backed the new crossing by eight votes to three after a long debate in which residents of "
    "both banks spoke for and against it.",
    "City spokesman Daniel Reyes said on Wednesday that no closure date had been set. “The "
    "Kestrel Bridge will not close in May,” Reyes said. “It will stay open until engineers have "
    "finished their survey and a detailed plan for the works has been agreed.”",
    "Reyes said the mayor's remarks after the vote had described an early timetable that was no "
    "longer current. The survey of the bridge's piers is expected to take most of the spring.",
    "The replacement, a concrete span with four lanes and a protected cycle path, will cost an "
    "estimated 64 million dollars, to be paid largely from a state grant and a bond that voters "
    "approved. Construction could take three years. Traders near the bridge welcomed the "
    "clarification. Tom Whitaker, who owns a cafe on the east bank, said many of his customers "
    "crossed the river every morning and that he had feared the worst.",
]

ROBOTS = "Westfield students win national robotics championship"
ROBOTS_TEASER = "A team of five students built a robot that sorts recycling. Read on."
ROBOTS_PAGE = "http://gazette.example/news/robotics"
ROBOTS_TEXT = [
    "A team of five students from Westfield High School won the national robotics championship "
    "in Columbus on Saturday with a machine that sorts household recycling faster than any "
    "other entry in the competition's history.",
    "The robot, which the students named Magpie, uses a camera and a small vacuum arm to pick "
    "glass, paper and plastic from a moving belt. In the final round it sorted 412 items in "
    "three minutes without a single mistake, beating a team from Portland by nine items.",
    "“We rebuilt the arm four times since January,” said team captain Aisha Bello, who is 17. "
    "“The judges kept asking whether it was really all our own work, and it was.”",
    "Their teacher, Marcus Lindqvist, said the school had bought the parts with money raised at "
    "bake sales and a car wash. The students will travel to Geneva in July to represent the "
    "country at the international final, and the city has promised to pay for their flights.",
]

FLOOD = "Heavy rain floods farm roads across the upper valley"
FLOOD_TEASER = (
    "Heavy rain overnight flooded farm roads across the upper valley on Thursday, and the county "
    "closed the old mill road after water rose above the bridge deck near Ashby. Farmers said "
    "they had moved sheep to higher fields before dawn. The county engineer, Ruth Calloway, said "
    "the roads would reopen once the water fell and crews had checked the culverts for damage."
)
FAIR = "County fair opens on Saturday"
PINGED = "@everyone <!channel> Valley choir wins regional contest"
PINGED_TEASER = (
    "<!channel> The Ashby valley choir won the regional contest in Carlow on Sunday, singing "
    "three songs written by its own members. @everyone in the village turned out to welcome "
    "the singers home, and the choir said it would perform at the county fair next month."
)

# -- the news sites ------------------------------------------------------------------------------


def rss(outlet: str, home: str, *items: str) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>{html.escape(outlet)}</title><link>{home}</link>"
            f"<description>News from {html.escape(outlet)}</description>"
            + "".join(items) + "</channel></rss>")


def item(title: str, *, link: str = "", teaser: str = "", paragraphs: list[str] | None = None,
         hours_ago: float = 1) -> str:
    """An RSS item, its text given plain (the feed carries it as HTML); `paragraphs` become its
    content:encoded (the whole article)."""
    parts = [f"<title>{html.escape(html.escape(title))}</title>",
             f"<pubDate>{format_datetime(NOW - timedelta(hours=hours_ago))}</pubDate>"]
    if link:
        parts.append(f"<link>{link}</link>")
    if teaser:
        parts.append(f"<description>{html.escape(html.escape(teaser))}</description>")
    if paragraphs:
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        parts.append(f"<content:encoded>{html.escape(body)}</content:encoded>")
    return "<item>" + "".join(parts) + "</item>"


def web_page(title: str, paragraphs: list[str], head: str = "") -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}'
            f"</title>{head}</head><body><nav><a href='/'>Home</a></nav><article>"
            f"<h1>{html.escape(title)}</h1>{body}</article></body></html>")


def gazette_feed() -> str:
    return rss("Harbour Gazette", "http://gazette.example/",
               item(ROBOTS, link=ROBOTS_PAGE, teaser=ROBOTS_TEASER, hours_ago=1),
               item(BRIDGE_CONFIRMS, link="http://gazette.example/news/bridge",
                    paragraphs=BRIDGE_CONFIRMS_TEXT, hours_ago=3))


def courier_feed() -> str:
    return rss("Riverside Courier", "http://courier.example/",
               item(BRIDGE_DENIES, link="http://courier.example/2024/kestrel",
                    paragraphs=BRIDGE_DENIES_TEXT, hours_ago=2))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        pages = self.server.pages  # type: ignore[attr-defined]
        url = f"http://{self.headers.get('Host', '')}{self.path}"
        self.server.requests.append(url)  # type: ignore[attr-defined]
        status, ctype, body = pages.get(url, (404, "text/plain", b"not here"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Site:
    """What the local server serves, by URL (anything else is a 404), and the addresses fetch
    connected to."""

    def __init__(self, pages: dict[str, tuple[int, str, bytes]]) -> None:
        self.pages = pages
        self.connects: list[str] = []
        self.requests: list[str] = []  # every URL asked for, in order

    def serve(self, url: str, body: str | bytes,
              ctype: str = "application/rss+xml; charset=utf-8") -> None:
        self.pages[url] = (200, ctype, body.encode() if isinstance(body, str) else body)

    def remove(self, url: str) -> None:
        self.pages.pop(url, None)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadingHTTPServer]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.pages = {}  # type: ignore[attr-defined]
    srv.requests = []  # type: ignore[attr-defined]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def site(server: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch) -> Site:
    """The made-up sites resolve to PUBLIC_IP (internal.example to 10.x); a connection to
    PUBLIC_IP reaches the local server, one to any other address is refused (and recorded)."""
    server.pages.clear()  # type: ignore[attr-defined]
    server.requests.clear()  # type: ignore[attr-defined]
    site = Site(server.pages)  # type: ignore[attr-defined]
    site.requests = server.requests  # type: ignore[attr-defined]
    port = server.server_address[1]

    def resolve(host: str, _port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        if host not in HOSTS:
            raise socket.gaierror(f"no such host {host}")
        return HOSTS[host]

    def open_socket(ip: str, _port: int, timeout: float) -> socket.socket:
        site.connects.append(ip)
        if ip != PUBLIC_IP:
            raise ConnectionRefusedError(f"the test network has no {ip}")
        return socket.create_connection(("127.0.0.1", port), timeout)

    monkeypatch.setattr(fetch, "_default_resolve", resolve)
    monkeypatch.setattr(fetch, "_open_socket", open_socket)
    return site


@pytest.fixture
async def core(engine: Engine, tmp_path: Path) -> AsyncIterator[Core]:
    """A core over the session's engine and a SQLite store of the test's own."""
    core = Core(engine=engine, store=open_store(f"sqlite:///{tmp_path}/a.db"),
                timezone="America/New_York")
    yield core
    await core.flush()  # analyses still on their way to the store
    core.store.close()  # not core.close(): that would close the session's engine


@pytest.fixture
async def other_process(core: Core, engine: Engine) -> AsyncIterator[Core]:
    """A second bot sharing the first one's store, as another process would: its own core,
    its own connection to the same database."""
    assert isinstance(core.store, SQLStore)
    other = Core(engine=engine, store=open_store(core.store.url), timezone="America/New_York")
    yield other
    await other.flush()
    other.store.close()


# -- helpers -------------------------------------------------------------------------------------


async def say(core: Core, text: str, where: Conversation = HERE, sent: bool = True) -> Reply:
    """What a user typing `text` gets back; `sent`: the reply reached the channel, as an
    adapter reports it."""
    reply = await asyncio.wait_for(core.handle_text(text, where), WAIT)
    if sent and reply.sent is not None:
        await reply.sent()
    return reply


def section(reply: Reply, heading: str) -> Section:
    found = [s for s in reply.sections if s.heading == heading]
    assert len(found) == 1, [s.heading for s in reply.sections]
    return found[0]


def shown(reply: Reply) -> str:
    """Everything a reply says, as one string."""
    return "\n".join([reply.text, reply.title, reply.context]
                     + [f"{s.heading}\n" + "\n".join(s.lines) for s in reply.sections])


def assert_polite(reply: Reply, *words: str) -> None:
    """An error meant for the one who asked: short, no traceback, not the catch-all apology."""
    assert reply.ephemeral, reply.text
    assert "Traceback" not in reply.text and "went wrong on my side" not in reply.text
    for word in words:
        assert word.lower() in reply.text.lower(), reply.text


async def until(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    end = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < end, "timed out waiting"
        await asyncio.sleep(0.05)


def record_posts(*cores: Core, pause: float = 0.0) -> list[Reply]:
    """What the cores' scheduled digests post to TEST_CHANNEL's platform, in order; `pause`: the
    platform takes that long to take each post."""
    posted: list[Reply] = []

    async def record(where: Conversation, reply: Reply) -> None:
        await asyncio.sleep(pause)
        posted.append(reply)

    for core in cores:
        core.posters[TEST_CHANNEL.platform] = record
    return posted


async def follow_flood_due(core: Core, site: Site) -> None:
    """TEST_CHANNEL follows the Valley Post (the flood), and its scheduled digest is due."""
    serve_flood(site)
    await say(core, f"follow {VALLEY}", TEST_CHANNEL)
    make_due(core, TEST_CHANNEL)


def make_due(core: Core, where: Conversation, cron: str = "0 8 * * *") -> None:
    """The channel has a digest schedule, and a digest fell due since its last run (three days
    ago): a scheduled run now is this one's to make."""
    if core.store.schedule(where) is None:
        core.store.set_schedule(where, Schedule(cron, "UTC"))
    store = core.store
    assert isinstance(store, SQLStore)
    store._run(lambda cur: cur.execute(
        "UPDATE schedules SET last_run = ? WHERE platform = ? AND team = ? AND channel = ?",
        (int(time.time()) - 3 * 86400, *channel_key(where))))


# -- follow, unfollow, feeds ---------------------------------------------------------------------


async def test_follow_names_the_feed_then_feeds_lists_it_until_unfollowed(
    core: Core, site: Site
) -> None:
    site.serve(GAZETTE, gazette_feed())
    reply = await say(core, f"follow <{GAZETTE}|gazette.example/rss>")  # as Slack wraps links
    assert not reply.ephemeral
    assert reply.text.startswith(f"Following Harbour Gazette (2 entries, {GAZETTE}).")
    assert f'The newest: "{ROBOTS}"' in reply.text
    assert core.store.follows(HERE) == [GAZETTE]
    assert site.connects == [PUBLIC_IP]

    feeds = await say(core, "feeds")
    assert feeds.ephemeral
    assert section(feeds, "Feeds followed here").lines == [
        f"• {GAZETTE}", "Digest: when asked (digest), no schedule set."]

    again = await say(core, f"follow {GAZETTE}")
    assert again.ephemeral and "already follows" in again.text
    assert core.store.follows(HERE) == [GAZETTE]

    gone = await say(core, f"unfollow {GAZETTE}")
    assert not gone.ephemeral and gone.text == f"Stopped following {GAZETTE}."
    assert core.store.follows(HERE) == []
    assert "follows no feeds" in (await say(core, "feeds")).text


async def test_unfollow_of_a_feed_not_followed_is_refused_politely(core: Core, site: Site) -> None:
    assert_polite(await say(core, f"unfollow {COURIER}"), "does not follow", COURIER)
    assert site.connects == []


async def test_follow_of_a_web_page_finds_the_feed_it_names(core: Core, site: Site) -> None:
    home = "http://courier.example/"
    site.serve(home, web_page("Riverside Courier", ["Today's news from the river towns."],
                              head='<link rel="alternate" type="application/rss+xml" '
                                   'title="Riverside Courier" href="/feed.xml">'),
               ctype="text/html; charset=utf-8")
    site.serve(COURIER, courier_feed())
    reply = await say(core, f"follow {home}")
    assert not reply.ephemeral
    assert reply.text.startswith(f"Following Riverside Courier (1 entry, {COURIER}).")
    assert core.store.follows(HERE) == [COURIER]  # the feed itself, not the page naming it
    again = await say(core, f"follow {COURIER}")
    assert again.ephemeral and "already follows" in again.text
    assert core.store.follows(HERE) == [COURIER]


async def test_follow_of_a_web_page_that_names_no_feed_is_refused_politely(
    core: Core, site: Site
) -> None:
    site.serve(ROBOTS_PAGE, web_page(ROBOTS, ROBOTS_TEXT), ctype="text/html; charset=utf-8")
    assert_polite(await say(core, f"follow {ROBOTS_PAGE}"), "feed")
    assert core.store.follows(HERE) == []


@pytest.mark.parametrize("url", ["http://127.0.0.1/rss", "http://127.0.0.1:8080/feed.xml",
                                 "http://internal.example/rss", "http://[::1]/rss"])
async def test_follow_of_an_internal_address_is_refused_and_nothing_is_stored(
    core: Core, site: Site, url: str
) -> None:
    assert_polite(await say(core, f"follow {url}"), "which newsbrief does not fetch")
    assert site.connects == []  # refused before any connection
    assert core.store.follows(HERE) == []


@pytest.mark.parametrize("body", [
    pytest.param(b"\x89\x00\xff\xfe garbage \x01\x02 not a feed at all", id="garbage"),
    pytest.param(b"<rss><channel><item>", id="truncated"),
    pytest.param(b"", id="empty"),
    pytest.param(b'{"version": "https://jsonfeed.org/version/1.1", "items": [', id="bad-json"),
])
async def test_a_malformed_feed_is_refused_politely(core: Core, site: Site, body: bytes) -> None:
    site.serve(GAZETTE, body)
    assert_polite(await say(core, f"follow {GAZETTE}"), "feed")
    assert core.store.follows(HERE) == []


async def test_following_more_feeds_than_allowed_is_refused_politely(
    core: Core, site: Site
) -> None:
    core.max_feeds = 1
    site.serve(GAZETTE, gazette_feed())
    site.serve(COURIER, courier_feed())
    assert not (await say(core, f"follow {GAZETTE}")).ephemeral
    assert_polite(await say(core, f"follow {COURIER}"), "the most it may", "unfollow")
    assert core.store.follows(HERE) == [GAZETTE]


# -- digests -------------------------------------------------------------------------------------


def serve_flood(site: Site) -> None:
    """The Valley Post's feed: one story, the flood, as a teaser long enough to brief."""
    site.serve(VALLEY, rss("Valley Post", "http://valley.example/",
                           item(FLOOD, teaser=FLOOD_TEASER)))


async def follow_both_outlets(core: Core, site: Site) -> None:
    """The Gazette and the Courier, both telling the bridge story, followed here."""
    site.serve(GAZETTE, gazette_feed())
    site.serve(COURIER, courier_feed())
    site.serve(ROBOTS_PAGE, web_page(ROBOTS, ROBOTS_TEXT), ctype="text/html; charset=utf-8")
    for url in (GAZETTE, COURIER):
        assert not (await say(core, f"follow {url}")).ephemeral


async def test_digest_groups_the_story_two_outlets_tell_and_says_where_they_disagree(
    core: Core, site: Site
) -> None:
    await follow_both_outlets(core, site)

    reply = await say(core, "digest")
    assert not reply.ephemeral, reply.text
    assert reply.title == "News digest"
    assert reply.text == "News digest: 2 stories, 1 where outlets disagree."
    assert [s.heading for s in reply.sections][1:] == [ROBOTS]

    # The bridge comes first (two outlets), though the robotics story is the newest.
    bridge = reply.sections[0]
    assert bridge.heading in (BRIDGE_CONFIRMS, BRIDGE_DENIES)
    assert bridge.lines[0] in ("Reported by 2 outlets: Harbour Gazette, Riverside Courier",
                               "Reported by 2 outlets: Riverside Courier, Harbour Gazette")
    [split] = [line for line in bridge.lines if line.startswith("Outlets disagree")]
    assert split == (f"Outlets disagree: Harbour Gazette reports “{BRIDGE_CONFIRMS}”; "
                     f"Riverside Courier: “{BRIDGE_DENIES}”")

    # The robotics story was briefed from its page, not from the feed's one-line teaser.
    robots = "\n".join(reply.sections[1].lines)
    assert "Reported by" not in robots and "Outlets disagree" not in robots
    assert "Westfield High School" in robots and "Read on" not in robots
    assert reply.sections[1].lines[-1] == f"Harbour Gazette · {ROBOTS_PAGE}"

    again = await say(core, "digest")
    assert again.ephemeral and again.text.startswith("Nothing new in the feeds")


async def assert_one_of_two_digests_carries_the_news(one: Core, other: Core) -> None:
    """Two digests asked for at once in one channel (through `one` and `other`)."""
    first, second = await asyncio.gather(say(one, "digest"), say(other, "digest"))
    assert sorted([first.ephemeral, second.ephemeral]) == [False, True]
    assert "Nothing new" in (first if first.ephemeral else second).text


async def test_two_digests_asked_at_once_in_one_channel_carry_each_entry_once(
    core: Core, site: Site
) -> None:
    await follow_both_outlets(core, site)
    await assert_one_of_two_digests_carries_the_news(core, core)


async def test_bots_sharing_a_store_carry_each_entry_once(
    core: Core, other_process: Core, site: Site
) -> None:
    await follow_both_outlets(core, site)
    await assert_one_of_two_digests_carries_the_news(core, other_process)


async def test_a_digest_that_never_reached_the_channel_leaves_its_entries_new(
    core: Core, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_flood(site)
    await say(core, f"follow {VALLEY}")
    # The platform refused the reply; once the wait for it is over (HOLD_S, here none), the
    # entry is new again: it never reached anyone.
    monkeypatch.setattr(core_module, "HOLD_S", 0.0)
    lost = await say(core, "digest", sent=False)
    assert [s.heading for s in lost.sections] == [FLOOD]
    again = await say(core, "digest")
    assert [s.heading for s in again.sections] == [FLOOD]
    assert (await say(core, "digest")).text.startswith("Nothing new")


async def test_a_store_that_fails_to_record_a_sent_digest_is_logged_not_raised(
    core: Core, site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    serve_flood(site)
    await say(core, f"follow {VALLEY}")
    reply = await say(core, "digest", sent=False)
    with core.store._conn:  # the store breaks between the digest and its sending
        core.store._conn.execute("DROP TABLE delivered")
    assert reply.sent is not None
    await reply.sent()  # an adapter calling this must not fail: the digest did go out
    assert "could not record the digest delivered" in caplog.text


async def test_a_digest_on_its_way_holds_its_entries_from_another_digest(
    core: Core, site: Site
) -> None:
    serve_flood(site)
    await say(core, f"follow {VALLEY}")
    on_its_way = await say(core, "digest", sent=False)  # the adapter is still sending it
    assert [s.heading for s in on_its_way.sections] == [FLOOD]
    assert (await say(core, "digest")).text.startswith("Nothing new")
    assert on_its_way.sent is not None
    await on_its_way.sent()
    assert (await say(core, "digest")).text.startswith("Nothing new")


async def test_following_a_long_feed_digests_its_newest_entries_not_its_backlog(
    core: Core, site: Site
) -> None:
    items = [item(f"Council minutes, week {k}", teaser=FLOOD_TEASER, hours_ago=24 * k)
             for k in range(core.digest_items + 5)]
    site.serve(VALLEY, rss("Valley Post", "http://valley.example/", *items))
    await say(core, f"follow {VALLEY}")
    first = await core.digest(HERE)
    assert len(first.stories) + len(first.unread) <= core.digest_items
    await core.delivered(HERE, first)
    assert not (await core.digest(HERE)).stories  # the 5 oldest never come


async def test_after_a_digest_questions_are_answered_from_its_articles(
    core: Core, site: Site
) -> None:
    site.serve(COURIER, courier_feed())
    await say(core, f"follow {COURIER}")
    assert not (await say(core, "digest")).ephemeral
    answer = await say(core, "ask Who is the city spokesman?")
    assert not answer.ephemeral
    assert "Daniel Reyes" in answer.text
    assert "Riverside Courier" in answer.context


async def test_a_dead_link_is_briefed_from_its_teaser_and_an_entry_with_neither_is_listed(
    core: Core, site: Site
) -> None:
    site.serve(VALLEY, rss("Valley Post", "http://valley.example/",
                           item(FLOOD, link="http://valley.example/gone/flood",
                                teaser=FLOOD_TEASER, hours_ago=1),
                           item(FAIR, link="http://valley.example/gone/fair",
                                teaser="Details soon.", hours_ago=2)))
    await say(core, f"follow {VALLEY}")
    reply = await say(core, "digest")
    assert not reply.ephemeral, reply.text
    assert reply.text == "News digest: 1 story, 1 entry not briefed."
    assert [s.heading for s in reply.sections] == [FLOOD, "Not briefed"]
    flood = "\n".join(section(reply, FLOOD).lines)
    assert "mill road" in flood or "flooded farm roads" in flood  # the teaser's own words
    [unread] = section(reply, "Not briefed").lines
    assert unread.startswith(f"• {FAIR}: Its page could not be read (The site answered 404")
    assert unread.endswith("and the feed gives only 2 words of it.")

    # A page that is not there will not be there next time: both entries were delivered.
    assert (await say(core, "digest")).text.startswith("Nothing new")


async def test_an_entry_whose_site_is_down_is_tried_again_then_given_up(
    core: Core, site: Site
) -> None:
    site.serve(VALLEY, rss("Valley Post", "http://valley.example/",
                           item(FAIR, link="http://valley.example/busy/fair",
                                teaser="Details soon.")))
    site.pages["http://valley.example/busy/fair"] = (503, "text/html", b"busy")
    await say(core, f"follow {VALLEY}")
    for _ in range(ENTRY_TRIES - 1):  # left out, to be tried again
        assert (await say(core, "digest")).text.startswith("Nothing new")
    reply = await say(core, "digest")  # its last try: shown, with the reason
    [unread] = section(reply, "Not briefed").lines
    assert "The site answered 503" in unread
    assert (await say(core, "digest")).text.startswith("Nothing new")
    assert site.requests.count("http://valley.example/busy/fair") == ENTRY_TRIES


async def test_a_scheduled_digest_that_could_not_be_posted_leaves_its_entries_new(
    core: Core, site: Site
) -> None:
    async def refuse(where: Conversation, reply: Reply) -> None:
        raise RuntimeError("the platform refused the message")

    core.posters["test"] = refuse
    await follow_flood_due(core, site)
    await core.deliver(TEST_CHANNEL)
    reply = await say(core, "digest", TEST_CHANNEL)
    assert [s.heading for s in reply.sections] == [FLOOD]


async def test_bots_sharing_a_store_post_a_scheduled_digest_once(
    core: Core, other_process: Core, site: Site
) -> None:
    # Every bot on a database keeps every channel's schedule (Discord shards, Slack socket
    # connections): the digest is made and posted by whichever claims the run first. The
    # platform takes its time, so the other bot is at work meanwhile.
    posted = record_posts(core, other_process, pause=0.2)
    await follow_flood_due(core, site)
    await asyncio.gather(core.deliver(TEST_CHANNEL), other_process.deliver(TEST_CHANNEL))
    assert [[s.heading for s in r.sections] for r in posted] == [[FLOOD]]
    assert (await say(other_process, "digest", TEST_CHANNEL)).text.startswith("Nothing new")


async def test_bots_sharing_a_store_make_one_digest_per_scheduled_run(
    core: Core, other_process: Core, site: Site
) -> None:
    # More new entries than one digest carries, and a feed that is down: a second bot running
    # the same schedule must neither post the next entries nor report the feed again.
    posted = record_posts(core, other_process)
    core.digest_items = other_process.digest_items = 1
    site.serve(VALLEY, rss("Valley Post", "http://valley.example/",
                           item(FAIR, teaser=FLOOD_TEASER, hours_ago=0.5),
                           item(FLOOD, teaser=FLOOD_TEASER)))
    site.serve(COURIER, courier_feed())
    for url in (VALLEY, COURIER):
        await say(core, f"follow {url}", TEST_CHANNEL)
    site.remove(COURIER)
    make_due(core, TEST_CHANNEL)
    await asyncio.gather(core.deliver(TEST_CHANNEL), other_process.deliver(TEST_CHANNEL))
    assert len(posted) == 1, [r.text for r in posted]
    # The next day's run is the next digest's: the entry left over comes then.
    make_due(core, TEST_CHANNEL)
    await other_process.deliver(TEST_CHANNEL)
    assert len(posted) == 2


@contextlib.asynccontextmanager
async def clock_running(core: Core, site: Site, line: str, reread_every: float = 60
                        ) -> AsyncIterator[tuple[list[Reply], Any]]:
    """TEST_CHANNEL follows the Valley Post with a digest at `line`, and the bot's clock runs
    (reading the store's schedules again every `reread_every` seconds): what it posts, and the
    clock."""
    posted = record_posts(core)
    serve_flood(site)
    await say(core, f"follow {VALLEY}", TEST_CHANNEL)
    await say(core, f"schedule {line}", TEST_CHANNEL)
    clock = start_clock(core, reread_every)
    try:
        yield posted, clock
    finally:
        clock.shutdown()
        await until(lambda: not clock._scheduler.running, timeout=5)


async def test_a_schedule_stopped_or_changed_through_another_bot_is_kept_to(
    core: Core, other_process: Core, site: Site
) -> None:
    async with clock_running(core, site, "0 8 * * * UTC") as (posted, clock):
        assert clock.jobs()[JOB].hour == 8
        # Through the other bot (its own clock): a new time, which is not due yet.
        await say(other_process, "schedule 0 9 * * * UTC", TEST_CHANNEL)
        await core.deliver(TEST_CHANNEL)  # this bot's clock fires by the old schedule
        assert posted == []
        when = clock.jobs()[JOB]  # and its clock now keeps the new one
        assert when is not None and (when.hour, when.minute) == (9, 0)
        await say(other_process, "schedule off", TEST_CHANNEL)
        await core.deliver(TEST_CHANNEL)
        assert posted == [] and JOB not in clock.jobs()


async def test_a_schedule_set_through_another_bot_reaches_this_bots_clock_while_it_runs(
    core: Core, other_process: Core, site: Site
) -> None:
    """Without waiting for a run by the old schedule: the clock reads the store's schedules
    again (here every 0.1 s), so a new channel's schedule, a changed one and a stopped one all
    reach it; one unchanged keeps its next run time."""
    elsewhere = Conversation("test", "T", "C2")
    async with clock_running(core, site, "0 8 * * * UTC", reread_every=0.1) as (posted, clock):
        first = clock.jobs()[JOB]
        await say(other_process, "schedule 30 7 * * * UTC", elsewhere)
        await until(lambda: "digest:test:T:C2" in clock.jobs())
        assert clock.jobs()[JOB] == first  # untouched
        await say(other_process, "schedule 0 9 * * * UTC", TEST_CHANNEL)
        await until(lambda: (clock.jobs()[JOB].hour, clock.jobs()[JOB].minute) == (9, 0))
        await say(other_process, "schedule off", elsewhere)
        await until(lambda: "digest:test:T:C2" not in clock.jobs())
        assert set(clock.jobs()) == {JOB} and posted == []


async def test_a_store_that_cannot_be_read_again_leaves_the_clock_as_it_was(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.store import StoreError

    reads: list[int] = []

    def read() -> list[tuple[Conversation, Schedule]]:
        reads.append(1)
        raise StoreError("the database is down")

    async def deliver(where: Conversation) -> None:
        raise AssertionError("not due")

    clock = DigestClock(deliver)
    clock.start([(TEST_CHANNEL, Schedule("0 8 * * *", "UTC"))], reread=read, every=0.05)
    try:
        await until(lambda: len(reads) >= 2)
        assert list(clock.jobs()) == [JOB]
        assert "could not read the digest schedules again: the database is down" in caplog.text
    finally:
        clock.shutdown()


async def test_a_scheduled_digest_cut_short_is_made_up_at_the_next_start(
    core: Core, site: Site
) -> None:
    started = asyncio.Event()

    async def never_done(where: Conversation, reply: Reply) -> None:
        started.set()
        await asyncio.sleep(3600)  # the platform hangs; the bot is stopped meanwhile

    core.posters["test"] = never_done
    await follow_flood_due(core, site)
    before = core.store.schedule(TEST_CHANNEL)
    run = asyncio.create_task(core.deliver(TEST_CHANNEL))
    await asyncio.wait_for(started.wait(), WAIT)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    after = core.store.schedule(TEST_CHANNEL)
    assert after is not None and after.last_run == before.last_run  # the run is given back
    assert missed(after) is not None  # so the next start makes it up


async def test_a_stop_while_the_run_is_claimed_gives_the_run_back(
    core: Core, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    posted = record_posts(core)
    await follow_flood_due(core, site)
    claim_run = core.store.claim_run
    claiming, claimed = threading.Event(), threading.Event()

    def slow_claim(*args: Any) -> bool:
        claiming.set()
        time.sleep(0.5)  # the database is busy with another writer
        try:
            return claim_run(*args)
        finally:
            claimed.set()

    monkeypatch.setattr(core.store, "claim_run", slow_claim)
    run = asyncio.ensure_future(core.deliver(TEST_CHANNEL))
    await until(claiming.is_set)
    run.cancel()  # the bot stops (what DigestClock.shutdown does to a running job)
    with pytest.raises(asyncio.CancelledError):
        await run
    await until(claimed.is_set)  # the claim was made, whatever the bot did meanwhile ...
    # ... and then undone (on the worker thread: the stopping bot need not wait for it).
    await until(lambda: missed(core.store.schedule(TEST_CHANNEL)) is not None)
    assert posted == []


async def test_a_stop_while_entries_are_taken_leaves_them_free(
    core: Core, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_posts(core)
    await follow_flood_due(core, site)
    hold = core.store.hold
    holding, held = threading.Event(), threading.Event()

    def slow_hold(*args: Any) -> dict[str, int]:
        holding.set()
        time.sleep(0.5)
        try:
            return hold(*args)
        finally:
            held.set()

    monkeypatch.setattr(core.store, "hold", slow_hold)
    run = asyncio.ensure_future(core.deliver(TEST_CHANNEL))
    await until(holding.is_set)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    await until(held.is_set)
    feed = await core.engine.read_feed(VALLEY)
    keys = [entry_key(VALLEY, e.id) for e in feed.entries]
    assert keys
    await until(lambda: core.store.held(TEST_CHANNEL, keys) == set())


async def _posting_forever(bot: Core) -> asyncio.Task[None]:
    """`bot`'s run of TEST_CHANNEL's due digest, once it is posting to a platform that never
    answers."""
    posting = asyncio.Event()

    async def hangs(where: Conversation, reply: Reply) -> None:
        posting.set()
        await asyncio.sleep(3600)

    bot.posters[TEST_CHANNEL.platform] = hangs
    run = asyncio.create_task(bot.deliver(TEST_CHANNEL))
    await asyncio.wait_for(posting.wait(), WAIT)
    return run


async def _dies_while_posting(bot: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    """`bot` makes TEST_CHANNEL's due digest and dies (killed outright, not stopped) while the
    platform takes the post: nothing it would write on its way out reaches the store."""
    run = await _posting_forever(bot)
    for write in ("end_run", "renew_run", "release"):
        monkeypatch.setattr(bot.store, write, lambda *args: True)
    run.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await run


def _run_done(core: Core) -> bool:
    """Was TEST_CHANNEL's due run made: no run under way, and none due?"""
    after = core.store.schedule(TEST_CHANNEL)
    return after is not None and after.run_until is None and missed(after) is None


async def _flood_keys(core: Core) -> list[str]:
    feed = await core.engine.read_feed(VALLEY)
    return [entry_key(VALLEY, e.id) for e in feed.entries]


async def test_a_run_whose_bot_died_is_made_by_the_next_with_the_entries_it_held(
    core: Core, other_process: Core, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core_module, "RUN_LEASE_S", 1)
    posted = record_posts(core)
    await follow_flood_due(core, site)
    await _dies_while_posting(other_process, monkeypatch)
    keys = await _flood_keys(core)
    assert keys and core.store.held(TEST_CHANNEL, keys) == set(keys)  # for the dead digest
    dead = core.store.schedule(TEST_CHANNEL)
    assert dead is not None and dead.run_until is not None and missed(dead) is not None
    await core.deliver(TEST_CHANNEL)  # before its time lapses: the run is still the other's
    assert posted == []
    await until(lambda: core.store.schedule(TEST_CHANNEL).lapsed_run(time.time()))
    await core.deliver(TEST_CHANNEL)  # a restart's make-up run, or this bot's retry
    assert len(posted) == 1 and [s.heading for s in posted[0].sections] == [FLOOD]
    assert core.store.delivered(TEST_CHANNEL, keys) == set(keys)
    assert _run_done(core)
    await core.deliver(TEST_CHANNEL)  # done: not made twice
    assert len(posted) == 1


async def test_a_run_another_bot_is_making_is_made_here_when_that_bot_dies(
    core: Core, other_process: Core, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core_module, "RUN_LEASE_S", 2)
    async with clock_running(core, site, "0 8 * * * UTC") as (posted, clock):
        make_due(core, TEST_CHANNEL)
        await _dies_while_posting(other_process, monkeypatch)
        await core.deliver(TEST_CHANNEL)  # this bot's clock fires while the run is the other's
        assert posted == [] and JOB + ":retry" in clock.jobs()
        await until(lambda: len(posted) == 1)  # tried again once the other's time lapsed
        assert [s.heading for s in posted[0].sections] == [FLOOD]
        assert JOB + ":retry" not in clock.jobs()  # a one-off
        await until(lambda: _run_done(core))  # posted, then recorded


async def test_a_bot_that_loses_the_claim_by_a_moment_still_watches_the_run(
    core: Core, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with clock_running(core, site, "0 8 * * * UTC") as (posted, clock):
        make_due(core, TEST_CHANNEL)
        # Another bot claims between this one's read of the schedule and its claim.
        monkeypatch.setattr(core.store, "claim_run", lambda *args: False)
        await core.deliver(TEST_CHANNEL)
        assert posted == [] and JOB + ":retry" in clock.jobs()  # made here if that bot dies


async def test_a_stop_after_the_digest_was_posted_does_not_give_the_run_back(
    core: Core, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core_module, "RUN_RENEW_S", 0.05)
    renew_run = core.store.renew_run

    def slow_renew(*args: Any) -> bool:
        time.sleep(0.5)  # a renewal under way when the post is done
        return renew_run(*args)

    monkeypatch.setattr(core.store, "renew_run", slow_renew)
    posted = record_posts(core)
    await follow_flood_due(core, site)
    run = asyncio.create_task(core.deliver(TEST_CHANNEL))
    keys = await _flood_keys(core)
    await until(lambda: len(posted) == 1 and core.store.delivered(TEST_CHANNEL, keys))
    await asyncio.sleep(0.1)  # the digest's work is over; its last renewal takes 0.5 s more
    run.cancel()  # the bot stops
    with contextlib.suppress(asyncio.CancelledError):
        await run
    await until(lambda: _run_done(core))  # posted, so done: not made again at the next start


async def test_a_run_is_kept_while_it_is_made_however_long_it_takes(
    core: Core, other_process: Core, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core_module, "RUN_LEASE_S", 1)
    monkeypatch.setattr(core_module, "RUN_RENEW_S", 0.2)
    posted = record_posts(core, other_process, pause=3)  # a platform slower than the claim
    await follow_flood_due(core, site)
    run = asyncio.create_task(core.deliver(TEST_CHANNEL))
    await until(lambda: core.store.schedule(TEST_CHANNEL).run_until is not None)
    await asyncio.sleep(2)  # twice the claim's length
    assert not core.store.schedule(TEST_CHANNEL).lapsed_run(time.time())
    await other_process.deliver(TEST_CHANNEL)  # its clock fires too: the run is taken
    await asyncio.wait_for(run, WAIT)
    assert len(posted) == 1
    assert _run_done(core)


async def test_a_bot_that_stalled_past_its_run_leaves_it_to_the_one_that_took_it_over(
    core: Core, other_process: Core, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core_module, "RUN_RENEW_S", 0.2)
    posted = record_posts(other_process)
    await follow_flood_due(core, site)
    run = await _posting_forever(core)
    # Its time lapses, as if the bot had stalled (a machine asleep), and the other bot takes
    # the run over: it posts the digest, and this one stops without posting.
    store = core.store
    assert isinstance(store, SQLStore)
    store._run(lambda cur: cur.execute("UPDATE schedules SET run_until = ?",
                                       (int(time.time()) - 1,)))
    await other_process.deliver(TEST_CHANNEL)
    assert len(posted) == 1 and [s.heading for s in posted[0].sections] == [FLOOD]
    await asyncio.wait_for(run, WAIT)  # it returns: no error, nothing more posted
    assert len(posted) == 1
    assert _run_done(core)
    assert core.store.delivered(TEST_CHANNEL, await _flood_keys(core))


def _console_stops_while(core: Core, started: threading.Event) -> None:
    """The console bot (run_console's session) running a missed digest at start, and reaching
    its end while the digest's store write is under way: asyncio.run then cancels what is
    left, the write's own task included."""
    async def session() -> None:
        record_posts(core)
        clock = start_clock(core)
        try:
            await until(started.is_set)
        finally:
            clock.shutdown()
        await core.flush()

    asyncio.run(session())


def test_a_bot_exiting_while_the_run_is_claimed_gives_the_run_back(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(f"sqlite:///{tmp_path}/a.db")
    core = Core(engine=engine, store=store, timezone="UTC")
    try:
        make_due(core, TEST_CHANNEL)
        claim_run = store.claim_run
        claiming = threading.Event()

        def slow_claim(*args: Any) -> bool:
            claiming.set()
            time.sleep(0.5)  # the database is busy with another writer
            return claim_run(*args)

        monkeypatch.setattr(store, "claim_run", slow_claim)
        _console_stops_while(core, claiming)
        after = store.schedule(TEST_CHANNEL)
        assert after is not None and missed(after) is not None
    finally:
        store.close()


def test_a_bot_exiting_while_entries_are_taken_leaves_them_free(
    engine: Engine, site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(f"sqlite:///{tmp_path}/a.db")
    core = Core(engine=engine, store=store, timezone="UTC")
    try:
        serve_flood(site)
        asyncio.run(core.handle_text(f"follow {VALLEY}", TEST_CHANNEL))
        make_due(core, TEST_CHANNEL)
        hold = store.hold
        holding = threading.Event()

        def slow_hold(*args: Any) -> dict[str, int]:
            holding.set()
            time.sleep(0.5)
            return hold(*args)

        monkeypatch.setattr(store, "hold", slow_hold)
        _console_stops_while(core, holding)
        feed = asyncio.run(core.engine.read_feed(VALLEY))
        keys = [entry_key(VALLEY, e.id) for e in feed.entries]
        assert keys and store.held(TEST_CHANNEL, keys) == set()
    finally:
        store.close()


async def test_a_clock_that_runs_a_missed_digest_takes_the_stores_new_time(
    core: Core, other_process: Core, site: Site
) -> None:
    async with clock_running(core, site, "0 9 * * * UTC") as (posted, clock):
        assert clock.jobs()[JOB].hour == 9
        # Moved to 08:00 through another bot, which then stopped; 08:00 has since passed.
        await say(other_process, "schedule 0 8 * * * UTC", TEST_CHANNEL)
        make_due(core, TEST_CHANNEL)
        await core.deliver(TEST_CHANNEL)  # this bot's clock fires by the old line
        assert len(posted) == 1  # the missed run is made
        assert clock.jobs()[JOB].hour == 8  # and the clock keeps the new time from now on


async def test_a_stored_schedule_this_host_cannot_read_is_logged_not_raised(
    core: Core, site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    posted = record_posts(core)
    serve_flood(site)
    await say(core, f"follow {VALLEY}", TEST_CHANNEL)
    await say(core, "schedule 0 9 * * * UTC", TEST_CHANNEL)
    # Another bot, with newer time zone data, moved it to a zone this host does not have.
    with core.store._conn:
        core.store._conn.execute("UPDATE schedules SET timezone = 'Mars/Olympus_Mons'")
    await core.deliver(TEST_CHANNEL)  # must not raise into the scheduler
    assert posted == [] and "Mars/Olympus_Mons" in caplog.text


async def test_a_digest_slow_to_make_still_holds_its_entries_while_it_is_sent(
    core: Core, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_flood(site)
    await say(core, f"follow {VALLEY}")
    made = core.engine.digest
    now = time.time

    async def slow(items: list[Any]) -> Any:  # making it took longer than HOLD_S
        digest = await made(items)
        later = SimpleNamespace(time=lambda: now() + core_module.HOLD_S + 1,
                                monotonic=time.monotonic, sleep=time.sleep)
        monkeypatch.setattr(store_module, "time", later)  # the store's clock, moved on
        return digest

    monkeypatch.setattr(core.engine, "digest", slow)
    first = await say(core, "digest", sent=False)  # made; the adapter is sending it
    assert [s.heading for s in first.sections] == [FLOOD]
    monkeypatch.setattr(core.engine, "digest", made)
    assert (await say(core, "digest")).text.startswith("Nothing new")


async def test_tries_at_a_site_that_is_down_are_counted_across_a_restart(
    core: Core, other_process: Core, site: Site
) -> None:
    site.serve(VALLEY, rss("Valley Post", "http://valley.example/",
                           item(FAIR, link="http://valley.example/busy/fair",
                                teaser="Details soon.")))
    site.pages["http://valley.example/busy/fair"] = (503, "text/html", b"busy")
    await say(core, f"follow {VALLEY}")
    for _ in range(ENTRY_TRIES - 1):
        assert (await say(core, "digest")).text.startswith("Nothing new")
    # The bot restarts (here: the other bot on the same store makes the next digest).
    reply = await say(other_process, "digest")
    [unread] = section(reply, "Not briefed").lines
    assert "The site answered 503" in unread
    assert site.requests.count("http://valley.example/busy/fair") == ENTRY_TRIES


async def test_entries_still_in_the_feed_have_their_delivery_renewed(
    core: Core, site: Site
) -> None:
    serve_flood(site)
    await say(core, f"follow {VALLEY}")
    first = await core.digest(HERE)
    await core.delivered(HERE, first)
    again = await core.digest(HERE)
    assert not again.stories and again.keys == first.keys  # seen again: its time renewed


def test_each_feed_gets_its_turn_so_a_busy_feed_cannot_crowd_out_a_quiet_one() -> None:
    from types import SimpleNamespace

    from bot.core import _fair_share

    busy = [(f"b{k}", SimpleNamespace(published=datetime(2026, 1, 1 + k, tzinfo=UTC)))
            for k in range(25)]
    quiet = [(f"q{k}", SimpleNamespace(published=None)) for k in range(2)]
    chosen = [k for k, _ in _fair_share([busy, quiet], 6)]
    assert chosen == ["b24", "q0", "b23", "q1", "b22", "b21"]


async def test_a_feed_that_cannot_be_read_is_listed_and_the_digest_still_comes(
    core: Core, site: Site
) -> None:
    serve_flood(site)
    site.serve(COURIER, courier_feed())
    for url in (COURIER, VALLEY):
        await say(core, f"follow {url}")
    site.remove(COURIER)  # the Courier's feed is gone since it was followed: a 404

    reply = await say(core, "digest")
    assert not reply.ephemeral, reply.text
    assert [s.heading for s in reply.sections] == [FLOOD, "Feeds not read"]
    [failed] = section(reply, "Feeds not read").lines
    assert failed.startswith(f"• {COURIER}: The site answered 404")
    assert "Traceback" not in shown(reply)


async def test_pings_written_in_a_feed_never_ping_in_slack_or_discord(
    core: Core, site: Site
) -> None:
    site.serve(VALLEY, rss("Valley Post", "http://valley.example/",
                           item(PINGED, teaser=PINGED_TEASER)))
    await say(core, f"follow {VALLEY}")
    reply = await say(core, "digest")
    assert not reply.ephemeral, reply.text
    text = shown(reply)
    assert "@everyone" in text and "<!channel>" in text  # the digest does carry them

    slack = to_slack(reply)
    for block_text in [slack["text"]] + [b["text"]["text"] for b in slack["blocks"]
                                         if "text" in b]:
        assert not SLACK_PINGS.search(block_text), block_text
    for message in to_discord(reply):
        embed = message.get("embed", {})
        for part in (message.get("content", ""), embed.get("title", ""),
                     embed.get("description", ""), embed.get("footer", {}).get("text", "")):
            assert not DISCORD_PINGS.search(part), part
        assert "everyone" in embed.get("description", "")  # still readable, just harmless


# -- the schedule command ------------------------------------------------------------------------

NEXT_WEEKDAY_8AM = re.compile(r"next on (Mon|Tue|Wed|Thu|Fri) \d{1,2} [A-Z][a-z]{2} 08:00\.")


async def test_schedule_with_a_zone_says_when_the_next_weekday_digest_comes(core: Core) -> None:
    reply = await say(core, "schedule 0 8 * * 1-5 Europe/London")
    assert not reply.ephemeral
    assert reply.text.startswith("Digest scheduled: 0 8 * * 1-5 (Europe/London), next on ")
    assert NEXT_WEEKDAY_8AM.search(reply.text), reply.text
    assert "follows no feeds yet" in reply.text
    assert core.store.schedules() == [(Conversation("slack", "T1", "C1"),
                                       Schedule("0 8 * * 1-5", "Europe/London"))]


async def test_schedule_without_a_zone_uses_the_bots_time_zone(core: Core) -> None:
    reply = await say(core, "schedule 0 8 * * 1-5")
    assert "(America/New_York)" in reply.text and NEXT_WEEKDAY_8AM.search(reply.text)
    [(_, schedule)] = core.store.schedules()
    assert schedule == Schedule("0 8 * * 1-5", "America/New_York")


@pytest.mark.parametrize(("line", "words"), [
    ("0 8 * *", ["five fields"]),
    ("61 8 * * *", ["61 8 * * *"]),
    ("0 8 * * 1-5 Mars/Base", ["Mars/Base", "time zone"]),
    ("0 8 * * 9", ["day of the week"]),
    ("0 8 30 2 *", ["never comes"]),  # 30 February
])
async def test_a_bad_schedule_is_refused_politely(core: Core, line: str, words: list[str]) -> None:
    assert_polite(await say(core, f"schedule {line}"), *words)
    assert core.store.schedules() == []


async def test_schedule_off_stops_the_digests(core: Core) -> None:
    await say(core, "schedule 30 7 * * * Europe/Paris")
    assert len(core.store.schedules()) == 1
    reply = await say(core, "schedule off")
    assert not reply.ephemeral and reply.text.startswith("No more scheduled digests here.")
    assert core.store.schedules() == []


# -- bot.schedule --------------------------------------------------------------------------------

LONDON = ZoneInfo("Europe/London")
SATURDAY_NOON = datetime(2024, 6, 1, 12, 0, tzinfo=LONDON)


def runs(cron: str, n: int, after: datetime = SATURDAY_NOON) -> list[str]:
    """The next `n` runs of a crontab line in London, as "Sun 2 Jun 08:00"."""
    out = []
    for _ in range(n):
        when = next_run(Schedule(cron, "Europe/London"), after)
        assert when is not None
        out.append(f"{when:%a} {when.day} {when:%b %H:%M}")
        after = when + timedelta(minutes=1)
    return out


def test_weekday_numbers_count_from_sunday_as_in_crontab() -> None:
    assert SATURDAY_NOON.strftime("%A") == "Saturday"
    assert runs("0 8 * * 1-5", 2) == ["Mon 3 Jun 08:00", "Tue 4 Jun 08:00"]
    assert runs("0 8 * * 1", 1) == ["Mon 3 Jun 08:00"]
    assert runs("0 8 * * 6", 1) == ["Sat 8 Jun 08:00"]


@pytest.mark.parametrize("cron", ["0 8 * * 0", "0 8 * * 7", "0 8 * * sun"])
def test_sunday_is_0_7_or_sun(cron: str) -> None:
    assert runs(cron, 2) == ["Sun 2 Jun 08:00", "Sun 9 Jun 08:00"]


def test_steps_and_lists_of_weekdays() -> None:
    assert runs("0 8 * * */2", 4) == ["Sun 2 Jun 08:00", "Tue 4 Jun 08:00", "Thu 6 Jun 08:00",
                                      "Sat 8 Jun 08:00"]
    assert runs("0 8 * * 1-5/2", 3) == ["Mon 3 Jun 08:00", "Wed 5 Jun 08:00", "Fri 7 Jun 08:00"]
    assert runs("0 8 * * 5-7", 3) == ["Sun 2 Jun 08:00", "Fri 7 Jun 08:00", "Sat 8 Jun 08:00"]
    assert runs("15 9 * * 1,3", 2) == ["Mon 3 Jun 09:15", "Wed 5 Jun 09:15"]


def test_weekday_names_pass_through() -> None:
    assert runs("0 8 * * mon-fri", 2) == runs("0 8 * * 1-5", 2)
    assert runs("0 8 * * SAT,sun", 2) == ["Sun 2 Jun 08:00", "Sat 8 Jun 08:00"]


def test_a_range_of_day_names_may_start_on_sunday_as_in_crontab() -> None:
    # crontab reads "sun-tue" as 0-2; it must mean what "0-2" means.
    assert runs("0 8 * * sun-tue", 3) == runs("0 8 * * 0-2", 3)


def test_a_day_of_month_and_a_weekday_mean_either_as_in_crontab() -> None:
    # crontab runs "0 8 1 * 1" on the 1st of the month and on every Monday, not only on
    # Mondays that are the 1st.
    saturday = datetime(2024, 5, 25, 12, 0, tzinfo=LONDON)
    assert runs("0 8 1 * 1", 3, saturday) == ["Mon 27 May 08:00", "Sat 1 Jun 08:00",
                                              "Mon 3 Jun 08:00"]


def test_parse_schedule_takes_an_optional_zone() -> None:
    assert parse_schedule("0 8 * * 1-5 Asia/Tokyo", "UTC") == Schedule("0 8 * * 1-5", "Asia/Tokyo")
    assert parse_schedule("  0 8 * * 1-5 ", "UTC") == Schedule("0 8 * * 1-5", "UTC")
    with pytest.raises(InputError, match="five fields"):
        parse_schedule("0 8 * * 1-5 Europe/London extra", "UTC")


def test_the_schedule_is_kept_in_local_time_across_a_clock_change() -> None:
    # London moves to summer time on 31 March 2024: 08:00 stays 08:00 local.
    before = datetime(2024, 3, 29, 12, 0, tzinfo=LONDON)
    assert runs("0 8 * * 1-5", 1, before) == ["Mon 1 Apr 08:00"]
    when = next_run(Schedule("0 8 * * 1-5", "Europe/London"), before)
    assert when is not None and when.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize("name", ["UTC", "Europe/London", "America/Argentina/Buenos_Aires"])
def test_check_timezone_accepts_iana_names(name: str) -> None:
    assert check_timezone(name).key == name


@pytest.mark.parametrize("name", ["Mars/Base", "London", "EST", "../etc/passwd", "", "Europe/"])
def test_check_timezone_refuses_anything_else_politely(name: str) -> None:
    with pytest.raises(InputError, match="not a time zone I know"):
        check_timezone(name)


def test_describe_names_the_line_the_zone_and_the_next_run() -> None:
    text = describe(Schedule("0 8 * * 1-5", "Europe/London"))
    assert text.startswith("0 8 * * 1-5 (Europe/London), next on ")
    assert re.search(r"next on (Mon|Tue|Wed|Thu|Fri) \d{1,2} [A-Z][a-z]{2} 08:00$", text), text


# -- the digest clock ----------------------------------------------------------------------------

TEST_CHANNEL = Conversation("test", "T", "C")
JOB = "digest:test:T:C"


async def test_start_clock_sets_the_schedules_the_store_kept(core: Core) -> None:
    core.store.set_schedule(TEST_CHANNEL, Schedule("0 8 * * 1-5", "Europe/London"))
    clock = start_clock(core)
    try:
        assert core.clock is clock
        when = clock.jobs()[JOB]
        assert when is not None and str(when.tzinfo) == "Europe/London"
    finally:
        clock.shutdown()
        await asyncio.sleep(0)  # the scheduler shuts down on the loop


async def test_the_clock_posts_the_digest_on_time_and_nothing_when_nothing_is_new(
    core: Core, site: Site
) -> None:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

    posted: list[tuple[Conversation, Reply]] = []

    async def record(where: Conversation, reply: Reply) -> None:
        posted.append((where, reply))

    core.posters["test"] = record
    serve_flood(site)
    assert not (await say(core, f"follow {VALLEY}", TEST_CHANNEL)).ephemeral

    clock = start_clock(core)
    runs_done: list[object] = []
    clock._scheduler.add_listener(runs_done.append, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    try:
        reply = await say(core, "schedule 0 8 * * 1-5 Europe/London", TEST_CHANNEL)
        assert NEXT_WEEKDAY_8AM.search(reply.text), reply.text
        when = clock.jobs()[JOB]
        assert when is not None and str(when.tzinfo) == "Europe/London"
        assert when.weekday() < 5 and (when.hour, when.minute) == (8, 0)
        assert when > datetime.now(UTC)

        # Rather than wait for 08:00: as if the last run were days ago, and the job due now
        # (APScheduler runs it at once).
        make_due(core, TEST_CHANNEL)
        clock._scheduler.modify_job(JOB, next_run_time=datetime.now(UTC))
        await until(lambda: len(runs_done) == 1)
        assert [where for where, _ in posted] == [TEST_CHANNEL]
        digest = posted[0][1]
        assert digest.title == "News digest" and not digest.ephemeral
        assert [s.heading for s in digest.sections] == [FLOOD]
        # After running, the job waits for the next weekday 08:00 again.
        after = clock.jobs()[JOB]
        assert after is not None and after.weekday() < 5 and after.hour == 8

        make_due(core, TEST_CHANNEL)
        clock._scheduler.modify_job(JOB, next_run_time=datetime.now(UTC))
        await until(lambda: len(runs_done) == 2)
        assert len(posted) == 1  # nothing new: nothing posted
        # Run early, by the store's account not yet due (another bot ran it): nothing made.
        clock._scheduler.modify_job(JOB, next_run_time=datetime.now(UTC))
        await until(lambda: len(runs_done) == 3)
        assert len(posted) == 1
        assert all(getattr(e, "exception", None) is None for e in runs_done)
    finally:
        clock.shutdown()
        await until(lambda: not clock._scheduler.running, timeout=5)


async def test_a_digest_due_while_no_bot_ran_is_made_up_once_at_start(
    core: Core, site: Site
) -> None:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

    posted = record_posts(core)
    serve_flood(site)
    await say(core, f"follow {VALLEY}", TEST_CHANNEL)
    # It last ran three days ago: since then at least two 08:00 digests fell due, unseen.
    make_due(core, TEST_CHANNEL)
    before = time.time()
    clock = DigestClock(core.deliver)
    runs_done: list[object] = []
    clock._scheduler.add_listener(runs_done.append, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    clock.start(core.store.schedules())
    try:
        await until(lambda: len(runs_done) == 1)
        assert [[s.heading for s in r.sections] for r in posted] == [[FLOOD]]  # one, not two
        after = clock.jobs()[JOB]
        assert after is not None and after > datetime.now(UTC) and after.hour == 8
        [(_, schedule)] = core.store.schedules()
        assert schedule.last_run is not None and schedule.last_run >= int(before)
    finally:
        clock.shutdown()
        await until(lambda: not clock._scheduler.running, timeout=5)
    # The next start finds nothing missed.
    assert missed(schedule) is None


def test_missed_is_the_first_due_time_after_the_last_run_once_it_has_passed() -> None:
    daily = Schedule("0 8 * * *", "Europe/London")
    ran = int(datetime(2026, 6, 1, 9, tzinfo=UTC).timestamp())  # 10:00 in London
    first_due = datetime(2026, 6, 2, 8, tzinfo=ZoneInfo("Europe/London"))
    ran_then = dataclasses.replace(daily, last_run=ran)
    assert missed(ran_then, now=datetime(2026, 6, 2, 6, tzinfo=UTC)) is None  # not due yet
    assert missed(ran_then, now=datetime(2026, 6, 2, 7, tzinfo=UTC)) == first_due
    assert missed(ran_then, now=datetime(2026, 6, 9, tzinfo=UTC)) == first_due  # one, the first
    assert missed(daily, now=datetime(2026, 6, 9, tzinfo=UTC)) is None  # never ran: unknown


def test_a_fixed_time_digest_runs_once_when_the_clocks_go_back_as_in_cron() -> None:
    # London goes back from 02:00 BST to 01:00 GMT on 26 October 2025: 01:30 happens twice.
    before = datetime(2025, 10, 26, 0, tzinfo=UTC)

    def fires(cron: str, n: int) -> list[str]:
        t = trigger(Schedule(cron, "Europe/London"))
        out, prev, now = [], None, before
        for _ in range(n):
            prev = t.get_next_fire_time(prev, now)
            out.append(prev.isoformat())
            now = prev.astimezone(UTC) + timedelta(microseconds=1)
        return out

    assert fires("30 1 * * *", 2) == ["2025-10-26T01:30:00+01:00", "2025-10-27T01:30:00+00:00"]
    # A job every half hour runs through the repeated hour, as cron runs it.
    assert fires("*/30 * * * *", 4) == [
        "2025-10-26T01:00:00+01:00", "2025-10-26T01:30:00+01:00",
        "2025-10-26T01:00:00+00:00", "2025-10-26T01:30:00+00:00"]


async def test_the_console_counts_a_digest_delivered_once_it_is_printed(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from bot.adapters.console import chat

    monkeypatch.setattr(core.engine, "allow_files", True)  # the console reads local files
    feed = tmp_path / "valley.xml"
    feed.write_text(rss("Valley Post", "http://valley.example/",
                        item(FLOOD, teaser=FLOOD_TEASER)), encoding="utf-8")
    out = io.StringIO()
    await chat(core, io.StringIO(f"follow {feed}\ndigest\n"), out)
    assert FLOOD.upper() in out.getvalue()
    where = Conversation("console", "local", "console")
    [feed_url] = core.store.follows(where)
    keys = [entry_key(feed_url, FLOOD)]  # an item with no guid or link: its title is its id
    assert core.store.delivered(where, keys) == set(keys)
