"""The key contradiction of one article: who claims what, and who denies it, in their own words.

A contradiction is a pair of attributed statements by different speakers, one asserting and one
denying, that are about the same thing: close in meaning, or the denial names the claim's source
("called the letter a mistake"). The best pair anchors each side; other statements by the same
speakers, or denials by others of the same claim, join the side they support. No pair, no
contradiction: it is never invented.
"""

from __future__ import annotations

import os
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from summarizers.analysis import (
    DENIAL_VERBS,
    DISOWNING_WORDS,
    DOCUMENT_NOUNS,
    MAIN_CLAUSE_DEPS,
    NEGATORS,
    REPORTING_VERBS,
    SAYING_NOUNS,
    Analysis,
    Statement,
)
from summarizers.briefing import Contradiction, Quote, Side

MIN_TOPICAL = 0.30  # cosine between the two statements' sentences below which they are unrelated
MAX_QUOTES_PER_SPEAKER = 2
MAX_COUNTER_SPEAKERS = 3


def _head_noun(statement: Statement) -> str:
    kind, _, value = statement.speaker_key.partition(":")
    return value if kind == "noun" else ""


_BARE_PRONOUNS = frozenset("it they we you this that".split())
_SPOKE_FOR = DOCUMENT_NOUNS | {"website", "account", "spokesman", "spokeswoman", "spokesperson",
                               "official", "officials"}


def _same_party(claim: Statement, denial: Statement) -> bool:
    """Is it one party speaking twice ("The Foreign Office statement" and "British Foreign
    Office", "The U.S." and "U.S. officials")? Without "the" and a last word for what spoke
    for them, one name is the other, or ends it after plain modifiers ("British"); not
    "critics of the government" or "the government's critics" against "the government"."""
    if claim.speaker_id is not None and denial.speaker_id is not None:
        return claim.speaker_id == denial.speaker_id  # "Trump" and "Melania Trump" are two
    a, b = (_party_words(s.speaker) for s in (claim, denial))
    if not a or not b:
        return False
    short, long = sorted((a, b), key=len)
    extra = long[: len(long) - len(short)]
    return long[len(extra):] == short and not any(
        w == "of" or w.endswith(("'s", "’s")) for w in extra)


def _party_words(speaker: str) -> list[str]:
    words = speaker.lower().replace(",", " ").split()
    if words and words[0] == "the":
        words = words[1:]
    if len(words) > 1 and words[-1] in _SPOKE_FOR:
        words = words[:-1]
    return words


def _refers_to(denial: Statement, claim: Statement, analysis: Analysis) -> bool:
    """Does the denial's sentence name the claim's source ("the letter", "Seely"), or answer the
    claim right after it ("That isn't true," he said)?"""
    if _answers(denial, claim, analysis):
        return True
    sentence = analysis.sentences[denial.sentence_id].text.lower() + " " + denial.content.lower()
    noun = _head_noun(claim)
    if noun and re.search(rf"\b{re.escape(noun)}\b", sentence):
        return True
    if claim.speaker_id is not None:
        # A person by surname; anything else by its whole name ("ABC News" is not "news").
        ent = analysis.entity(claim.speaker_id)
        name = ent.name.split()[-1] if ent.kind == "PERSON" else ent.name
        return bool(re.search(rf"\b{re.escape(name.lower())}\b", sentence))
    return False


def _answers(denial: Statement, claim: Statement, analysis: Analysis) -> bool:
    """Is the denial a bare verdict or denial ("That isn't true", "It's false", "denied it"),
    given in the claim's sentence or the one after it, so that what it disowns is the claim?"""
    if not 0 <= denial.sentence_id - claim.sentence_id <= 1:
        return False
    if denial.verb in DENIAL_VERBS:
        return _denied_by_verb(denial, analysis) == set()
    verb = _verb_token(denial, analysis)
    return any(_verdict(t, verb) and not verdict_target(t)
               for t in _statement_tokens(denial, analysis))


# Verbs too light to carry a topic ("go", "get"), and negations that answer nothing ("could not
# comment", "did not know", "had not seen the video"): neither makes a negative sentence a denial
# of someone's claim.
_LIGHT_VERBS = frozenset("be have do go get make take come give put see want try".split())
_NON_ANSWERS = frozenset(
    """comment know confirm speculate recall remember elaborate discuss disclose reveal respond
    return answer see hear watch read""".split()
)


