"""Slack adapter (slack-bolt, async): slash commands and app_mention <-> the core.

Socket Mode when SLACK_APP_TOKEN is set, else HTTP Events mode with signed-request verification
(bolt answers forged or stale requests with 401). Every listener acknowledges first and hands the
work to the background, so Slack gets its ack within milliseconds whatever the models are doing.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackConfig
from bot.core import (
    Background,
    Command,
    Core,
    Reply,
    parse,
    parse_slash,
    strip_mention,
    unwrap_links,
)
from bot.render import to_slack, to_slack_messages
from bot.safety import slack_unescape
from bot.store import Conversation

log = logging.getLogger("newsbrief.slack")

# The feed commands work once the app declares them (see the README); /newsbrief carries them all.
SLASH_COMMANDS = ("/brief", "/ask", "/newsbrief", "/follow", "/unfollow", "/feeds", "/digest",
                  "/schedule")


def _user_text(text: str, bot_user_id: str | None = None) -> str:
    """Slack's formatted text to what the user typed: no bot mention, bare links, unescaped."""
    return slack_unescape(unwrap_links(strip_mention(text or "", bot_user_id)))


class SlackAdapter:
    platform = "slack"  # Conversation.platform of what it handles

    def __init__(self, core: Core, cfg: SlackConfig) -> None:
        self.core = core
        self.cfg = cfg
        self.background = Background()
        self.client = AsyncWebClient(
            token=cfg.bot_token, base_url=cfg.api_base_url,
            # Slack answers a burst (about one message a second per channel) with 429 and
            # Retry-After; waiting that long and trying again keeps the reply.
            retry_handlers=[AsyncConnectionErrorRetryHandler(),
                            AsyncRateLimitErrorRetryHandler(max_retry_count=3)],
        )
        self.app = AsyncApp(
            client=self.client,
            signing_secret=cfg.signing_secret or None,
            # Socket Mode requests arrive over an authenticated websocket and carry no signature.
            request_verification_enabled=cfg.mode == "http",
            # Our listeners only ack and hand off, so running them inline answers at once
            # instead of after bolt's 10 ms ack polling.
            process_before_response=True,
            logger=logging.getLogger("newsbrief.slack.bolt"),
        )
        for name in SLASH_COMMANDS:
            self.app.command(name)(self._on_command)
        self.app.event("app_mention")(self._on_mention)
        self._seen: OrderedDict[str, None] = OrderedDict()  # event ids, against Slack's retries
        self._private: dict[str, bool] = {}  # channel id -> keeps its articles to itself
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None  # the bound HTTP port (useful with port = 0)

    # -- Slack -> core -----------------------------------------------------------------------

    async def _on_command(self, ack: Any, command: dict[str, Any], respond: Any) -> None:
        cmd = parse_slash(command["command"], _user_text(command.get("text", "")))
        quick = self.core.quick_reply(cmd)
        if quick is not None:
            await ack(response_type="ephemeral", **to_slack(quick))
            return
        await ack(text=self.core.working_text(cmd))  # shown only to the user who typed it
        self.background.spawn(self._finish_command(cmd, command, respond))

    async def _finish_command(self, cmd: Command, command: dict[str, Any], respond: Any) -> None:
        where = await self._where(command.get("team_id", ""), command.get("channel_id", ""),
                                  command.get("user_id", ""))
        reply = await self.core.run(cmd, where)
        for message in to_slack_messages(reply):
            # respond() does not raise when Slack refuses (an expired response_url, say): it
            # answers with the status.
            resp = await respond(
                response_type="ephemeral" if reply.ephemeral else "in_channel",
                replace_original=False,
                **message,
            )
            if resp.status_code != 200:
                log.error("Slack refused the reply to %s in %s: %s %s", cmd.name,
                          where.channel, resp.status_code, resp.body)
                return
        if reply.sent is not None:
            await reply.sent()

    async def _on_mention(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        # Bolt has acknowledged the event already; Slack retries unacked ones, so drop repeats.
        event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
        if event_id in self._seen:
            return
        self._seen[event_id] = None
        while len(self._seen) > 1000:
            self._seen.popitem(last=False)
        cmd = parse(_user_text(event.get("text", ""), context.bot_user_id))
        team = body.get("team_id") or event.get("team", "")
        self.background.spawn(self._finish_mention(cmd, team, event))

    async def _finish_mention(self, cmd: Command, team: str, event: dict) -> None:
        where = await self._where(team, event.get("channel", ""), event.get("user", ""))
        reply = self.core.quick_reply(cmd) or await self.core.run(cmd, where)
        if await self._post(reply, where, thread_ts=event.get("thread_ts") or event.get("ts")):
            if reply.sent is not None:
                await reply.sent()

    async def _where(self, team: str, channel: str, user: str) -> Conversation:
        return Conversation("slack", team, channel, user, private=await self._is_private(channel))

    async def _is_private(self, channel: str) -> bool:
        """Private channels and direct messages keep what is briefed in them to themselves. Slack's
        payloads do not say which a channel is, so ask once per channel (conversations.info);
        when Slack will not say (a missing scope, say), keep its articles to it."""
        if channel.startswith("D"):  # direct-message channel ids
            return True
        if channel not in self._private:
            try:
                info = (await self.client.conversations_info(channel=channel))["channel"]
                self._private[channel] = bool(
                    info.get("is_private") or info.get("is_im") or info.get("is_mpim"))
            except Exception as exc:
                log.warning("cannot tell whether Slack channel %s is private (%s); its articles "
                            "stay in it", channel, exc)
                self._private[channel] = True
        return self._private[channel]

    async def _post(self, reply: Reply, where: Conversation, thread_ts: str | None) -> bool:
        """Answer in the thread; errors only to the person who asked. False if Slack refused."""
        try:
            if reply.ephemeral and where.user:
                await self.client.chat_postEphemeral(
                    channel=where.channel, user=where.user, thread_ts=thread_ts, **to_slack(reply)
                )
            else:
                await self._post_message(where.channel, reply, thread_ts)
        except Exception:
            log.exception("could not post to Slack channel %s", where.channel)
            return False
        return True

    async def post(self, where: Conversation, reply: Reply) -> None:
        """Post `reply` unprompted to the channel, for everyone in it; raises when Slack refuses."""
        await self._post_message(where.channel, reply, thread_ts=None)

    async def _post_message(self, channel: str, reply: Reply, thread_ts: str | None) -> None:
        for message in to_slack_messages(reply):
            await self.client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False,
                **message,
            )

    # -- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        if self.cfg.mode == "socket":
            self._socket = AsyncSocketModeHandler(self.app, self.cfg.app_token)
            await self._socket.connect_async()
            log.info("Slack: connected in Socket Mode")
            return
        self._runner = web.AppRunner(self.app.web_app(path=self.cfg.path, port=self.cfg.port))
        await self._runner.setup()
        await web.TCPSite(self._runner, self.cfg.host, self.cfg.port).start()
        self.port = self._runner.addresses[0][1]
        log.info("Slack: HTTP Events mode on %s:%s%s", self.cfg.host, self.port, self.cfg.path)

    async def stop(self, grace: float = 10.0) -> None:
        """Stop taking requests, let running work finish (up to `grace` s), then close."""
        if self._socket is not None:
            await self._socket.disconnect_async()
        if self._runner is not None:
            await self._runner.cleanup()
        await self.background.drain(grace)
        if self._socket is not None:
            await self._socket.close_async()
