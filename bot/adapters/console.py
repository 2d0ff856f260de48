"""Console adapter: one command per line on stdin, plain-text replies on stdout.

Works piped (`printf 'brief story.txt\nask who denied it?\n' | newsbrief chat`), so scripts can
use it, and it is what `newsbrief run` falls back to when no chat credentials are configured.
Local file paths are accepted here (the user owns the machine), never from chat platforms.
"""

from __future__ import annotations

import asyncio
import getpass
from typing import TextIO

from bot.core import Core, Reply
from bot.render import to_plain
from bot.store import Conversation

PROMPT = "newsbrief> "


async def chat(core: Core, lines: TextIO, out: TextIO, interactive: bool = False) -> int:
    """Answer each line until end of input (or "quit"); returns the number of commands run."""
    where = Conversation("console", "local", "console", getpass.getuser())

    async def post(_where: Conversation, reply: Reply) -> None:  # a scheduled digest
        print(to_plain(reply)[0], file=out, end="\n\n", flush=True)

    core.posters["console"] = post
    if interactive:
        print('newsbrief: type "help", "brief <file, link or text>", "ask <question>"; '
              "Ctrl-D ends.", file=out)
    count = 0
    while True:
        if interactive:
            print(PROMPT, end="", file=out, flush=True)
        line = await asyncio.to_thread(lines.readline)  # the loop stays free while we wait
        if not line:
            break
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower() in ("quit", "exit"):
            break
        reply = await core.handle_text(line, where)
        print(to_plain(reply)[0], file=out, end="\n\n", flush=True)
        if reply.sent is not None:
            await reply.sent()
        count += 1
    return count
