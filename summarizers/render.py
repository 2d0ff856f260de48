"""Plain text, markdown and JSON forms of briefings and answers (chat adapters render their own)."""

from __future__ import annotations

import json
from typing import Any

from summarizers.briefing import Briefing, quoted

FORMATS = ("text", "markdown", "json")


def _bullet(markdown: bool) -> str:
    return "- " if markdown else "  • "


def render_briefing(briefing: Briefing, fmt: str = "text") -> str:
    """`fmt` is text, markdown or json."""
    if fmt == "json":
        return json.dumps(briefing.to_dict(), ensure_ascii=False, indent=2)
    md = fmt == "markdown"
    h = (lambda s: f"## {s}") if md else (lambda s: f"{s.upper()}")
    b = _bullet(md)
    lines = [f"# {briefing.title}" if md else briefing.title]
    parts = (briefing.source, briefing.byline, briefing.date, briefing.url)
    meta = " · ".join(x for x in parts if x)
    if meta:
        lines.append(meta)
    lines += ["", h("TL;DR"), briefing.tldr, "", h("Key contradiction")]
    c = briefing.contradiction
    if c is None:
        lines.append("None found: no one in this article denies what someone else claims.")
    else:
        for label, side in (("Claim", c.claim), ("Counter", c.counter)):
            lines.append(f"{b}{label}: {side.who}")
            for q in side.quotes:
                lines.append(f"    {q.line()}")
        lines.append(f"{b}Why they conflict: {c.why}")
    if briefing.key_points:  # a text of a sentence or two has its TL;DR only
        lines += ["", h("Key points")] + [f"{b}{p}" for p in briefing.key_points]
    if briefing.people:
        lines += ["", h("People")]
        lines += [f"{b}{p.name}" + (f" ({p.role})" if p.role else "") for p in briefing.people]
    if briefing.timeline:
        lines += ["", h("Timeline")] + [f"{b}{t.when}: {t.what}" for t in briefing.timeline]
    return "\n".join(lines)


def render_answer(answer: Any, fmt: str = "text") -> str:
    """An Answer from summarizers.qa: the answer, the quote it rests on, who said it, the source."""
    if fmt == "json":
        return json.dumps(answer.to_dict(), ensure_ascii=False, indent=2)
    if answer.abstained:
        return answer.answer or "The articles don't say."
    md = fmt == "markdown"
    lines = [f"**{answer.answer}**" if md else answer.answer]
    who = f" — {answer.speaker}" if answer.speaker else ""
    if answer.quote:
        lines.append(("> " if md else "  ") + quoted(answer.quote) + who)
    elif answer.sentence:  # no quote: show the sentence the answer rests on
        lines.append(f"> {answer.sentence}" if md else f"  {answer.sentence}")
    for other in answer.others:
        lines.append(f"{_bullet(md)}Also: {other}")
    for other in answer.against:
        lines.append(f"{_bullet(md)}Says otherwise: {other}")
    if answer.source:
        lines.append(f"Source: {answer.source}")
    return "\n".join(lines)