_DIRECTIVE_VERBS = frozenset("urge ask order tell warn advise beg encourage want".split())
_REQUEST_VERBS = frozenset("ask urge".split())  # reporting verbs of asking, not asserting
_CALLING_VERBS = frozenset("call label brand describe dismiss".split())
# Nouns for what someone said: "false claims", "baseless allegations".
_SAYING_NOUNS = SAYING_NOUNS | {"account", "charge"}


def _content_lemmas(tokens: list[Any]) -> set[str]:
    """What a span is about, in words a negation can deny: common nouns, adjectives and verbs
    (a shared name like "Argentina" says two people talk of the same place, not that one denies
    the other)."""
    return {t.lemma_.lower() for t in tokens
            if t.is_alpha and not t.is_stop and t.pos_ in ("NOUN", "ADJ", "VERB")
            and t.lemma_.lower() not in REPORTING_VERBS | _LIGHT_VERBS}


def _statement_tokens(statement: Statement, analysis: Analysis) -> list[Any]:
    """The tokens of what a statement holds (its quote or reported clause) in its sentence."""
    sent = analysis.sentences[statement.sentence_id]
    doc = analysis.docs[statement.sentence_id]
    start = sent.text.find(statement.content[:40])
    if start < 0:
        return list(doc)
    end = start + len(statement.content)
    return [t for t in doc if start <= t.idx < end]


@dataclass
class _Denial:
    """What one denial goes against, read from the parse once: a long article holds each denial
    against every claimant, and against its best claim again.

    `by_verb`: for a deny verb, the content words of what it denies (`_denied_by_verb`; empty or
    None: something unnamed, which goes against any claim); None without a deny verb.
    `verdicts`: what each disowning word of the same call is said of (an empty set: something
    unnamed). `negated`: what its plain negations deny (`_negated_lemmas`)."""

    deny_verb: bool
    by_verb: set[str] | None
    verdicts: list[set[str]]
    negated: set[str]

    def against(self, said: set[str]) -> bool:
        """Does the denial go against what a claimant said (`said`: its content words)?
        Disowning words do when they name nothing or the claim's words, not something else
        ("rumours that police used rubber bullets are untrue", "denied taking part in any
        infidelity" against a claim about a search); a plain negation does only when what it
        negates is something the claimant says ("no decision" against "your decision to order
        our departure"), so "he is not interested in leaving" is no answer to "I am happy
        here"."""
        if self.deny_verb:
            disowns = not self.by_verb or _overlaps(self.by_verb, said)
        else:
            disowns = any(not t or 2 * len(t & said) >= len(t) for t in self.verdicts)
        return disowns or _overlaps(self.negated, said)


def _read_denial(denial: Statement, analysis: Analysis) -> _Denial:
    """A deny verb's object, or the verdicts ("false", "a mistake") of the call as a whole
    ("called the letter 'a draft' and 'a mistake'" disowns with both), and the negations."""
    negated = _negated_lemmas(denial, analysis)
    if denial.verb in DENIAL_VERBS:
        return _Denial(True, _denied_by_verb(denial, analysis), [], negated)
    verdicts = []
    for s in analysis.statements:
        if (s.sentence_id, s.speaker_key, s.verb) != \
                (denial.sentence_id, denial.speaker_key, denial.verb):
            continue
        verb = _verb_token(s, analysis)
        verdicts += [verdict_target(t) for t in _statement_tokens(s, analysis)
                     if _verdict(t, verb) and not _in_nested_speech(t, s, analysis)]
    return _Denial(False, None, verdicts, negated)


# Words that confirm what they are said of; negated ("the report is not true", "Not accurate")
# they disown it. Not "right": "it was not right to fire him" judges the firing, not a claim.
_CONFIRMING_WORDS = frozenset("true accurate correct".split())


