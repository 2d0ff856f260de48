"""The digest's grouping of one story told by several outlets, and the splits between outlets,
with the real embedding model and stance engine."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from summarizers.digest import DigestItem, build_digest, group, splits
from summarizers.evaluation.digest import bcubed
from summarizers.feeds import FeedEntry


def _item(headline: str, outlet: str, lead: str = "") -> DigestItem:
    entry = FeedEntry(id=f"{outlet}:{headline}", title=headline, link="", text=lead,
                      outlet=outlet)
    return DigestItem(entry, briefing=SimpleNamespace(title=headline, tldr=lead,
                                                      contradiction=None))


def _unit(rows: list[list[float]]) -> np.ndarray:
    v = np.array(rows, dtype=np.float64)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_group_joins_what_is_alike_and_leaves_the_rest_alone() -> None:
    vectors = _unit([[1, 0, 0], [0.95, 0.05, 0], [0, 1, 0], [0, 0.9, 0.1], [0, 0, 1]])
    assert group(vectors, 0.8) == [[0, 1], [2, 3], [4]]
    assert group(vectors, 0.999) == [[0], [1], [2], [3], [4]]
    assert group(vectors, -1.0) == [[0, 1, 2, 3, 4]]
    assert group(vectors[:1], 0.5) == [[0]] and group(vectors[:0], 0.5) == []


def test_group_is_average_linkage_not_single_linkage() -> None:
    # A chain: each next to the one before, the ends far apart. Single linkage would make one
    # cluster of it; average linkage stops where the average falls below the threshold.
    angles = np.radians([0, 25, 50, 75])
    chain = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    clusters = group(chain, 0.85)
    assert len(clusters) > 1


def test_bcubed_scores_a_perfect_and_a_lumped_clustering() -> None:
    truth = ["a", "a", "b", "c"]
    assert bcubed([[0, 1], [2], [3]], truth) == (1.0, 1.0, 1.0)
    p, r, _ = bcubed([[0, 1, 2, 3]], truth)
    assert r == 1.0 and p == pytest.approx((0.5 * 2 + 0.25 * 2) / 4)


@pytest.fixture(scope="module")
def embed():
    from summarizers.nlp import get_nlp

    return get_nlp().embed


@pytest.fixture(scope="module")
def stance_many():
    from summarizers.stance import stance_many

    return stance_many


STORIES = [
    ("Harbour Bridge to close for six months of repairs from May", "Coast Herald"),
    ("Council shuts Harbour Bridge in May as repair bill climbs", "City Wire"),
    ("Drivers face detours as the Harbour Bridge closes for repairs", "Morning Post"),
    ("Local bakery wins national bread prize for its sourdough", "Coast Herald"),
    ("Striker signs three-year contract with the city football club", "City Wire"),
]


def test_one_story_from_three_outlets_is_one_story(embed, stance_many) -> None:
    items = [_item(h, o) for h, o in STORIES]
    digest = build_digest(items, embed, stance_many)
    first = digest.stories[0]
    assert sorted(i.entry.outlet for i in first.items) == ["City Wire", "Coast Herald",
                                                           "Morning Post"]
    assert sorted(len(s.items) for s in digest.stories) == [1, 1, 3]
    assert first.splits == []  # all three say the bridge closes


def test_a_headline_that_denies_another_is_a_split_and_two_denials_agree(
    embed, stance_many
) -> None:
    claim = _item("City confirms Harbour Bridge will close for repairs in May", "Coast Herald")
    denial = _item("Mayor denies Harbour Bridge will close in May", "City Wire")
    also_denial = _item("Harbour Bridge closure in May is a hoax, officials say", "Morning Post")
    found = splits([denial, claim], stance_many)
    assert [(s.claim.entry.outlet, s.counter.entry.outlet) for s in found] == [
        ("Coast Herald", "City Wire")]  # the asserting side is the claim, whatever the order
    assert "denies" in found[0].cues
    assert splits([denial, also_denial], stance_many) == []


def test_items_of_one_outlet_are_never_a_split(stance_many) -> None:
    a = _item("City confirms Harbour Bridge will close for repairs in May", "Coast Herald")
    b = _item("Mayor denies Harbour Bridge will close in May", "Coast Herald")
    assert splits([a, b], stance_many) == []


def test_unread_items_are_kept_apart_not_dropped(embed, stance_many) -> None:
    unread = DigestItem(FeedEntry(id="x", title="Broken", link="https://x.example/1", text=""),
                        error="The site answered 404 Not Found.")
    digest = build_digest([unread, _item(*STORIES[0])], embed, stance_many)
    assert digest.unread == [unread]
    assert [s.items[0].headline for s in digest.stories] == [STORIES[0][0]]
    assert build_digest([unread], embed, stance_many).stories == []


def test_the_digest_command_on_the_sample_feeds_groups_the_bridge_and_calls_out_the_split():
    import subprocess
    import sys
    from pathlib import Path

    feeds = Path(__file__).resolve().parent.parent / "seeds" / "feeds"
    out = subprocess.run(
        [sys.executable, "-m", "bot", "digest", str(feeds / "harbour-gazette.xml"),
         str(feeds / "riverside-courier.xml"), str(feeds / "no-such-feed.xml")],
        capture_output=True, text=True, timeout=300, check=True,
    )
    # The missing feed is named on stderr, the rest still digested; nothing else on stderr.
    assert out.stderr.strip() == (f"newsbrief: {feeds / 'no-such-feed.xml'}: There is no file "
                                  f"at '{feeds / 'no-such-feed.xml'}', nor is it a feed link "
                                  "(http:// or https://).")
    lines = out.stdout.splitlines()
    assert lines[0] == "News digest"
    assert lines[-1] == "3 stories, 1 where outlets disagree"
    assert "Reported by 2 outlets: Harbour Gazette, Riverside Courier" in lines
    assert ("Outlets disagree: Harbour Gazette reports “Mayor confirms Kestrel Bridge will close "
            "in May”; Riverside Courier: “City denies Kestrel Bridge will close in May”") in lines
    # The Courier's article holds the key contradiction, the Gazette's leads the story.
    assert ("Contradiction (Riverside Courier): Mayor Helen Okafor: said the bridge would close "
            "to traffic in May / City spokesman Daniel Reyes: “The Kestrel Bridge will not close "
            "in May”") in lines
