"""Reply objects to what each platform accepts: Slack Block Kit, Discord embeds, plain text.

Pure functions over dicts and strings (no platform library), so the limits are unit-tested without
a network. Content that does not fit is trimmed at line boundaries with a visible "…", never sent
over a limit; a paged reply (a digest) is sent as several messages instead, whole sections to each.
All text passes through bot.safety on the way.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.core import Reply, Section
from bot.safety import discord_escape, neutralise, slack_escape

ELLIPSIS = "…"

# Slack: documented limits, plus a total we stay under because long block messages fail with
# msg_blocks_too_long well before 50 full sections.
SLACK_SECTION_MAX = 3000
SLACK_HEADER_MAX = 150
SLACK_CONTEXT_MAX = 2000
SLACK_MAX_BLOCKS = 50
SLACK_TOTAL_MAX = 12000
SLACK_FALLBACK_MAX = 3000

# Discord: documented limits.
DISCORD_CONTENT_MAX = 2000
DISCORD_TITLE_MAX = 256
DISCORD_DESCRIPTION_MAX = 4096
DISCORD_FOOTER_MAX = 2048
DISCORD_EMBED_TOTAL_MAX = 6000
# A paged reply's pages: room to spare for headings, escapes and the footer.
DISCORD_PAGE_CHARS = 3500
SLACK_PAGE_CHARS = 9000
SLACK_PAGE_SECTIONS = 40


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary when one is near, ending in "…"."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.7:
        cut = cut[:space]
    amp = cut.rfind("&")  # never end inside a Slack entity such as "&amp;"
    if amp != -1 and ";" not in cut[amp:] and len(cut) - amp < 6:
        cut = cut[:amp]
    return cut.rstrip() + ELLIPSIS


def fit_lines(lines: list[str], budget: int, sep: str = "\n") -> tuple[list[str], bool]:
    """As many whole lines as fit in `budget` characters (joined by sep); the first that does not
    fit is clipped when enough room is left for it to say something. Returns (lines, trimmed)."""
    out: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        cost = len(line) + (len(sep) if out else 0)
        if used + cost <= budget:
            out.append(line)
            used += cost
            continue
        room = budget - used - (len(sep) if out else 0)
        if room >= 40 or (not out and room > 0):
            out.append(clip(line, room))
        return out, i < len(lines)
    return out, False


def _chunks(lines: list[str], limit: int) -> list[list[str]]:
    """Lines packed into groups whose joined length is at most `limit`; long lines are clipped."""
    groups: list[list[str]] = [[]]
    size = 0
    for line in lines:
        line = clip(line, limit)
        if groups[-1] and size + 1 + len(line) > limit:
            groups.append([])
            size = 0
        size += len(line) + (1 if len(groups[-1]) else 0)
        groups[-1].append(line)
    return [g for g in groups if g]


def _split_sections(sections: list[Section], max_chars: int) -> list[Section]:
    """Sections, each over `max_chars` cut between lines into several (the heading repeated,
    marked as continued)."""
    out = []
    for section in sections:
        parts = _chunks(section.lines, max_chars - len(section.heading) - 20) or [[]]
        for k, lines in enumerate(parts):
            heading = section.heading if k == 0 or not section.heading else \
                f"{section.heading} (continued)"
            out.append(Section(heading, lines))
    return out


def pages(reply: Reply, max_chars: int, max_sections: int) -> list[Reply]:
    """A paged reply as replies of whole sections, each within `max_chars` characters of lines
    and `max_sections` sections: the title on the first, the footer on the last. Any other reply
    as it is."""
    if not reply.paged or not reply.sections:
        return [reply]
    groups: list[list[Section]] = [[]]
    size = 0
    for section in _split_sections(reply.sections, max_chars):
        n = len(section.heading) + sum(len(line) + 1 for line in section.lines)
        if groups[-1] and (size + n > max_chars or len(groups[-1]) >= max_sections):
            groups.append([])
            size = 0
        groups[-1].append(section)
        size += n
    last = len(groups) - 1
    return [replace(reply, text=reply.text if i == 0 else f"{reply.text} (continued)",
                    title=reply.title if i == 0 else "", sections=group,
                    url=reply.url if i == last else "", context=reply.context if i == last else "",
                    paged=False, sent=None)  # the adapter reports the whole reply sent
            for i, group in enumerate(groups)]


def _sections(reply: Reply) -> list[Section]:
    """The sections to show; a reply that has only text shows its text."""
    return reply.sections or [Section("", reply.text.split("\n"))]


# -- Slack -------------------------------------------------------------------------------------


def _slack_context(reply: Reply, note: str = "") -> str:
    """The footer: a link to the source labelled with the context line, clipped so the link
    itself is never cut, then the note."""
    room = SLACK_CONTEXT_MAX - len(note)
    url = reply.url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E")
    url = url.replace("|", "%7C")
    if url and len(url) + 30 < room:
        label = clip(slack_escape(reply.context or reply.url), room - len(url) - 3)
        return f"<{url}|{label}>{note}"
    return clip(slack_escape(reply.context), room) + note if reply.context else note.lstrip(" ·")


def to_slack_messages(reply: Reply) -> list[dict[str, Any]]:
    """`to_slack` for each message a reply takes: one, or a paged reply's pages."""
    return [to_slack(page) for page in pages(reply, SLACK_PAGE_CHARS, SLACK_PAGE_SECTIONS)]


