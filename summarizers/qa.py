"""Answers to plain-English questions about the news, with the sentence, the quote and who said it.

The engine reads `Analysis` objects (sentences, spaCy docs, embeddings, entities, statements) and
never parses an article again; only the question is parsed and embedded. It works in four steps:

1. the question: its wh-word, the answer type it expects, its focus noun, verb, subject and lemmas;
2. retrieval: sentences scored by IDF-weighted lemma overlap (an inverted index) and by embedding
   similarity, over one article or a store of many (`QAIndex`);
3. span extraction: candidate spans from the parse (entities, noun phrases, subtrees, numbers with
   their nouns, reason clauses) scored by a linear model over linguistic features; the weights ship
   in `qa_weights.json` (learned from the development files, see `evaluation/answer.py`);
4. attribution: questions about who said, denied, called, threatened or wrote something are answered
   from the attributed statements, grouped by speaker, so several people who fit are all named.

When nothing supports an answer the engine abstains ("The articles don't say.") instead of guessing.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from summarizers.analysis import (
    DENIAL_CUES,
    DENIAL_VERBS,
    DISOWNING_WORDS,
    Statement,
    is_person_noun,
)
from summarizers.contradiction import _derived, _statement_tokens
from summarizers.contradiction import _negated as _word_negated
from summarizers.lexicon import opposite, says_as_much

if TYPE_CHECKING:
    from summarizers.analysis import Analysis, Entity
    from summarizers.nlp import NLP

WEIGHTS_PATH = Path(__file__).with_name("qa_weights.json")
WIDE_K = 30  # sentences whose statements an attribution question considers
# How much a statement must be about a yes-or-no question to answer it (see `_relevance`: 0.1
# for nothing in common, about 1 for the question's words and a close sentence).
POLAR_MIN_RELEVANCE = 0.4
ABSTAIN_TEXT = "The articles don't say."

# -- question words and answer types -------------------------------------------------------------

WH_CLASSES = ("who", "when", "where", "howmany", "howq", "why", "how", "which", "what")
TYPE_GROUPS = {
    "PERSON": "per", "ORG": "org", "NORP": "norp", "GPE": "loc", "LOC": "loc", "FAC": "loc",
    "DATE": "date", "TIME": "date", "CARDINAL": "num", "QUANTITY": "num", "MONEY": "num",
    "PERCENT": "num", "ORDINAL": "ord", "EVENT": "misc", "WORK_OF_ART": "misc", "LAW": "misc",
    "PRODUCT": "misc", "LANGUAGE": "norp",
}
GROUPS = ("per", "org", "norp", "loc", "date", "num", "ord", "misc", "none")
# Which entity groups answer which question class (a rule, so unseen classes still type-check).
EXPECTED = {
    "who": {"per", "org", "norp"}, "when": {"date"}, "where": {"loc", "org"},
    "howmany": {"num"}, "howq": {"num", "date"},
}
# The noun after "which"/"what"/"this" says what kind of thing is wanted.
FOCUS_GROUPS = {
    "date": "year date day month century decade time period era season week night morning",
    "loc": "country city state nation town place region continent location island capital "
           "province county area village river mountain site venue border territory sea ocean "
           "street neighborhood neighbourhood district",
    "org": "company team organization organisation group agency party university school club "
           "band network firm newspaper channel network airline bank brand institution "
           "league court body network magazine publication government",
    "per": "person man woman player president leader politician actor actress singer artist "
           "author writer director official senator governor king queen minister ceo founder "
           "star rapper coach candidate husband wife son daughter father mother character "
           "musician comedian scientist chancellor pope prince princess",
    "num": "percentage percent amount number price cost total size population",
    "norp": "nationality religion language ethnicity",
}
# Focus nouns whose answers are common nouns, not names ("which animal": "pigs").
_KIND_FOCUS = frozenset(
    "animal species bird insect fish plant tree flower fruit vegetable food dish drink meal "
    "disease illness virus condition symptom drug medicine vaccine sport game material metal "
    "substance chemical element color colour instrument tool weapon device vehicle appliance "
    "item object product body organ crop breed pet creature mammal reptile".split())
FOCUS_OF = {w: g for g, ws in FOCUS_GROUPS.items() for w in ws.split()}
# Place focus nouns read against "is the candidate a country's name" ("which country": Russia,
# not Texas or Moscow; "which city": not a country).
_PLACE_FOCUS = frozenset("country nation city state capital town region province island "
                         "territory continent".split())
_COUNTRY_ALIASES = frozenset("us|u.s.|usa|u.s.a.|uk|u.k.|britain|great britain|america|england|"
                             "scotland|wales".split("|"))


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    """Lower-cased English names of the world's countries and territories (Babel's CLDR data),
    with the usual short forms."""
    from babel import Locale

    names = {v.lower().replace("&", "and") for k, v in Locale("en").territories.items()
             if len(k) == 2 and k.isalpha()}
    return frozenset(names | _COUNTRY_ALIASES)


_QSTOP = frozenset(
    """what which who whom whose when where why how many much do does did be is are was were
    been being have has had the a an of in on at to for by with from this that these those it
    its their his her they he she there and or as can could would will should may might shall
    name kind type sort year? called call?""".split()
)
_STOP = frozenset(
    """the a an of in on at to for by with from this that these those it its and or as be is are
    was were been being have has had do does did not no but if than then so such into about
    over after before which who whom whose what when where why how many much there their they
    he she his her him them we us our you your i me my 's ' " , . ; : ! ? - — – ( )""".split()
)

# Verb classes for attribution questions: a question verb finds statements by any verb of its
# class, and some classes are recognised by the statement itself (a denial's polarity, a
# threat's conditional future).
VERB_CLASSES = {
    "deny": "deny reject dismiss dispute refute rebut contradict disavow insist",
    "say": "say tell state announce add claim note report explain remark declare reply respond "
           "comment",
    "call": "call describe label brand dub term characterize characterise",
    "threaten": "threaten warn vow promise pledge",
    "write": "write draft author sign pen compose",
    "accuse": "accuse blame allege charge",
}
VERB_CLASS_OF = {v: c for c, vs in VERB_CLASSES.items() for v in vs.split()}
_FUTURE = re.compile(r"\b(will|would|’ll|'ll|going to|gonna|shall)\b", re.I)
_UNSURE_AUTHOR = frozenset("unsigned anonymous unattributed undated unverified purported".split())


class Answerer(Protocol):
    """A model that picks an answer span from candidate passages (see `qa_model`)."""

    def best_span(self, question: str, passages: list[str]) -> tuple[int, int, int, float]:
        """(passage index, char start, char end, score) of the best span."""
        ...


@dataclass
class Answer:
    answer: str
    quote: str = ""
    speaker: str = ""
    source: str = ""
    confidence: float = 0.0
    abstained: bool = False
    others: list[str] = field(default_factory=list)
    # Who says otherwise ("Defense Secretary Mark Esper insisted: “There's been no decision
    # whatsoever to leave Iraq”"): the other side of a "who says ...?" or a yes-or-no question.
    against: list[str] = field(default_factory=list)
    sentence: str = ""
    span: str = ""  # the exact words of the article the answer rests on (for scoring)
    article_id: str = ""
    method: str = "linguistic"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Question:
    text: str
    doc: Any
    wh: str
    focus: str  # lemma of the noun saying what is asked for ("team", "troops"), or ""
    group: str  # expected entity group from the focus noun, or ""
    lemmas: list[str]  # content lemmas, lower case
    verb: str  # lemma of the main verb, "" when the main verb is "be"/"do"
    subject: str  # text of the question's subject when it is not the wh-word
    vec: np.ndarray
    wh_dep: str = ""  # syntactic role of the wh-phrase ("nsubj", "dobj", "pobj", ...)
    wh_prep: str = ""  # the preposition governing it ("in" for "in what year")
    passive: bool = False  # "where was X killed"
    wh_head: str = ""  # lemma of the word the wh-phrase hangs from ("develop" in "what did X
    # develop"), "" for "be"/"do"/"have"
    wh_verb: str = ""  # lemma of the verb whose clause holds the wh-phrase ("which company
    # said it would buy X": "buy" is not it, "say" is), "" for "be"/"do"/"have"
    polar: bool = False  # a yes-or-no question: "Did the US decide to leave Iraq?"

    @property
    def expected(self) -> set[str]:
        if self.group:
            return {self.group}
        return EXPECTED.get(self.wh, set())


def _lem(tok: Any) -> str:
    lemma = tok.lemma_.lower()
    return lemma if lemma and lemma != "-pron-" else tok.lower_


def parse_question(text: str, nlp: NLP) -> Question:
    """The question's parse, type, focus and vector (one spaCy pass, one embedding)."""
    return parse_questions([text], nlp)[0]


def parse_questions(texts: list[str], nlp: NLP) -> list[Question]:
    """Many questions at once (batched parsing and embedding, for evaluation)."""
    texts = [t.strip() for t in texts]
    docs = nlp.parse(texts)
    vecs = nlp.embed(texts)
    return [question_from(t, d, v) for t, d, v in zip(texts, docs, vecs, strict=True)]


_POLAR_OPENERS = frozenset(
    "is are was were do does did has have had will would can could should may might".split())
_FOCUS_OF_WHAT = frozenset("type kind sort form variety category style name brand genre".split())


def _focus_after(doc: Any, start: int) -> str:
    """The first noun after the wh-word, looking through "type of", "kind of", "name of" to
    the noun that says what is asked for ("what type of venue" asks for a venue). Not past an
    auxiliary other than "be": in "what did the parliament approve?" the parliament is the
    subject, not what is asked for ("what is the capital of ..." asks for a capital)."""
    for t in doc[start: start + 4]:
        if t.pos_ in ("AUX", "VERB") and _lem(t) != "be":
            return ""
        if t.pos_ != "NOUN":
            continue
        nxt = doc[t.i + 1] if t.i + 1 < len(doc) else None
        if _lem(t) in _FOCUS_OF_WHAT and nxt is not None and nxt.lower_ == "of":
            inner = next((x for x in doc[t.i + 2: t.i + 6] if x.pos_ in ("NOUN", "PROPN")), None)
            if inner is not None and inner.pos_ == "NOUN":
                return _lem(inner)
        return _lem(t)
    return ""


def question_from(text: str, doc: Any, vec: np.ndarray) -> Question:
    """A `Question` from its spaCy parse and embedding."""
    low = [t.lower_ for t in doc]
    wh, focus = "what", ""
    whi = next((i for i, w in enumerate(low) if w in
                ("who", "whom", "whose", "when", "where", "why", "how", "which", "what")), -1)
    if whi >= 0:
        w = low[whi]
        nxt = low[whi + 1] if whi + 1 < len(low) else ""
        if w in ("who", "whom", "whose"):
            wh = "who"
        elif w in ("when", "where", "why"):
            wh = w
        elif w == "how":
            wh = "howmany" if nxt in ("many", "much") else (
                "howq" if nxt in ("long", "old", "far", "big", "large", "tall", "high", "often",
                                  "fast", "deep", "wide", "heavy", "few") else "how")
            if wh == "howmany":
                focus = next((_lem(t) for t in doc[whi + 2: whi + 6] if t.pos_ == "NOUN"), "")
        else:
            wh = "which" if w == "which" else "what"
            focus = _focus_after(doc, whi + 1)
            if focus:
                wh = "which"
    else:
        # News-quiz style: "The government of this country resigned ..."
        for t in doc:
            if t.lower_ in ("this", "these", "which", "what") and t.head.pos_ in ("NOUN", "PROPN"):
                focus, wh = _lem(t.head), "which"
                break
    group = FOCUS_OF.get(focus, "") if wh in ("which", "what") else ""
    if wh == "which" and not group and focus in ("year", "date"):
        group = "date"
    lemmas = []
    for t in doc:
        lemma = _lem(t)
        if t.is_punct or lemma in _QSTOP or t.lower_ in _QSTOP or lemma in _STOP:
            continue
        if lemma not in lemmas:
            lemmas.append(lemma)
    # The question proper: a quiz's lead-in sentence ("Fourth of July celebrations took place
    # ... . Which city opted for ...?") does not give the verb.
    span = doc[whi].sent if whi >= 0 and doc.has_annotation("SENT_START") else doc[:]
    root = span.root if len(span) else None
    verb = ""
    for t in span:
        if t.pos_ == "VERB" and t.dep_ in ("ROOT", "relcl", "ccomp", "conj", "xcomp"):
            verb = _lem(t)
            if t.dep_ == "ROOT":
                break
    if not verb and root is not None and root.pos_ == "VERB":
        verb = _lem(root)
    subject = ""
    for t in doc:
        if t.dep_ in ("nsubj", "nsubjpass") and t.lower_ not in ("who", "what", "which", "whom"):
            if t.head.pos_ in ("VERB", "AUX"):
                subject = "".join(x.text_with_ws for x in t.subtree).strip()
                break
    wh_dep = wh_prep = wh_head = wh_verb = ""
    if whi >= 0:
        tok = doc[whi]
        if tok.dep_ in ("det", "amod", "advmod", "nummod") and tok.head.pos_ in ("NOUN", "PROPN",
                                                                                 "ADJ"):
            tok = tok.head
            if tok.dep_ in ("amod", "advmod") and tok.head.pos_ == "NOUN":  # how many troops
                tok = tok.head
        wh_dep = {"nsubjpass": "nsubj"}.get(tok.dep_, tok.dep_)
        if tok.dep_ == "pobj":
            wh_prep = tok.head.lower_
            tok = tok.head
        head = tok.head
        if head.i != tok.i and _lem(head) not in ("be", "do", "have"):
            wh_head = _lem(head)
        v = doc[whi]
        while v.pos_ not in ("VERB", "AUX") and v.head.i != v.i:
            v = v.head
        if v.pos_ in ("VERB", "AUX") and _lem(v) not in ("be", "do", "have"):
            wh_verb = _lem(v)
    passive = any(t.dep_ in ("auxpass", "nsubjpass") for t in doc)
    # "Is the US leaving Iraq?"; not a choice ("Is the header long or short?"), nor a negated
    # question ("Isn't it ...?"), whose yes and no readers take either way.
    polar = (whi < 0 and len(doc) > 1 and doc[0].lower_ in _POLAR_OPENERS
             and not any(t.lower_ == "or" or t.dep_ == "neg" for t in doc))
    return Question(text, doc, wh, focus, group, lemmas, verb, subject, vec, wh_dep, wh_prep,
                    passive, wh_head, wh_verb, polar)


# -- the index -----------------------------------------------------------------------------------


@dataclass
class _Sent:
    analysis: int  # index into QAIndex.analyses
    sid: int  # sentence id within the analysis
    keys: frozenset[str]  # lemmas and lower-cased words, plus the names of entities mentioned