def _verdict(token: Any, said_by: Any = None) -> bool:
    """Does the word disown what it is said of: "false", "a mistake", or a negated "true"?
    `said_by`: the reporting verb; a negation above it ("did not comment but said it was
    false") is not in what was said."""
    if token.lower_ in DISOWNING_WORDS or token.lemma_.lower() in DISOWNING_WORDS:
        return passes_verdict(token) and not under_negation(token, below=said_by)
    return (token.lemma_.lower() in _CONFIRMING_WORDS and token.pos_ == "ADJ"  # not "correct it"
            and token.dep_ in ("acomp", "attr", "ROOT")
            and any(c.dep_ == "neg" for c in (*token.children, *token.head.children)))


def verdict_target(token: Any) -> set[str]:
    """What a verdict word is said of, in content words; empty when it is a pronoun or a bare
    "the report" (then it is the claim at hand)."""
    subjects = [c for c in token.head.children if c.dep_.startswith("nsubj")]
    if token.dep_ not in ("attr", "acomp") or not subjects:
        return set()
    words = [w for w in subjects[0].subtree if w.lemma_.lower() not in _SAYING_NOUNS]
    return _content_lemmas(words)


def passes_verdict(token: Any) -> bool:
    """Is the disowning word a verdict on something ("it is false", "called it a mistake", "a
    mistake" on its own, "baseless claims"), not scenery ("learn from the mistakes")?"""
    while True:
        if token.dep_ in ("attr", "acomp", "oprd", "ROOT"):
            return True
        if token.dep_ in ("dobj", "conj") and token.head.lemma_ in _CALLING_VERBS:
            return True
        if token.dep_ == "amod" and token.head.lemma_.lower() in _SAYING_NOUNS:
            return True
        if token.dep_ != "conj":  # "a draft and a mistake": judged as the list's first
            return False
        token = token.head


def under_negation(token: Any, below: Any = None) -> bool:
    """Is the word inside a negated clause ("she didn't know it was wrong")? With `below` (a
    reporting verb), only clauses under that verb count: "did not comment but said it was
    false" does not negate what was said."""
    for above in token.ancestors:
        if below is not None and above.i == below.i:
            return False
        if any(c.dep_ == "neg" for c in above.children):
            return True
    return False


def _negated_lemmas(denial: Statement, analysis: Analysis) -> set[str]:
    """What a plain negation denies: the negated predicate and its object, not its subject nor
    the scenery further down ("he did not own a car" -> own, car). A negated noun denies that
    thing ("there's been no decision whatsoever to leave Iraq" -> decision, leave); a light verb
    its complement ("he was not interested in leaving" -> interested); a verb of intending or
    thinking what it governs ("I did not intend to show the video" -> show, video; "I don't
    think it was serious" is no denial of thinking). Not a denial at all: a hedge ("not
    necessarily"), a negation of something besides the claim ("no other pupils"), a negation
    inside someone else's words the speaker reports ("telling me that I am wrong"), or one the
    speaker corrects with the same word ("it's not a war against A, it's a war against B": the
    war is not denied)."""
    out: set[str] = set()
    tokens = _statement_tokens(denial, analysis)
    for t in tokens:
        if not (t.dep_ == "neg" or t.lower_ in NEGATORS):
            continue
        head = t.head if t.dep_ in ("neg", "det") else t
        if head.dep_ not in MAIN_CLAUSE_DEPS and t.dep_ == "neg":
            continue  # a side clause's "not" ("not moving") negates nothing said before
        if head.lemma_.lower() in _NON_ANSWERS:
            continue
        if head.dep_ == "xcomp" and head.head.lemma_ in _DIRECTIVE_VERBS:
            continue  # "urged people not to occupy roads" is a request, not a denial
        if any(c.dep_ == "advmod" and c.lower_ in _HEDGES for c in head.children):
            continue  # "it wasn't necessarily the tune": a doubt, not a denial
        if _in_nested_speech(head, denial, analysis):  # "never told ..." is not nested
            continue
        if any(u.dep_ == "amod" and u.lower_ == "other" for u in head.subtree):
            continue  # "not ... with any other pupils": something besides what was claimed
        if head.pos_ in ("NOUN", "PROPN", "PRON") and head.dep_ in ("nsubj", "expl") \
                and head.head.pos_ in ("VERB", "AUX"):
            core = _predicate_core(head.head)  # "no surgeon would agree to ...": the predicate
        elif head.pos_ in ("NOUN", "PROPN", "PRON"):
            core = _noun_core(head)
        else:
            core = _predicate_core(head)
        # Said again without the negation, the word is not what is denied: a modifier is.
        scope = {head.i} | {c.i for c in head.children} | {
            g.i for c in head.children if c.dep_ == "prep" for g in c.children}
        affirmed = {u.lemma_.lower() for u in tokens if u.i not in scope
                    and u.lemma_.lower() in core and not _negated(u) and not _negated(u.head)
                    and (u.head.i == head.head.i or u.head.head.i == head.i)}
        out |= core - affirmed
    return out