def to_slack(reply: Reply) -> dict[str, Any]:
    """chat.postMessage / respond() arguments: {"text": fallback, "blocks": [...]}."""
    text = clip(slack_escape(reply.text), SLACK_FALLBACK_MAX)
    if not reply.title and not reply.sections and not reply.context:
        return {"text": text}
    blocks: list[dict[str, Any]] = []
    if reply.title:
        title = clip(neutralise(reply.title), SLACK_HEADER_MAX)
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": title}})
    note = " · trimmed to fit Slack"
    has_context = bool(reply.url or reply.context)
    context_max = len(_slack_context(reply, note)) if has_context else 0
    budget = SLACK_TOTAL_MAX - sum(len(b["text"]["text"]) for b in blocks) - context_max
    max_sections = SLACK_MAX_BLOCKS - len(blocks) - (1 if has_context else 0)
    trimmed = False
    for section in _sections(reply):
        lines = [slack_escape(line) for line in section.lines]
        if section.heading:
            lines.insert(0, f"*{slack_escape(section.heading)}*")
        for group in _chunks(lines, SLACK_SECTION_MAX):
            if max_sections <= 0 or budget <= 0:
                trimmed = True
                break
            kept, cut = fit_lines(group, min(budget, SLACK_SECTION_MAX))
            if kept:
                body = "\n".join(kept)
                blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body}})
                budget -= len(body)
                max_sections -= 1
            if cut or not kept:
                trimmed = True
                break
        if trimmed:
            break
    if has_context:
        footer = _slack_context(reply, note if trimmed else "")
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    return {"text": text, "blocks": blocks}


# -- Discord -----------------------------------------------------------------------------------


def _split_text(text: str, limit: int) -> list[str]:
    return ["\n".join(g) for g in _chunks(text.split("\n"), limit)] or [""]


def to_discord(reply: Reply) -> list[dict[str, Any]]:
    """Message payloads (content and/or one embed each), every one within Discord's limits."""
    if reply.paged:
        return [p for page in pages(reply, DISCORD_PAGE_CHARS, 100) for p in to_discord(page)]
    if not reply.title and not reply.sections and not reply.context:
        return [{"content": part} for part in _split_text(discord_escape(reply.text),
                                                          DISCORD_CONTENT_MAX)]
    embed: dict[str, Any] = {}
    if reply.title:
        embed["title"] = clip(discord_escape(reply.title), DISCORD_TITLE_MAX)
    if reply.url:
        embed["url"] = reply.url
    if reply.context:
        embed["footer"] = {"text": clip(discord_escape(reply.context), DISCORD_FOOTER_MAX)}
    used = len(embed.get("title", "")) + len(embed.get("footer", {}).get("text", ""))
    lines: list[str] = []
    for section in _sections(reply):
        if lines:
            lines.append("")
        if section.heading:
            lines.append(f"**{discord_escape(section.heading)}**")
        lines.extend(discord_escape(line) for line in section.lines)
    note = "\n*trimmed to fit Discord*"
    budget = min(DISCORD_DESCRIPTION_MAX, DISCORD_EMBED_TOTAL_MAX - used) - len(note)
    kept, trimmed = fit_lines(lines, budget)
    while kept and not kept[-1]:
        kept.pop()
    description = "\n".join(kept)
    if trimmed:
        description += note
    embed["description"] = description
    return [{"embed": embed}]


# -- Plain text --------------------------------------------------------------------------------


def to_plain(reply: Reply, limit: int | None = None) -> list[str]:
    """The reply as plain text: one string, or several of at most `limit` characters."""
    lines: list[str] = []
    if reply.title:
        lines += [reply.title, ""]
    for section in reply.sections:
        if section.heading:
            lines.append(section.heading.upper())
        lines += section.lines + [""]
    if not reply.sections:
        lines += [reply.text, ""]
    footer = " · ".join(x for x in (reply.context, reply.url) if x)
    if footer:
        lines.append(footer)
    text = "\n".join(lines).strip()
    return [text] if limit is None else _split_text(text, limit)