class QAIndex:
    """Sentence vectors and an inverted lemma index over any number of analysed articles.

    `add` costs a pass over the sentences' tokens (no parsing); `answer` parses and embeds only the
    question, looks the question's lemmas up in the index, scores the sentences that share one with
    it plus the nearest ones by embedding, and extracts the answer from the best few.
    """

    def __init__(self, nlp: NLP | None = None, weights: dict | None = None) -> None:
        self._nlp = nlp
        self.analyses: list[Analysis] = []
        self.sents: list[_Sent] = []
        self._first_gid: list[int] = []  # sentences of one analysis are contiguous
        self.postings: dict[str, list[int]] = defaultdict(list)
        self._vec_chunks: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None
        self._arrays: dict[str, np.ndarray] = {}
        self._toks: dict[int, _Toks] = {}
        self._statements: dict[int, list[Statement]] = defaultdict(list)  # by global sentence id
        self._article_keys: dict[int, frozenset[str]] = {}
        self._article_prefixes: dict[int, frozenset[str]] = {}
        self._lock = threading.RLock()
        self.weights = weights if weights is not None else load_weights()

    @property
    def nlp(self) -> NLP:
        if self._nlp is None:
            from summarizers.nlp import get_nlp

            self._nlp = get_nlp()
        return self._nlp

    def __len__(self) -> int:
        return len(self.analyses)

    def add(self, analysis: Analysis) -> None:
        with self._lock:
            aidx = len(self.analyses)
            self.analyses.append(analysis)
            self._first_gid.append(len(self.sents))
            names = {e.id: _name_keys(e.name) for e in analysis.entities}
            for sent, doc in zip(analysis.sentences, analysis.docs, strict=True):
                keys = {_lem(t) for t in doc if not t.is_punct} | {t.lower_ for t in doc}
                for eid in analysis.mentions.get(sent.id, []):
                    keys |= names.get(eid, set())
                keys -= _STOP
                gid = len(self.sents)
                self.sents.append(_Sent(aidx, sent.id, frozenset(keys)))
                for k in keys:
                    self.postings[k].append(gid)
            for st in analysis.statements:
                self._statements[self._first_gid[aidx] + st.sentence_id].append(st)
            if len(analysis.sentences):
                self._vec_chunks.append(np.asarray(analysis.embeddings, dtype=np.float32))
            self._matrix = None
            self._arrays = {}

    def first_gid(self, aidx: int) -> int:
        return self._first_gid[aidx]

    def article_keys(self, aidx: int) -> frozenset[str]:
        """All keys of one article's sentences (made on first use, then kept)."""
        keys = self._article_keys.get(aidx)
        if keys is None:
            first = self._first_gid[aidx]
            n = len(self.analyses[aidx].sentences)
            keys = frozenset().union(*(x.keys for x in self.sents[first:first + n]))
            self._article_keys[aidx] = keys
        return keys

    def article_prefixes(self, aidx: int) -> frozenset[str]:
        """Five-letter prefixes of an article's longer words, for morphological near-matches."""
        pre = self._article_prefixes.get(aidx)
        if pre is None:
            pre = frozenset(k[:5] for k in self.article_keys(aidx) if len(k) >= 5)
            self._article_prefixes[aidx] = pre
        return pre

    @property
    def matrix(self) -> np.ndarray:
        with self._lock:
            if self._matrix is None:
                self._matrix = (np.concatenate(self._vec_chunks) if self._vec_chunks
                                else np.zeros((0, 384), dtype=np.float32))
            return self._matrix

    def idf(self, key: str) -> float:
        n = len(self.sents)
        df = len(self.postings.get(key, ()))
        return math.log((n + 1.0) / (df + 0.5)) + 0.1 if df else math.log(n + 1.0) + 1.0

    # -- retrieval -------------------------------------------------------------------------------
    def retrieve(self, q: Question, k: int = 4, mode: str = "both"
                 ) -> list[tuple[int, float, float]]:
        """Top `k` sentences as (global id, lexical score, embedding score). `mode` is "both",
        "lexical" or "embedding" (the latter two for measuring each signal alone)."""
        keys = _question_keys(q)
        weights = {key: self.idf(key) for key in keys}
        total = sum(weights.values()) or 1.0
        n = len(self.sents)
        # Dense arrays over all sentences: one vectorised add per question word, no Python loop
        # over postings, so a store of thousands of articles costs a few milliseconds.
        lex = np.zeros(n, dtype=np.float32)
        for key, w in weights.items():
            ids = self._posting_array(key)
            if len(ids):
                lex[ids] += w / total
        matrix = self.matrix
        emb = matrix @ q.vec if len(matrix) else np.zeros(0, dtype=np.float32)
        retrieval = self.weights.get("retrieval", {})
        w_lex, w_emb = retrieval.get("lexical", 1.0), retrieval.get("embedding", 0.6)
        if mode == "lexical":
            w_lex, w_emb = 1.0, 0.0
        elif mode == "embedding":
            w_lex, w_emb = 0.0, 1.0
        combined = w_lex * lex + w_emb * emb
        k = min(k, n)
        top = np.argpartition(-combined, k - 1)[:k] if k < n else np.arange(n)
        top = top[np.argsort(-combined[top], kind="stable")]
        return [(int(g), float(lex[g]), float(emb[g])) for g in top]

    def toks(self, gid: int) -> _Toks:
        """The token table of a sentence (built on first use, then kept)."""
        t = self._toks.get(gid)
        if t is None:
            s = self.sents[gid]
            t = self._toks[gid] = _Toks(self.analyses[s.analysis].docs[s.sid])
        return t

    def span_text(self, c: Cand) -> str:
        return self.toks(c.gid).span_text(c.start, c.end)

    def _posting_array(self, key: str) -> np.ndarray:
        arr = self._arrays.get(key)
        if arr is None:
            arr = np.asarray(self.postings.get(key, ()), dtype=np.int64)
            self._arrays[key] = arr
        return arr

    # -- answering -------------------------------------------------------------------------------
    def answer(self, question: str | Question, *, answerer: Answerer | None = None) -> Answer:
        """The answer to `question` (text, or a `Question` already parsed) from the index."""
        with self._lock:
            if not self.sents:
                return _abstain("There is no article to answer from.")
            q = question if isinstance(question, Question) else parse_question(question, self.nlp)
            k = self.weights.get("top_k", 4)
            # Attribution reads the statements of a wider set of sentences (still from the
            # index, never a scan of the store).
            wide = self.retrieve(q, k=max(k, WIDE_K))
            hits = wide[:k]
            if answerer is not None:
                return self._model_answer(q, hits, answerer)
            if q.polar:
                polar = self._polar_answer(q, wide)
                if polar is not None:
                    return polar
            described = self._description_answer(q)
            if described is not None:
                return described
            event = self._event_answer(q, wide)
            if event is not None:
                return event
            attributed = self._attribution_answer(q, wide)
            if attributed is not None:
                return attributed
            if q.wh == "why":
                reason = self._reason_answer(q, hits)
                if reason is not None:
                    return reason
            return self._span_answer(q, hits)

    def best_candidates(self, q: Question, hits: list[tuple[int, float, float]]) -> list[Cand]:
        """All candidate spans of the retrieved sentences, scored, best first."""
        cands: list[Cand] = []
        for rank, (gid, lex, emb) in enumerate(hits):
            cands.extend(_candidates(q, self.toks(gid), gid, rank, lex, emb, hits))
        if q.wh == "where":
            # A place, not the agent or a nationality used as a modifier ("killed in a US drone
            # strike"): keep locative candidates whenever the retrieved sentences have any.
            qents = _question_entity_words(q)
            places = [c for c in cands if _locative(self.toks(c.gid), c, qents)]
            if places:
                cands = places
        if q.wh == "howmany" and any(t.lower_ == "much" for t in q.doc):
            # "How much": an amount (money, a share, a measure), not a count ("38,400
            # students" for "by how much will tuition rise?"), whenever there is one.
            amounts = [c for c in cands if _amount(self.toks(c.gid), c)]
            cands = amounts or cands
        if q.wh == "why":  # a cause, whenever the retrieved sentences give one (else vetoed)
            causes = [c for c in cands if _causal(q, self.toks(c.gid), c)]
            cands = causes or cands
        if q.wh == "who":
            cands = [c for c in cands if not _not_someone(q, c, self.toks(c.gid))]
        if q.wh == "who" and q.verb:
            # An action ("who took it?") or who asserts something ("who says ...?").
            action = not any(_lem(t) in VERB_CLASS_OF and t.pos_ == "VERB" for t in q.doc)
            if action or _asks_who_asserts(q):
                said = {gid: self._said_of(q, gid) for gid in {c.gid for c in cands}}
                cands = [c for c in cands if not self._wrong_side(c, action, *said[c.gid])]
        w = self.weights.get("span", {})
        for c in cands:
            c.score = sum(w.get(k, 0.0) * v for k, v in c.feats.items())
        cands.sort(key=lambda c: -c.score)
        return cands

    def _said_of(self, q: Question, gid: int) -> tuple[list[tuple[Statement, bool]], bool]:
        """The statements of a sentence, each with whether the question's verb is in what it
        reports, and whether the sentence has a pronoun doing that verb (`_may_be_the_actor`):
        read once per sentence for all its candidates."""
        t = self.toks(gid)
        out = []
        for st in self._statements.get(gid, ()):
            v = st.verb_i
            if not 0 <= v < t.n:
                continue
            if st.indirect and t.lower[v] == "according":
                # "According to X, <clause>": the clause is the sentence outside the phrase.
                mentions = any(t.lemma[j] == q.verb and v not in t.anc[j] for j in range(t.n))
            else:
                mentions = any(t.lemma[j] == q.verb and j != v and v in t.anc[j]
                               for j in range(t.n))
            out.append((st, mentions))
        return out, self._may_be_the_actor(t, q)

    def _wrong_side(self, c: Cand, action: bool, said: list[tuple[Statement, bool]],
                    actor: bool) -> bool:
        """Is the candidate on the wrong side of what a statement in its sentence says?

        For an action (`action`: "who took the selfie?"), "Reed denied that the mayor took the
        selfie" names neither who took it: Reed only speaks of it (the question's verb is inside
        what he reports), and the mayor is the one said not to have (inside a denial). For a
        question that asks who asserts something ("who says Beats is being shut down?"), the
        speaker of a denial answers the opposite question. `said`, `actor`: from `_said_of`."""
        t = self.toks(c.gid)
        r = t.root(c.start, c.end)
        span = t.span_text(c.start, c.end)
        for st, mentions in said:
            v = st.verb_i
            if r == v:
                continue
            under = v in t.anc[r]
            if st.indirect and t.lower[v] == "according":
                speaker = under  # X is everything under "according"
            elif under:
                # The speaker hangs from the reporting verb as its subject (or owns the claim:
                # "TechCrunch's claims that ...").
                path = t.anc[r][: t.anc[r].index(v)]
                speaker = t.dep[path[-1]] in ("nsubj", "nsubjpass", "agent", "poss")
            else:
                continue
            # In what is denied ("that Reed stole the car"), not beside it ("saying Jones
            # stole it").
            inside = not speaker and span in (st.content or st.quote)
            denies = st.polarity == "deny"
            if action and speaker and not denies and mentions and actor:
                continue
            if action and mentions and (speaker or (inside and denies)):
                return True
            if not action and speaker and _disowns(st):
                return True
        return False

    @staticmethod
    def _may_be_the_actor(t: _Toks, q: Question) -> bool:
        """Does the speaker say they do it themselves ("we are going to put sanctions on
        Iraq", "he said he took it")? The reported verb's subject is then a pronoun."""
        for j in range(t.n):
            if t.lemma[j] != q.verb:
                continue
            k = j  # "we are going to put ...": the subject is on the verb "put" hangs from
            while t.dep[k] == "xcomp" and t.head[k] != k:
                k = t.head[k]
            if any(t.dep[c] in ("nsubj", "nsubjpass") and t.lower[c] in _PERSONAL
                   for c in t.children[j] + t.children[k]):
                return True
        return False

    def _span_answer(self, q: Question, hits: list[tuple[int, float, float]]) -> Answer:
        cands = self.best_candidates(q, hits)
        if not cands:
            return _abstain()
        best = cands[0]
        conf = self.confidence(q, cands, hits)
        s = self.sents[best.gid]
        analysis = self.analyses[s.analysis]
        span = self.toks(best.gid).span_text(*_whole_amount(self.toks(best.gid), best))
        # The type and topic checks are also abstention features; as vetoes they keep a question
        # about something no article covers from being answered with a confident guess.
        abstain = conf < self.weights.get("abstain_threshold", 0.5) or vetoed(q, best, self)
        display = _display(span, analysis, q)
        stmt = _statement_covering(analysis, s.sid, span)
        ans = Answer(
            answer=display, span=span, sentence=analysis.sentences[s.sid].text,
            quote=stmt.quote if stmt else "", speaker=stmt.speaker if stmt else "",
            source=_source_name(analysis), confidence=round(conf, 3),
            article_id=analysis.article.id,
        )
        if abstain:
            return _abstain(confidence=conf, near=ans)
        return ans

    def _reason_answer(self, q: Question, hits: list[tuple[int, float, float]]) -> Answer | None:
        """Why-questions: a reason clause ("because ...", "in retaliation for ...", "after ...",
        "to ...") in a retrieved sentence that carries the question's words, or at the start of
        the sentence after it ("The move came after ..."), since reasons are often given next."""
        qkeys = _question_keys(q)
        idf = {k: self.idf(k) for k in qkeys}
        total = sum(idf.values()) or 1.0
        best: tuple[float, int, int, int] | None = None
        for rank, (gid, _, emb) in enumerate(hits):
            s = self.sents[gid]
            cov = sum(v for k, v in idf.items() if k in s.keys) / total
            verb_here = not q.verb or q.verb in s.keys
            if cov < 0.5 or not verb_here:
                continue
            found = [(strength, lo, hi, gid)
                     for lo, hi, strength in _reasons_given(self.toks(gid), q)]
            nxt = gid + 1
            if not found and nxt < len(self.sents) and self.sents[nxt].analysis == s.analysis:
                found = [(0.8 * strength, lo, hi, nxt) for lo, hi, strength
                         in _reasons_given(self.toks(nxt), q, follow_up=True)]
            for strength, lo, hi, g in found:
                fit = strength * (0.5 + cov) + 0.2 * max(emb, 0.0) - 0.1 * rank
                if best is None or fit > best[0]:
                    best = (fit, g, lo, hi)
        if best is None:
            return None
        fit, gid, lo, hi = best
        s = self.sents[gid]
        analysis = self.analyses[s.analysis]
        span = self.toks(gid).span_text(lo, hi)
        stmt = _statement_covering(analysis, s.sid, span)
        return Answer(
            answer=span[0].upper() + span[1:], span=span, sentence=analysis.sentences[s.sid].text,
            quote=stmt.quote if stmt else "", speaker=stmt.speaker if stmt else "",
            source=_source_name(analysis), confidence=round(min(1.0, fit / 2.0), 3),
            article_id=analysis.article.id, method="reason",
        )

    def confidence(self, q: Question, cands: list[Cand],
                   hits: list[tuple[int, float, float]]) -> float:
        """Probability that the best candidate answers the question (logistic, learned)."""
        feats = abstain_features(q, cands, hits, self)
        w = self.weights.get("abstain", {})
        z = w.get("bias", 0.0) + sum(w.get(k, 0.0) * v for k, v in feats.items())
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    # -- attribution -----------------------------------------------------------------------------
    def _attribution_answer(self, q: Question, hits: list[tuple[int, float, float]]
                            ) -> Answer | None:
        vclass = VERB_CLASS_OF.get(q.verb, "")
        if not vclass or q.wh not in ("who", "what", "which"):
            return None
        if q.wh == "who" and vclass == "write":
            return self._author_answer(q, hits)
        if q.wh in ("what", "which") and not q.subject:
            return None
        topic = [lm for lm in q.lemmas if lm != q.verb and lm not in _name_keys(q.subject)]
        asserting = bool(topic) and _asks_who_asserts(q)
        asked = _asked_verbs(q) if asserting else {}
        scored: list[tuple[float, int, Statement]] = []
        denials: list[tuple[float, int, Statement]] = []  # who says otherwise
        candidates = []
        for gid, _, _ in hits:
            aidx = self.sents[gid].analysis
            analysis = self.analyses[aidx]
            for st in self._statements.get(gid, ()):
                fit = _statement_fit(st, vclass, q.verb)
                if fit <= 0 or (q.wh != "who" and not _same_speaker(q.subject, st, analysis)):
                    continue
                stance = _stance_on(st, analysis, asked, threat=vclass == "threaten") \
                    if asserting else ""
                rel = self._relevance(q, topic, gid, st, asked if stance else ())
                if stance == "no":
                    denials.append((rel, aidx, st))
                candidates.append((fit * rel, aidx, st, stance))
        # Who says it is not so says nothing else for it ("She did not leave; we threw her
        # out" is no answer to "who says she left?"), nor does a denial of something unnamed.
        deniers = {st.speaker_key or st.speaker for _, _, st in denials}
        # Where some statements speak of the question's verb, one that does not must at least
        # share a word with the question: not "people were frightened" for "who says patients
        # were harmed?" beside "nobody had been harmed".
        spoken = any(stance for *_, stance in candidates)
        asked_words = [lm for lm in q.lemmas if lm != q.verb]
        set_aside = 0
        for score, aidx, st, stance in candidates:
            if asserting and (_disowns(st) or stance in ("no", "if") or (stance == "" and (
                    st.polarity == "deny" or (st.speaker_key or st.speaker) in deniers
                    or spoken and not self._lexical(
                        asked_words, _statement_keys(st, self.analyses[aidx]))))):
                set_aside += score >= 0.25
                continue
            scored.append((score, aidx, st))
        if not scored and denials:  # all who speak of it say it is not so
            rel, aidx, st = max(denials, key=lambda x: x[0])
            if rel >= POLAR_MIN_RELEVANCE:
                analysis = self.analyses[aidx]
                return Answer(
                    answer=f"No one here says so; {st.speaker} says not.", quote=st.quote,
                    speaker=st.speaker, source=_source_name(analysis),
                    confidence=round(min(1.0, rel), 3), against=self._described(denials, 0.0),
                    sentence=analysis.sentences[st.sentence_id].text,
                    span=st.quote or st.content, article_id=analysis.article.id,
                    method="attribution")
        if not scored:
            # Only statements that deny it, disown it or suppose it speak of it: the span
            # reader would name one of them as the one who says it.
            return _abstain() if set_aside else None
        scored.sort(key=lambda x: -x[0])
        top, aidx, st = scored[0]
        if top < 0.25:
            return _abstain() if set_aside else None
        analysis = self.analyses[aidx]
        sentence = analysis.sentences[st.sentence_id].text
        if q.wh == "who":
            quote = st.quote or _best_quote(analysis, st, vclass)
            return Answer(
                answer=st.speaker, quote=quote, speaker=st.speaker, source=_source_name(analysis),
                confidence=round(min(1.0, top), 3), others=self._described(scored, 0.5 * top, st),
                against=self._described(denials, 0.25), sentence=sentence, span=st.speaker,
                article_id=analysis.article.id, method="attribution",
            )
        if vclass == "say" and q.verb in ("say", "tell", "state", "announce", "add", "claim"):
            # "What did Esper say?": what was said, in the speaker's words when quoted.
            return Answer(
                answer=st.quote or st.content, quote=st.quote, speaker=st.speaker,
                source=_source_name(analysis), confidence=round(min(1.0, top), 3),
                sentence=sentence, span=st.quote or st.content, article_id=analysis.article.id,
                method="attribution",
            )
        # "What did Trump threaten?": the thing in the statement the question's verb is about.
        gid = self._gid(aidx, st.sentence_id)
        t = self.toks(gid)
        cands = [c for c in _candidates(q, t, gid, 0, 1.0, 1.0, [])
                 if t.span_text(c.start, c.end) in st.content]
        w = self.weights.get("span", {})
        for c in cands:
            c.score = (sum(w.get(k, 0.0) * v for k, v in c.feats.items())
                       + _object_bonus(t, c, q.verb))
        cands.sort(key=lambda c: -c.score)
        span = t.span_text(cands[0].start, cands[0].end) if cands else st.content
        return Answer(
            answer=span, quote=st.quote, speaker=st.speaker, source=_source_name(analysis),
            confidence=round(min(1.0, top), 3), sentence=sentence, span=span,
            article_id=analysis.article.id, method="attribution",
        )

    def _described(self, scored: list[tuple[float, int, Statement]], floor: float,
                   shown: Statement | None = None) -> list[str]:
        """One line for each speaker's best statement scoring at least `floor`, best first,
        but for the speaker already shown."""
        out: list[str] = []
        seen = {shown.speaker_key or shown.speaker} if shown is not None else set()
        for score, aidx, st in sorted(scored, key=lambda x: -x[0]):
            key = st.speaker_key or st.speaker
            if key not in seen and score >= floor:
                seen.add(key)
                out.append(f"{NARRATOR}: {st.content}" if st.speaker == NARRATOR
                           else _describe_statement(self.analyses[aidx], st))
        return out

    def _polar_answer(self, q: Question, hits: list[tuple[int, float, float]]
                      ) -> Answer | None:
        """A yes-or-no question is answered by who says yes and who says no, in their words:
        "Is the US leaving Iraq?" -> Esper says not ("There's been no decision whatsoever to
        leave Iraq"). The article's own narrative counts as one more voice ("the US killed
        Qassem Soleimani"). The engine does not judge who is right; with no word either way it
        abstains. "Did Milley call the letter a mistake?" asks for a statement of Milley's.
        A question of what something is like ("Is the packet header long?") that no statement
        answers either way is left to the span reader: the text may give the value ("small")."""
        asked = _asked_verbs(q, polar=True)
        words = [t for t in q.doc if not t.is_punct]
        # "Did United win?" asks of an act: never answered by a noun phrase of the text.
        do_support = words[0].lower_ in ("do", "does", "did")
        if len(words) >= 3 and not any(t.pos_ == "VERB" for t in asked.values()):
            # "Is the hospital closing?", "Did the shop close?", which the parser reads as a
            # noun or an adjective: said as a statement ("the hospital is closing", "the shop
            # will close", a "will" for "did" parsing best) it parses as a verb.
            # The auxiliary goes before the predicate: the first verb, adjective or adverb that
            # does not modify a noun ("the Leeds plant will close"), else before the last word
            # ("United will win").
            rest = words[1:]
            at = next((k for k, t in enumerate(rest) if k and t.pos_ in ("VERB", "ADJ", "ADV")
                       and t.dep_ != "amod"), len(rest) - 1)
            aux = "will" if do_support else words[0].lower_
            told = self.nlp.parse([" ".join(
                [*(t.text for t in rest[:at]), aux, *(t.text for t in rest[at:])])])[0]
            verbs = {_lem(t): t for t in told if t.pos_ == "VERB" and _lem(t) not in _STOP}
            asked = verbs or asked
        vclass = VERB_CLASS_OF.get(q.verb, "")
        root = q.doc[:].root
        # "Did Holt say the factory was moving?": a statement of Holt's. Of the verb classes,
        # writing is an act like any other ("Was the letter signed?"); so is one the article
        # may tell in its own voice ("Did the Senate reject the bill?"): tried second.
        speaker_asked = bool(vclass and vclass != "write" and q.subject and not any(
            c.dep_ in ("auxpass", "nsubjpass") for c in root.children))
        if speaker_asked:
            said = self._polar_sides(q, hits, asked, vclass, speaker=True)
            if said is not None:
                return said
        if not asked:
            return _abstain() if do_support else None  # else the span reader's question
        sides = self._polar_sides(q, hits, asked, vclass, speaker=False)
        if sides is None and not do_support and all(t.pos_ != "VERB" for t in asked.values()):
            return None  # "Is the packet header long?": the text may give the value ("small")
        return sides or _abstain()

    def _polar_sides(self, q: Question, hits: list[tuple[int, float, float]],
                     asked: dict[str, Any], vclass: str, speaker: bool) -> Answer | None:
        """`_polar_answer` by the statements of the question's speaker (`speaker`), or by
        everyone's and the article's own; None when nothing speaks either way."""
        if speaker:
            asked = dict(asked)
            asked.pop(q.verb, None)
            if not asked:  # "Did Cho say there would be a strike?": the words said
                asked = {_lem(t): t for t in q.doc if (t.pos_ == "NOUN" and t.dep_ in (
                    "attr", "dobj", "nsubj", "nsubjpass") or t.dep_ == "acomp")
                    and t.head.i != q.doc[:].root.i and _lem(t) not in _STOP}
        names = _name_keys(q.subject) if speaker else set()
        topic = [lm for lm in q.lemmas if lm not in names]
        # The question's things, besides its verbs: one of them must be in what answers it
        # ("Is the US leaving Iraq?" is not answered by "the board asked her to leave").
        things = [lm for lm in topic if lm not in asked and lm != q.verb and lm not in _ANYONE]
        modal = any(t.lower_ in _MODALS for t in q.doc)
        sides: dict[str, list[tuple[float, int, Statement]]] = {"yes": [], "no": []}
        for gid, _, _ in hits:
            aidx = self.sents[gid].analysis
            analysis = self.analyses[aidx]
            statements = self._statements.get(gid, [])
            keys = self.sents[gid].keys
            for st in statements:
                if speaker and not (_same_speaker(q.subject, st, analysis)
                                    and _statement_fit(st, vclass, q.verb) > 0):
                    continue
                stance = _stance_on(st, analysis, asked, vclass == "threaten", modal) \
                    if asked else "yes"
                if speaker and vclass == "deny" and asked:  # his denial of it is a yes
                    stance = {"no": "yes", "yes": "no"}.get(stance, stance)
                rel = self._relevance(q, topic, gid, st, asked if stance else ())
                if stance in sides and rel >= POLAR_MIN_RELEVANCE and (not things or (
                        keys | _statement_keys(st, analysis)).intersection(things)):
                    sides[stance].append((rel, aidx, st))
            if not speaker and (not things or keys.intersection(things)):
                narrated = _narration(self.sents[gid].sid, statements, analysis)
                stance = _reading([(t, m) for t in narrated if (m := _asked_about(t, asked))],
                                  modal=modal)
                rel = 0.6 * self._lexical(topic, keys) + 0.6 * max(
                    float(self.matrix[gid] @ q.vec), 0.0) + 0.1
                if stance in sides and rel >= POLAR_MIN_RELEVANCE and narrated:
                    sentence = analysis.sentences[self.sents[gid].sid].text
                    sides[stance].append((rel, aidx, Statement(
                        self.sents[gid].sid, NARRATOR, None, "", sentence)))
        yes = max(sides["yes"], key=lambda x: x[0], default=None)
        no = max(sides["no"], key=lambda x: x[0], default=None)
        if yes is None and no is None:
            return None
        rel, aidx, st = yes or no  # type: ignore[misc]
        analysis = self.analyses[aidx]
        if yes and no and (st.speaker_key or st.speaker) == (no[2].speaker_key or no[2].speaker):
            text = f"{st.speaker} says so in part and not in part."  # "safe once boiled"
        elif yes and no:
            text = f"Disputed: {st.speaker} says so; {no[2].speaker} says not."
        elif speaker:
            text = ("Yes: " if yes else "No: ") + _describe_statement(analysis, st)
        else:
            text = f"{st.speaker} says so." if yes else f"{st.speaker} says not."
        return Answer(
            answer=text, quote=st.quote, speaker=st.speaker, source=_source_name(analysis),
            confidence=round(min(1.0, rel), 3),
            others=self._described(sides["yes" if yes else "no"], 0.5 * rel, st),
            against=self._described(sides["no"], 0.0) if yes else [],
            sentence=analysis.sentences[st.sentence_id].text, span=st.quote or st.content,
            article_id=analysis.article.id, method="attribution",
        )

    def _author_answer(self, q: Question, hits: list[tuple[int, float, float]]) -> Answer | None:
        """Who wrote/signed/drafted X: the agent of a writing verb, a byline-like "from"/"name of"
        phrase, with any doubt the article casts on the authorship ("unsigned")."""
        obj = [lm for lm in q.lemmas if lm != q.verb]
        found: list[tuple[float, int, int, Entity, str]] = []
        for gid, _, _ in hits:
            aidx, sid = self.sents[gid].analysis, self.sents[gid].sid
            analysis = self.analyses[aidx]
            doc = analysis.docs[sid]
            if obj and not any(_lem(t) in obj for t in doc):
                continue
            for tok in doc:
                ent, how = _author_of(tok, analysis, obj)
                if ent is not None:
                    found.append((1.0 if how == "agent" else 0.8, aidx, sid, ent, how))
        if not found:
            return None
        found.sort(key=lambda x: -x[0])
        _, aidx, sid, ent, _ = found[0]
        analysis = self.analyses[aidx]
        doubt = _authorship_doubt(analysis, obj, ent)
        sentence = analysis.sentences[sid].text
        answer = ent.display + (f", {ent.role}" if ent.role else "")
        if doubt:
            thing = obj[0] if obj else "text"
            if ent.name.split()[-1] in doubt[0]:
                # "The letter was unsigned but bearing the typed name of ... Seely III"
                answer = f"The {thing} was {doubt[0]}" + (f", {ent.role}" if ent.role else "")
            else:
                answer = f"{answer}, but the {thing} was {doubt[0]}"
            sentence = doubt[1]
        return Answer(
            answer=answer, speaker="", source=_source_name(analysis), confidence=0.8,
            sentence=sentence, span=ent.name, article_id=analysis.article.id,
            method="attribution",
        )

    def _description_answer(self, q: Question) -> Answer | None:
        """"Who is Hamid Karzai?": the person's title and role as the article gives them
        ("Hamid Karzai, Ashraf Ghani's predecessor"), from the sentence that gives them; None
        when the question names no one the articles describe."""
        if q.wh != "who" or q.verb:
            return None
        name = " ".join(t.text for t in q.doc
                        if not (t.is_punct or t.lower_ == "who" or t.lemma_ == "be"))
        for analysis in self.analyses:
            ent = analysis.entity_for(name) if name else None
            if ent is None or ent.kind != "PERSON" or not ent.role_text:
                continue
            said = [sid for sid in sorted(ent.sentence_ids)
                    if ent.role_text in analysis.sentences[sid].text]
            sentence = analysis.sentences[(said or sorted(ent.sentence_ids))[0]].text
            # The words it rests on: the role as written, else (a role that says whose it is,
            # "Ashraf Ghani's predecessor" for "his predecessor") the name as written there.
            span = ent.role_text if said else next(
                (m for m in sorted(ent.mentions, key=len, reverse=True) if m in sentence),
                ent.name)
            return Answer(
                answer=ent.described, source=_source_name(analysis), confidence=0.8,
                sentence=sentence, span=span, article_id=analysis.article.id,
                method="description",
            )
        return None

    def _event_answer(self, q: Question, hits: list[tuple[int, float, float]]
                      ) -> Answer | None:
        """"What did the US do to Soleimani?" is answered by what the US did ("killed Qassem
        Soleimani, ... in a drone strike"), "What happened at the US Embassy?" by the clause
        that tells it ("members of an Iranian-backed militia tried to storm the US Embassy in
        Baghdad, ..."): acts, which no noun phrase answers. From the most relevant retrieved
        sentence that has the actor as a verb's subject (and the target in what it did), or,
        for "happened", the smallest clause with a subject that holds the target. None when
        the question is of neither kind; an abstention when no sentence tells it."""
        asked = _event_question(q)
        if asked is None:
            return None
        kind, actor, target = asked
        head, names = actor
        future = any(x.lower_ in _WILL for x in q.doc)  # "what will X do?": an act to come
        for rank, (gid, _, _) in enumerate(hits):
            t = self.toks(gid)
            # What happened to Y, where Y is the subject, is what Y did or had done to it.
            found = _act_of(t, actor, target if kind == "do" else set(), future)
            clause = found is None  # a clause with its subject, shown as a sentence starts
            if clause and kind == "do" and any(
                    (head | names) & set(re.findall(r"\w+", st.speaker.lower()))
                    for st in self._statements.get(gid, ())):
                found = _own_act(t, target, future)
            elif clause and kind == "happen":
                found = _clause_holding(t, target)
            if found is None:
                continue
            lo, hi = found
            s = self.sents[gid]
            analysis = self.analyses[s.analysis]
            span = t.span_text(lo, hi)
            stmt = _statement_covering(analysis, s.sid, span)
            return Answer(
                answer=span[0].upper() + span[1:] if clause else span, span=span,
                sentence=analysis.sentences[s.sid].text, quote=stmt.quote if stmt else "",
                speaker=stmt.speaker if stmt else "", source=_source_name(analysis),
                confidence=round(max(0.5, 0.9 - 0.05 * rank), 3),
                article_id=analysis.article.id, method="event",
            )
        return _abstain()

    def _gid(self, aidx: int, sid: int) -> int:
        return self._first_gid[aidx] + sid

    def _lexical(self, topic: list[str], keys: set[str] | frozenset[str]) -> float:
        """The idf-weighted share of the topic's words among `keys` (0.5 with no topic)."""
        if not topic:
            return 0.5
        return sum(self.idf(t) for t in topic if t in keys) / (
            sum(self.idf(t) for t in topic) or 1.0)

    def _relevance(self, q: Question, topic: list[str], gid: int, st: Statement,
                   speaks_of: Iterable[str] = ()) -> float:
        """How much a statement is about the question's topic: overlap with the statement's own
        words (two statements of one sentence can be about different things: "X denied a
        decision to withdraw, and Y called the letter a draft"), plus the sentence's similarity.
        `speaks_of`: the question's words the statement was found to speak of in other words
        ("injured" of "hurt", "withdrawal" of "withdraw")."""
        keys = _statement_keys(st, self.analyses[self.sents[gid].analysis]) | set(speaks_of)
        emb = float(self.matrix[gid] @ q.vec)
        return 0.6 * self._lexical(topic, keys) + 0.6 * max(emb, 0.0) + 0.1

    # -- model-backed ----------------------------------------------------------------------------
    def _model_answer(self, q: Question, hits: list[tuple[int, float, float]],
                      answerer: Answerer) -> Answer:
        passages, where = [], []
        for gid, _, _ in hits:
            s = self.sents[gid]
            analysis = self.analyses[s.analysis]
            lo, hi = max(0, s.sid - 1), min(len(analysis.sentences), s.sid + 2)
            passages.append(" ".join(x.text for x in analysis.sentences[lo:hi]))
            where.append((s.analysis, s.sid))
        idx, start, end, score = answerer.best_span(q.text, passages)
        if idx < 0 or end <= start:
            return _abstain(confidence=score)
        aidx, sid = where[idx]
        analysis = self.analyses[aidx]
        span = passages[idx][start:end].strip()
        return Answer(
            answer=_display(span, analysis, q), span=span, sentence=passages[idx],
            source=_source_name(analysis), confidence=round(float(score), 3),
            article_id=analysis.article.id, method="model",
        )


