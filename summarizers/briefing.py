"""The Briefing: what happened, the key points, the key contradiction, the people, the timeline."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Quote:
    """Words someone said or wrote, exactly as the article gives them."""

    speaker: str  # canonical name with role, e.g. "Defense Secretary Mark Esper"
    text: str  # the quoted words, or the sentence when the article reports without quoting
    sentence: str  # the whole sentence it comes from


@dataclass
class Side:
    """One side of a contradiction: who, what they hold, and the quotes it rests on."""

    who: str
    what: str
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class Contradiction:
    claim: Side
    counter: Side
    why: str


@dataclass
class Person:
    name: str
    role: str = ""


@dataclass
class TimelineEntry:
    when: str
    what: str


@dataclass
class Briefing:
    title: str
    tldr: str
    key_points: list[str]
    contradiction: Contradiction | None
    people: list[Person]
    timeline: list[TimelineEntry] = field(default_factory=list)
    source: str = ""
    url: str = ""
    byline: str = ""
    date: str = ""
    article_id: str = ""
    word_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
