"""End to end over real sockets: the real slack-bolt app against the local Slack stand-in, with the
real NLP pipeline briefing the seed article."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from fakes import SIGNING_SECRET, WAIT, payload
from fakes.slack import BOT_USER_ID, TEAM_ID, sign
from slack_sdk.errors import SlackApiError

from bot.core import Command, Reply, Section
from bot.store import Conversation

SEED_TITLE = "Leaked draft letter contradicts Pentagon on US withdrawal from Iraq"
PINGS = re.compile(r"<[!@#]|@(everyone|here|channel)\b", re.I)


async def post_signed(
    adapter: Any, body: str, content_type: str, secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> tuple[int, str]:
    headers = {"Content-Type": content_type, **sign(secret, body, timestamp)}
    url = f"http://127.0.0.1:{adapter.port}/slack/events"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body.encode(), headers=headers) as resp:
            return resp.status, await resp.text()


def slash(fake: Any, text: str, command: str = "/brief") -> dict[str, str]:
    form = payload("slack_slash_command.json")
    form.update(command=command, text=text, response_url=fake.hook_url())
    return form


async def post_slash(
    adapter: Any, fake: Any, text: str, command: str = "/brief"
) -> tuple[int, str]:
    """Post a signed slash command form for `text` to the adapter, within WAIT."""
    body = urlencode(slash(fake, text, command=command))
    return await asyncio.wait_for(
        post_signed(adapter, body, "application/x-www-form-urlencoded"), WAIT
    )


def texts_of(message: dict[str, Any]) -> list[str]:
    """Every string Slack would show: fallback text and all block texts."""
    out = [message.get("text", "")]
    for block in message.get("blocks", []):
        if "text" in block:
            out.append(block["text"]["text"])
        out += [e["text"] for e in block.get("elements", [])]
    return out


def assert_block_kit_briefing(message: dict[str, Any]) -> None:
    blocks = message["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": SEED_TITLE}}
    assert blocks[-1]["type"] == "context"
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert any("*The contradiction*" in s and "Esper" in s for s in sections), sections
    assert all(len(s) <= 3000 for s in sections) and len(blocks) <= 50
    assert message["text"]  # the plain-text fallback


async def test_signed_slash_brief_over_http_acks_then_posts_block_kit_briefing(
    slack_http: Any, fake_slack: Any, seed_text: str
) -> None:
    status, body = await post_slash(slack_http, fake_slack, seed_text)
    assert (status, body) == (200, "Reading the article…")
    hook = await fake_slack.wait_call("/hooks/", WAIT)
    assert hook.data["response_type"] == "in_channel"
    assert_block_kit_briefing(hook.data)


async def test_app_mention_over_http_answers_in_its_thread_naming_esper(
    slack_http: Any, fake_slack: Any, core: Any, seed_analysis: Any
) -> None:
    core.remember(Conversation("slack", TEAM_ID, "C0NEWS0001"), seed_analysis)
    event = payload("slack_app_mention.json")
    status, _ = await asyncio.wait_for(
        post_signed(slack_http, json.dumps(event), "application/json"), WAIT
    )
    assert status == 200
    post = await fake_slack.wait_call("/api/chat.postMessage", WAIT)
    assert post.data["channel"] == "C0NEWS0001"
    assert post.data["thread_ts"] == event["event"]["ts"]
    assert "Esper" in post.data["text"]
    assert post.auth == "Bearer xoxb-test-bot-token"


async def test_slash_ask_answers_from_the_channels_articles_with_the_quote(
    slack_http: Any, fake_slack: Any, core: Any, seed_analysis: Any
) -> None:
    core.remember(Conversation("slack", TEAM_ID, "C0NEWS0001"), seed_analysis)
    status, body = await post_slash(
        slack_http, fake_slack, "who denied the withdrawal?", command="/ask"
    )
    assert (status, body) == (200, "Looking through the articles…")
    hook = await fake_slack.wait_call("/hooks/", WAIT)
    assert hook.data["response_type"] == "in_channel"
    assert "Esper" in hook.data["text"]
    section = hook.data["blocks"][0]["text"]["text"]
    assert "“There’s been no decision whatsoever to leave Iraq”" in section


async def test_slash_schedule_and_feeds_are_commands_of_their_own(
    slack_http: Any, fake_slack: Any
) -> None:
    status, _ = await post_slash(slack_http, fake_slack, "0 8 * * 1-5 Europe/London",
                                 command="/schedule")
    assert status == 200
    hook = await fake_slack.wait_call("/hooks/", WAIT)
    assert hook.data["text"].startswith("Digest scheduled: 0 8 * * 1-5 (Europe/London)")
    assert hook.data["response_type"] == "in_channel"
    status, _ = await post_slash(slack_http, fake_slack, "", command="/feeds")
    assert status == 200
    listing = await fake_slack.wait_call("/hooks/", WAIT,
                                         after=fake_slack.calls.index(hook) + 1)
    shown = " ".join(texts_of(listing.data))
    assert "follows no feeds" in shown and "0 8 * * 1-5 (Europe/London)" in shown, shown


async def test_forged_or_stale_requests_get_401_and_do_nothing(
    slack_http: Any, fake_slack: Any
) -> None:
    body = urlencode(slash(fake_slack, "https://example.com/story"))
    form = "application/x-www-form-urlencoded"
    forged = await asyncio.wait_for(post_signed(slack_http, body, form, secret="not-it"), WAIT)
    stale = await asyncio.wait_for(
        post_signed(slack_http, body, form, timestamp=int(time.time()) - 600), WAIT
    )
    assert forged[0] == 401 and stale[0] == 401
    mention = json.dumps(payload("slack_app_mention.json"))
    assert (await post_signed(slack_http, mention, "application/json", secret="x"))[0] == 401
    await asyncio.sleep(0.2)  # give any wrongly started work a moment to show itself
    assert fake_slack.calls == []


async def test_socket_mode_brief_then_mention_answers_from_remembered_article(
    slack_socket: Any, fake_slack: Any, seed_text: str
) -> None:
    opened = fake_slack.calls[0]
    assert opened.path == "/api/apps.connections.open"
    assert opened.auth == "Bearer xapp-1-test-app-token"

    envelope = await fake_slack.send_envelope("slash_commands", slash(fake_slack, seed_text))
    ack = await fake_slack.wait_ack(envelope, WAIT)
    assert ack["payload"] == {"text": "Reading the article…"}
    hook = await fake_slack.wait_call("/hooks/", WAIT)
    assert_block_kit_briefing(hook.data)

    # The briefed article is remembered: a bare question in the same channel is answered from it.
    event = payload("slack_app_mention.json")
    envelope = await fake_slack.send_envelope("events_api", event)
    await fake_slack.wait_ack(envelope, WAIT)
    post = await fake_slack.wait_call("/api/chat.postMessage", WAIT)
    assert post.data["thread_ts"] == event["event"]["ts"]
    assert "Esper" in post.data["text"]


async def test_mention_asking_before_any_brief_gets_an_ephemeral_hint(
    slack_socket: Any, fake_slack: Any
) -> None:
    event = payload("slack_app_mention.json")
    await fake_slack.wait_ack(await fake_slack.send_envelope("events_api", event), WAIT)
    post = await fake_slack.wait_call("/api/chat.postEphemeral", WAIT)
    assert post.data["user"] == "U0READER1" and post.data["channel"] == "C0NEWS0001"
    assert "No articles have been briefed here yet" in post.data["text"]


async def test_a_brief_that_fails_tells_only_the_user_why(slack_http: Any, fake_slack: Any) -> None:
    status, _ = await post_slash(slack_http, fake_slack, "hello there")
    assert status == 200
    hook = await fake_slack.wait_call("/hooks/", WAIT)
    assert hook.data["response_type"] == "ephemeral"
    assert "too little text to brief" in hook.data["text"]


async def test_help_is_answered_in_the_ack_itself(slack_http: Any, fake_slack: Any) -> None:
    status, body = await post_slash(slack_http, fake_slack, "help", command="/newsbrief")
    assert status == 200
    reply = json.loads(body)
    assert reply["response_type"] == "ephemeral" and "/brief" in reply["text"]
    assert reply["blocks"][0]["text"]["text"] == "newsbrief"
    assert "/brief" in reply["blocks"][1]["text"]["text"]  # blocks replace the text: repeat it
    # Nothing was posted: bolt only checked its token.
    assert [c.path for c in fake_slack.calls] in ([], ["/api/auth.test"])


async def test_article_with_everyone_pings_nobody_on_slack(
    slack_http: Any, fake_slack: Any, hostile: str
) -> None:
    status, _ = await post_slash(slack_http, fake_slack, hostile)
    assert status == 200
    hook = await fake_slack.wait_call("/hooks/", WAIT)
    shown = texts_of(hook.data)
    assert any("everyone" in t for t in shown)  # the words are still there, harmless
    for text in shown:
        assert not PINGS.search(text), text
    assert f"<@{BOT_USER_ID}>" not in json.dumps(hook.data)


async def test_a_rate_limited_reply_is_sent_again_after_slacks_retry_after(
    slack_socket: Any, fake_slack: Any
) -> None:
    fake_slack.rate_limited["chat.postEphemeral"] = 1
    event = payload("slack_app_mention.json")
    start = time.monotonic()
    await fake_slack.wait_ack(await fake_slack.send_envelope("events_api", event), WAIT)
    first = await fake_slack.wait_call("/api/chat.postEphemeral", WAIT)
    again = await fake_slack.wait_call("/api/chat.postEphemeral", WAIT,
                                       after=fake_slack.calls.index(first) + 1)
    assert time.monotonic() - start >= 1.0  # it waited as long as Slack asked
    assert again.data == first.data and "No articles have been briefed" in again.data["text"]
    assert fake_slack.rate_limited["chat.postEphemeral"] == 0


async def _brief_in(fake: Any, channel: str, text: str) -> None:
    form = slash(fake, text)
    form["channel_id"] = channel
    await fake.wait_ack(await fake.send_envelope("slash_commands", form), WAIT)
    assert_block_kit_briefing((await fake.wait_call("/hooks/", WAIT)).data)


def _mention_in(channel: str, event_id: str) -> dict[str, Any]:
    event = payload("slack_app_mention.json")
    event["event"]["channel"] = channel
    event["event_id"] = event_id
    return event


@pytest.mark.parametrize("private", [True, False])
async def test_articles_briefed_in_a_private_channel_stay_in_it(
    slack_socket: Any, fake_slack: Any, seed_text: str, private: bool
) -> None:
    if private:
        fake_slack.private_channels.add("C0SECRET01")
    await _brief_in(fake_slack, "C0SECRET01", seed_text)
    start = len(fake_slack.calls)
    # Asked in another channel of the workspace.
    await fake_slack.wait_ack(await fake_slack.send_envelope(
        "events_api", _mention_in("C0NEWS0001", "Ev0OTHER")), WAIT)
    if private:
        post = await fake_slack.wait_call("/api/chat.postEphemeral", WAIT, after=start)
        assert "No articles have been briefed here yet" in post.data["text"]
    else:  # a public channel's articles serve the whole workspace
        post = await fake_slack.wait_call("/api/chat.postMessage", WAIT, after=start)
        assert "Esper" in post.data["text"]
    # Asked in the channel itself, it is answered either way.
    start = len(fake_slack.calls)
    await fake_slack.wait_ack(await fake_slack.send_envelope(
        "events_api", _mention_in("C0SECRET01", "Ev0SAME")), WAIT)
    post = await fake_slack.wait_call("/api/chat.postMessage", WAIT, after=start)
    assert post.data["channel"] == "C0SECRET01" and "Esper" in post.data["text"]
    # Slack was asked once per channel, not once per message.
    infos = [c.data["channel"] for c in fake_slack.calls if c.path == "/api/conversations.info"]
    assert sorted(infos) == ["C0NEWS0001", "C0SECRET01"]


DIGEST = Reply(
    "Morning digest for @everyone <!channel>",
    title="@everyone Morning digest",
    sections=[Section("Iraq <!channel>", ["Esper: no decision whatsoever to leave Iraq @everyone",
                                          "<!here> Pentagon calls the letter a draft"])],
    ephemeral=True,  # ignored: a digest has no single reader
)


async def test_post_sends_an_unthreaded_channel_message_that_pings_nobody(
    slack_http: Any, fake_slack: Any
) -> None:
    where = Conversation("slack", TEAM_ID, "C0DIGEST01", user="U0READER1")
    await asyncio.wait_for(slack_http.post(where, DIGEST), WAIT)
    posts = [c for c in fake_slack.calls if c.path.startswith("/api/chat.post")]
    assert [c.path for c in posts] == ["/api/chat.postMessage"]  # public, never ephemeral
    post = posts[0].data
    assert post["channel"] == "C0DIGEST01"
    assert "thread_ts" not in post
    assert post["unfurl_links"] is False and post["unfurl_media"] is False
    sections = [b["text"]["text"] for b in post["blocks"] if b["type"] == "section"]
    assert any("*Iraq" in s and "no decision whatsoever to leave Iraq" in s for s in sections)
    shown = texts_of(post)
    assert any("everyone" in t for t in shown)  # the words are still there, harmless
    for text in shown:
        assert not PINGS.search(text), text


async def test_post_to_a_channel_slack_does_not_know_raises(
    slack_http: Any, fake_slack: Any
) -> None:
    fake_slack.missing_channels.add("C0GONE0001")
    with pytest.raises(SlackApiError) as err:
        await asyncio.wait_for(
            slack_http.post(Conversation("slack", TEAM_ID, "C0GONE0001"), DIGEST), WAIT)
    assert err.value.response["error"] == "channel_not_found"


@pytest.mark.parametrize("expired", [False, True])
async def test_a_slash_digest_counts_as_delivered_once_slack_took_it(
    slack_http: Any, fake_slack: Any, core: Any, tmp_path: Any, monkeypatch: Any, expired: bool
) -> None:
    from bot.store import entry_key

    where = Conversation("slack", TEAM_ID, "C0NEWS0001")
    feed = tmp_path / "feed.xml"
    feed.write_text(
        "<rss version='2.0'><channel><title>Valley Post</title><item><title>Flood closes the "
        "mill road</title><description>Heavy rain flooded the mill road on Tuesday, and the "
        "county closed it until the water goes down, officials said.</description></item>"
        "</channel></rss>", encoding="utf-8")
    monkeypatch.setattr(core.engine, "allow_files", True)  # a feed file stands in for a link
    assert not (await core.run(Command("follow", str(feed)), where)).ephemeral
    key = entry_key(str(feed), "Flood closes the mill road")  # no guid or link: the title
    fake_slack.expired_hooks = expired  # Slack refuses the reply: it reached no one
    status, _ = await post_slash(slack_http, fake_slack, "digest", command="/newsbrief")
    assert status == 200
    hook = await fake_slack.wait_call("/hooks/", WAIT)
    assert any("Flood closes the mill road" in t for t in texts_of(hook.data))
    for _ in range(40):  # the adapter reports it sent right after Slack answered
        if core.store.delivered(where, [key]):
            break
        await asyncio.sleep(0.05)
    assert core.store.delivered(where, [key]) == (set() if expired else {key})