# Adverbs that make a negation a doubt ("not necessarily", "not entirely", "not always").
_HEDGES = frozenset("necessarily exactly entirely quite always fully altogether".split())
# Verbs of intending, trying and thinking: negated, they deny what they govern ("not looking to
# expand", "did not intend to show", "don't think it was").
_ATTITUDE_VERBS = frozenset(
    """want intend plan try look seek aim mean decide expect think believe hope wish agree
    consider going""".split()
)
# Nouns whose denial is a denial of what they are about as well ("no decision to leave", "no
# deal to close", "no reason to fire", "no plans to separate").
_PLAN_NOUNS = frozenset(
    """decision plan deal agreement intention intent reason need evidence sign proof move
    proposal order""".split()
)
_ARGUMENTS = ("dobj", "attr", "acomp", "oprd", "nsubjpass", "dative")


def _negated(token: Any) -> bool:
    """Has the token itself, or the clause it heads, a negation ("not", "no", "never")?"""
    return any(c.dep_ == "neg" or c.lower_ in NEGATORS for c in token.children) \
        or token.lower_ in NEGATORS


def _noun_core(noun: Any) -> set[str]:
    """A negated noun and, for a plan or decision, what it is about ("no decision to leave")."""
    out = _content_lemmas([noun])
    if noun.lemma_.lower() in _PLAN_NOUNS:
        for c in noun.children:
            if c.dep_ in ("acl", "ccomp", "relcl") and c.pos_ in ("VERB", "AUX"):
                out |= _predicate_core(c)
            elif c.dep_ == "prep":
                out |= _content_lemmas([g for g in c.children if g.dep_ == "pobj"])
    return out


def _predicate_core(verb: Any, depth: int = 0) -> set[str]:
    """What a negated verb denies: itself and its object; for a light verb ("be", "have", "tell")
    its complements instead; for a verb of intending or thinking, what it governs."""
    if depth > 3:
        return set()
    lemma = verb.lemma_.lower()
    clauses = [c for c in verb.children if c.dep_ in ("xcomp", "ccomp")]
    if lemma in _ATTITUDE_VERBS:
        if clauses:
            return set().union(*(_predicate_core(c, depth + 1) for c in clauses))
        return set().union(*(_noun_core(c) for c in verb.children if c.dep_ in _ARGUMENTS))
    args = [c for c in verb.children if c.dep_ in _ARGUMENTS]
    if lemma in _LIGHT_VERBS or lemma in REPORTING_VERBS or verb.pos_ == "AUX":
        out = set().union(set(), *(_noun_core(a) for a in args))
        for c in verb.children:
            if c.dep_ == "prep":  # "not in the office", "never told the state about any cuts"
                out |= _content_lemmas([g for g in c.children if g.dep_ in ("pobj", "pcomp")])
        return out
    return _content_lemmas([verb] + [a for a in args if a.dep_ != "nsubjpass"])


