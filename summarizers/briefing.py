"""The Briefing: what happened, the key points, the key contradiction, the people, the timeline."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

# Quotation marks a page may leave on quoted words: double marks, and doubled single ones
# (“a draft’’). A lone ’ stays: it may be a possessive ("the Smiths’").
_EDGE_MARKS = re.compile(r"^(?:\s|[“”\"]|‘‘|’’|'')+|(?:\s|[“”\"]|‘‘|’’|'')+$")


def quoted(text: str) -> str:
    """Words in curly quotation marks, whatever marks (or none) they came with."""
    return "“" + _EDGE_MARKS.sub("", text) + "”"


@dataclass
class Quote:
    """Words someone said or wrote, exactly as the article gives them, or reported speech."""

    speaker: str  # canonical name with role, e.g. "Defense Secretary Mark Esper"
    text: str  # the quoted words; when not verbatim, what the article reports ("denied that ...")
    sentence: str  # the whole sentence it comes from
    verbatim: bool = True  # False: reported speech, never to be shown in quotation marks

    def line(self) -> str:
        """The quote on one line: “words” (speaker); reported speech leads with its speaker."""
        if not self.verbatim:
            return f"{self.speaker} {self.text}"
        return f"{quoted(self.text)} ({self.speaker})"


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


def _key_point_count(n_sentences: int) -> int:
    return max(3, min(5, n_sentences // 6))


# What makes a date a point in time: a day, month or year, or a time said relative to the story
# ("earlier Sunday", "two days ago", "last week", "the coming days"). The small spaCy model also
# tags lengths of time ("eight years", "centuries"), ages ("29-year-old") and digit runs such as
# phone numbers ("13 11") as DATE: none of them says when anything happened.
_POINT_IN_TIME = re.compile(
    r"\b(mon|tues|wednes|thurs|fri|satur|sun)days?\b"
    r"|\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sept?(ember)?"
    r"|oct(ober)?|nov(ember)?|dec(ember)?)\b\.?"
    r"|\b(1[6-9]|20)\d\d(s|'s)?\b|\b\d{1,2}/\d{1,2}(/\d{2,4})?\b|'?\b\d0s\b"
    r"|\b\d{1,2}(st|nd|rd|th)[\s-]+cen"  # "the early 20th century"
    r"|\b(today|tonight|yesterday|tomorrow|ago|earlier|later|last|next|this|coming|past"
    r"|previous|recent(ly)?|weekend|overnight|christmas|easter|thanksgiving|new year"
    r"|spring|summer|autumn|fall|winter)\b",
    re.I,
)
_AGE = re.compile(r"\byears?[ -]old\b", re.I)  # "a 29-year-old", "40 years old"


def _is_point_in_time(when: str) -> bool:
    """Does a DATE the parser found say when something happened (see `_POINT_IN_TIME`)?"""
    return bool(_POINT_IN_TIME.search(when)) and not _AGE.search(when)


def _timeline(analysis: Any, limit: int = 6) -> list[TimelineEntry]:
    """Dates the article gives, each with the sentence that says what happened then (of a caption
    glued to a sentence, the part the date is in: `keypoints.glued_caption_end`)."""
    from summarizers.keypoints import clean_sentence, glued_caption_end

    entries: list[TimelineEntry] = []
    seen: set[str] = set()
    for sent, doc in zip(analysis.sentences, analysis.docs, strict=True):
        for ent in doc.ents:
            when = ent.text.strip()
            if ent.label_ != "DATE" or when.lower() in seen or not _is_point_in_time(when):
                continue
            seen.add(when.lower())
            glued = glued_caption_end(doc)
            what = sent.text if not glued else (
                doc[:glued] if ent.start < glued else doc[glued:]).text
            entries.append(TimelineEntry(when=when, what=_trim(clean_sentence(what), 30)))
            break  # one entry per sentence
        if len(entries) == limit:
            break
    return entries


# What a sentence may end with: its full stop, and quote marks or a bracket closing after it.
_ENDED = re.compile(r"[.!?…:;][\"'”’)\]]*\s*$")


def _ended(sentence: str) -> str:
    """The sentence with a full stop when it has none (a standfirst or a caption), so the next
    sentence of a TL;DR does not read as its continuation."""
    return sentence if not sentence or _ENDED.search(sentence) else sentence.rstrip() + "."


def _trim(text: str, words: int) -> str:
    """The text's first `words` words and "…"; a quote the cut leaves open is closed after it."""
    from summarizers.keypoints import balance_quotes

    parts = text.split()
    return text if len(parts) <= words else balance_quotes(" ".join(parts[:words]) + " …")


def _attributed(analysis: Any, sentence_id: int, text: str) -> str:
    """A sentence from inside a longer quote gets its speaker, so no key point is anonymous.
    `text`: the sentence as a key point reads it (`keypoints.key_point_texts`)."""
    from summarizers.keypoints import clean_sentence

    core = text.strip("“”\"’ ,.")
    for st in analysis.statements:
        if st.quote and core and core in st.quote and st.sentence_id != sentence_id:
            return f"{clean_sentence(text)} ({st.speaker})"
    return clean_sentence(text)


