"""End to end over real sockets: a real discord.py client against the local Discord stand-in
(REST + gateway), with the real NLP pipeline briefing the seed article."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import discord
import pytest
from fakes import WAIT, payload
from fakes.discord import APP_ID, CHANNEL_ID, GUILD_ID, snowflake

from bot.core import Reply, Section
from bot.store import Conversation

SEED_TITLE = "Leaked draft letter contradicts Pentagon on US withdrawal from Iraq"
PINGS = re.compile(r"<@[!&]?\d+>|@(everyone|here)\b", re.I)


def interaction(command: str, option: str = "", value: str = "") -> dict[str, Any]:
    data = payload("discord_interaction_create.json")
    data["id"] = snowflake()
    data["token"] = f"token-{data['id']}"
    options = [{"name": option, "type": 3, "value": value}] if option else []
    data["data"].update(name=command, options=options)
    return data


async def test_synced_commands_and_identified_without_message_content_intent(
    discord_bot: Any, fake_discord: Any
) -> None:
    sync = await fake_discord.wait_request("PUT", f"/applications/{APP_ID}/commands", WAIT)
    assert sorted(c["name"] for c in sync.data) == [
        "ask", "brief", "digest", "feeds", "follow", "newsbrief", "schedule", "unfollow"]
    options = {c["name"]: [o["name"] for o in c.get("options", [])] for c in sync.data}
    assert options["follow"] == options["unfollow"] == ["feed"]
    assert options["schedule"] == ["when"] and options["feeds"] == options["digest"] == []
    intents = fake_discord.identified["intents"]
    assert not intents & (1 << 15), "MESSAGE_CONTENT is privileged and must not be asked for"


async def test_brief_interaction_is_deferred_then_followed_up_with_an_embed(
    discord_bot: Any, fake_discord: Any, seed_text: str
) -> None:
    event = interaction("brief", "source", seed_text)
    await fake_discord.dispatch("INTERACTION_CREATE", event)
    callback = await fake_discord.wait_request(
        "POST", f"/interactions/{event['id']}/{event['token']}/callback", WAIT
    )
    assert callback.data["type"] == 5  # deferred channel message: "newsbrief is thinking…"
    assert callback.query.get("with_response") in ("1", "true", "True")
    follow = await fake_discord.wait_request("POST", f"/webhooks/{APP_ID}/{event['token']}", WAIT)
    assert fake_discord.requests.index(callback) < fake_discord.requests.index(follow)
    embed = follow.data["embeds"][0]
    assert embed["title"] == SEED_TITLE
    assert "**The contradiction**" in embed["description"] and "Esper" in embed["description"]
    assert len(embed["description"]) <= 4096
    assert follow.data["allowed_mentions"]["parse"] == []
    assert not follow.data.get("flags")  # public, not ephemeral


async def test_mention_gets_a_reply_naming_esper(
    discord_bot: Any, fake_discord: Any, core: Any, seed_analysis: Any
) -> None:
    core.remember(Conversation("discord", GUILD_ID, CHANNEL_ID), seed_analysis)
    message = payload("discord_message_create.json")
    await fake_discord.dispatch("MESSAGE_CREATE", message)
    reply = await fake_discord.wait_request("POST", f"/channels/{CHANNEL_ID}/messages", WAIT)
    assert str(reply.data["message_reference"]["message_id"]) == message["id"]
    shown = json.dumps(reply.data, ensure_ascii=False)
    assert "Esper" in shown
    assert reply.data["allowed_mentions"] == {"parse": [], "replied_user": False}


async def test_ask_before_any_brief_gets_an_ephemeral_error(
    discord_bot: Any, fake_discord: Any
) -> None:
    event = interaction("ask", "question", "who denied the withdrawal?")
    await fake_discord.dispatch("INTERACTION_CREATE", event)
    await fake_discord.wait_request("DELETE", f"/webhooks/{APP_ID}/{event['token']}/messages", WAIT)
    follow = await fake_discord.wait_request("POST", f"/webhooks/{APP_ID}/{event['token']}", WAIT)
    assert follow.data["flags"] & 64  # ephemeral
    assert "No articles have been briefed here yet" in follow.data["content"]


async def test_article_with_everyone_pings_nobody_on_discord(
    discord_bot: Any, fake_discord: Any, hostile: str
) -> None:
    event = interaction("brief", "source", hostile)
    await fake_discord.dispatch("INTERACTION_CREATE", event)
    follow = await fake_discord.wait_request("POST", f"/webhooks/{APP_ID}/{event['token']}", WAIT)
    assert follow.data["allowed_mentions"]["parse"] == []
    embed = follow.data["embeds"][0]
    shown = [embed.get("title", ""), embed.get("description", ""), follow.data.get("content") or ""]
    assert "everyone" in embed["title"]  # still readable, no longer a ping
    for text in shown:
        assert not PINGS.search(text), text


async def test_help_is_the_interaction_response_itself_and_ephemeral(
    discord_bot: Any, fake_discord: Any
) -> None:
    event = interaction("newsbrief", "text", "help")
    await fake_discord.dispatch("INTERACTION_CREATE", event)
    callback = await fake_discord.wait_request(
        "POST", f"/interactions/{event['id']}/{event['token']}/callback", WAIT
    )
    assert callback.data["type"] == 4  # a message right away, no defer
    message = callback.data["data"]
    assert message["flags"] & 64
    assert "/brief" in message["embeds"][0]["description"]
    assert message["allowed_mentions"]["parse"] == []


async def test_schedule_and_feeds_are_slash_commands_of_their_own(
    discord_bot: Any, fake_discord: Any
) -> None:
    event = interaction("schedule", "when", "0 8 * * 1-5 Europe/London")
    await fake_discord.dispatch("INTERACTION_CREATE", event)
    follow = await fake_discord.wait_request("POST", f"/webhooks/{APP_ID}/{event['token']}", WAIT)
    # The crontab's stars escaped, or Discord would read them as italics.
    line = r"0 8 \* \* 1-5 (Europe/London)"
    assert follow.data["content"].startswith(f"Digest scheduled: {line}")
    listing = interaction("feeds")
    await fake_discord.dispatch("INTERACTION_CREATE", listing)
    shown = await fake_discord.wait_request(
        "POST", f"/webhooks/{APP_ID}/{listing['token']}", WAIT)
    text = json.dumps(shown.data, ensure_ascii=False)
    assert "follows no feeds" in text and json.dumps(line)[1:-1] in text, text


HIDDEN_CHANNEL_ID = "1190000000000000201"  # @everyone may not view it (see the guild payload)


@pytest.mark.parametrize("channel, shared", [(HIDDEN_CHANNEL_ID, False), (CHANNEL_ID, True)])
async def test_articles_briefed_in_a_channel_hidden_from_everyone_stay_in_it(
    discord_bot: Any, fake_discord: Any, core: Any, seed_text: str, channel: str, shared: bool
) -> None:
    event = interaction("brief", "source", seed_text)
    event["channel_id"] = event["channel"]["id"] = channel
    await fake_discord.dispatch("INTERACTION_CREATE", event)
    follow = await fake_discord.wait_request("POST", f"/webhooks/{APP_ID}/{event['token']}", WAIT)
    assert follow.data["embeds"][0]["title"] == SEED_TITLE
    elsewhere = HIDDEN_CHANNEL_ID if channel == CHANNEL_ID else CHANNEL_ID
    assert len(core.store.recall(Conversation("discord", GUILD_ID, channel))) == 1
    assert len(core.store.recall(Conversation("discord", GUILD_ID, elsewhere))) == int(shared)


DIGEST = Reply(
    "Morning digest for @everyone <!channel>",
    title="@everyone Morning digest",
    sections=[Section("Iraq <!channel>", ["Esper: no decision whatsoever to leave Iraq @everyone",
                                          "<@&1190000000000000900> Pentagon calls it a draft"])],
    ephemeral=True,  # ignored: a digest has no single reader
)


def assert_digest_message(data: dict[str, Any]) -> None:
    assert "message_reference" not in data  # not a reply to anything
    assert not data.get("flags")  # public, not ephemeral
    assert data["allowed_mentions"]["parse"] == []
    embed = data["embeds"][0]
    assert "everyone" in embed["title"]  # still readable, no longer a ping
    assert "**Iraq" in embed["description"]
    assert "no decision whatsoever to leave Iraq" in embed["description"]
    for text in (embed["title"], embed["description"], data.get("content") or ""):
        assert not PINGS.search(text), text


async def test_post_sends_the_digest_to_a_cached_channel_pinging_nobody(
    discord_bot: Any, fake_discord: Any
) -> None:
    await asyncio.wait_for(discord_bot.post(Conversation("discord", GUILD_ID, CHANNEL_ID),
                                            DIGEST), WAIT)
    sent = [r for r in fake_discord.requests if r.path.startswith("/channels/")]
    assert [(r.method, r.path) for r in sent] == [("POST", f"/channels/{CHANNEL_ID}/messages")]
    assert_digest_message(sent[0].data)


async def test_post_fetches_a_channel_the_cache_does_not_hold(
    discord_bot: Any, fake_discord: Any
) -> None:
    channel = {**fake_discord.channels[CHANNEL_ID], "id": "1190000000000000202", "name": "digest"}
    fake_discord.channels[channel["id"]] = channel
    await asyncio.wait_for(discord_bot.post(Conversation("discord", GUILD_ID, channel["id"]),
                                            DIGEST), WAIT)
    sent = [r for r in fake_discord.requests if r.path.startswith("/channels/")]
    assert [(r.method, r.path) for r in sent] == [
        ("GET", f"/channels/{channel['id']}"), ("POST", f"/channels/{channel['id']}/messages")]
    assert_digest_message(sent[1].data)


async def test_post_to_an_unknown_channel_raises(discord_bot: Any, fake_discord: Any) -> None:
    where = Conversation("discord", GUILD_ID, "1190000000000000299")
    with pytest.raises(discord.NotFound):
        await asyncio.wait_for(discord_bot.post(where, DIGEST), WAIT)
    assert not any(r.method == "POST" and r.path.startswith("/channels/")
                   for r in fake_discord.requests)