def _denied_by_verb(denial: Statement, analysis: Analysis) -> set[str] | None:
    """What a deny verb denies, in content words: the head of its complement and that head's
    own arguments ("denied threatening the Foley family" -> threaten, family; "denied that any
    biopsy has ever taken place at the clinic" -> biopsy, place, clinic). Empty when it denies
    a pronoun or a report ("denied it", "disputes what a source told CNN"); None when the verb
    cannot be found in the parse."""
    verb = _verb_token(denial, analysis)
    if verb is None:
        return None
    out: set[str] = set()
    for c in verb.children:
        heads = [c] if c.dep_ in ("ccomp", "xcomp", "dobj", "pcomp") else \
            [g for g in c.children if g.dep_ in ("pobj", "pcomp")] if c.dep_ == "prep" else []
        for h in heads:
            if h.lemma_.lower() in _SAYING_NOUNS or h.lower_ in ("what", "it", "this", "that"):
                continue  # "denied the report", "disputes what ... told CNN": the claim itself
            words = [h] + [g for g in h.children
                           if g.dep_.startswith("nsubj") or g.dep_ in _ARGUMENTS]
            words += [p for g in h.children if g.dep_ == "prep" for p in g.children
                      if p.dep_ == "pobj"]
            # Every noun, verb and adjective: "denied the use of the term" is about a use.
            out |= {w.lemma_.lower() for w in words if w.pos_ in ("NOUN", "VERB", "ADJ")
                    and w.lemma_.lower() not in _SAYING_NOUNS | _LIGHT_VERBS | REPORTING_VERBS}
    return out


def _verb_token(statement: Statement, analysis: Analysis) -> Any | None:
    """The statement's reporting verb in its sentence's parse."""
    doc = analysis.docs[statement.sentence_id]
    if 0 <= statement.verb_i < len(doc) and doc[statement.verb_i].lemma_.lower() == statement.verb:
        return doc[statement.verb_i]
    return None


def _in_nested_speech(token: Any, statement: Statement, analysis: Analysis) -> bool:
    """Is the word inside words the statement reports someone else saying ("she reacted,
    telling me that I am wrong"; "Bettman, who has often said 'we're not looking to expand', is
    changing his tune")?"""
    own = _verb_token(statement, analysis)
    inside = {t.i for t in _statement_tokens(statement, analysis)} - {own.i if own else -1}
    return any(a.i in inside and a.pos_ == "VERB"
               and a.lemma_.lower() in REPORTING_VERBS and a.lemma_.lower() not in DENIAL_VERBS
               for a in token.ancestors)


def _unsaid(statement: Statement, analysis: Analysis) -> bool:
    """Did the speaker decline to say it ("would not confirm or deny whether", "she did not
    explain why", "I can't confirm that"), or say it of an open question ("whether ...")?"""
    verb = _verb_token(statement, analysis)
    if verb is None:
        return False
    # "would not confirm or deny": the negation covers both; "did not comment but said" only
    # the first.
    head = verb.head
    alternative = verb.dep_ == "conj" and head.pos_ in ("VERB", "AUX") and any(
        c.dep_ == "cc" and c.lower_ in ("or", "nor") for c in head.children)
    verbs = [verb, head] if alternative else [verb]
    if any(c.dep_ == "neg" for v in verbs for c in v.children):
        return True
    return any(c.dep_ in ("ccomp", "xcomp") and any(
        g.dep_ == "mark" and g.lower_ in ("whether", "if") for g in c.children)
        for c in verb.children)


@dataclass
class _Relaying:
    """Whose words a claim reports, read from the parse once (a long article holds every claim
    against every denial): the token positions of what it holds, and the speakers its own
    reporting verbs name (entity ids, and "noun:..." keys for unnamed ones)."""

    sentence_id: int
    inside: set[int]
    speaker_ids: set[int]
    speaker_keys: set[str]

    def relays(self, denial: Statement) -> bool:
        """Does the claim only report the denier's own words ("TVA reported that Daly denied
        ...", "FOX 2 reports: 'Simone says ...'")? Then it is no claim against them."""
        if self.sentence_id == denial.sentence_id and denial.verb_i in self.inside:
            return True
        if denial.speaker_id is not None:
            return denial.speaker_id in self.speaker_ids
        return denial.speaker_key in self.speaker_keys


def _read_relaying(claim: Statement, analysis: Analysis) -> _Relaying:
    tokens = _statement_tokens(claim, analysis)
    subjects = [c for t in tokens if t.pos_ == "VERB" and t.lemma_.lower() in REPORTING_VERBS
                for c in t.children if c.dep_ == "nsubj"]
    return _Relaying(
        sentence_id=claim.sentence_id,
        inside={t.i for t in tokens},
        speaker_ids={e.id for e in map(analysis.entity_for, (c.text for c in subjects))
                     if e is not None},
        speaker_keys={f"noun:{c.lemma_.lower()}" for c in subjects},
    )