# -- candidates and their features ---------------------------------------------------------------


@dataclass
class Cand:
    gid: int
    start: int
    end: int
    feats: dict[str, float]
    score: float = 0.0


def _question_keys(q: Question) -> list[str]:
    keys = list(q.lemmas)
    for t in q.doc:
        if t.pos_ == "PROPN" and t.lower_ not in keys and t.lower_ not in _STOP:
            keys.append(t.lower_)
    return keys


def _name_keys(name: str) -> set[str]:
    return {w.lower().strip(".’'") for w in name.split() if len(w) > 1} - _STOP


class _Toks:
    """A sentence's parse as plain lists, built once per sentence and cached by the index:
    candidate features touch tokens thousands of times per question, and spaCy's per-access
    Token objects are the slow part otherwise."""

    __slots__ = ("text", "ws", "lemma", "lower", "pos", "dep", "head", "left", "right",
                 "num", "punct", "stop", "ent_at", "ents", "chunks", "children", "anc", "n")

    def __init__(self, doc: Any) -> None:
        toks = list(doc)
        self.n = len(toks)
        self.text = [t.text for t in toks]
        self.ws = [t.whitespace_ for t in toks]
        self.lemma = [_lem(t) for t in toks]
        self.lower = [t.lower_ for t in toks]
        self.pos = [t.pos_ for t in toks]
        self.dep = [t.dep_ for t in toks]
        self.head = [t.head.i for t in toks]
        self.left = [t.left_edge.i for t in toks]
        self.right = [t.right_edge.i for t in toks]
        self.num = [t.like_num or t.pos_ == "NUM" for t in toks]
        self.punct = [t.is_punct for t in toks]
        self.stop = [t.is_stop for t in toks]
        self.ents = [(e.start, e.end, e.label_) for e in doc.ents]
        self.ent_at: list[tuple[int, int, str] | None] = [None] * self.n
        for e in self.ents:
            for i in range(e[0], e[1]):
                self.ent_at[i] = e
        try:
            self.chunks = [(c.start, c.end) for c in doc.noun_chunks]
        except ValueError:  # no parse
            self.chunks = []
        self.children: list[list[int]] = [[] for _ in range(self.n)]
        for i, h in enumerate(self.head):
            if h != i:
                self.children[h].append(i)
        self.anc: list[list[int]] = []
        for i in range(self.n):
            path, j = [i], i
            while self.head[j] != j and len(path) < 50:
                j = self.head[j]
                path.append(j)
            self.anc.append(path)

    def span_text(self, lo: int, hi: int) -> str:
        return "".join(self.text[i] + self.ws[i] for i in range(lo, hi)).strip()

    def root(self, lo: int, hi: int) -> int:
        for i in range(lo, hi):
            if not lo <= self.head[i] < hi or self.head[i] == i:
                return i
        return lo

    def distance(self, a: int, b: int) -> int:
        pb = self.anc[b]
        for k, t in enumerate(self.anc[a]):
            if t in pb:
                return k + pb.index(t)
        return 12

    def clause_verb(self, i: int) -> int:
        """The nearest verb above token `i` (the head of its clause), -1 when there is none."""
        return next((a for a in self.anc[i][1:] if self.pos[a] in ("VERB", "AUX")), -1)

    def path(self, a: int, b: int) -> str:
        """The dependency labels from `a` up to the common ancestor and down to `b`
        ("nsubj^attr" for the subject of a copula whose attribute is `b`), "" when far."""
        pa, pb = self.anc[a], self.anc[b]
        for k, x in enumerate(pa):
            if x in pb:
                j = pb.index(x)
                if k + j > 2:  # longer paths are too many, each seen too rarely
                    return ""
                up = [_coarse_dep(self.dep[i]) for i in pa[:k]]
                down = [_coarse_dep(self.dep[i]) for i in reversed(pb[:j])]
                return ".".join(up) + "^" + ".".join(down)
        return ""


