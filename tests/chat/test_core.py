"""The platform-neutral core: parsing, quick replies, error routing, memory, mention safety."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.core import Command, Core, Engine, parse, parse_slash, strip_mention, unwrap_links
from bot.safety import WORD_JOINER, discord_escape, neutralise, slack_escape
from bot.store import Conversation, MemoryStore
from summarizers.errors import FetchError

HERE = Conversation("slack", "T1", "C1", "U1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("brief https://example.com/a", Command("brief", "https://example.com/a")),
        ("Brief: https://example.com/a", Command("brief", "https://example.com/a")),
        ("<@U0NEWSBRF> who denied the withdrawal?", Command("ask", "who denied the withdrawal?")),
        ("who denied the withdrawal?", Command("ask", "who denied the withdrawal?")),
        ("ask   who denied it?", Command("ask", "who denied it?")),
        ("HELP", Command("help")),
        ("help me with something", Command("help")),
        ("", Command("help")),
        ("<@U0NEWSBRF>", Command("help")),
        ("brief\nFirst line.\nSecond line.", Command("brief", "First line.\nSecond line.")),
        ("briefly, who is Esper?", Command("ask", "briefly, who is Esper?")),
    ],
)
def test_parse(text: str, expected: Command) -> None:
    assert parse(text) == expected


def test_parse_slash_commands() -> None:
    assert parse_slash("/brief", "  https://x.org/a  ") == Command("brief", "https://x.org/a")
    assert parse_slash("/ask", "who?") == Command("ask", "who?")
    assert parse_slash("/newsbrief", "help") == Command("help")
    assert parse_slash("/newsbrief", "") == Command("help")
    assert parse_slash("/newsbrief", "brief https://x.org") == Command("brief", "https://x.org")
    assert parse_slash("/newsbrief", "who denied it?") == Command("ask", "who denied it?")


def test_mentions_and_wrapped_links_are_unwrapped() -> None:
    assert strip_mention("<@U0NEWSBRF> brief x", "U0NEWSBRF") == "brief x"
    assert strip_mention("so <@!123> who?", "123") == "so who?"
    assert strip_mention("<@U0OTHER> hi", None) == "hi"
    assert unwrap_links("brief <https://a.org/x?y=1|a.org/x>") == "brief https://a.org/x?y=1"
    assert unwrap_links("brief <https://a.org/x>") == "brief https://a.org/x"


def test_slack_text_is_unescaped_after_links_are_unwrapped() -> None:
    from bot.adapters.slack import _user_text

    raw = "<@U0NEWSBRF> brief <https://a.org/?a=1&amp;b=2|a.org> Q&amp;A &lt;b&gt;"
    assert _user_text(raw, "U0NEWSBRF") == "brief https://a.org/?a=1&b=2 Q&A <b>"


@pytest.mark.parametrize(
    "ping",
    ["@everyone", "@here", "@channel", "@Everyone", "<!channel>", "<!here>", "<!everyone>",
     "<@U0BOSS99>", "<@W0ADMIN1>", "<@123456789012345678>", "<@!123456789012345678>",
     "<@&123456789012345678>", "<!subteam^S0TEAM|@team>"],
)
def test_no_mention_syntax_survives(ping: str) -> None:
    text = f"Breaking {ping} read this"
    for safe in (neutralise(text), discord_escape(text)):
        assert ping not in safe and WORD_JOINER in safe
        assert safe.replace(WORD_JOINER, "").replace("\\", "") == text  # reads the same
    slack = slack_escape(text)
    assert "<" not in slack and ping not in slack


def test_quick_replies_need_no_engine() -> None:
    core = Core(engine=None, store=MemoryStore(), max_queue=1)
    assert core.quick_reply(Command("help")).ephemeral
    assert "link" in core.quick_reply(Command("brief")).text
    assert core.quick_reply(Command("brief", "https://x.org")) is None
    core._pending = 1
    assert "busy" in core.quick_reply(Command("brief", "https://x.org")).text


class _FailingEngine(Engine):
    """Stands in for the pipeline only to check how the core routes failures."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    async def load(self, source: str) -> Any:
        raise self.error


async def test_user_errors_are_shown_as_they_are_and_others_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    polite = FetchError("That page could not be fetched (HTTP 404). Check the link.")
    core = Core(engine=_FailingEngine(polite))
    reply = await core.run(Command("brief", "https://x.org/gone"), HERE)
    assert reply.ephemeral and reply.text == str(polite)

    core = Core(engine=_FailingEngine(RuntimeError("CUDA exploded at 0x7f")))
    with caplog.at_level(logging.ERROR, logger="newsbrief.bot"):
        reply = await core.run(Command("brief", "https://x.org/a"), HERE)
    assert reply.ephemeral and "0x7f" not in reply.text and "Sorry" in reply.text
    assert "CUDA exploded" in caplog.text  # the details are in the log
    assert core._pending == 0
    core.close()


async def test_ask_with_nothing_briefed_says_what_to_do() -> None:
    reply = await Core(engine=None).run(Command("ask", "who?"), HERE)
    assert reply.ephemeral and "Brief one first" in reply.text


def test_core_imports_no_platform_or_nlp_library() -> None:
    import subprocess
    import sys

    code = (
        "import sys, bot.app, bot.core, bot.render, bot.config, bot.store, bot.safety, "
        "bot.adapters.console\n"
        "heavy = {'slack_bolt', 'slack_sdk', 'discord', 'spacy', 'torch', 'transformers', "
        "'numpy', 'trafilatura'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


async def test_after_a_briefing_the_rest_is_embedded_ahead_of_questions(
    engine: Engine, seed_text: str
) -> None:
    store = MemoryStore()
    core = Core(engine=engine, store=store)
    reply = await core.handle_text("brief " + seed_text, HERE)
    assert not reply.ephemeral and reply.sections  # a briefing, not an error
    (article,) = store.recall(HERE)
    analysis = core._analyses[article.id]
    await engine._in_nlp(lambda: None)  # the worker is first-in first-out: this waits for it
    assert analysis.vectors.missing() == 0


async def test_the_bot_finds_entities_in_its_second_process_from_its_first_briefing_on(
    engine: Engine, seed_text: str
) -> None:
    from summarizers.nlp import get_nlp

    core = Core(engine=engine, store=MemoryStore())
    await core.handle_text("brief " + seed_text, HERE)
    nlp = get_nlp()
    assert nlp.entity_process_pid is not None and nlp.entity_process_ready(timeout=60)
    reply = await core.handle_text("brief " + seed_text, HERE)  # parsed beside that process
    text = str(reply.sections)
    assert "Esper" in text and "Milley" in text