def _overlaps(a: set[str], b: set[str]) -> bool:
    """Do two sets of lemmas share a word, or a word and its derivation ("expand", "expansion";
    not "police" and "policy", "protest" and "protect")?"""
    return bool(a & b) or any(_derived(x, y) for x in a for y in b)


# Endings that make a noun or an agent of a verb: "expansion", "payment", "arrival", "voter".
_DERIVING = ("ion", "sion", "tion", "ation", "ment", "al", "ial", "er", "or", "ing", "ive", "ure",
             "ance", "ence")


def _derived(x: str, y: str) -> bool:
    """Is one word the other with a deriving ending, the stem's last letter allowed to change
    ("expand", "expansion"; "state", "statement")?"""
    short, long = sorted((x, y), key=len)
    n = len(os.path.commonprefix([short, long]))
    return n >= 5 and short[n:] in ("", "e", "d", "t") and long[n:] in ("", *_DERIVING)


def _said(claims: list[Statement], analysis: Analysis,
          known: dict[int, set[str]] | None = None) -> set[str]:
    """The content words of everything a claimant asserts: not what they negate nor what they
    only suppose ("if you don't accept this proposal ..."), nor a noun that only modifies another
    ("the procedure room" is about a room). `known`: each claim's words, kept between calls
    (they walk the parse, and a long article asks for them once per denial)."""
    known = {} if known is None else known
    for c in claims:
        if id(c) not in known:
            known[id(c)] = _content_lemmas([t for t in _statement_tokens(c, analysis)
                                            if t.dep_ != "compound" and not _supposed(t)])
    return set().union(*(known[id(c)] for c in claims))


def _supposed(token: Any) -> bool:
    """Is the word negated, or inside a condition ("if ...", "unless ...")?"""
    for a in [token, *token.ancestors]:
        if any(c.dep_ == "neg" for c in a.children):
            return True
        if a.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in ("if", "unless")
                                     for c in a.children):
            return True
    return False


def _words(text: str) -> int:
    return len(re.findall(r"[^\W\d_]+", text))


def _shorten(text: str, words: int = 22) -> str:
    """A long quote's gist: its last substantial clause (preambles come first), then trimmed."""
    if len(text.split()) > words:
        clauses = [c for c in re.split(r",\s+", text) if len(c.split()) >= 5]
        if clauses:
            text = "… " + clauses[-1] if clauses[-1] != text else text
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]).rstrip(",;:") + " …"


_IRREGULAR_PAST = {
    "say": "said", "tell": "told", "write": "wrote", "read": "read", "take": "took",
    "give": "gave", "speak": "spoke", "think": "thought", "hold": "held", "swear": "swore",
}


def past_tense(verb: str) -> str:
    """The past tense of a reporting verb's lemma ("deny" -> "denied", "tell" -> "told")."""
    if verb in _IRREGULAR_PAST:
        return _IRREGULAR_PAST[verb]
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and len(verb) > 2 and verb[-2] not in "aeiou":
        return verb[:-1] + "ied"
    return verb + "ed"


def _what(statement: Statement) -> str:
    """One line for what a statement holds: its quote or its reported clause, shortened."""
    if statement.quote:
        return f"“{_shorten(statement.quote)}”"
    return f"{past_tense(statement.verb)} {_shorten(statement.content)}"


def _quote(statement: Statement, analysis: Analysis) -> Quote:
    sentence = analysis.sentences[statement.sentence_id].text
    if statement.quote:
        return Quote(speaker=statement.speaker, text=statement.quote, sentence=sentence)
    # Reported speech keeps its verb: "that the US had made a decision" alone reads as a claim.
    return Quote(speaker=statement.speaker, sentence=sentence, verbatim=False,
                 text=f"{past_tense(statement.verb)} {statement.content}")