_DEP_COARSE = {"nsubjpass": "nsubj", "csubj": "nsubj", "dative": "dobj", "oprd": "attr",
               "acomp": "attr", "npadvmod": "advmod", "nmod": "compound", "nummod": "amod",
               "quantmod": "amod", "relcl": "acl", "ccomp": "xcomp", "advcl": "xcomp",
               "pcomp": "pobj", "agent": "prep", "poss": "compound"}


def _coarse_dep(dep: str) -> str:
    return _DEP_COARSE.get(dep, dep if dep in _DEPS else "other")


# Words a date or an amount is made of ("last Thursday", "31-20", "three weeks ago"): a span of
# only these and numbers names no one.
_DATE_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december jan feb mar apr jun jul aug sep sept "
    "oct nov dec last next this that the a an of on in at early late mid day days week weeks "
    "month months year years decade decades century centuries ago today yesterday tomorrow "
    "tonight night morning afternoon evening weekend season spring summer autumn fall winter "
    "quarter half first second third percent per cent million billion thousand hundred dozen "
    "and or to from".split())


def _not_someone(q: Question, c: Cand, t: _Toks) -> bool:
    """A candidate that cannot answer a who-question: a date or a number, or the one the
    question itself names as its verb's object ("who killed Soleimani?" is not answered by
    Soleimani, the object of "killed" in "the US killed Soleimani"). Only a span made of
    numbers and date words counts as a date or number: the tagger calls some names so
    ("Maroon 5" a date, "49ers" and "23andMe" numbers)."""
    if any(c.feats.get(f"who_grp_{g}") for g in ("date", "num", "ord")) and all(
            t.num[i] or t.punct[i] or t.lower[i] in _DATE_WORDS for i in range(c.start, c.end)):
        return True
    # Named in the question too: a question misparsed as asking for the subject ("Who did
    # Alexander I marry?" read with "who" as subject) keeps the object it does not name.
    return (q.wh_dep == "nsubj" and not q.passive and bool(c.feats.get("who_qverb_dobj"))
            and bool(c.feats.get("q_any")))


def _group_of(label: str, is_num: bool) -> str:
    if label:
        return TYPE_GROUPS.get(label, "misc")
    return "num" if is_num else "none"


_TRIM_EDGE = frozenset(("PUNCT", "CCONJ", "SCONJ", "ADP", "DET", "PART", "SPACE"))
_TRIM_END = frozenset(("PUNCT", "CCONJ", "DET", "ADP", "SCONJ", "SPACE"))


def _trim(t: _Toks, lo: int, hi: int) -> tuple[int, int]:
    while lo < hi and t.pos[lo] in _TRIM_EDGE:
        lo += 1
    while hi > lo and t.pos[hi - 1] in _TRIM_END and t.text[hi - 1] not in (")", "%"):
        hi -= 1
    return lo, hi


def _spans(t: _Toks, wh: str) -> dict[tuple[int, int], set[str]]:
    """Candidate spans {(start, end): kinds} from the parse; a span found several ways is one
    candidate with several kinds."""
    out: dict[tuple[int, int], set[str]] = defaultdict(set)
    max_len = 24 if wh in ("why", "how") else 14
    for lo, hi, _ in t.ents:
        out[(lo, hi)].add("ent")
    for lo, hi in t.chunks:
        lo, hi = _trim(t, lo, hi)
        if hi > lo:
            out[(lo, hi)].add("np")
    for i in range(t.n):
        pos, dep = t.pos[i], t.dep[i]
        if pos in ("NOUN", "PROPN", "NUM", "ADJ") or t.num[i]:
            lo, hi = _trim(t, t.left[i], t.right[i] + 1)
            if 0 < hi - lo <= max_len:
                out[(lo, hi)].add("tree")
            # The noun with its modifiers but without what follows it (relative clauses, PPs).
            lo2, hi2 = _trim(t, t.left[i], i + 1)
            if hi2 > lo2:
                out[(lo2, hi2)].add("head")
            # The noun with one prepositional phrase ("sanctions on Iraq").
            for ch in t.children[i]:
                if ch > i and t.dep[ch] == "prep":
                    lo3, hi3 = _trim(t, t.left[i], t.right[ch] + 1)
                    if 0 < hi3 - lo3 <= max_len:
                        out[(lo3, hi3)].add("np_pp")
                    break
            if t.num[i]:
                out[(i, i + 1)].add("num")
                h = t.head[i]
                if h == i + 1 and t.pos[h] in ("NOUN", "PROPN"):
                    out[(i, i + 2)].add("num")
        if dep == "prep" and wh in ("where", "when", "why", "how", "howq"):
            lo, hi = i, t.right[i] + 1
            if 0 < hi - lo <= max_len:
                out[(lo, hi)].add("pp")
        if wh in ("why", "how") and pos in ("VERB", "AUX") and dep in (
                "advcl", "xcomp", "ccomp", "acl", "relcl", "conj", "pcomp"):
            lo, hi = _trim(t, t.left[i], t.right[i] + 1)
            if 0 < hi - lo <= max_len:
                out[(lo, hi)].add("clause")
            if t.left[i] < i:
                out[(t.left[i], t.right[i] + 1)].add("clause")
        if wh in ("what", "which", "how") and pos == "VERB":
            # "What did X do?": the verb phrase.
            lo, hi = _trim(t, i, t.right[i] + 1)
            if 0 < hi - lo <= max_len:
                out[(lo, hi)].add("vp")
    # Whole names: a span that is a whole run of proper nouns, with the particles inside names
    # ("Van Gend en Loos", "Roger of Montgomery", "Bernard de Neufmarché"), is marked as one.
    for lo, hi in _name_runs(t):
        if (lo, hi) in out:
            out[(lo, hi)].add("name")
    return out


_NAME_INNER = frozenset("of de del della der van von en y la le da di du al bin ibn".split())


