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

import numpy as np

from summarizers.analysis import Analysis, Statement
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


def _shorten(text: str, words: int = 22) -> str:
    """A long quote's gist: its last substantial clause (preambles come first), then trimmed."""
    if len(text.split()) > words:
        clauses = [c for c in re.split(r",\s+", text) if len(c.split()) >= 5]
        if clauses:
            text = "… " + clauses[-1] if clauses[-1] != text else text
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]).rstrip(",;:") + " …"


def _what(statement: Statement) -> str:
    """One line for what a statement holds: its quote or its reported clause, shortened."""
    if statement.quote:
        return f"“{_shorten(statement.quote)}”"
    verb = {"deny": "denied", "say": "said", "call": "called"}.get(statement.verb, statement.verb)
    return f"{verb} {_shorten(statement.content)}"


def _quote(statement: Statement, analysis: Analysis) -> Quote:
    return Quote(
        speaker=statement.speaker,
        text=statement.quote or statement.content,
        sentence=analysis.sentences[statement.sentence_id].text,
    )


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
    claims = [s for s in statements if s.polarity == "assert"]
    denials = [s for s in statements if s.polarity == "deny"]
    if not claims or not denials:
        return None
    vecs = _vectors(analysis, statements)
    index = {id(s): i for i, s in enumerate(statements)}
    title_vec = get_nlp().embed([analysis.article.title])[0] if analysis.article.title else None

    def sim(a: Statement, b: Statement) -> float:
        return float(vecs[index[id(a)]] @ vecs[index[id(b)]])

    def salience(s: Statement) -> float:
        return float(vecs[index[id(s)]] @ title_vec) if title_vec is not None else 0.0

    def group_sim(denial: Statement, claim: Statement) -> float:
        """How close a denial is to anything the claimant said."""
        return max(sim(denial, c) for c in claims if c.speaker_key == claim.speaker_key)

    best: tuple[float, Statement, Statement] | None = None
    for claim in claims:
        for denial in denials:
            if claim.speaker_key == denial.speaker_key:
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
    counters = [s for s in denials if s.speaker_key != claim.speaker_key
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