def _vectors(
    analysis: Analysis, statements: list[Statement]
) -> tuple[np.ndarray, np.ndarray | None]:
    """Each statement's meaning from the analysis' sentence vectors: its own sentence and every
    sentence its quote runs through. Only these sentences get embedded (each once), and the
    article's title with them (None without a title)."""
    spans = []
    for st in statements:
        spans.append(sorted({st.sentence_id} | {
            s.id for s in analysis.sentences
            if st.quote and s.text.strip("“”\" ,.") and s.text.strip("“”\" ,.") in st.quote
        }))
    needed = sorted({i for ids in spans for i in ids})
    title = [analysis.article.title] if analysis.article.title else []
    found, title_vectors = analysis.vectors.rows_and(needed, title)
    table = dict(zip(needed, found, strict=True))
    rows = []
    for ids in spans:
        v = np.mean([table[i] for i in ids], axis=0)
        rows.append(v / (np.linalg.norm(v) or 1.0))
    return np.array(rows, dtype=np.float32), (title_vectors[0] if title else None)


def find_contradiction(analysis: Analysis) -> Contradiction | None:
    """The article's key contradiction, or None when no one denies what someone else claims."""
    # What a speaker declined to say ("would not confirm or deny") is neither claim nor denial.
    said = [s for s in analysis.statements if s.content and not _unsaid(s, analysis)]
    # "According to X, ..." and "X's claim that ..." are X's account in the reporter's words,
    # often of a side detail: they are read only when the verbs of saying give no contradiction.
    direct = [s for s in said if not s.indirect]
    found = _key_contradiction(analysis, direct)
    if found is None and len(direct) < len(said):
        found = _key_contradiction(analysis, said)
    return found