def _name_runs(t: _Toks) -> list[tuple[int, int]]:
    """Maximal runs of PROPN tokens, joined across a lower-case name particle or a hyphen."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < t.n:
        if t.pos[i] != "PROPN":
            i += 1
            continue
        j = i + 1
        while j < t.n:
            if t.pos[j] == "PROPN":
                j += 1
            elif (j + 1 < t.n and t.pos[j + 1] == "PROPN" and t.text[j + 1][:1].isupper()
                  and (t.text[j] in _NAME_INNER or t.text[j] == "-")):
                j += 2
            else:
                break
        runs.append((i, j))
        i = j
    return runs


_DEPS = frozenset(("nsubj", "nsubjpass", "dobj", "pobj", "attr", "appos", "compound", "conj",
                   "npadvmod", "nummod", "ROOT", "poss", "amod", "advcl", "xcomp", "ccomp",
                   "acomp", "oprd", "dative", "agent", "prep", "relcl", "acl", "advmod", "pcomp"))
_LOC_PREPS = frozenset("in at near inside outside across from on into throughout".split())
_TIME_PREPS = frozenset("in on during since until before after by from".split())
_REASON_START = frozenset("because since as for to due so owing after in".split())


def _key_at(t: _Toks, i: int, qkeys: set[str]) -> str:
    """The question key a matched sentence token stands for (its lemma, else its word)."""
    return t.lemma[i] if t.lemma[i] in qkeys else t.lower[i]


_MANY_WORDS = frozenset("two three four five six both couple pair".split())


def _asks_many(q: Question) -> bool:
    """Does the question ask for several things ("which two states", "what are the sports")?"""
    if any(t.lower_ in _MANY_WORDS for t in q.doc):
        return True
    return bool(q.focus) and any(_lem(t) == q.focus and t.tag_ in ("NNS", "NNPS") for t in q.doc)


def _candidates(q: Question, t: _Toks, gid: int, rank: int, lex: float, emb: float,
                hits: list[tuple[int, float, float]]) -> list[Cand]:
    qkeys = set(_question_keys(q))
    matched = [i for i in range(t.n) if t.lemma[i] in qkeys or t.lower[i] in qkeys]
    mset = set(matched)
    nq = len({_key_at(t, m, qkeys) for m in matched})
    best_lex = max((h[1] for h in hits), default=lex)
    best_emb = max((h[2] for h in hits), default=emb)
    qtext = q.text.lower()
    wh = q.wh
    expected = q.expected
    focus_at = [i for i in range(t.n) if t.lemma[i] == q.focus] if q.focus else []
    wh_head_at = [i for i in range(t.n) if t.lemma[i] == q.wh_head] if q.wh_head else []
    wv_at = {i for i in range(t.n) if t.lemma[i] == q.wh_verb and t.pos[i] in ("VERB", "AUX")
             } if q.wh_verb else set()
    plural = _asks_many(q)
    common = {"bias": 1.0, "s_lex": lex, "s_emb": emb, "s_lex_gap": lex - best_lex,
              "s_emb_gap": emb - best_emb, f"s_rank{min(rank, 3)}": 1.0}
    if not matched:
        common["no_match"] = 1.0
    dist_cache: dict[int, tuple[int, int]] = {}
    wh_cache: dict[int, str] = {}
    run_of = [-1] * t.n  # which proper-noun run each token is in
    for k, (a, b) in enumerate(_name_runs(t)):
        for i in range(a, b):
            run_of[i] = k
    out = []
    for (lo, hi), kinds in _spans(t, wh).items():
        toks = [i for i in range(lo, hi) if not t.punct[i]]
        if not toks:
            continue
        r = t.root(lo, hi)
        clause_v = t.clause_verb(r)
        content = [i for i in toks if not t.stop[i]]
        inq = sum(1 for i in content if i in mset)
        ent = t.ent_at[r]
        group = _group_of(ent[2] if ent else "", t.num[r])
        if group == "none" and wh in ("howmany", "howq") and any(t.num[i] for i in toks):
            group = "num"
        dep = t.dep[r] if t.dep[r] in _DEPS else "other"
        f = dict(common)
        f.update({
            "len": min(len(toks), 20) / 10.0,
            f"len_{min(len(toks), 6)}": 1.0,
            "q_overlap": inq / max(len(content), 1),
            "q_any": 1.0 if inq else 0.0,
            f"{wh}_grp_{group}": 1.0,
            f"{wh}_dep_{dep}": 1.0,
            f"dep_{dep}": 1.0,
            f"pos_{t.pos[r]}": 1.0,
        })
        for kind in kinds:
            f[f"kind_{kind}"] = 1.0
            f[f"{wh}_kind_{kind}"] = 1.0
            f[f"{wh}_grp_{group}_kind_{kind}"] = 1.0  # "who" wants a whole PERSON entity
        f[f"{wh}_len_{min(hi - lo, 5)}"] = 1.0  # length prior per question class
        # Span boundaries: what of the root's phrase is left out ("20 to 1" cut to "1",
        # "Dorotheenstadt" without "and Friedrichstadt") or taken in.
        for ch in t.children[r]:
            d = t.dep[ch]
            if d == "conj":
                f["conj_in" if lo <= ch < hi else "conj_out"] = 1.0
            elif ch >= hi and d in ("prep", "appos"):
                f[f"{d}_out"] = 1.0
            elif ch < lo and d in ("amod", "compound", "nummod"):
                f["mod_out"] = 1.0
        # "Which two states ...", "What are the three subsectors?": a list, "X and Y".
        coord = any(t.pos[i] == "CCONJ" for i in range(lo, hi))
        many = "many" if plural else "one"
        f[f"{many}_coord" if coord else f"{many}_single"] = 1.0
        if "conj_out" in f:
            f[f"{many}_conj_out"] = 1.0
        # The span starts or ends inside a name ("Rankine" of "William John Macquorn Rankine").
        if (lo > 0 and run_of[lo] >= 0 and run_of[lo - 1] == run_of[lo]) or (
                hi < t.n and run_of[hi - 1] >= 0 and run_of[hi] == run_of[hi - 1]):
            f["name_cut"] = 1.0
            f[f"{wh}_name_cut"] = 1.0
        if hi < t.n and t.text[hi] == "(":
            f["paren_next"] = 1.0
        if hi < t.n and t.pos[hi] == "PROPN":
            f["propn_next"] = 1.0
        if lo > 0 and t.pos[lo - 1] == "PROPN":
            f["propn_prev"] = 1.0
        if t.span_text(lo, hi).lower() in qtext:
            f["in_question"] = 1.0
        if expected:
            f["type_match" if group in expected else "type_miss"] = 1.0
        if group == "loc":
            name = t.span_text(lo, hi).lower()
            name = name[4:] if name.startswith("the ") else name
            place = q.focus if q.focus in _PLACE_FOCUS else ("where" if wh == "where" else "other")
            f[f"country_{place}_{int(name in _countries())}"] = 1.0
        if q.group:  # the focus noun's group against the candidate's: "which country" x PERSON
            f[f"fg_{q.group}_{group}"] = 1.0
        elif q.focus:  # a kind of thing no name group answers ("which animal": "pigs")
            f[f"fg_{'kind' if q.focus in _KIND_FOCUS else 'other'}_{group}"] = 1.0
        if ent is not None:
            if (ent[0], ent[1]) == (lo, hi):
                f["ent_exact"] = 1.0
            if lo > ent[0] or hi < ent[1]:
                f["ent_partial"] = 1.0
        outside = [m for m in matched if not lo <= m < hi]
        # How many of the question's words sit right around the span and near it in the tree
        # (the sliding-window and dependency overlap of the SQuAD baselines): the answer is
        # usually next to the words the question repeats, not just in the same sentence.
        if nq:
            near5 = {_key_at(t, m, qkeys) for m in outside if lo - 5 <= m < hi + 5}
            near10 = {_key_at(t, m, qkeys) for m in outside if lo - 10 <= m < hi + 10}
            f["win5"] = len(near5) / nq
            f["win10"] = len(near10) / nq
            f["left3"] = float(any(lo - 3 <= m < lo for m in outside))
            f["right3"] = float(any(hi <= m < hi + 3 for m in outside))
            tree2 = {_key_at(t, m, qkeys) for m in outside if t.distance(r, m) <= 2}
            tree4 = {_key_at(t, m, qkeys) for m in outside if t.distance(r, m) <= 4}
            f["tree2"] = len(tree2) / nq
            f["tree4"] = len(tree4) / nq
            f[f"{wh}_win5"] = f["win5"]
            f[f"{wh}_tree2"] = f["tree2"]
        if outside:
            d = min(min(abs(m - lo), abs(m - (hi - 1))) for m in outside)
            f["dist"] = min(d, 20) / 10.0
            f["dist_log"] = math.log1p(d)
            if r not in dist_cache:
                dist_cache[r] = min((t.distance(r, m), m) for m in outside)
            td, near_m = dist_cache[r]
            f[f"path_{t.path(r, near_m) or 'far'}"] = 1.0
            f["tdist"] = td / 5.0
            f[f"tdist_{min(td, 4)}"] = 1.0
            h = t.head[r]
            if h != r and h in mset:
                f["head_matched"] = 1.0
            if any(c in mset for c in t.children[h] if c != r and not lo <= c < hi):
                f["sib_matched"] = 1.0
            # How much of the question sits in the candidate's own clause (the subtree of the
            # verb it hangs from): "It recommended Moldova but said Georgia must pass reforms".
            v = clause_v if clause_v >= 0 else t.anc[r][-1]
            cl = {_key_at(t, m, qkeys) for m in outside if t.left[v] <= m <= t.right[v]}
            f["clause_cov"] = len(cl) / nq
            f[f"{wh}_clause_cov"] = f["clause_cov"]
        if q.verb and t.lemma[t.head[r]] == q.verb:
            # The candidate's role on the question's own verb: "where was X killed" wants
            # neither the killer (nsubj) nor the victim (dobj) but the place (pobj).
            f["verb_arg"] = 1.0
            f[f"{wh}_qverb_{dep}"] = 1.0
            if q.passive:
                f[f"{wh}_qpass_{dep}"] = 1.0
        if t.dep[r] == "pobj":
            prep = t.lower[t.head[r]]
            if prep in _LOC_PREPS:
                f[f"{wh}_locprep"] = 1.0
            if prep in _TIME_PREPS:
                f[f"{wh}_timeprep"] = 1.0
            # Up the chain of prepositional phrases ("killed ... in a strike at the airport")
            # to the verb they hang from.
            j, steps = t.head[r], 0
            while steps < 6 and t.pos[j] not in ("VERB", "AUX") and t.head[j] != j:
                j, steps = t.head[j], steps + 1
            if t.lemma[j] == q.verb:
                f[f"{wh}_qverb_pp"] = 1.0
        rdep = "nsubj" if t.dep[r] == "nsubjpass" else t.dep[r]
        if q.wh_dep and rdep == q.wh_dep:
            f["dep_agree"] = 1.0
            if t.head[r] in mset:
                f["dep_agree_matched"] = 1.0
        if q.wh_prep and t.dep[r] == "pobj" and t.lower[t.head[r]] == q.wh_prep:
            f["prep_agree"] = 1.0
        if wh_head_at:
            # Where the wh-phrase sits in the question: "what did Tesla develop" wants what
            # "develop" governs in the sentence, in the same role.
            if r not in wh_cache:
                hp = min(((t.distance(r, i), i) for i in wh_head_at if i != r), default=None)
                wh_cache[r] = "" if hp is None else t.path(r, hp[1]) or "far"
            if wh_cache[r]:
                f[f"whpath_{wh_cache[r]}"] = 1.0
            if t.head[r] in wh_head_at and t.head[r] != r:
                f["whhead"] = 1.0
                if rdep == q.wh_dep:
                    f["whhead_dep"] = 1.0
        if wv_at and r not in wv_at:
            # The clause the question's wh-phrase sits in: the candidate's nearest verb is the
            # sentence's copy of that verb, or another clause's ("Apple topped ..." in a clause
            # beside "Nvidia became the first to surpass ...").
            same = "same" if clause_v in wv_at else "other"
            f[f"wv_{same}"] = 1.0
            f[f"wv_{same}_{_coarse_dep(rdep)}"] = 1.0
            if q.wh_dep:
                f[f"wv_{same}_agree{int(rdep == q.wh_dep)}"] = 1.0
        if q.focus:
            if focus_at and not any(lo <= i < hi for i in focus_at):
                fp = min((t.distance(r, i), i) for i in focus_at)
                f[f"fpath_{t.path(r, fp[1]) or 'far'}"] = 1.0
            if any(lo - 3 <= i < lo or hi <= i < hi + 3 for i in focus_at):
                f["focus_near"] = 1.0
            if t.lemma[r] == q.focus:
                f["focus_head"] = 1.0
            if wh == "howmany" and group == "num":
                noun = t.head[r] if t.dep[r] in ("nummod", "quantmod") else r
                if t.lemma[noun] == q.focus or any(lo <= i < hi for i in focus_at):
                    f["num_noun_match"] = 1.0
        if wh in ("why", "how") and t.lower[toks[0]] in _REASON_START:
            f[f"{wh}_reason_start"] = 1.0
        if wh == "why" and any(t.lower[i] in ("because", "since", "due", "order")
                               for i in toks[:3]):
            f["why_because"] = 1.0
        out.append(Cand(gid, lo, hi, f))
    return out


def abstain_features(q: Question, cands: list[Cand], hits: list[tuple[int, float, float]],
                     index: QAIndex) -> dict[str, float]:
    """Question-level evidence that the best candidate is supported (for abstention)."""
    best = cands[0]
    second = cands[1].score if len(cands) > 1 else best.score - 5.0
    s = index.sents[best.gid]
    keys = s.keys
    qkeys = _question_keys(q)
    idf = {k: index.idf(k) for k in qkeys}
    tot = sum(idf.values()) or 1.0
    covered = sum(v for k, v in idf.items() if k in keys) / tot
    missing = [k for k in qkeys if k not in keys]
    # Names and numbers in the question that the supporting sentence lacks are a strong sign
    # that the question is about something else.
    proper = [t.lower_ for t in q.doc if t.pos_ in ("PROPN", "NUM") and t.lower_ not in _STOP]
    proper_missing = [p for p in proper if p not in keys]
    article_keys = index.article_keys(s.analysis)
    t = index.toks(best.gid)
    conflict, q_neg = _modifier_conflict(q, t, keys), _negated(q.doc)
    s_neg = any(d == "neg" for d in t.dep) or any(w in ("never", "no", "not", "n't")
                                                   for w in t.lower)
    best_cov = max((sum(v for k, v in idf.items() if k in index.sents[g].keys) / tot
                    for g, _, _ in hits), default=covered)
    f = {
        "mod_conflict": min(conflict, 2) / 2.0,
        "neg_mismatch": 1.0 if q_neg and not s_neg else 0.0,
        "best_cov": best_cov,
        "cov_gap": best_cov - covered,
        "score": best.score,
        "margin": min(best.score - second, 5.0),
        "covered": covered,
        "n_missing": min(len(missing), 5) / 5.0,
        "proper_missing": min(len(proper_missing), 3) / 3.0,
        "any_proper_missing": 1.0 if proper_missing else 0.0,
        "missing_in_article": min(sum(1 for k in qkeys if k not in article_keys), 4) / 4.0,
        "s_lex": hits[0][1] if hits else 0.0,
        "s_emb": hits[0][2] if hits else 0.0,
        # 1 the expected type, 0 another ("in what year" answered "Chinese"), 0.5 untyped.
        "type_match": 0.0 if best.feats.get("type_miss") else best.feats.get("type_match", 0.5),
        f"wh_{q.wh}": 1.0,
        "num_noun_miss": 1.0 if q.wh == "howmany" and not best.feats.get("num_noun_match") else 0.0,
        "neg_q": 1.0 if q_neg else 0.0,
        "type_mismatch": 1.0 if _type_mismatch(q, best, index) else 0.0,
        "off_topic": 1.0 if _off_topic(q, best, index) else 0.0,
    }
    f.update(_support_features(q, index, best, article_keys))
    return f


# Word pairs a question can swap to ask about something the text does not say ("the first" for
# "the last"): a general lexicon, not fitted to any data.
_ANTONYM_PAIRS = """first last|before after|most least|more less|more fewer|largest smallest|
large small|big small|biggest smallest|high low|higher lower|highest lowest|increase decrease|
rise fall|early late|earlier later|earliest latest|old new|old young|older younger|
oldest youngest|north south|east west|northern southern|eastern western|major minor|
maximum minimum|win lose|accept reject|open close|begin end|start end|start finish|allow ban|
allow prohibit|include exclude|always never|success failure|positive negative|inner outer|
upper lower|internal external|strong weak|long short|longer shorter|longest shortest|
private public|legal illegal|male female|modern ancient|modern medieval|top bottom|
above below|import export|buy sell|inside outside|cheap expensive|fast slow|same different|
true false|wet dry|hot cold|warm cool|heavy light|rich poor|full empty|common rare|
possible impossible|natural artificial|permanent temporary|agree disagree|support oppose|
increase reduce|gain lose|add remove|push pull|enter leave|arrive depart|attack defend|
lead follow|create destroy|win defeat|love hate|easy difficult|easy hard|simple complex|
left right|future past|domestic foreign|local national|younger older|primary secondary"""
_ANTONYMS: dict[str, set[str]] = defaultdict(set)
for _pair in _ANTONYM_PAIRS.replace("\n", "").split("|"):
    _a, _b = _pair.split()
    _ANTONYMS[_a].add(_b)
    _ANTONYMS[_b].add(_a)
_NAME_LABELS = frozenset("PERSON ORG GPE LOC NORP FAC EVENT WORK_OF_ART LAW PRODUCT "
                         "LANGUAGE".split())
_WH_WORDS = frozenset("what which who whom whose when where why how".split())


def _num_key(text: str) -> str:
    return re.sub(r"[,.](?=\d{3}\b)", "", text.lower())


def _support_features(q: Question, index: QAIndex, best: Cand, article_keys: frozenset[str]
                      ) -> dict[str, float]:
    """Is each of the question's words, names and numbers in the answer's sentence and its
    neighbours (the window) and in its article? Questions the text does not answer usually keep
    the text's words but change one thing: a number, a name, a modifier, an antonym."""
    s = index.sents[best.gid]
    first = index.first_gid(s.analysis)
    last = first + len(index.analyses[s.analysis].sentences)
    window_ids = [g for g in (best.gid - 1, best.gid, best.gid + 1) if first <= g < last]
    window: set[str] = set()
    for g in window_ids:
        window |= index.sents[g].keys
    prefixes = {k[:5] for k in window if len(k) >= 5}
    art_prefixes = index.article_prefixes(s.analysis)
    miss: dict[str, list[float]] = defaultdict(list)  # kind -> [missing from window, article]
    antonym = near = 0
    for tok in q.doc:
        low, lemma = tok.lower_, _lem(tok)
        if tok.is_punct or low in _WH_WORDS or lemma in _QSTOP or (tok.is_stop and not
                                                                    tok.like_num):
            continue
        if tok.like_num or any(ch.isdigit() for ch in low):
            kind, key = "num", _num_key(low)
        elif tok.ent_type_ in _NAME_LABELS or tok.pos_ == "PROPN":
            kind, key = "name", low
        elif tok.pos_ in ("NOUN", "VERB", "ADJ", "ADV"):
            kind, key = tok.pos_.lower(), lemma
        else:
            continue
        in_win = key in window or low in window or lemma in window
        in_art = in_win or key in article_keys or low in article_keys or lemma in article_keys
        if not in_win and len(low) >= 5 and low[:5] in prefixes:
            in_win, near = True, near + 1  # "Japanese" ~ "Japan", "governing" ~ "government"
        if not in_art and len(low) >= 5 and low[:5] in art_prefixes:
            in_art = True
        miss[kind].append(0.0 if in_win else 1.0)
        miss[kind + "_art"].append(0.0 if in_art else 1.0)
        if not in_win and any(a in window for a in _ANTONYMS.get(lemma, ())):
            antonym += 1
    f: dict[str, float] = {"antonym_swap": float(min(antonym, 1)), "near_match": min(near, 2) / 2}
    for kind, flags in miss.items():
        f[f"miss_{kind}"] = min(sum(flags), 2) / 2.0
    n_q = sum(len(v) for k, v in miss.items() if not k.endswith("_art"))
    n_win = sum(sum(v) for k, v in miss.items() if not k.endswith("_art"))
    f["miss_frac"] = n_win / n_q if n_q else 0.0
    f["miss_none"] = 1.0 if n_q and not n_win else 0.0
    # A number asked about that is not the text's, while the text gives another of its shape
    # ("in 2002" asked, "in 1998" written).
    qnums = [_num_key(t.lower_) for t in q.doc if t.like_num and any(c.isdigit()
                                                                      for c in t.lower_)]
    if qnums:
        shapes = {len(k) for k in window if k.isdigit()}
        f["num_conflict"] = float(any(k not in window and len(k) in shapes for k in qnums))
    # The main verb and the subject's head: the predicate and who it is about.
    if q.verb:
        f["verb_missing"] = float(q.verb not in window and q.verb[:5] not in prefixes)
    subj = next((t for t in q.doc if t.dep_ in ("nsubj", "nsubjpass")
                 and t.lower_ not in _WH_WORDS and not t.is_stop), None)
    if subj is not None:
        f["subj_missing"] = float(_lem(subj) not in window and subj.lower_ not in window)
    f.update(_slot_features(q, index.toks(best.gid), window, prefixes))
    return f


_ORDINALS = frozenset("first second third fourth fifth last".split())  # stop words that matter


def _role(tok: Any) -> tuple[Any, str]:
    """(the word a question token fills a slot of, the slot): "London" in "control of London"
    fills "p:of" of "control"; modifiers share one slot ("Berlin's" / "Warsaw's" exchange)."""
    if tok.dep_ == "pobj" and tok.head.dep_ in ("prep", "agent"):
        return tok.head.head, "p:" + tok.head.lower_
    if tok.dep_ in _MOD_DEPS:
        return tok.head, "mod"
    return tok.head, "nsubj" if tok.dep_ == "nsubjpass" else tok.dep_


def _fillers(t: _Toks, i: int, slot: str) -> list[int]:
    """The sentence tokens in `slot` of token `i` (see `_role`)."""
    out = []
    for c in t.children[i]:
        if slot.startswith("p:"):
            if t.dep[c] in ("prep", "agent") and t.lower[c] == slot[2:]:
                out += [g for g in t.children[c] if t.dep[g] == "pobj"]
            continue
        d = t.dep[c]
        if ("mod" if d in _MOD_DEPS else "nsubj" if d == "nsubjpass" else d) == slot:
            out.append(c)
    return out


def _slot_features(q: Question, t: _Toks, window: set[str], prefixes: set[str]
                   ) -> dict[str, float]:
    """Alignment of the question to the answer's sentence, word by word. Unanswerable questions
    copy a sentence and swap one filler: "When did France take control of London?" against
    "France took control of Algeria": the question's word hangs from a word the sentence has
    ("control"), in a slot the sentence fills with something else. A name or number swapped
    that way, or a verb or adjective the sentence negates and the question does not (or back),
    says the text answers a different question."""
    qwords = {_lem(x) for x in q.doc} | {x.lower_ for x in q.doc}
    swapped = {"name": 0, "num": 0, "word": 0, "present": 0}
    neg_mismatch = 0
    for tok in q.doc:
        low, lemma = tok.lower_, _lem(tok)
        if tok.is_punct or low in _WH_WORDS or (tok.is_stop and low not in _ORDINALS):
            continue
        if tok.pos_ not in ("NOUN", "PROPN", "NUM", "ADJ", "VERB", "ADV") and low not in _ORDINALS:
            continue
        at = [i for i in range(t.n) if t.lemma[i] == lemma or t.lower[i] == low]
        if at and tok.pos_ in ("VERB", "ADJ"):
            q_neg = any(c.dep_ == "neg" for c in tok.children)
            s_neg = any(t.dep[c] == "neg" for i in at for c in t.children[i])
            neg_mismatch += q_neg != s_neg
        head, slot = _role(tok)
        hl = _lem(head)
        if head.i == tok.i or hl in ("be", "do", "have") or hl in _STOP:
            continue
        other = next((g for i in range(t.n) if t.lemma[i] == hl for g in _fillers(t, i, slot)
                      if not t.punct[g] and t.pos[g] != "PRON"
                      and (not t.stop[g] or t.lower[g] in _ORDINALS)
                      and t.lemma[g] not in qwords and t.lower[g] not in qwords), None)
        if other is None:
            continue
        if lemma in window or low in window or (len(low) >= 5 and low[:5] in prefixes):
            swapped["present"] += 1  # the question's word is elsewhere in the text
        elif tok.like_num:
            swapped["num"] += 1
        elif tok.ent_type_ or tok.pos_ == "PROPN":
            swapped["name"] += 1
        else:
            swapped["word"] += 1
    f = {f"slot_swap_{k}": float(min(v, 1)) for k, v in swapped.items()}
    f["neg_word_mismatch"] = float(min(neg_mismatch, 1))
    if q.expected:  # a typed question whose sentence has nothing of that type at all
        groups = {TYPE_GROUPS.get(e[2], "misc") for e in t.ents}
        f["type_absent"] = float(not (groups | ({"num"} if any(t.num) else set())) & q.expected)
    return f


# Reason cues, strongest first: prepositions and conjunctions that introduce a cause or purpose.
_REASON_PHRASES = [
    (("because", "of"), 1.0), (("due", "to"), 1.0), (("owing", "to"), 1.0),
    (("as", "a", "result", "of"), 1.0), (("in", "retaliation", "for"), 1.0),
    (("in", "retaliation", "against"), 1.0), (("in", "response", "to"), 0.9),
    (("in", "revenge", "for"), 1.0), (("in", "protest", "at"), 0.9),
    (("in", "protest", "against"), 0.9), (("in", "protest", "over"), 0.9),
    (("in", "order", "to"), 0.9), (("so", "that"), 0.8), (("for", "fear", "of"), 0.9),
    (("thanks", "to"), 0.8), (("because",), 1.0), (("after",), 0.6), (("since",), 0.4),
    # The reason its actor gives: "opposed the change, arguing it would overwhelm roads".
    (("citing",), 0.8), (("arguing",), 0.7), (("saying",), 0.5),
]
# Verbs whose "to" complement is what is wanted or tried, not a purpose ("tried to storm").
_CONTROL_VERBS = frozenset(
    "try want plan seek hope decide agree refuse fail begin start continue need have go able "
    "attempt intend expect promise threaten vow pledge offer aim wish like love hate choose "
    "manage prepare struggle ask tell order urge force allow".split())


