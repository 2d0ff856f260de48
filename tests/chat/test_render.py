"""Rendering limits: whatever the briefing, every platform gets a message it accepts."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from bot.core import Reply, Section, answer_reply, briefing_reply
from bot.render import (
    DISCORD_CONTENT_MAX,
    DISCORD_DESCRIPTION_MAX,
    DISCORD_EMBED_TOTAL_MAX,
    DISCORD_FOOTER_MAX,
    DISCORD_TITLE_MAX,
    SLACK_CONTEXT_MAX,
    SLACK_FALLBACK_MAX,
    SLACK_HEADER_MAX,
    SLACK_MAX_BLOCKS,
    SLACK_SECTION_MAX,
    SLACK_TOTAL_MAX,
    clip,
    fit_lines,
    to_discord,
    to_plain,
    to_slack,
)
from summarizers.briefing import Briefing, Contradiction, Person, Quote, Side, TimelineEntry

SEED = Path(__file__).resolve().parents[2] / "seeds" / "iraq-withdrawal-letter.txt"
PINGS = re.compile(r"<[!@#]|@(everyone|here|channel)\b", re.I)
DISCORD_PINGS = re.compile(r"<@[!&]?\d+>|@(everyone|here)\b", re.I)


def twenty_thousand_word_briefing() -> Briefing:
    """The worst a 20,000-word article can give: every sentence a key point, huge quotes and
    lists, one unbroken 12,000-character "word", pings sprinkled through."""
    sentences = [s for s in re.split(r"(?<=[.”])\s+", SEED.read_text(encoding="utf-8")) if s]
    words = 0
    points = []
    for i, s in enumerate(itertools.cycle(sentences)):
        if words >= 20_000:
            break
        if i % 7 == 0:
            s = f"{s} @everyone <!channel> <@U0BOSS99> &amp; <@&1190000000000000900>"
        points.append(s)
        words += len(s.split())
    body = " ".join(points)
    assert len(body.split()) >= 20_000
    quote = Quote("Defense Secretary Mark Esper", body[:5000], body[:8000])
    return Briefing(
        title="@everyone " + "Leaked draft letter contradicts Pentagon " * 20,
        tldr=body[:6000],
        key_points=points + ["x" * 12_000],
        contradiction=Contradiction(
            claim=Side("The letter", body[:3000], [quote] * 5),
            counter=Side("Defense Secretary Mark Esper", body[3000:7000], [quote] * 5),
            why=body[:2000],
        ),
        people=[Person(f"Person {i} @here", "role " * 50) for i in range(400)],
        timeline=[TimelineEntry(f"Day {i}", body[i * 100:i * 100 + 500]) for i in range(300)],
        source="Post wires " * 300,
        url="https://example.com/story?a=1&b=<2>|x",
        byline="Staff " * 400,
        date="2020-01-06",
        word_count=len(body.split()),
    )


@pytest.fixture(scope="module")
def huge() -> Reply:
    return briefing_reply(twenty_thousand_word_briefing())


def test_twenty_thousand_word_briefing_fits_slack(huge: Reply) -> None:
    msg = to_slack(huge)
    blocks = msg["blocks"]
    assert len(blocks) <= SLACK_MAX_BLOCKS
    assert len(msg["text"]) <= SLACK_FALLBACK_MAX
    assert blocks[0]["type"] == "header" and len(blocks[0]["text"]["text"]) <= SLACK_HEADER_MAX
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sections and all(len(s) <= SLACK_SECTION_MAX for s in sections)
    assert sections[0].startswith("*In short*")  # the most important part comes first
    context = blocks[-1]["elements"][0]["text"]
    assert blocks[-1]["type"] == "context" and len(context) <= SLACK_CONTEXT_MAX
    assert context.startswith("<https://example.com/story?a=1&amp;b=%3C2%3E%7Cx|Post wires")
    assert context.endswith("> · trimmed to fit Slack")  # the link is whole, then the note
    title = blocks[0]["text"]["text"]
    assert sum(map(len, sections)) + len(title) + len(context) <= SLACK_TOTAL_MAX
    for text in [msg["text"], *sections]:
        assert not PINGS.search(text)
    assert not re.search(r"&(?!amp;|lt;|gt;)", "".join(sections))  # every & escaped, none cut


def test_twenty_thousand_word_briefing_fits_discord(huge: Reply) -> None:
    [message] = to_discord(huge)
    embed = message["embed"]
    assert len(embed["title"]) <= DISCORD_TITLE_MAX
    assert len(embed["description"]) <= DISCORD_DESCRIPTION_MAX
    assert len(embed["footer"]["text"]) <= DISCORD_FOOTER_MAX
    total = len(embed["title"]) + len(embed["description"]) + len(embed["footer"]["text"])
    assert total <= DISCORD_EMBED_TOTAL_MAX
    assert embed["description"].startswith("**In short**")
    assert embed["description"].endswith("*trimmed to fit Discord*")
    for text in (embed["title"], embed["description"], embed["footer"]["text"]):
        assert not DISCORD_PINGS.search(text)


def test_twenty_thousand_word_briefing_as_plain_messages(huge: Reply) -> None:
    parts = to_plain(huge, limit=DISCORD_CONTENT_MAX)
    assert len(parts) > 10 and all(0 < len(p) <= DISCORD_CONTENT_MAX for p in parts)
    whole = to_plain(huge)[0]
    assert whole.startswith("@everyone Leaked draft letter")  # the console shows everything
    assert len(whole) > 100_000


def test_long_plain_text_reply_is_split_for_discord() -> None:
    text = "\n".join(f"line {i} @here " + "word " * 30 for i in range(200))
    messages = to_discord(Reply(text))
    assert len(messages) > 1
    assert all(len(m["content"]) <= DISCORD_CONTENT_MAX for m in messages)
    assert not any(DISCORD_PINGS.search(m["content"]) for m in messages)


def test_short_reply_is_plain_text_everywhere() -> None:
    reply = Reply("No articles have been briefed here yet.", ephemeral=True)
    assert to_slack(reply) == {"text": "No articles have been briefed here yet."}
    assert to_discord(reply) == [{"content": "No articles have been briefed here yet."}]


def test_titled_reply_without_sections_shows_its_text() -> None:
    reply = Reply("Line one\nLine two", title="newsbrief")
    blocks = to_slack(reply)["blocks"]
    assert blocks[1]["text"] == {"type": "mrkdwn", "text": "Line one\nLine two"}
    assert to_discord(reply)[0]["embed"]["description"] == "Line one\nLine two"


def test_answer_reply_carries_quote_others_and_confidence() -> None:
    from types import SimpleNamespace

    answer = SimpleNamespace(
        answer="Defense Secretary Mark Esper", quote="There’s been no decision whatsoever",
        speaker="Defense Secretary Mark Esper", source="seed", confidence=0.94,
        abstained=False, others=["Gen. Mark Milley"],
    )
    reply = answer_reply(answer)
    assert reply.text == "Defense Secretary Mark Esper"
    lines = reply.sections[0].lines
    assert lines[1] == "“There’s been no decision whatsoever” (Defense Secretary Mark Esper)"
    assert lines[2] == "Also: Gen. Mark Milley"
    assert reply.context == "seed · confidence 94%"
    abstained = answer_reply(SimpleNamespace(answer="", abstained=True))
    assert "could not find" in abstained.text and not abstained.sections


def test_answer_reply_shows_who_says_otherwise() -> None:
    from summarizers.qa import Answer

    answer = Answer(answer="Disputed: The letter says so; Esper says not.", quote="repositioning",
                    speaker="The letter", source="seed", confidence=0.7,
                    against=["Defense Secretary Mark Esper insisted: “no decision”"])
    lines = answer_reply(answer).sections[0].lines
    assert lines[-1] == "Says otherwise: Defense Secretary Mark Esper insisted: “no decision”"

def test_an_answer_without_a_quote_shows_the_sentence_it_rests_on() -> None:
    from types import SimpleNamespace

    sentence = "The singer's manager, Ann Cole, said the singer took the selfie herself."
    reply = answer_reply(SimpleNamespace(
        answer="singer", quote="", speaker="Ann Cole", source="city-desk", confidence=0.78,
        abstained=False, others=[], sentence=sentence,
    ))
    assert reply.sections[0].lines == ["singer", f"From the article: {sentence}"]


def test_clip_and_fit_lines() -> None:
    assert clip("short", 10) == "short"
    assert clip("alpha beta gamma delta epsilon", 20) == "alpha beta gamma…"
    assert len(clip("x" * 50, 10)) == 10
    assert clip("fish &amp; chips", 10) == "fish…"  # never ends inside an entity
    kept, trimmed = fit_lines(["a" * 10, "b" * 10, "c" * 100], 70)
    assert kept[:2] == ["a" * 10, "b" * 10] and kept[2].endswith("…") and trimmed
    assert sum(map(len, kept)) + 2 <= 70
    assert fit_lines(["a", "b"], 10) == (["a", "b"], False)


def test_sections_split_only_between_lines() -> None:
    lines = [f"• point {i} " + "word " * 100 for i in range(20)]
    msg = to_slack(Reply("t", title="T", sections=[Section("Key points", lines)]))
    sections = [b["text"]["text"] for b in msg["blocks"] if b["type"] == "section"]
    assert len(sections) > 1
    assert all(s.split("\n")[-1].startswith("• point") for s in sections)
    assert sum(s.count("• point") for s in sections) == 20


def _long_digest(stories: int = 30) -> Reply:
    sections = [Section(f"Story {k} @everyone", [f"Reported by 2 outlets: A{k}, B{k}",
                                                 f"Line about story {k}. " * 20,
                                                 f"A{k} · https://news.example/{k}"])
                for k in range(stories)]
    return Reply("News digest: 30 stories.", title="News digest", sections=sections,
                 context="30 stories", paged=True)


def test_a_paged_reply_goes_to_discord_as_several_messages_with_nothing_trimmed() -> None:
    payloads = to_discord(_long_digest())
    assert len(payloads) > 1
    embeds = [p["embed"] for p in payloads]
    assert all(len(e["description"]) <= DISCORD_DESCRIPTION_MAX for e in embeds)
    assert all(sum(len(v) if isinstance(v, str) else len(v.get("text", ""))
                   for v in e.values()) <= DISCORD_EMBED_TOTAL_MAX for e in embeds)
    text = "\n".join(e["description"] for e in embeds)
    assert "trimmed" not in text
    headings = re.findall(r"\*\*Story (\d+)", text)
    assert headings == [str(k) for k in range(30)]  # every story, in order, once
    assert [("title" in e, "footer" in e) for e in embeds] == (
        [(True, False)] + [(False, False)] * (len(embeds) - 2) + [(False, True)])
    assert not DISCORD_PINGS.search(text)


def test_a_paged_reply_goes_to_slack_as_several_messages_with_nothing_trimmed() -> None:
    from bot.render import to_slack_messages

    messages = to_slack_messages(_long_digest(60))
    assert len(messages) > 1
    for m in messages:
        assert len(m["blocks"]) <= SLACK_MAX_BLOCKS
        assert sum(len(b["text"]["text"]) for b in m["blocks"] if "text" in b) <= SLACK_TOTAL_MAX
    text = "\n".join(b["text"]["text"] for m in messages for b in m["blocks"] if "text" in b)
    assert "trimmed" not in text + str(messages)
    assert re.findall(r"\*Story (\d+)", text) == [str(k) for k in range(60)]
    assert messages[0]["blocks"][0]["type"] == "header"
    assert [m["blocks"][-1]["type"] for m in messages][-1] == "context"
    assert all(m["blocks"][-1]["type"] != "context" for m in messages[:-1])
    assert not PINGS.search(text)


def test_a_reply_that_is_not_paged_is_one_message_as_before() -> None:
    from bot.render import to_slack_messages

    one = _long_digest()
    one.paged = False
    assert len(to_discord(one)) == 1 and "trimmed" in to_discord(one)[0]["embed"]["description"]
    assert to_slack_messages(one) == [to_slack(one)]


def test_a_paged_section_longer_than_a_message_is_cut_between_lines_not_trimmed() -> None:
    lines = [f"• Entry {k}: its page could not be read and the feed gives only 3 words of it. "
             + "x" * 150 for k in range(40)]  # about 9,000 characters in one section
    reply = Reply("News digest", title="News digest", paged=True,
                  sections=[Section("Not briefed", lines)])
    text = "\n".join(p["embed"]["description"] for p in to_discord(reply))
    assert "trimmed" not in text
    assert re.findall(r"Entry (\d+):", text) == [str(k) for k in range(40)]
    assert "**Not briefed (continued)**" in text


def test_a_story_shows_the_contradiction_another_outlet_found_and_says_whose() -> None:
    from bot.core import digest_reply
    from summarizers.digest import Digest, DigestItem, Story
    from summarizers.feeds import FeedEntry

    def item(outlet: str, title: str, contradiction: Contradiction | None) -> DigestItem:
        b = Briefing(title=title, tldr=f"{title}.", key_points=[], contradiction=contradiction,
                     people=[])
        return DigestItem(FeedEntry(id=title, title=title, link="", text="", outlet=outlet), b)

    # As contradiction.py makes them: the counter side's `what` names its speakers itself.
    c = Contradiction(Side("The mayor", "the bridge closes in May"),
                      Side("Daniel Reyes", "Daniel Reyes: it will not close in May"), why="")
    lead = item("Harbour Gazette", "Bridge to close in May", None)
    other = item("Riverside Courier", "City says bridge stays open", c)
    reply = digest_reply(Digest(stories=[Story([lead, other])]))
    assert ("Contradiction (Riverside Courier): The mayor: the bridge closes in May / "
            "Daniel Reyes: it will not close in May") in reply.sections[0].lines
    # The lead's own contradiction comes first, without an outlet named.
    reply = digest_reply(Digest(stories=[Story([other, lead])]))
    assert any(line.startswith("Contradiction: The mayor") for line in reply.sections[0].lines)


def test_each_counter_speaker_is_named_once_in_a_chat_briefing(seed_analysis) -> None:
    from summarizers.briefing import build_briefing

    b = build_briefing(seed_analysis)
    [section] = [s for s in briefing_reply(b).sections if s.heading == "The contradiction"]
    counter = section.lines[[line.startswith(" ") for line in section.lines].index(True) + 1]
    assert counter.startswith("Defense Secretary Mark Esper: “There’s been no decision")
    assert counter.count("Esper") == 1 and "Milley: “a draft”" in counter
