"""The console adapter: a chat on stdin/stdout, in process and as the real `newsbrief chat`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.adapters.console import chat
from bot.core import Core
from bot.store import Conversation

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "iraq-withdrawal-letter.txt"


async def test_console_chat_briefs_a_file_then_answers_about_it(engine: object) -> None:
    from bot.core import Engine

    assert isinstance(engine, Engine)
    engine.allow_files = True  # the console may read local files; chat platforms may not
    try:
        core = Core(engine=engine)
        script = f"# a script\nbrief {SEED}\n\nask who denied the withdrawal?\nquit\nhelp\n"
        lines = io.StringIO(script)
        out = io.StringIO()
        assert await chat(core, lines, out) == 2
    finally:
        engine.allow_files = False
    text = out.getvalue()
    assert text.startswith("Leaked draft letter contradicts Pentagon on US withdrawal from Iraq\n")
    assert "\nTHE CONTRADICTION\n" in text
    # The answer names Esper and gives his words; "quit" ended the chat before "help".
    assert "\n\nDefense Secretary Mark Esper\n“There’s been no decision whatsoever" in text
    assert "brief <link" not in text



async def test_console_briefs_text_pasted_on_one_line(engine: object) -> None:
    """On the console a line may name a file, but an article pasted on one line is too long a
    name for the file system (ENAMETOOLONG), and a NUL is no name at all: both are text."""
    from bot.core import Engine

    assert isinstance(engine, Engine)
    engine.allow_files = True
    try:
        core = Core(engine=engine)
        where = Conversation("console", "local", "console")
        one_line = " ".join(SEED.read_text(encoding="utf-8").split())
        assert len(one_line.encode()) > 255  # NAME_MAX
        reply = await core.handle_text(f"brief {one_line}", where)
        assert not reply.ephemeral
        assert "The contradiction" in [section.heading for section in reply.sections]
        answer = await core.handle_text("ask who denied the withdrawal?", where)
        assert answer.text == "Defense Secretary Mark Esper"
        for pasted in (one_line[:1000], one_line[:300] + "\x00"):
            reply = await core.handle_text(f"brief {pasted}", where)
            assert "went wrong" not in reply.text, reply.text
        feed = await core.handle_text(f"follow {one_line[:1000]}", where)
        assert feed.ephemeral and "nor is it a feed link" in feed.text
    finally:
        engine.allow_files = False

async def test_chat_platform_paths_are_text_not_files(engine: object) -> None:
    core = Core(engine=engine)
    where = Conversation("slack", "T1", "C1")
    reply = await core.handle_text(f"brief {SEED}", where)  # from a chat user a path is text
    assert reply.ephemeral and "too little text" in reply.text


def test_newsbrief_chat_works_piped() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat"], input="help\nask who denied it?\n",
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "brief <link or pasted text>" in result.stdout
    assert "No articles have been briefed here yet" in result.stdout
    assert "newsbrief>" not in result.stdout  # no prompt when piped
