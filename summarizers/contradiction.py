"""The key contradiction of one article: who claims what, and who denies it, in their own words.

A contradiction is a pair of attributed statements by different speakers, one asserting and one
denying, that are about the same thing: close in meaning, or the denial names the claim's source
("called the letter a mistake"). The best pair anchors each side; other statements by the same
speakers, or denials by others of the same claim, join the side they support. No pair, no
contradiction: it is never invented.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

import numpy as np

from summarizers.analysis import (
    DENIAL_VERBS,
    DISOWNING_WORDS,
    MAIN_CLAUSE_DEPS,
    NEGATORS,
    REPORTING_VERBS,
    Analysis,
    Statement,
)
from summarizers.briefing import Contradiction, Quote, Side
from summarizers.nlp import get_nlp

MIN_TOPICAL = 0.30  # cosine between the two statements' sentences below which they are unrelated
MAX_QUOTES_PER_SPEAKER = 2
MAX_COUNTER_SPEAKERS = 3


def _head_noun(statement: Statement) -> str:
    kind, _, value = statement.speaker_key.partition(":")
    return value if kind == "noun" else ""


def _refers_to(denial: Statement, claim: Statement, analysis: Analysis) -> bool:
    """Does the denial's sentence name the claim's source ("the letter", "Seely")?"""
    sentence = analysis.sentences[denial.sentence_id].text.lower() + " " + denial.content.lower()
    noun = _head_noun(claim)
    if noun and re.search(rf"\b{re.escape(noun)}\b", sentence):
        return True
    if claim.speaker_id is not None:
        surname = analysis.entity(claim.speaker_id).name.split()[-1].lower()
        return bool(re.search(rf"\b{re.escape(surname)}\b", sentence))
    return False


# Verbs too light to carry a topic ("go", "get"), and negations that answer nothing ("could not
# comment", "did not know", "had not seen the video"): neither makes a negative sentence a denial
# of someone's claim.
_LIGHT_VERBS = frozenset("be have do go get make take come give put see want try".split())
_NON_ANSWERS = frozenset(
    """comment know confirm speculate recall remember elaborate discuss disclose reveal respond
    return answer see hear watch read""".split()
)


_DIRECTIVE_VERBS = frozenset("urge ask order tell warn advise beg encourage want".split())
_CALLING_VERBS = frozenset("call label brand describe dismiss".split())
# Nouns for what someone said: "false claims", "baseless allegations".
_SAYING_NOUNS = frozenset(
    """claim report allegation accusation rumor rumour story statement suggestion assertion
    account charge""".split()
)


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


def _disowns(denial: Statement, analysis: Analysis, said: set[str]) -> bool:
    """A deny verb, or a verdict like "false" or "a mistake" on the claim: on something
    unnamed ("it is false", "the report is untrue") or named mostly in the claim's words, not on
    something else ("rumours that police used rubber bullets are untrue")."""
    if denial.verb in DENIAL_VERBS:
        return True
    # The call as a whole: "called the letter 'a draft' and 'a mistake'" disowns with both.
    same_call = [s for s in analysis.statements if s.sentence_id == denial.sentence_id
                 and s.speaker_key == denial.speaker_key and s.verb == denial.verb]
    return any((t.lower_ in DISOWNING_WORDS or t.lemma_.lower() in DISOWNING_WORDS)
               and passes_verdict(t) and not under_negation(t)
               and (not (target := verdict_target(t)) or 2 * len(target & said) >= len(target))
               for s in same_call for t in _statement_tokens(s, analysis))


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


def under_negation(token: Any) -> bool:
    """Is the word inside a negated clause ("she didn't know it was wrong")?"""
    return any(c.dep_ == "neg" for a in token.ancestors for c in a.children)


def _negated_lemmas(denial: Statement, analysis: Analysis) -> set[str]:
    """What a plain negation negates: the negated head and its direct complements, not its
    subject nor the scenery further down ("there's been no decision whatsoever to leave Iraq" ->
    decision, leave; "he was not interested in leaving the club" -> interested, leave)."""
    out: set[str] = set()
    for t in _statement_tokens(denial, analysis):
        if not (t.dep_ == "neg" or t.lower_ in NEGATORS):
            continue
        head = t.head if t.dep_ in ("neg", "det") else t
        if head.dep_ not in MAIN_CLAUSE_DEPS and t.dep_ == "neg":
            continue  # a side clause's "not" ("not moving") negates nothing said before
        if head.lemma_.lower() in _NON_ANSWERS:
            continue
        if head.dep_ == "xcomp" and head.head.lemma_ in _DIRECTIVE_VERBS:
            continue  # "urged people not to occupy roads" is a request, not a denial
        scope = [head]
        for c in head.children:
            if c.dep_.startswith("nsubj") or c.dep_ in ("neg", "aux", "auxpass", "punct", "cc"):
                continue
            if c.dep_ in ("ccomp", "advcl") and head.pos_ != "NOUN":
                continue  # "it doesn't matter that he lost ..." does not deny that he lost
            scope.append(c)
            if c.dep_ == "prep":  # "in leaving": the preposition's object is the complement
                scope += [g for g in c.children if g.dep_ in ("pobj", "pcomp")]
        out |= _content_lemmas(scope)
    return out


def _said(claims: list[Statement], analysis: Analysis) -> set[str]:
    """The content words of everything a claimant said."""
    return set().union(*(_content_lemmas(_statement_tokens(c, analysis)) for c in claims))


def _against(denial: Statement, said: set[str], analysis: Analysis) -> bool:
    """Does the denial go against what a claimant said (`said`: its content words)? Disowning
    words do; a plain negation does only when what it negates is something the claimant says
    ("no decision" against "your decision to order our departure"), so "he is not interested in
    leaving" is no answer to "I am happy here"."""
    return _disowns(denial, analysis, said) or bool(_negated_lemmas(denial, analysis) & said)


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