def _reasons(t: _Toks, q: Question, follow_up: bool = False) -> list[tuple[int, int, float]]:
    """(start, end, strength) of the reason clauses in a sentence. With `follow_up`, only those
    in a sentence that continues the previous one ("This was because ...", "The move came after
    ..."): one whose subject is a pronoun or a definite description, or that opens with a cue."""
    if follow_up:
        subj = next((i for i in range(t.n) if t.dep[i] in ("nsubj", "nsubjpass")
                     and t.head[i] == t.root(0, t.n)), -1)
        opens = t.n and t.lower[0] in ("because", "that", "this", "it")
        anaphor = subj >= 0 and (t.pos[subj] == "PRON" or any(
            t.lower[c] in ("this", "that", "the") for c in t.children[subj])) and not t.ent_at[subj]
        if not (opens or anaphor):
            return []
    out: list[tuple[int, int, float]] = []
    taken: set[int] = set()
    for words, strength in _REASON_PHRASES:
        k = len(words)
        for i in range(t.n - k + 1):
            if i in taken or tuple(t.lower[i:i + k]) != words:
                continue
            last = i + k - 1
            # The phrase runs to the right edge of what the cue governs (its clause or object).
            gov = t.head[i] if t.dep[i] == "mark" else last
            if t.dep[i] == "mark" and t.head[gov] == gov and not follow_up:
                continue  # "after" marking the main clause: not a reason given for it
            end = max(t.right[gov], t.right[last]) + 1
            if t.dep[i] == "mark":
                end = t.right[gov] + 1
            _, end = _trim(t, i, end)
            if end - i <= k:
                continue
            if words == ("after",) and t.dep[i] == "prep" and not any(
                    t.pos[j] in ("VERB", "NOUN") and j != i for j in range(i + 1, end)):
                continue  # "after Monday": a time, not a cause
            out.append((i, end, strength))
            taken.update(range(i, end))
    # Purpose: "troops were sent to protect the embassy" (an infinitive hanging off a verb that
    # is not one of wanting or trying).
    for i in range(t.n):
        if t.lower[i] != "to" or t.dep[i] != "aux" or i in taken:
            continue
        v = t.head[i]
        gov = t.head[v]
        if t.dep[v] == "advcl" or (t.dep[v] == "xcomp" and t.lemma[gov] not in _CONTROL_VERBS
                                   and t.pos[gov] == "VERB"):
            _, end = _trim(t, i, t.right[v] + 1)
            if end - i > 1:
                out.append((i, end, 0.7))
    return out


def _reasons_given(t: _Toks, q: Question, follow_up: bool = False
                   ) -> list[tuple[int, int, float]]:
    """The reason clauses of a sentence (`_reasons`) that can answer `q`: not the event asked
    about itself (its verb inside), nor only the question's own words ("after the letter" for
    "why was the letter leaked?")."""
    keys = set(_question_keys(q))
    out = []
    for lo, hi, strength in _reasons(t, q, follow_up):
        if q.verb and q.verb in t.lemma[lo:hi]:
            continue
        if all(t.lemma[i] in keys or t.lower[i] in keys for i in range(lo, hi)
               if not (t.stop[i] or t.punct[i])):
            continue
        out.append((lo, hi, strength))
    return out


# Prepositions whose object can say where: position, and the destination of a movement.
_WHERE_PREPS = _LOC_PREPS | frozenset(
    "to toward towards onto within along around beside behind off through via under above below "
    "between among beyond".split())
_NOT_PLACE_DEPS = frozenset(("nsubj", "nsubjpass", "csubj", "dobj", "dative", "compound", "amod",
                             "poss", "nmod", "nummod", "det", "appos", "attr"))


def _question_entity_words(q: Question) -> set[str]:
    """Lower-cased words of the question's own names: never its answer."""
    words = {t.lower_ for e in q.doc.ents for t in e}
    words |= {t.lower_ for t in q.doc if t.pos_ == "PROPN"}
    return words - _STOP


_NOT_PLACE_LABELS = frozenset("DATE TIME CARDINAL ORDINAL PERCENT MONEY QUANTITY".split())
_NOT_PLACE_NOUNS = frozenset("age time year day month week decade century".split())


def _not_place(t: _Toks, i: int) -> bool:
    """A date, time, amount or age: never where something is."""
    ent = t.ent_at[i]
    if ent is not None:
        return ent[2] in _NOT_PLACE_LABELS
    return t.num[i] or t.lemma[i] in _NOT_PLACE_NOUNS


def _locative(t: _Toks, c: Cand, qents: set[str]) -> bool:
    """Could the span be where something happened: a place entity or the object of a locative
    preposition, not a subject, object, agent or modifier of a noun, nor one of the question's
    own names?"""
    toks = [i for i in range(c.start, c.end) if not t.punct[i]]
    if any(t.lower[i] in qents for i in toks):
        return False
    r = t.root(c.start, c.end)
    if t.pos[r] == "ADP":  # a whole prepositional phrase: "at Baghdad International Airport"
        # ... not a time or an amount ("in August 1957", "at the age of 19")
        objs = [ch for ch in t.children[r] if t.dep[ch] == "pobj"]
        if objs and all(_not_place(t, o) for o in objs):
            return False
        return t.lower[r] in _WHERE_PREPS
    if _not_place(t, r):
        return False
    if t.dep[r] in _NOT_PLACE_DEPS:
        return False
    ent = t.ent_at[r]
    label = ent[2] if ent else ""
    if label == "NORP":
        return False
    if t.dep[r] == "pobj":
        prep = t.lower[t.head[r]]
        if prep == "by" or prep not in _WHERE_PREPS:
            return label in ("GPE", "LOC", "FAC") and prep not in ("by", "of")
        return True
    return label in ("GPE", "LOC", "FAC")


def _off_topic(q: Question, best: Cand, index: QAIndex) -> bool:
    """Not one of the question's words (beyond its verb) in the sentence the answer is from:
    the question is about something the articles do not cover."""
    keys = index.sents[best.gid].keys
    words = [k for k in _question_keys(q) if k != q.verb]
    if not words or any(k in keys for k in words):
        return False
    # Paraphrases share no words but do share meaning ("headlining" ~ "head a lineup").
    return best.feats.get("s_emb", 0.0) < 0.3


def _negated(doc: Any) -> bool:
    return any(t.dep_ == "neg" or t.lower_ in ("never", "not", "n't") for t in doc)


_MOD_DEPS = frozenset(("amod", "compound", "nummod", "poss", "nmod", "npadvmod"))


def _modifier_conflict(q: Question, t: _Toks, keys: frozenset[str]) -> int:
    """Question modifiers the sentence replaces: "modern Europe" asked, "medieval Europe" written.
    A question that matches a sentence except for one such word is usually about something the
    text does not say."""
    n = 0
    for tok in q.doc:
        if tok.dep_ not in _MOD_DEPS or tok.is_stop or tok.is_punct:
            continue
        if _lem(tok) in keys or tok.lower_ in keys:
            continue
        head = _lem(tok.head)
        for i in range(t.n):
            if t.lemma[i] != head:
                continue
            mods = [c for c in t.children[i] if t.dep[c] in _MOD_DEPS and not t.stop[c]]
            if any(t.lemma[c] not in q.lemmas and t.lower[c] not in q.text.lower()
                   for c in mods):
                n += 1
                break
    return n


def _type_mismatch(q: Question, best: Cand, index: QAIndex) -> bool:
    """A typed question whose best candidate cannot be its answer, whatever the score: "how many
    troops" answered by a number that counts something else, in a sentence that never mentions
    troops."""
    if q.wh != "howmany":
        return False
    if best.feats.get("type_miss"):
        return True
    if q.focus and not best.feats.get("num_noun_match"):
        return q.focus not in index.toks(best.gid).lemma
    return False


def vetoed(q: Question, best: Cand, index: QAIndex) -> bool:
    """Refuse the best candidate whatever its confidence: a question about something the article
    never names (a name or number of the question absent from the whole article, and none of its
    words in the answer's sentence), or a "how many X" answered from a sentence without X when
    the article does speak of X elsewhere. Narrower than the type and topic checks the abstainer
    weighs: those alone refuse right answers to paraphrased questions."""
    aidx = index.sents[best.gid].analysis
    keys = index.article_keys(aidx)
    if _type_mismatch(q, best, index) and q.focus in keys:
        return True
    if q.wh == "why" and not _causal(q, index.toks(best.gid), best):
        return True
    if not _off_topic(q, best, index):
        return False
    names = [t.lower_ for t in q.doc if (t.pos_ == "PROPN" or t.ent_type_ or t.like_num)
             and not t.is_punct and t.lower_ not in _STOP]
    return any(n not in keys for n in names)


# -- what someone did, what happened ---------------------------------------------------------

_HAPPEN = frozenset(("happen", "occur"))
# Verbs that tell no act of their own ("is", "has", "seems").
_NO_ACT = frozenset(("be", "have", "do", "seem", "become"))
_CLAUSE_SUBJECTS = frozenset(("nsubj", "nsubjpass", "csubj", "expl"))
_DANGLING = frozenset((",", ";", ":", "-", "–", "—"))  # a closing quote mark stays


def _content_words(tokens: Iterable[Any]) -> set[str]:
    """Lower-cased words and lemmas, but stop words ("US" is a name, not "us")."""
    return {w for t in tokens if not (t.is_punct or t.is_stop and t.pos_ != "PROPN")
            for w in (t.lower_, _lem(t))}


def _named_by(head: Any) -> tuple[set[str], set[str]]:
    """What names the thing a question's word stands for: the word's forms, and the proper
    names in its phrase ("Tesla's investors": "investors" and "tesla")."""
    return {head.lower_, _lem(head)}, {t.lower_ for t in head.subtree if t.pos_ == "PROPN"}


def _event_question(q: Question) -> tuple[str, tuple[set[str], set[str]], set[str]] | None:
    """("do", the actor, target words) for "what did X do (to Y)?" and "what did X try to
    do?"; ("happen", Y, Y's words) for "what happened to/at/in Y?"; None otherwise. An actor
    or Y is what names it (`_named_by`)."""
    if q.wh != "what" or q.polar:
        return None
    what = next((t for t in q.doc if t.lower_ == "what"), None)
    if what is None:
        return None
    verb = what.head
    objects = [g for c in verb.children if c.dep_ == "prep" for g in c.children
               if g.dep_ == "pobj"]
    target = _content_words(g for o in objects for g in o.subtree)
    if _lem(verb) == "do" and verb.pos_ == "VERB" and what.dep_ == "dobj":
        subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        if subject is None and verb.dep_ == "xcomp":  # "what did X try to do?"
            subject = next((c for c in verb.head.children if c.dep_ == "nsubj"), None)
        if subject is None:  # "What will Trump do?", "Trump" read as a verb
            subject = next((x for x in q.doc[what.i + 1:verb.i] if x.text[:1].isupper()
                            and x.lower_ not in _POLAR_OPENERS), None)
        if subject is None or subject.pos_ == "PRON":
            return None
        return "do", _named_by(subject), target
    if _lem(verb) in _HAPPEN and what.dep_ == "nsubj" and objects and target:
        return "happen", _named_by(objects[0]), target
    return None


def _words_at(t: _Toks, lo: int, hi: int) -> set[str]:
    """`_content_words` of tokens lo..hi of a sentence."""
    return {w for i in range(lo, hi) if not (t.punct[i] or t.stop[i] and t.pos[i] != "PROPN")
            for w in (t.lower[i], t.lemma[i])}


_RELATIVE = frozenset(("which", "that", "who", "whom"))


def _subject_phrase(t: _Toks, v: int, passive: bool = False) -> tuple[int, int] | None:
    """The words of verb `v`'s own subject (with `passive`, a passive one too), and for a
    relative pronoun the noun it stands for ("the system, which limits rents": "the
    system"); None for any other pronoun, or no subject."""
    deps = ("nsubj", "csubj", "nsubjpass") if passive else ("nsubj", "csubj")
    s = next((c for c in t.children[v] if t.dep[c] in deps), -1)
    if s < 0:
        return None
    if t.lower[s] in _RELATIVE and t.dep[v] == "relcl":
        noun = t.head[v]
        return t.left[noun], noun + 1
    if t.pos[s] == "PRON":
        return None
    return t.left[s], t.right[s] + 1


def _predicate(t: _Toks, v: int) -> tuple[int, int]:
    """The words of what verb `v` says was done, subject left out: from its first auxiliary
    or negation to the end of its objects and phrases, not a clause joined to it with a
    subject of its own ("..., and Milley called it ...") nor the punctuation it ends with."""
    own = [c for c in t.children[v] if t.dep[c] in ("aux", "neg", "auxpass") and c < v]
    # What was said before its verb ("'There's been no decision ...,' Esper insisted"): the
    # words said are the act.
    said = [t.left[c] for c in t.children[v] if t.dep[c] == "ccomp" and c < v
            and t.lemma[v] in VERB_CLASS_OF]
    lo = min([v, *own, *said])
    hi = v + 1
    for c in t.children[v]:
        if c < v or t.dep[c] in ("punct", "cc"):
            continue
        if t.dep[c] == "conj" and any(t.dep[g] in _CLAUSE_SUBJECTS for g in t.children[c]):
            break
        hi = max(hi, t.right[c] + 1)
    while hi > lo + 1 and (t.text[hi - 1] in _DANGLING or t.dep[hi - 1] == "cc"):
        hi -= 1
    return _quotes_closed(t, lo, hi)


_OPENING_QUOTES = frozenset(("“", "``", '"'))
_CLOSING_QUOTES = frozenset(("”", "’’", "''", '"'))


def _quotes_closed(t: _Toks, lo: int, hi: int) -> tuple[int, int]:
    """The span lo..hi widened by the quote marks it leaves open, just outside it (the parser
    hangs them, and the full stop inside them, on the main verb): "“a mistake.’’" whole."""
    opened = sum(t.text[i] in _OPENING_QUOTES for i in range(lo, hi))
    closed = sum(t.text[i] in _CLOSING_QUOTES and t.text[i] != '"' for i in range(lo, hi))
    if opened > closed:
        ahead = next((j for j in range(hi, min(hi + 3, t.n)) if t.text[j] in _CLOSING_QUOTES),
                     -1)
        if ahead >= 0 and all(t.punct[j] for j in range(hi, ahead)):
            hi = ahead + 1
    elif closed > opened and lo > 0 and t.text[lo - 1] in _OPENING_QUOTES:
        lo -= 1
    return lo, hi


_WILL = frozenset(("will", "'ll", "’ll", "shall"))


def _to_come(t: _Toks, v: int) -> bool:
    """Is verb `v`'s act one to come: "will rebuild", "are going to put"?"""
    return any(t.lower[c] in _WILL for c in t.children[v]) or (
        t.lower[v] == "going" and any(t.dep[c] == "xcomp" for c in t.children[v]))


def _act_of(t: _Toks, actor: tuple[set[str], set[str]], target: set[str],
            future: bool = False) -> tuple[int, int] | None:
    """Where the sentence says what the actor (its head word's forms, and the names in it) did
    (to the target): the shortest predicate of a verb whose own subject names the actor, the
    target among what it did ("where the working fluid is recycled continuously" rather than
    the main clause around it; "approved ... and urged ..." whole, as the second verb shares
    the first one's subject; "the system, which limits rents": "limits rents"). `future`:
    only an act to come."""
    head, names = actor
    best: tuple[int, int] | None = None
    for v in range(t.n):
        if t.pos[v] != "VERB" or t.lemma[v] in _NO_ACT or (future and not _to_come(t, v)):
            continue
        subject = _subject_phrase(t, v, passive=True)
        if subject is None:
            continue
        words = _words_at(t, *subject)
        if not head & words or (names and not names & words):
            continue
        lo, hi = _predicate(t, v)
        if target and not target & _words_at(t, lo, hi):
            continue
        if best is None or hi - lo < best[1] - best[0]:
            best = (lo, hi)
    return best


def _own_act(t: _Toks, target: set[str], future: bool = False) -> tuple[int, int] | None:
    """In the actor's own words, what "I" or "we" do: the act nearest the top of the sentence
    (not "we think" inside "anything we think is inappropriate"), not one said on a condition
    ("if we leave"), the target among what it does: "we are going to put sanctions on Iraq,"
    said Trump."""
    best: tuple[int, int, int] | None = None
    for v in range(t.n):
        pronoun = next((c for c in t.children[v] if t.dep[c] == "nsubj"
                        and t.lower[c] in ("i", "we")), -1)
        if t.pos[v] != "VERB" or t.lemma[v] in _NO_ACT or pronoun < 0 or (
                future and not _to_come(t, v)):
            continue
        if any(t.dep[c] == "mark" and t.lower[c] in ("if", "unless") for a in t.anc[v]
               for c in t.children[a]):
            continue
        lo, hi = _predicate(t, v)
        lo = min(lo, pronoun)  # "We're not leaving ...", not "'re not leaving ..."
        if target and not target & _words_at(t, lo, hi):
            continue
        if best is None or len(t.anc[v]) < best[0]:
            best = (len(t.anc[v]), lo, hi)
    return best[1:] if best else None