# Parse roles in which a name is someone in the story, not a place or thing named after them.
_PERSON_ROLES = frozenset("nsubj nsubjpass dobj poss appos attr conj".split())


# What an apposition calls a name that the small NER model took for a person: "Boca Juniors,
# his former club".
_THING_NOUNS = frozenset(
    """club team company firm band brand newspaper magazine airline bank charity car film movie
    album song book novel story play poem show series app website""".split()
)
# A courtesy title says nothing about who someone is: "Ms." is no role.
_COURTESY_TITLES = frozenset("mr mrs ms miss".split())


def _described_as_thing(person: Any) -> bool:
    """Does the person's apposition name a thing ("his former club")? Its head is the last word
    before a preposition or a relative clause ("senior adviser to the company" is an adviser),
    written in lower case (a name such as "The Laura Ingraham Show" describes no one)."""
    head = re.split(r"\s+(?:of|for|in|at|on|to|by|with|from|about|as|that|which|who|whose)\s+",
                    person.role)[0]
    words = re.findall(r"[A-Za-z]+", head)
    return bool(words) and words[-1] in _THING_NOUNS


# Abbreviated titles, spelled out: a role that only spells out the title says nothing more.
_TITLES_SPELLED = {"dr": "doctor", "prof": "professor", "gen": "general", "sen": "senator",
                   "rep": "representative", "gov": "governor", "capt": "captain"}


def _person_role(person: Any) -> str:
    """Title and role for the people list, without a courtesy title, and without a role that
    only says the title again ("Dr., doctor")."""
    title = "" if person.title.lower().rstrip(".") in _COURTESY_TITLES else person.title
    key = title.lower().rstrip(".")
    role = "" if person.role.lower() in (key, _TITLES_SPELLED.get(key)) else person.role
    return ", ".join(filter(None, (title, role)))


def _in_the_story(person: Any, analysis: Any) -> bool:
    """Worth listing under People: titled or described, quoted, named twice, or acting (subject,
    object, possessor) at least once, and not described as a thing. A name seen once after a
    preposition ("bases belonging to Kataib Hezbollah", which the small NER model calls a person)
    is left out."""
    if person.role and _described_as_thing(person):
        return False
    if person.title or person.role or len(person.sentence_ids) > 1:
        return True
    if any(st.speaker_id == person.id for st in analysis.statements):
        return True
    surname = person.name.split()[-1]
    return any(ent.label_ == "PERSON" and surname in ent.text
               and ent.root.dep_ in _PERSON_ROLES
               for sid in person.sentence_ids for ent in analysis.docs[sid].ents)


def build_briefing(analysis: Any) -> Briefing:
    """A Briefing from an Analysis (see summarizers.analysis): nothing is parsed again."""
    from summarizers.contradiction import find_contradiction
    from summarizers.keypoints import (
        clean_sentence,
        key_point_texts,
        lexical_vectors,
        rank_sentences,
        select_key_points,
    )

    article = analysis.article
    sentences = [s.text for s in analysis.sentences]
    texts, clauses = key_point_texts(sentences, analysis.docs)
    vectors = lexical_vectors(texts)  # ranks as well as embeddings here, for a fraction of the cost
    ranked = rank_sentences(texts, vectors, clauses=clauses)
    contradiction = find_contradiction(analysis)
    tldr_ids = ranked[:1]
    # Contradiction first: the TL;DR adds the sentence where the claim is denied.
    if contradiction and tldr_ids:
        denied_in = sentences.index(contradiction.counter.quotes[0].sentence)
        tldr_ids = sorted({tldr_ids[0], denied_in})
    elif len(ranked) > 1 and len((texts[ranked[0]] + " " + texts[ranked[1]]).split()) <= 60:
        tldr_ids = sorted(ranked[:2])
    rest = [i for i in range(len(texts)) if i not in tldr_ids]
    picks = select_key_points(
        [texts[i] for i in rest], vectors[rest], _key_point_count(len(texts)),
        clauses=[clauses[i] for i in rest],
    )
    people = sorted((e for e in analysis.people if _in_the_story(e, analysis)),
                    key=lambda e: min(e.sentence_ids or [0]))
    return Briefing(
        title=article.title or _trim(clean_sentence(texts[0]), 14) if texts else article.title,
        # A second sentence keeps its link word: it links to the first ("But Esper said ...").
        tldr=" ".join(_ended(clean_sentence(texts[i], keep_link_word=k > 0))
                      for k, i in enumerate(tldr_ids)),
        key_points=[_attributed(analysis, rest[j], texts[rest[j]]) for j in picks],
        contradiction=contradiction,
        people=[Person(name=e.name, role=_person_role(e))
                for e in people],
        timeline=_timeline(analysis),
        source=article.source,
        url=article.url,
        byline=article.byline,
        date=article.date,
        article_id=article.id,
        word_count=article.word_count,
    )