def _vectors(analysis: Analysis, statements: list[Statement]) -> np.ndarray:
    """Each statement's meaning from the analysis' sentence vectors: its own sentence and every
    sentence its quote runs through. Only these sentences get embedded (each once)."""
    spans = []
    for st in statements:
        spans.append(sorted({st.sentence_id} | {
            s.id for s in analysis.sentences
            if st.quote and s.text.strip("“”\" ,.") and s.text.strip("“”\" ,.") in st.quote
        }))
    needed = sorted({i for ids in spans for i in ids})
    table = dict(zip(needed, analysis.vectors.rows(needed), strict=True))
    rows = []
    for ids in spans:
        v = np.mean([table[i] for i in ids], axis=0)
        rows.append(v / (np.linalg.norm(v) or 1.0))
    return np.array(rows, dtype=np.float32)


def find_contradiction(analysis: Analysis) -> Contradiction | None:
    """The article's key contradiction, or None when no one denies what someone else claims."""
    statements = [s for s in analysis.statements if s.content]
    # A claim says something: "boyish" quoted on its own is colour, not a claim.
    claims = [s for s in statements if s.polarity == "assert" and _words(s.content) >= 3]
    denials = [s for s in statements if s.polarity == "deny"]
    if not claims or not denials:
        return None
    by_claimant: dict[str, list[Statement]] = {}
    for c in claims:
        by_claimant.setdefault(c.speaker_key, []).append(c)
    # Who goes against whom is read from the parse, so only those statements need vectors.
    said = {key: _said(claimed, analysis) for key, claimed in by_claimant.items()}
    against = {(id(d), key) for d in denials for key in by_claimant
               if key != d.speaker_key and _against(d, said[key], analysis)}
    if not against:
        return None
    needed = [s for s in statements
              if any(id(s) == d or s.speaker_key == key for d, key in against)]
    vecs = _vectors(analysis, needed)
    index = {id(s): i for i, s in enumerate(needed)}
    title_vec = get_nlp().embed([analysis.article.title])[0] if analysis.article.title else None

    def sim(a: Statement, b: Statement) -> float:
        return float(vecs[index[id(a)]] @ vecs[index[id(b)]])

    def salience(s: Statement) -> float:
        return float(vecs[index[id(s)]] @ title_vec) if title_vec is not None else 0.0

    def group_sim(denial: Statement, claim: Statement) -> float:
        """How close a denial is to anything the claimant said."""
        return max(sim(denial, c) for c in by_claimant[claim.speaker_key])

    best: tuple[float, Statement, Statement] | None = None
    for claim in claims:
        for denial in denials:
            if (id(denial), claim.speaker_key) not in against:
                continue
            topical = group_sim(denial, claim)
            refers = _refers_to(denial, claim, analysis)
            if topical < MIN_TOPICAL and not refers:
                continue
            score = (topical + 0.25 * refers + 0.1 * bool(claim.quote) + 0.1 * bool(denial.quote)
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
    counters = [s for s in denials if (id(s), claim.speaker_key) in against
                and (group_sim(s, claim) >= MIN_TOPICAL or _refers_to(s, claim, analysis))]
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
    why = (f"{claim_side.who} {_verb_phrase(first)} {_what(first)}, but {counter_who} "
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
    return {"read": "reads", "write": "writes"}.get(statement.verb, "says") if statement.quote \
        else "reports"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