def _clause_holding(t: _Toks, target: set[str]) -> tuple[int, int] | None:
    """The smallest clause with a subject and an act that holds the target's words: what
    happened there (or to it)."""
    best: tuple[int, int] | None = None
    for v in range(t.n):
        if t.pos[v] != "VERB" or t.lemma[v] in _NO_ACT:
            continue
        subject = _subject_phrase(t, v, passive=True)
        if subject is None:
            continue
        lo, hi = _predicate(t, v)
        lo = min(lo, subject[0])
        if not target <= _words_at(t, lo, hi):
            continue
        if best is None or hi - lo < best[1] - best[0]:
            best = (lo, hi)
    return best


_AMOUNT_LABELS = frozenset(("MONEY", "PERCENT", "QUANTITY"))
_AMOUNT_WORDS = frozenset("$ £ € ¥ % percent cent dollars pounds euros".split())


def _amount(t: _Toks, c: Cand) -> bool:
    """Is the span an amount: money, a percentage or a measure (by the entity recogniser, or
    by its sign or word)?"""
    return any(t.lower[i] in _AMOUNT_WORDS
               or (t.ent_at[i] is not None and t.ent_at[i][2] in _AMOUNT_LABELS)
               for i in range(c.start, c.end))


_MAGNITUDES = frozenset("hundred thousand million billion trillion".split())
_UNIT_AFTER = _MAGNITUDES | frozenset("% percent per cent dollars pounds euros".split())


def _whole_amount(t: _Toks, c: Cand) -> tuple[int, int]:
    """The candidate's span, a number in it shown with the sign, magnitude and unit written
    around it ("$12 million", not "million"; "60%", not "60")."""
    lo, hi = c.start, c.end
    if not any(t.num[i] or t.lower[i] in _MAGNITUDES for i in range(lo, hi)):
        return lo, hi
    while lo > 0 and (t.lower[lo - 1] in ("$", "£", "€", "¥") or (
            t.num[lo - 1] and t.lower[lo] in _MAGNITUDES)):
        lo -= 1
    while hi < t.n and t.lower[hi] in _UNIT_AFTER and (t.num[hi - 1] or t.lower[hi - 1]
                                                        in _UNIT_AFTER):
        hi += 1
    return lo, hi


# Prepositions whose object is a cause ("a strike over pensions", "closed amid fears"), and
# verbs whose subject is one ("the buckled columns forced an evacuation").
_CAUSE_PREPS = frozenset("over amid because due owing thanks".split())
_CAUSE_VERBS = frozenset("cause prompt spark trigger force lead drive provoke result".split())


def _causal(q: Question, t: _Toks, c: Cand) -> bool:
    """Can the span answer a why-question: is it in a reason the sentence gives ("because of
    ...", "after ...", "to protect ...") or a cause by its place: the object of "over" or
    "amid"; the subject of "caused" or "prompted" when what it caused is of the question's
    words ("the goal sparked a pitch invasion" says why there was an invasion, not why the
    whistle was delayed); for "why was X delayed?", what delayed it ("a pitch invasion that
    delayed the final whistle", "delayed by a pitch invasion"). Not any noun of the sentence
    ("media outlets" for "why was the letter leaked?", from "leaked to media outlets"), nor a
    reason for something else (the sentence must have a verb of the question's)."""
    verbs = {_lem(x) for x in q.doc if x.pos_ == "VERB"} - {"be", "do", "have"}
    if verbs and not verbs & set(t.lemma):
        return False
    if any(lo <= c.start and c.end <= hi for lo, hi, _ in _reasons_given(t, q)):
        return True
    r = t.root(c.start, c.end)
    head = t.head[r]
    if t.dep[r] == "pobj" and t.lower[head] in _CAUSE_PREPS:
        return True
    if t.dep[r] == "pobj" and t.dep[head] == "agent" and t.lemma[t.head[head]] in verbs:
        return True
    if t.dep[r] in ("nsubj", "csubj") and t.lemma[head] in _CAUSE_VERBS:
        stems = {w[:5] for w in _content_words(q.doc)}
        return any(t.lower[i][:5] in stems or t.lemma[i][:5] in stems
                   for ch in t.children[head] if t.dep[ch] in ("dobj", "xcomp", "ccomp")
                   for i in range(t.left[ch], t.right[ch] + 1))
    if q.passive:  # who or what did the question's act: its active subject
        for v in range(t.n):
            if t.lemma[v] in verbs and t.pos[v] == "VERB":
                subject = _subject_phrase(t, v)
                if subject is not None and subject[0] <= r < subject[1]:
                    return True
    return False


# -- attribution helpers -------------------------------------------------------------------------


_PERSONAL = frozenset("i we he she they".split())
_NOT_SO = re.compile(r"\b(?:not|n[’']t|never)\s+(?:\w+\s+)?(?:true|accurate|correct|real)\b", re.I)


def _disowns(st: Statement) -> bool:
    """Does the statement deny or disown what was said ("denied ...", "is not true", "a
    lie")? Not a statement that merely has a negation somewhere ("the talks would continue
    even though no date had been set")."""
    words = set(re.findall(r"[a-z]+", st.content.lower()))
    return st.verb in DENIAL_VERBS or bool(words & DISOWNING_WORDS) or bool(
        _NOT_SO.search(st.content))


def _asks_who_asserts(q: Question) -> bool:
    """"Who says Beats is being shut down?": who asserts something, so the one who denies it
    ("Apple denied ..., saying the report is not true") answers the opposite question. Not "who
    denied ...", "who called it ...", nor a question that itself denies or disowns ("who said
    it is not true?", "who said the letter was a mistake?")."""
    vclass = VERB_CLASS_OF.get(q.verb, "")
    return (q.wh == "who" and vclass not in ("", "deny", "call")
            and not any(t.dep_ == "neg" or t.lower_ in DENIAL_CUES or _lem(t) in DENIAL_CUES
                        for t in q.doc))


_CONDITIONS = frozenset(("if", "unless", "provided", "providing", "once", "whether"))


def _asked_verbs(q: Question, polar: bool = False) -> dict[str, Any]:
    """The verbs of what a question asks to have been said or done, by lemma: "who says US forces
    are leaving Iraq?" -> leave (not the "say" of the asking); "Did the US decide to leave
    Iraq?" -> decide, leave. A polar question without one asks what something is ("Was the
    letter a mistake?" -> mistake)."""
    verbs = {_lem(t): t for t in q.doc if t.pos_ == "VERB" and _lem(t) not in _STOP
             and (polar or _lem(t) != q.verb)}
    if not polar and not verbs:  # "who says Cruz was asleep?"
        return {_lem(t): t for t in q.doc if t.dep_ in ("attr", "acomp") and _lem(t) not in _STOP}
    if polar and not verbs:
        # "Will the factory move?", which the parser reads as a noun, "factory move".
        verbs = {_lem(t): t for t in q.doc if _lem(t) not in _STOP and (
            t.dep_ in ("attr", "acomp") or (t.dep_ == "ROOT" and t.pos_ not in ("AUX", "PRON")))}
    return verbs


def _quoted_tokens(st: Statement, analysis: Analysis) -> list[Any]:
    """The tokens of what a statement holds, over every sentence a long quote runs across
    ("We have a ... air base. ... We're not leaving unless they pay," the president said)."""
    tokens = _statement_tokens(st, analysis)
    for sid in range(st.sentence_id - 1, max(-1, st.sentence_id - 8), -1):
        head = analysis.sentences[sid].text.lstrip("“\"‘' ")[:30]
        if not head or head not in st.content:
            break
        tokens = [t for t in analysis.docs[sid] if t.text not in "“\"‘'"] + tokens
    return tokens


def _statement_keys(st: Statement, analysis: Analysis) -> set[str]:
    """The words of what a statement holds, with their lemmas, and the thing a characterisation
    is of ("called *the letter* a draft"); the speaker's name too ("who says Esper ...")."""
    tokens = _quoted_tokens(st, analysis)
    doc = analysis.docs[st.sentence_id]
    if VERB_CLASS_OF.get(st.verb) == "call" and 0 <= st.verb_i < len(doc):
        tokens += [t for c in doc[st.verb_i].children if c.dep_ in ("dobj", "nsubjpass")
                   for t in c.subtree]
    keys = {_lem(t) for t in tokens if not t.is_punct} | {t.lower_ for t in tokens}
    return (keys | _name_keys(st.speaker)) - _STOP


def _conditional(clause: Any) -> bool:
    return any(c.dep_ == "mark" and c.lower_ in _CONDITIONS for c in clause.children)


def _on_condition(tok: Any) -> bool:
    """Is the word part of a condition ("if they do ask us to leave") or of what follows from
    one ("if the council doubles the rent, we will move the factory")? Unlike the contradiction
    finder's `_supposed`, what follows from a condition counts: it is not said to happen."""
    return any(_conditional(a) or any(c.dep_ == "advcl" and _conditional(c) for c in a.children)
               for a in (tok, *tok.ancestors))


# Who is asked about without naming a thing the answer must name ("Was anyone hurt?"); the
# first of them are people ("Did anyone die?" is not answered by "the dog died").
_ANYONE_PERSON = frozenset("anyone anybody someone somebody everyone everybody".split())
_ANYONE = _ANYONE_PERSON | {"anything", "something"}

NARRATOR = "The article"  # the voice of the article's own sentences, in yes-or-no answers


def _narration(sid: int, statements: list[Statement], analysis: Analysis) -> list[Any]:
    """The words of a sentence the article says in its own voice: not inside quotation marks,
    nor what a statement reports someone said."""
    reported = {t.i for st in statements for t in _statement_tokens(st, analysis)}
    inside, out = False, []
    for t in analysis.docs[sid]:
        if t.text in ("“", "”", '"', "‘‘", "’’", "``", "''"):
            inside = t.text not in ("”", "’’", "''") and not inside
            continue
        if not inside and t.i not in reported and _asserted_by_sentence(t):
            out.append(t)
    return out


def _asserted_by_sentence(tok: Any) -> bool:
    """Is the word in what the sentence itself asserts or takes as given (its main clause, a
    relative or "after ..." clause), not in a clause that only reports, intends or fears it:
    "reports that the bridge would shut", "to avoid the perception that troops were being
    added, not withdrawn"?"""
    for a in (tok, *tok.ancestors):
        if a.pos_ not in ("VERB", "AUX"):
            continue
        deps = {c.dep_ for c in a.children}
        if a.dep_ == "ccomp" or (a.dep_ == "advcl" and "aux" in deps and any(
                c.lower_ == "to" for c in a.children)) or (
                a.dep_ == "acl" and deps & {"nsubj", "nsubjpass", "mark"}):
            return False
    return True


def _asked_about(tok: Any, asked: dict[str, Any]) -> str:
    """Is the word the question's verb, or a derivation of it ("withdraw", "withdrawal"), with
    no subject or object other than the question's ("yes"), or its opposite made with "un"
    ("unsigned" for "signed": "un"), or neither ("")?"""
    lemma = _lem(tok)
    verb = asked.get(lemma) or next((v for p, v in asked.items() if _derived(lemma, p)), None)
    match = "yes"
    if verb is None and lemma.startswith("un"):
        rest, match = lemma[2:], "un"
        verb = next((asked[w] for w in (rest, rest[:-1], rest[:-2]) if w in asked), None)
    if verb is None and tok.pos_ in ("VERB", "ADJ") and VERB_CLASS_OF.get(lemma) != "say":
        # Another word for it ("injured" for "hurt", "murdered" for "killed"), or its opposite
        # ("won" for "lost", "stay" for "move", "open" for "close"), which says no as "un" does;
        # not for verbs of saying, which have their own classes ("said" is no "told"), nor an
        # opposite set in time ("since the ban began" says nothing of its end).
        words = {p: v for p, v in asked.items() if VERB_CLASS_OF.get(p) != "say"}
        verb, match = next((v for p, v in words.items() if says_as_much(lemma, p, tok.pos_)),
                           None), "yes"
        if verb is None and not _in_time_clause(tok):
            # Either word's part of speech, or a verb's: a short question's verb is often
            # misread ("Did the shop close?" gives an adjective "close").
            verb, match = next((v for p, v in words.items() if any(
                opposite(lemma, p, pos) for pos in {tok.pos_, v.pos_, "VERB"})), None), "un"
    return match if verb is not None and _same_event(verb, tok) else ""


_TIME_MARKERS = frozenset("since after before when until while once".split())


def _in_time_clause(tok: Any) -> bool:
    """Is the word in a clause that sets a time ("since the ban began")?"""
    return any(a.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in _TIME_MARKERS
                                         for c in a.children) for a in (tok, *tok.ancestors))


def _stance_on(st: Statement, analysis: Analysis, asked: dict[str, Any],
               threat: bool = False, modal: bool = False) -> str:
    """What a statement says of what a question asks about (its verbs, `asked`): "yes" it
    happens; "no", a "not", "no" or "never" on the word or on a word above it ("there's been no
    decision whatsoever to leave"), its "un" opposite, or a deny verb; "if", only on a condition
    ("we're not leaving unless they pay us back", "if they do ask us to leave"); "" when the
    statement does not speak of it. A threat is made on a condition, so with `threat` a
    condition is no hedge."""
    found = [(t, m) for t in _quoted_tokens(st, analysis) if (m := _asked_about(t, asked))]
    if not found:
        return ""
    # "Denied that the US had decided to withdraw"; but "it was a mistake, it was unsigned"
    # disowns the letter and says it was unsigned.
    if st.verb in DENIAL_VERBS:
        return "no"
    return _reading(found, threat, modal)


# What ought to or might happen is not what did ("it should not have been released").
_MODALS = frozenset("should could might may must ought can".split())


def _modal(tok: Any) -> bool:
    verb = tok.head if tok.dep_ in ("acomp", "attr") else tok
    return any(c.dep_ == "aux" and c.lower_ in _MODALS for c in verb.children)


def _negated_above(tok: Any) -> bool:
    """A "not", "no" or "never" on the word, on its subject or object ("no child had been
    injured", "found no evidence"), or on a word it hangs from in its clause ("no decision
    whatsoever to leave", "we are not going to leave"); not one on a clause it is only listed
    with ("it was unsigned, it should not have been released": a clause before its head is a
    comma splice the parser hung on the next one), nor on a verb of telling or knowing above
    it ("had not been told about the arrest" says nothing of the arrest: see `_reading`)."""
    if any(c.dep_ in _ARGUMENT_DEPS and (c.lower_ in _NOBODY or any(
            d.dep_ == "det" and d.lower_ in _NOBODY for d in c.children)) for c in tok.children):
        return True
    for a in _clause_chain(tok):
        if a is not tok and a.pos_ == "VERB" and _lem(a) not in _NEGATION_CARRIERS:
            return False
        if _word_negated(a):
            return True
    return False


def _clause_chain(tok: Any) -> Iterator[Any]:
    """The word and the words it hangs from, up to the head of its clause list: not past a
    conjunct, a parataxis, or a clause before its head (a comma splice)."""
    a = tok
    while True:
        yield a
        if a.dep_ in ("conj", "parataxis") or (a.dep_ == "ccomp" and a.i < a.head.i) \
                or a.head.i == a.i:
            return
        a = a.head


_ARGUMENT_DEPS = frozenset(("nsubj", "nsubjpass", "dobj", "attr"))
_NOBODY = frozenset("no none nobody nothing neither".split())
# Verbs whose negation denies what they govern ("not going to leave", "did not decide to
# leave"); a negated verb of telling or knowing does not ("had not been told about the arrest").
_NEGATION_CARRIERS = frozenset(
    """go be have do want intend plan try look seek aim mean decide expect think believe hope
    wish agree consider need stay remain keep become seem""".split())
# Verbs that say their complement did not happen ("refused to resign", "failed to win"), or
# that it has not happened yet ("tried to storm the embassy", "plans to close the plant").
_REFUSING = frozenset("refuse decline fail avoid stop cease forget neglect".split())
_UNREALISED = frozenset(
    """try attempt plan want hope intend seek aim threaten promise vow offer propose expect
    consider aspire prepare""".split())
_UNREALISED_NOUNS = frozenset("plan attempt bid proposal effort threat promise offer".split())


def _not_done(tok: Any) -> str:
    """"no" for a word under a verb of refusing ("refused to resign"), "if" for one under a
    verb or noun of trying or planning ("tried to storm", "dropped its plan to require"), else
    ""; only through infinitive complements ("to ...")."""
    for a in tok.ancestors:
        lemma = _lem(a)
        if lemma in _REFUSING and a.pos_ == "VERB":
            return "no"
        if (lemma in _UNREALISED and a.pos_ == "VERB") or (
                lemma in _UNREALISED_NOUNS and a.pos_ == "NOUN"):
            return "if"
        if a.dep_ not in ("xcomp", "acl", "ccomp", "dobj", "pobj", "prep"):
            break
    return ""


def _reading(found: list[tuple[Any, str]], threat: bool = False, modal: bool = False) -> str:
    """"yes", "no" or "if" of the words found by `_asked_about` (see `_stance_on`); with
    `modal` the question asks what should or could be, and a "should" answers it. A negated
    verb of telling or knowing above the word leaves it unsaid ("if")."""
    readings = set()
    for t, match in found:
        undone = "" if threat else _not_done(t)
        if not threat and (_on_condition(t) or (_modal(t) and not modal)):
            readings.add("if")
        elif (match == "un") != (negated := _negated_above(t) or undone == "no"):
            readings.add("no")  # its opposite, or negated
        elif negated:
            readings.add("yes")  # its opposite negated ("did not stay open")
        elif undone == "if" or any(_word_negated(a) for a in _clause_chain(t)
                                   if a is not t and a.pos_ == "VERB"):
            readings.add("if")
        else:
            readings.add("yes")
    return "yes" if "yes" in readings else "no" if "no" in readings else "if"


