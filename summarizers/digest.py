"""A digest of new feed entries: each briefed, the same story from several outlets grouped, and
the places where outlets disagree called out.

- Grouping: headlines embedded (MiniLM), average-linkage clustering on cosine similarity, cut at
  GROUP_AT (measured on Emergent: headlines of one claim from many outlets; see the README).
- Disagreement: within a story, each pair of outlets' headlines read by the stance engine's
  short-text rules (who asserts, who denies, of what), both ways round. When exactly one of the
  two denies and it contradicts the other read as the claim, the outlets split; two denials
  agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from summarizers.feeds import FeedEntry

# Two items are one story when their average cosine similarity (of headlines) is at least this.
# Chosen on Emergent's dev headlines (bench/quality.py --only digest): B-cubed F1 94.3; 0.45
# scores 96.0 but merges more, and a wrong merge misleads more than a missed one.
GROUP_AT = 0.5


@dataclass
class DigestItem:
    entry: FeedEntry
    briefing: Any = None  # summarizers.briefing.Briefing, when the entry could be briefed
    error: str = ""  # why it could not be: shown, so nothing is dropped in silence
    retry: bool = False  # its page could not be fetched: worth another try at the next digest

    @property
    def headline(self) -> str:
        return self.entry.title or (self.briefing.title if self.briefing else "")

    def grouping_text(self) -> str:
        """What decides the story: the headline, as measured (Emergent's headlines); the
        opening of the text only when there is no headline. With the lead added, pieces on one
        topic that are not one story (two food columns of one blog) came out alike."""
        if self.headline:
            return self.headline
        lead = self.briefing.tldr if self.briefing is not None else self.entry.text
        return " ".join(lead.split()[:60])


@dataclass
class Split:
    """Outlet `counter` denies what outlet `claim` reports."""

    claim: DigestItem
    counter: DigestItem
    cues: tuple[str, ...] = ()  # the refuting words or deny verbs the engine saw


@dataclass
class Story:
    items: list[DigestItem]  # the lead item first: the one most like the others
    splits: list[Split] = field(default_factory=list)

    @property
    def outlets(self) -> list[str]:
        return list(dict.fromkeys(i.entry.outlet for i in self.items if i.entry.outlet))


@dataclass
class Digest:
    stories: list[Story]
    unread: list[DigestItem] = field(default_factory=list)  # entries that could not be briefed
    failed_feeds: list[tuple[str, str]] = field(default_factory=list)  # (feed url, why)
    keys: list[str] = field(default_factory=list)  # entries it delivers (bot.store.entry_key)
    holder: str = ""  # the id it holds its entries by in the store, while on its way


def group(vectors: np.ndarray, threshold: float = GROUP_AT) -> list[list[int]]:
    """Average-linkage clusters of unit `vectors` whose mean pairwise cosine similarity is at
    least `threshold`; each cluster in input order, clusters in order of their first member."""
    n = len(vectors)
    clusters = [[i] for i in range(n)]
    if n < 2:
        return clusters
    v = np.asarray(vectors, dtype=np.float64)
    link = v @ v.T  # link[a, b]: the summed similarity between clusters a and b
    sizes = np.ones(n)
    alive = np.ones(n, dtype=bool)
    while alive.sum() > 1:
        avg = link / np.outer(sizes, sizes)
        avg[~alive, :] = -np.inf
        avg[:, ~alive] = -np.inf
        np.fill_diagonal(avg, -np.inf)
        a, b = sorted(np.unravel_index(int(np.argmax(avg)), avg.shape))
        if avg[a, b] < threshold:
            break
        clusters[a] = sorted(clusters[a] + clusters[b])
        link[a, :] += link[b, :]
        link[:, a] += link[:, b]
        sizes[a] += sizes[b]
        alive[b] = False
    return sorted((clusters[a] for a in np.flatnonzero(alive)), key=lambda c: c[0])


def _lead_first(members: list[int], sim: np.ndarray) -> list[int]:
    """The member most like the rest first (ties: the earlier), the rest in their order."""
    if len(members) < 3:
        return members
    central = max(members, key=lambda i: (sum(sim[i, j] for j in members if j != i), -i))
    return [central] + [i for i in members if i != central]


StanceFn = Callable[[Sequence[tuple[str, str]]], list[Any]]


def splits(items: list[DigestItem], stance_many: StanceFn) -> list[Split]:
    """Pairs of outlets in one story whose headlines are on opposite sides: one denies and the
    other asserts, and the denying one contradicts the asserting one read as a claim. Two
    headlines that both deny ("... is a hoax", "X denies rumours of ...") agree. One split per
    pair of outlets, the first found in item order."""
    pairs = [(a, b) for x, a in enumerate(items) for b in items[x + 1:]
             if a.entry.outlet != b.entry.outlet and a.headline and b.headline]
    if not pairs:
        return []
    results = stance_many([(a.headline, b.headline) for a, b in pairs]
                          + [(b.headline, a.headline) for a, b in pairs])
    found: list[Split] = []
    seen: set[frozenset[str]] = set()
    for k, (a, b) in enumerate(pairs):
        a_reads_b, b_reads_a = results[k], results[len(pairs) + k]
        outlets = frozenset((a.entry.outlet, b.entry.outlet))
        if outlets in seen or _denies(a_reads_b) == _denies(b_reads_a):
            continue
        # The asserting headline is the claim; the denying one must contradict it.
        claim, counter, res = (b, a, b_reads_a) if _denies(a_reads_b) else (a, b, a_reads_b)
        if res.label != "contradiction":
            continue
        seen.add(outlets)
        cues = tuple(dict.fromkeys(c for e in res.evidence for c in e.cues))
        found.append(Split(claim=claim, counter=counter, cues=cues))
    return found


def _denies(res: Any) -> bool:
    """Does the claim of a stance result deny (a negated main clause, a deny verb, a word like
    "hoax" or "false")? The engine reads this of the claim side whatever the text."""
    return bool(res.features.get("claim_deny") or res.features.get("claim_refute"))


def build_digest(items: list[DigestItem], embed: Callable[[list[str]], np.ndarray],
                 stance_many: StanceFn, threshold: float = GROUP_AT) -> Digest:
    """Group briefed items into stories and find where their outlets disagree. Stories with
    more outlets come first, then in the order of their first item (the feeds' newest first)."""
    read = [i for i in items if i.briefing is not None]
    unread = [i for i in items if i.briefing is None]
    if not read:
        return Digest(stories=[], unread=unread)
    vectors = embed([i.grouping_text() for i in read])
    sim = vectors @ vectors.T
    stories = []
    for members in group(vectors, threshold):
        story = Story([read[i] for i in _lead_first(members, sim)])
        if len(story.outlets) > 1:
            story.splits = splits(story.items, stance_many)
        stories.append(story)
    stories.sort(key=lambda s: -len(s.outlets))  # stable: feed order within the same size
    return Digest(stories=stories, unread=unread)