def _key_contradiction(analysis: Analysis, statements: list[Statement]) -> Contradiction | None:
    # A claim says something: "boyish" quoted on its own is colour, not a claim; a request
    # ("asked that the press respect ...") asserts nothing.
    # An unresolved "it said" or "they said" is no one a reader could hold to the claim.
    claims = [s for s in statements if s.polarity == "assert" and _words(s.content) >= 3
              and s.verb not in _REQUEST_VERBS and s.speaker.lower() not in _BARE_PRONOUNS]
    denials = [s for s in statements if s.polarity == "deny"]
    if not claims or not denials:
        return None
    by_claimant: dict[str, list[Statement]] = {}
    for c in claims:
        by_claimant.setdefault(c.speaker_key, []).append(c)
    # Who goes against whom is read from the parse, so only those statements need vectors.
    # A claim that only relays the denier's own words is not theirs to be denied. Each claim's
    # words are read from the parse once (`known`), however many denials they are held against.
    known: dict[int, set[str]] = {}
    relaying = {id(c): _read_relaying(c, analysis) for c in claims}
    relayed = {(id(c), id(d)) for d in denials for c in claims
               if c.speaker_key != d.speaker_key and relaying[id(c)].relays(d)}
    reading = {id(d): _read_denial(d, analysis) for d in denials}
    against = {(id(d), key) for d in denials for key in by_claimant
               if key != d.speaker_key and reading[id(d)].against(_said(
                   [c for c in by_claimant[key] if (id(c), id(d)) not in relayed], analysis,
                   known))}
    if not against:
        return None
    needed = [s for s in statements
              if any(id(s) == d or s.speaker_key == key for d, key in against)]
    vecs, title_vec = _vectors(analysis, needed)
    index = {id(s): i for i, s in enumerate(needed)}

    def sim(a: Statement, b: Statement) -> float:
        return float(vecs[index[id(a)]] @ vecs[index[id(b)]])

    def salience(s: Statement) -> float:
        return float(vecs[index[id(s)]] @ title_vec) if title_vec is not None else 0.0

    closest: dict[tuple[int, str], float] = {}

    def group_sim(denial: Statement, claim: Statement) -> float:
        """How close a denial is to anything the claimant said (once per denial and claimant)."""
        key = (id(denial), claim.speaker_key)
        if key not in closest:
            closest[key] = max(sim(denial, c) for c in by_claimant[claim.speaker_key])
        return closest[key]

    def goes_against(denial: Statement, claim: Statement) -> tuple[float, bool] | None:
        """(closeness, whether it names or answers the claim) of a denial that counts
        against the claim's speaker, else None."""
        if (id(denial), claim.speaker_key) not in against or _same_party(claim, denial):
            return None
        topical = group_sim(denial, claim)
        refers = _refers_to(denial, claim, analysis)
        if topical < MIN_TOPICAL and not refers:
            return None
        # An account in the reporter's words is most often a side fact they source: it makes a
        # side only when the denial names the claim's source ("denied the report") or answers
        # it, not by sharing a topic.
        if (claim.indirect or denial.indirect) and not refers:
            return None
        return topical, refers

    best: tuple[float, Statement, Statement] | None = None
    for claim in claims:
        for denial in denials:
            found = None if (id(claim), id(denial)) in relayed else goes_against(denial, claim)
            if found is None:
                continue
            topical, refers = found
            # The claim the denial itself goes against anchors its side before its neighbours:
            # by what it says, or as the very object of its verb ("denied TechCrunch's claims
            # that ...").
            named = (claim.sentence_id == denial.sentence_id and 0 <= claim.verb_i
                     and analysis.docs[claim.sentence_id][claim.verb_i].head.i == denial.verb_i)
            itself = named or reading[id(denial)].against(_said([claim], analysis, known))
            score = (topical + 0.25 * refers + 0.3 * itself + 0.2 * named
                     + 0.1 * bool(claim.quote)
                     + 0.1 * bool(denial.quote)
                     + 0.2 * (salience(claim) + salience(denial)))
            if best is None or score > best[0]:
                best = (score, claim, denial)
    if best is None:
        return None
    _, claim, denial = best

    claim_quotes = [s for s in claims if s.speaker_key == claim.speaker_key
                    and (s is claim or sim(s, claim) >= MIN_TOPICAL)]
    claim_quotes.sort(key=lambda s: s.sentence_id)
    # Denials of the same claim by anyone but the claimant, grouped by speaker in article order.
    counters = [s for s in denials if goes_against(s, claim) is not None]
    counters.sort(key=lambda s: s.sentence_id)
    by_speaker: OrderedDict[str, list[Statement]] = OrderedDict()
    for s in counters:
        by_speaker.setdefault(s.speaker_key, []).append(s)
    speakers = list(by_speaker.items())[:MAX_COUNTER_SPEAKERS]
    counter_statements = [s for _, group in speakers for s in _best_quotes(group)]

    claim_side = Side(
        # The fullest way the article names the claimant ("the unsigned letter from ...").
        who=_capitalise(max((s.speaker for s in claim_quotes), key=len)),
        what=_what(claim_quotes[0]),
        quotes=[_quote(s, analysis) for s in _best_quotes(claim_quotes)],
    )
    counter_who = _join([group[0].speaker for _, group in speakers])
    counter_side = Side(
        who=counter_who,
        what="; ".join(f"{group[0].speaker}: {_group_what(group)}" for _, group in speakers),
        quotes=[_quote(s, analysis) for s in counter_statements],
    )
    first = claim_quotes[0]
    why = (f"{claim_side.who} {_verb_phrase(first)}{_what(first)}, but {counter_who} "
           f"{'deny' if len(speakers) > 1 else 'denies'} it ("
           + "; ".join(f"{group[0].speaker.split()[-1]}: {_group_what(group)}"
                       for _, group in speakers) + ").")
    return Contradiction(claim=claim_side, counter=counter_side, why=why)


def _best_quotes(group: list[Statement]) -> list[Statement]:
    """Up to two statements, direct quotes first, each saying something new."""
    ordered = sorted(group, key=lambda s: not s.quote)  # stable: article order within each
    out: list[Statement] = []
    for s in ordered:
        words = set(s.content.lower().split())
        if any(len(words & set(o.content.lower().split())) > 0.8 * len(words) for o in out):
            continue
        out.append(s)
        if len(out) == MAX_QUOTES_PER_SPEAKER:
            break
    return out


def _group_what(group: list[Statement]) -> str:
    """What one speaker holds: their best quotes ("“a draft” and “a mistake”")."""
    quotes = [s for s in _best_quotes(group) if s.quote] or _best_quotes(group)[:1]
    return " and ".join(_what(s) for s in quotes)


def _verb_phrase(statement: Statement) -> str:
    """How the why-line introduces a claim: a quote needs a verb ("says"); a reported clause
    comes with its own ("reported that ...", from `_what`)."""
    if not statement.quote:
        return ""
    return {"read": "reads", "write": "writes"}.get(statement.verb, "says") + " "


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