_ARG_DEPS = {"nsubj": ("nsubj", "nsubjpass"), "dobj": ("dobj", "nsubjpass", "attr")}
_RELATIVE_PRONOUNS = frozenset(("that", "which", "who", "whom"))


def _arguments(tok: Any) -> dict[str, set[str]]:
    """The content words of a verb's subject and object: "the US killed Soleimani" -> {nsubj:
    {us}, dobj: {soleimani}}, and for an adjective what it is said of ("of"). A pronoun names
    no one that can be checked, and is left out."""
    out: dict[str, set[str]] = {}
    # "Were US forces told ...?", which the parser may read with an active subject: with a
    # passive auxiliary the subject is also the one the act is done to.
    passive = any(c.dep_ == "auxpass" for c in tok.children)
    for role, deps in _ARG_DEPS.items():
        if passive and role == "dobj":
            deps = (*deps, "nsubj")
        for c in tok.children:
            # A verb has no compound: one before it is its subject, misread ("Did City win?").
            if c.dep_ not in deps and not (role == "nsubj" and c.dep_ == "compound"
                                           and tok.pos_ == "VERB" and c.i < tok.i):
                continue
            if c.lower_ in _RELATIVE_PRONOUNS and tok.dep_ == "relcl":  # "the group that killed"
                words = {_lem(t) for t in tok.head.children if t.dep_ == "compound"}
                words.add(_lem(tok.head))
            elif c.pos_ == "PRON":
                continue
            else:
                words = _phrase_words(c)
            if words:
                out.setdefault(role, set()).update(words)
    for c in tok.head.children if tok.dep_ in _HELD_BY and tok.pos_ == "ADJ" else ():
        if c.dep_ in _HELD_BY[tok.dep_] and c.pos_ != "PRON":
            out.setdefault("of", set()).update(_phrase_words(c))
    return out


# What an adjective is said of, by its relation to its verb: the verb's subject ("the shop did
# not stay open"), or the object the verb puts in that state ("will keep its Leeds plant open").
_HELD_BY = {"acomp": ("nsubj", "nsubjpass"), "attr": ("nsubj", "nsubjpass"), "oprd": ("dobj",)}


def _phrase_words(head: Any) -> set[str]:
    """The content words of a phrase, and its names marked ("name:maple"): where both sides of
    `_same_event` name someone, the names must match."""
    words = {_lem(t) for t in head.subtree if t.pos_ in ("NOUN", "PROPN", "NUM", "ADJ")}
    return words | {f"name:{_lem(t)}" for t in head.subtree if t.pos_ == "PROPN"}


def _of_people(verb: Any) -> bool:
    """Is the verb's subject a person or people, as far as the parse and the words tell ("five
    people", "she", "Mills"; not "the dog"): a pronoun but "it", a name, a person's noun."""
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    if verb.dep_ in ("acomp", "attr"):  # "nobody was hurt" hangs "hurt" below "was"
        subjects += [c for c in verb.head.children if c.dep_ in ("nsubj", "nsubjpass")]
    return not subjects or any(
        (s.pos_ == "PRON" and s.lower_ not in ("it", "this", "that", "which"))
        or s.lower_ in _ANYONE_PERSON or s.lower_ in ("one", "nobody", "none")  # "no one"
        or s.ent_type_ == "PERSON" or (s.pos_ == "PROPN" and not s.ent_type_)
        or is_person_noun(_lem(s)) for s in subjects)


def _same_event(asked: Any, said: Any) -> bool:
    """Do the question's verb and a sentence's verb have no subject or object that differ ("Did
    Iran kill Soleimani?" is not answered by "the US killed Soleimani"; "Did Fenwick shares
    fall?" not by "shares in Maple rose": where both name someone, the names must match)?"""
    if any(c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in _ANYONE_PERSON
           for c in asked.children) and not _of_people(said):
        return False  # "Did anyone die?" is not answered by "the dog died"
    a, b = _arguments(asked), _arguments(said)
    if any(not a[r] & b[r] or _names_differ(a[r], b[r]) for r in a.keys() & b.keys() - {"of"}):
        return False
    # What an adjective is said of is often named with another noun ("the site would stay
    # open" for "will the plant close?", "his client was innocent" for "is Carter guilty?"):
    # there only names must not differ.
    subject_a, subject_b = a.get("nsubj", set()) | a.get("of", set()), b.get("of", set())
    return not (subject_b and _names_differ(subject_a, subject_b))


def _names_differ(x: set[str], y: set[str]) -> bool:
    """Do both sides name someone, and differently? The tagger may not mark a name as one on
    both sides ("Verity spokesperson Helen Ames"): a name of either side among the other's
    words will do."""
    names_x = {w[5:] for w in x if w.startswith("name:")}
    names_y = {w[5:] for w in y if w.startswith("name:")}
    return bool(names_x and names_y and not names_x & y and not names_y & x)


# "Who says ...?" asks who holds a view, however the article reports it: a statement "said"
# is no better an answer than one a letter "read" or a minister "insisted".
_PLAIN_SAYING = frozenset(("say", "tell", "state"))


def _statement_fit(st: Statement, vclass: str, verb: str) -> float:
    """How well a statement matches the question's verb class (0 when it does not)."""
    own = VERB_CLASS_OF.get(st.verb, "")
    if st.verb == verb and verb not in _PLAIN_SAYING:
        return 1.0
    if vclass == "deny":
        # A characterisation that denies ("called it a mistake") is more explicit than a quote
        # that merely contains a negation.
        if st.polarity != "deny":
            return 0.0
        return 0.95 if own in ("deny", "call") else 0.8
    if vclass == "threaten":
        text = st.content
        if own == "threaten":
            return 0.95
        if _FUTURE.search(text):
            return 0.8 if re.search(r"\bif\b|\bunless\b", text, re.I) else 0.6
        return 0.0
    if vclass == "call":
        return 0.9 if own == "call" else 0.0
    if vclass == "say":
        return 0.8
    if own == vclass:
        return 0.9
    return 0.0


def _same_speaker(subject: str, st: Statement, analysis: Analysis) -> bool:
    if not subject:
        return True
    ent = analysis.entity_for(subject)
    if ent is not None and st.speaker_id is not None:
        return ent.id == st.speaker_id
    keys = _name_keys(subject)
    return bool(keys & _name_keys(st.speaker))


def _best_quote(analysis: Analysis, st: Statement, vclass: str) -> str:
    """The same speaker's own words of the same kind, when the statement itself is reported."""
    for other in analysis.statements:
        if other.quote and (other.speaker_key or other.speaker) == (st.speaker_key or st.speaker):
            if _statement_fit(other, vclass, st.verb) > 0:
                return other.quote
    return ""


_PAST = {"say": "said", "tell": "told", "call": "called", "deny": "denied", "add": "added",
         "write": "wrote", "insist": "insisted", "warn": "warned", "threaten": "threatened",
         "describe": "described", "read": "read", "reject": "rejected", "dismiss": "dismissed"}


def _describe_statement(analysis: Analysis, st: Statement) -> str:
    """"Gen. Mark Milley called the letter a draft and a mistake": the speaker and the clause of
    the reporting verb, from the parse."""
    doc = analysis.docs[st.sentence_id]
    verb = doc[st.verb_i] if 0 <= st.verb_i < len(doc) and _lem(doc[st.verb_i]) == st.verb \
        else next((t for t in doc if _lem(t) == st.verb and t.pos_ == "VERB"), None)
    if verb is not None and st.verb in ("call", "describe", "label", "brand", "dub"):
        words = [t for t in doc[verb.i: verb.right_edge.i + 1]]
        text = "".join(t.text_with_ws for t in words)
        text = re.sub(r"[“”\"‘’]+|''", "", text).strip(" ,.;")
        return f"{st.speaker} {text}"
    verb_text = verb.text if verb is not None else _PAST.get(st.verb, st.verb)
    if st.quote:
        return f"{st.speaker} {verb_text}: “{st.quote}”"
    # Whom it was told or urged ("told reporters that ...", "urged Prime Minister Adel Abdul
    # Mahdi to revoke ..."): without them the line reads "told that ...".
    content = _statement_tokens(st, analysis)
    if verb is not None and content:
        whom = [c for c in verb.children if c.dep_ in ("dobj", "dative")
                and c.right_edge.i < content[0].i]
        if whom:
            verb_text += " " + " ".join(
                "".join(t.text_with_ws for t in doc[c.left_edge.i: c.right_edge.i + 1]).strip()
                for c in whom)
    return f"{st.speaker} {verb_text} {st.content}"


def _statement_covering(analysis: Analysis, sid: int, span: str) -> Statement | None:
    for st in analysis.statements:
        if st.sentence_id == sid and span and (span in st.content or span in st.quote):
            return st
    for st in analysis.statements:  # a quote that runs over several sentences
        if span and st.quote and span in st.quote:
            return st
    return None


def _object_bonus(t: _Toks, c: Cand, verb: str) -> float:
    """In "what did X threaten/say", prefer the object of the statement's verb: of the
    question's own `verb` where the sentence has it ("approved a resolution ... and urged the
    Prime Minister to ...": the resolution was approved)."""
    r = t.root(c.start, c.end)
    bonus = 0.0
    asked = [i for i in range(t.n) if t.lemma[i] == verb and t.pos[i] == "VERB"]
    if t.dep[r] in ("dobj", "attr", "oprd") and t.pos[r] in ("NOUN", "PROPN") and (
            not asked or t.head[r] in asked):
        bonus += 2.0
    if t.dep[r] in ("nsubj", "expl") or t.pos[r] == "PRON":
        bonus -= 2.0
    if c.end - c.start > 8:
        bonus -= 1.0
    # A measure threatened or promised names its target: "sanctions on Iraq", "a tariff against
    # China" rather than the bare "sanctions".
    if any(t.dep[ch] == "prep" and t.lower[ch] in ("on", "against") and t.right[ch] < c.end
           for ch in t.children[r]):
        bonus += 0.5
    # A threat or promise is the consequence, not the condition: "if there's any hostility,
    # we are going to put sanctions on Iraq" threatens sanctions.
    anc = t.anc[r][1:]
    if any(t.dep[ch] == "mark" and t.lower[ch] in ("if", "unless") for a in anc
           for ch in t.children[a]):
        bonus -= 2.0
    verb = next((a for a in anc if t.pos[a] in ("VERB", "AUX")), None)
    if verb is not None and (
            any(t.lower[ch] in ("will", "would", "'ll", "’ll", "shall") for ch in t.children[verb])
            or any(t.lower[a] == "going" for a in t.anc[verb])):
        bonus += 1.0
    return bonus


def _author_of(tok: Any, analysis: Analysis, obj: list[str]) -> tuple[Entity | None, str]:
    """An entity given as the author of the object: agent of a writing verb ("drafted by X"),
    "X wrote/signed the letter", "the letter from X", "bearing the name of X"."""
    lemma = _lem(tok)
    target: Any = None
    how = ""
    if VERB_CLASS_OF.get(lemma) == "write" and tok.pos_ == "VERB":
        for ch in tok.children:
            if ch.dep_ == "agent":
                target = next((g for g in ch.children if g.dep_ == "pobj"), None)
                how = "agent"
            elif ch.dep_ == "nsubj" and any(_lem(o) in obj for o in tok.subtree):
                target, how = ch, "agent"
    elif lemma == "name" and any(c.dep_ == "amod" and _lem(c) in ("typed", "sign", "signed")
                                 for c in tok.children):
        target = next((g for p in tok.children if p.dep_ == "prep" for g in p.children
                       if g.dep_ == "pobj"), None)
        how = "name"
    elif lemma in obj and tok.pos_ == "NOUN":
        target = next((g for p in tok.children if p.dep_ == "prep" and p.lower_ in ("from", "by")
                       for g in p.children if g.dep_ == "pobj"), None)
        how = "from"
    if target is None:
        return None, ""
    return _entity_in(target, analysis), how


def _entity_in(tok: Any, analysis: Analysis) -> Entity | None:
    """The person a phrase names, or describes by title ("the Marine general at the helm")."""
    text = "".join(t.text_with_ws for t in tok.subtree)
    people = [e for e in analysis.entities if e.kind == "PERSON"]
    for ent_span in tok.doc.ents:
        if tok.left_edge.i <= ent_span.start and ent_span.end <= tok.right_edge.i + 1:
            ent = analysis.entity_for(ent_span.text)
            if ent is not None and ent.kind == "PERSON":
                return ent
    ent = analysis.entity_for(text)
    if ent is not None and ent.kind == "PERSON":
        return ent
    head = _lem(tok)
    words = {_lem(t) for t in tok.subtree if t.pos_ in ("NOUN", "PROPN", "ADJ")}
    best, best_score = None, 0
    for e in people:
        described = set(re.findall(r"[a-z]+", f"{e.title} {e.role}".lower().replace(".", "")))
        described |= {"general"} if re.search(r"\bgen\b", e.title.lower()) else set()
        if head in described:
            score = 1 + len(words & described)
            if score > best_score:
                best, best_score = e, score
    return best


def _authorship_doubt(analysis: Analysis, obj: list[str], ent: Entity) -> tuple[str, str] | None:
    """("unsigned but bearing the typed name of ...", sentence) when the article doubts who wrote
    it: an adjective like "unsigned" or "anonymous" on the object, preferably near the author."""
    best = None
    for sid, doc in enumerate(analysis.docs):
        for tok in doc:
            if tok.lower_ not in _UNSURE_AUTHOR:
                continue
            near = {_lem(t) for t in doc[max(0, tok.i - 4): tok.i + 4]}
            if obj and not (near & set(obj)):
                continue
            # Up to the author's name when it follows ("unsigned but bearing the typed name of
            # X"), else the adjective's own phrase.
            end = next((e.end for e in doc.ents if e.start > tok.i and e.end - tok.i <= 30
                        and analysis.entity_for(e.text) is ent), None)
            if end is None:
                end = tok.right_edge.i + 1 if tok.dep_ != "amod" else tok.i + 1
            phrase = "".join(t.text_with_ws for t in doc[tok.i: end]).strip(" ,;—–")
            mentions_author = sid in ent.sentence_ids
            score = (2 if mentions_author else 1, len(phrase))
            if best is None or score > best[0]:
                best = (score, phrase, analysis.sentences[sid].text)
    return (best[1], best[2]) if best else None


# -- answers -------------------------------------------------------------------------------------


def _display(span: str, analysis: Analysis, q: Question) -> str:
    """A person named in the span, written as the article introduced them ("Defense Secretary
    Mark Esper"); other answers as they are."""
    if q.wh != "who" and q.group != "per":
        return span
    ent = analysis.entity_for(span)
    if ent is not None and ent.kind == "PERSON" and _name_keys(ent.name) >= _name_keys(span):
        return ent.display + (f", {ent.role}" if ent.role and len(ent.role) < 60 else "")
    return span


def _source_name(analysis: Analysis) -> str:
    a = analysis.article
    return a.source or a.url or a.title or a.id


def _abstain(reason: str = ABSTAIN_TEXT, confidence: float = 0.0, near: Answer | None = None
             ) -> Answer:
    ans = Answer(answer=reason, abstained=True, confidence=round(float(confidence), 3))
    if near is not None:
        # Keep the nearest sentence so a reader can check the refusal.
        ans.sentence, ans.source, ans.article_id = near.sentence, near.source, near.article_id
    return ans


@lru_cache(maxsize=4)
def _load_weights(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def load_weights(path: str | Path | None = None) -> dict:
    """The span and abstention weights (JSON); built-in defaults when the file is missing."""
    p = Path(path) if path else WEIGHTS_PATH
    if p.exists():
        return json.loads(_load_weights(str(p)))
    return DEFAULT_WEIGHTS


# Hand-set weights: used only when qa_weights.json is absent.
DEFAULT_WEIGHTS: dict = {
    "retrieval": {"lexical": 1.0, "embedding": 0.6},
    "top_k": 4,
    "abstain_threshold": 0.3,
    "span": {"s_lex": 3.0, "s_emb": 2.0, "type_match": 2.0, "type_miss": -1.0, "q_overlap": -3.0,
             "in_question": -3.0, "dist": -1.0, "tdist": -1.0, "ent_exact": 1.0,
             "ent_partial": -1.0, "num_noun_match": 2.0, "focus_near": 0.5, "len": -0.5},
    "abstain": {"bias": -1.0, "covered": 3.0, "proper_missing": -2.0, "type_match": 1.0},
}


def answer_question(question: str, analyses: list[Analysis], *,
                    answerer: Answerer | str | None = None, nlp: NLP | None = None) -> Answer:
    """Answer `question` from one or more analysed articles (builds a transient index).

    `answerer`: a model-backed answerer, or a model id/path; by default the `qa_model` of the
    model config when one is set, else the linguistic engine. Safe to call from worker threads."""
    index = QAIndex(nlp)
    for analysis in analyses:
        index.add(analysis)
    if answerer is None:
        answerer = getattr(index.nlp.config, "qa_model", None) or None
    if isinstance(answerer, str):
        from summarizers.qa_model import get_answerer

        answerer = get_answerer(answerer)
    return index.answer(question, answerer=answerer)
