"""Text from articles and users must never ping anyone.

Every string a renderer sends passes through here. A word joiner (U+2060, invisible) after "@" or
"<" breaks the tokens Slack and Discord turn into pings (@everyone, @here, <!channel>, <@U1>,
<@&123>, <!subteam^S1>), while the text still reads the same. Discord messages are also sent with
allowed_mentions that permit none; this is the second lock on the same door.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"

# "@everyone", "@here", "@channel": only these words ping as bare text (Discord, Slack link_names).
_BARE = re.compile(r"@(?=(?:everyone|here|channel|group|all)\b)", re.I)
# "<@U1>", "<@!1>", "<@&1>", "<!here>", "<!subteam^S1>", "<#C1>": the bracketed mention syntaxes.
_BRACKETED = re.compile(r"<(?=[@!#])")


def neutralise(text: str) -> str:
    """Plain text with every mention token broken; safe for Discord and Slack plain_text."""
    return _BRACKETED.sub("<" + WORD_JOINER, _BARE.sub("@" + WORD_JOINER, text))


def slack_escape(text: str) -> str:
    """Text for a Slack mrkdwn field: escape the three control characters, then break bare pings."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BARE.sub("@" + WORD_JOINER, text)


def slack_unescape(text: str) -> str:
    """Slack sends user text with &, < and > escaped."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_DISCORD_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]])")


def discord_escape(text: str) -> str:
    """Text for a Discord message or embed: no stray markdown, no pings."""
    return neutralise(_DISCORD_MARKDOWN.sub(r"\\\1", text))
