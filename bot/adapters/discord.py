"""Discord adapter (discord.py): /brief, /ask and /newsbrief app commands, and @-mentions.

App commands are synced in setup_hook. Mentions need no privileged intent: Discord sends a
message's content to a bot that is mentioned in it. Interactions are deferred at once and followed
up when the work is done; nothing sent can ping anyone (allowed_mentions permits none).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import yarl
from discord import app_commands

from bot.config import DiscordConfig
from bot.core import Background, Command, Core, Reply, parse, strip_mention
from bot.render import to_discord
from bot.store import Conversation

log = logging.getLogger("newsbrief.discord")

NO_PINGS = discord.AllowedMentions.none()


def _messages(reply: Reply) -> list[dict[str, Any]]:
    """Keyword arguments for send(): content and/or an Embed, per message."""
    out = []
    for payload in to_discord(reply):
        kwargs: dict[str, Any] = {"allowed_mentions": NO_PINGS}
        if "content" in payload:
            kwargs["content"] = payload["content"]
        if "embed" in payload:
            kwargs["embed"] = discord.Embed.from_dict(payload["embed"])
        out.append(kwargs)
    return out


class _Client(discord.Client):
    def __init__(self, adapter: DiscordAdapter) -> None:
        # Default intents: guild messages without message content, which mentions do not need.
        super().__init__(intents=discord.Intents.default(), allowed_mentions=NO_PINGS)
        self.adapter = adapter
        self.tree = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        adapter = self.adapter

        @app_commands.command(name="brief", description="Brief a news article")
        @app_commands.describe(source="A link to the article, or its text")
        async def brief(interaction: discord.Interaction, source: str) -> None:
            await adapter.on_command(interaction, Command("brief", source.strip()))

        @app_commands.command(name="ask", description="Ask about the articles briefed here")
        @app_commands.describe(question="Your question, e.g. who denied the withdrawal?")
        async def ask(interaction: discord.Interaction, question: str) -> None:
            await adapter.on_command(interaction, Command("ask", question.strip()))

        @app_commands.command(name="newsbrief", description="newsbrief: help, or any command")
        @app_commands.describe(
            text="help, brief <link>, ask <question>, follow <feed>, digest, schedule ...")
        async def newsbrief(interaction: discord.Interaction, text: str = "help") -> None:
            await adapter.on_command(interaction, parse(text))

        @app_commands.command(name="follow", description="Follow a news feed in this channel")
        @app_commands.describe(feed="A link to an RSS, Atom or JSON feed, or a page naming one")
        async def follow(interaction: discord.Interaction, feed: str) -> None:
            await adapter.on_command(interaction, Command("follow", feed.strip()))

        @app_commands.command(name="unfollow", description="Stop following a news feed here")
        @app_commands.describe(feed="The feed's link, as `/feeds` lists it")
        async def unfollow(interaction: discord.Interaction, feed: str) -> None:
            await adapter.on_command(interaction, Command("unfollow", feed.strip()))

        @app_commands.command(name="feeds", description="The feeds and digest schedule here")
        async def feeds(interaction: discord.Interaction) -> None:
            await adapter.on_command(interaction, Command("feeds"))

        @app_commands.command(name="digest", description="A digest of what is new in the feeds")
        async def digest(interaction: discord.Interaction) -> None:
            await adapter.on_command(interaction, Command("digest"))

        @app_commands.command(name="schedule", description="When this channel gets its digest")
        @app_commands.describe(
            when="A crontab line and time zone, e.g. 0 8 * * 1-5 Europe/London; or off")
        async def schedule(interaction: discord.Interaction, when: str) -> None:
            await adapter.on_command(interaction, Command("schedule", when.strip()))

        for command in (brief, ask, newsbrief, follow, unfollow, feeds, digest, schedule):
            self.tree.add_command(command)
        guilds = [discord.Object(id=g) for g in adapter.cfg.guild_ids]
        for guild in guilds:  # guild commands appear at once; global ones can take a while
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        if not guilds:
            await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)


class DiscordAdapter:
    platform = "discord"  # Conversation.platform of what it handles

    def __init__(self, core: Core, cfg: DiscordConfig) -> None:
        self.core = core
        self.cfg = cfg
        self.background = Background()
        self.client = _Client(self)
        self.closing = False
        self._gateway: asyncio.Task[None] | None = None

    # -- Discord -> core ---------------------------------------------------------------------

    async def on_command(self, interaction: discord.Interaction, cmd: Command) -> None:
        quick = self.core.quick_reply(cmd)
        if self.closing:
            quick = Reply("newsbrief is restarting; try again in a minute.", ephemeral=True)
        if quick is not None:
            first = _messages(quick)[0]
            await interaction.response.send_message(ephemeral=quick.ephemeral, **first)
            return
        await interaction.response.defer(thinking=True)
        where = self.where(interaction.guild_id, interaction.channel_id, interaction.user.id)
        self.background.spawn(self._finish_command(interaction, cmd, where))

    async def _finish_command(
        self, interaction: discord.Interaction, cmd: Command, where: Conversation
    ) -> None:
        reply = await self.core.run(cmd, where)
        try:
            if reply.ephemeral:
                # The first follow-up would replace the public "thinking…" message and stay
                # public; remove it so the error reaches only the person who asked.
                await interaction.delete_original_response()
            for kwargs in _messages(reply):
                await interaction.followup.send(ephemeral=reply.ephemeral, **kwargs)
            if reply.sent is not None:
                await reply.sent()
        except discord.HTTPException:
            log.exception("could not follow up interaction %s", interaction.id)

    def where(self, guild_id: int | None, channel_id: int | None,
              user_id: int | None) -> Conversation:
        """The conversation a command came from; private when @everyone cannot read it."""
        if guild_id is None:  # a direct message: its articles stay in it
            return Conversation("discord", f"dm:{channel_id}", str(channel_id), str(user_id), True)
        return Conversation("discord", str(guild_id), str(channel_id), str(user_id or ""),
                            private=self._hidden(guild_id, channel_id))

    def _hidden(self, guild_id: int, channel_id: int | None) -> bool:
        """Is this guild channel (or thread) out of @everyone's sight? What is briefed in it
        then stays in it. A channel the cache does not hold counts as hidden: the safe side."""
        guild = self.client.get_guild(guild_id)
        channel = guild.get_channel_or_thread(channel_id) if guild and channel_id else None
        if isinstance(channel, discord.Thread):
            if channel.is_private():
                return True
            channel = channel.parent
        if guild is None or channel is None:
            return True
        return not channel.permissions_for(guild.default_role).view_channel

    async def on_message(self, message: discord.Message) -> None:
        me = self.client.user
        if self.closing or me is None or message.author.bot:
            return
        if not any(u.id == me.id for u in message.mentions):
            return
        cmd = parse(strip_mention(message.content, str(me.id)))
        where = self.where(message.guild.id if message.guild else None, message.channel.id,
                           message.author.id)
        self.background.spawn(self._finish_mention(message, cmd, where))

    async def _finish_mention(self, message: discord.Message, cmd: Command,
                              where: Conversation) -> None:
        try:
            reply = self.core.quick_reply(cmd)
            if reply is None:
                async with message.channel.typing():
                    reply = await self.core.run(cmd, where)
            for i, kwargs in enumerate(_messages(reply)):
                if i == 0:
                    await message.reply(mention_author=False, **kwargs)
                else:
                    await message.channel.send(**kwargs)
            if reply.sent is not None:
                await reply.sent()
        except discord.HTTPException:
            log.exception("could not reply in Discord channel %s", where.channel)

    async def post(self, where: Conversation, reply: Reply) -> None:
        """Send `reply` unprompted to the channel; raises when Discord refuses (HTTPException)."""
        channel_id = int(where.channel)
        channel = (self.client.get_channel(channel_id)
                   or await self.client.fetch_channel(channel_id))
        if not isinstance(channel, discord.abc.Messageable):
            raise TypeError(f"Discord channel {channel_id} takes no messages")
        for kwargs in _messages(reply):
            await channel.send(**kwargs)

    # -- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in (raises on a bad token) and connect to the gateway in the background."""
        # discord.py keeps these as class-wide settings; point them at the configured services.
        discord.http.Route.BASE = self.cfg.api_base_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.cfg.gateway_url)
        await self.client.login(self.cfg.token)
        self._gateway = asyncio.get_running_loop().create_task(self.client.connect())
        log.info("Discord: logged in, connecting to the gateway")

    async def wait_ready(self, timeout: float) -> None:
        await asyncio.wait_for(self.client.wait_until_ready(), timeout)

    async def stop(self, grace: float = 10.0) -> None:
        """Take no new work, let running work finish (up to `grace` s), then disconnect."""
        self.closing = True
        await self.background.drain(grace)
        await self.client.close()
        if self._gateway is not None:
            await asyncio.wait({self._gateway}, timeout=5)
