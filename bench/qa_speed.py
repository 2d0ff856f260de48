"""Question-answering speed: per question on an analysed article, and over a store of 1,000.

Run: python bench/qa_speed.py [--store 1000] [--pool 60] [--torch-threads N]

- "one article": the seed, analysed once; each question is parsed, embedded, retrieved, answered.
- "store": `--pool` articles generated from templates (people, places, numbers, reporting verbs,
  quotes, denials) are analysed for real; the store of `--store` articles is made from them by
  keeping a random 60-100% of each pool article's sentences (ids remapped), so many articles share
  names and words: a harder case for the inverted index than a real news store. No evaluation data
  is used. Questions are asked of the whole store through one `QAIndex` (no re-parsing).
The question's embedding is the largest cost; with other processes on the machine, torch's
default of one thread per core can oversubscribe: try --torch-threads 1.
"""

from __future__ import annotations

import argparse
import copy
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEED = ROOT / "seeds" / "iraq-withdrawal-letter.txt"

FIRST = "Maria Ahmed Jonas Ivan Chen Laura Samuel Fatima Peter Aisha Daniel Elena Omar".split()
LAST = "Okafor Lindqvist Moreau Tanaka Herrera Novak Baptiste Kowalski Haddad Brennan Rossi".split()
TITLES = ["Foreign Minister", "Health Secretary", "Gov.", "Sen.", "Mayor", "Gen.", "President",
          "Finance Minister", "Police Chief"]
PLACES = "Lagos Lyon Osaka Quito Gdansk Beirut Cork Turin Manila Accra Porto Tbilisi".split()
ORGS = ["the Health Ministry", "the state oil company", "the port authority", "the central bank",
        "the electoral commission", "the teachers' union", "the city council", "the army"]
THINGS = ["the bridge", "the dam", "the new airport", "the stadium", "the rail line",
          "the pipeline", "the hospital wing"]
DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
TEMPLATES = [
    "{T} {P} said on {D} that {O} would suspend work on {X} in {C}.",
    "“There has been no agreement of any kind,” {S} told reporters in {C}.",
    "{O2} denied that it had ordered the closure of {X}.",
    "At least {N} people were killed when a storm hit {C} on {D}, officials said.",
    "{P2}, the head of {O}, called the plan “a reckless gamble” and “a waste of money.”",
    "{X2} cost {M} million dollars and took {N2} years to build.",
    "{S} threatened to cut funding for {O} if the strike continued.",
    "Protesters gathered outside {O} in {C} on {D} to demand the release of {N2} detainees.",
    "{S2} insisted the figures were accurate and said the audit would be published in {Mo}.",
    "The report, written by {T2} {P2}, found that {N} contracts had been awarded without bids.",
    "Police in {C} arrested {N2} people after clashes near {X}.",
    "“We will not accept a deal that leaves our workers behind,” {S2} said.",
    "{O2} said the decision was taken because of rising costs and falling demand.",
    "Elections in {C} are scheduled for {Mo}, and turnout is expected to be low.",
]
MONTHS = "January March May July September November".split()


def make_article(rng: random.Random) -> str:
    p1 = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    p2 = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    fill = dict(
        T=rng.choice(TITLES), T2=rng.choice(TITLES), P=p1, P2=p2, S=p1.split()[-1],
        S2=p2.split()[-1], C=rng.choice(PLACES), D=rng.choice(DAYS), O=rng.choice(ORGS),
        O2=rng.choice(ORGS).capitalize(), X=rng.choice(THINGS), X2=rng.choice(THINGS).capitalize(),
        N=rng.randint(3, 90), N2=rng.randint(2, 40), M=rng.randint(20, 900), Mo=rng.choice(MONTHS),
    )
    sents = [t.format(**fill) for t in rng.sample(TEMPLATES, rng.randint(8, len(TEMPLATES)))]
    paras, k = [], 0
    while k < len(sents):
        n = rng.randint(1, 3)
        paras.append(" ".join(sents[k: k + n]))
        k += n
    return f"{fill['C']} news roundup\n\n" + "\n\n".join(paras)


def subset(analysis, rng: random.Random):
    """A copy of an analysis keeping a random 60-100% of its sentences (ids remapped)."""
    from summarizers.analysis import SentenceVectors
    from summarizers.nlp import get_nlp

    n = len(analysis.sentences)
    keep = sorted(rng.sample(range(n), max(1, int(n * rng.uniform(0.6, 1.0)))))
    new_id = {old: i for i, old in enumerate(keep)}
    a = copy.copy(analysis)
    a.article = copy.copy(analysis.article)
    a.article.source = f"synthetic-{rng.randrange(10**9)}"
    a.sentences = [copy.copy(analysis.sentences[i]) for i in keep]
    for i, s in enumerate(a.sentences):
        s.id = i
    a.docs = [analysis.docs[i] for i in keep]
    a.vectors = SentenceVectors([s.text for s in a.sentences], get_nlp(),
                                known=analysis.embeddings[keep])  # no re-embedding
    a.statements = [copy.copy(s) for s in analysis.statements if s.sentence_id in new_id]
    for s in a.statements:
        s.sentence_id = new_id[s.sentence_id]
    a.mentions = {new_id[k]: v for k, v in analysis.mentions.items() if k in new_id}
    return a


SEED_QUESTIONS = [
    "Who denied the withdrawal?", "Who wrote the letter?", "What did Trump threaten?",
    "How many fighters were killed in the US airstrikes?", "How many US troops are in Iraq?",
    "Where was Soleimani killed?", "Who called the letter a mistake?",
    "When did the parliament approve the resolution?", "Who is Mark Milley?",
    "What did Esper say?", "Where is the US Embassy?", "Who won the World Cup?",
]
STORE_QUESTIONS = [
    "Who denied ordering the closure of the dam?", "How many people were killed in Lagos?",
    "Who called the plan a reckless gamble?", "What did Novak threaten?",
    "How much did the stadium cost?", "When are elections in Quito?",
    "Why was the decision taken?", "How many people were arrested in Cork?",
    "Who wrote the report?", "Where did protesters gather?",
] + SEED_QUESTIONS[:6]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs) + 0.5) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=int, default=1000)
    ap.add_argument("--pool", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--torch-threads", type=int, default=0)
    args = ap.parse_args()
    if args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)

    from summarizers.analysis import analyze
    from summarizers.article import article_from_text, load_source
    from summarizers.nlp import get_nlp
    from summarizers.qa import QAIndex, parse_question

    def ask(index: QAIndex, q: str, parts: list[tuple[float, float]]) -> None:
        """Time the question's parse + embedding and the engine separately."""
        t0 = time.perf_counter()
        question = parse_question(q, nlp)
        t1 = time.perf_counter()
        index.answer(question)
        parts.append((1000 * (t1 - t0), 1000 * (time.perf_counter() - t1)))

    nlp = get_nlp()
    nlp.start_entity_process()  # set up as the bot sets it up
    nlp.parse(["warm up"])
    nlp.embed(["warm up"])
    nlp.entity_process_ready(timeout=60)
    rows = []

    seed = analyze(load_source(str(SEED)), nlp)
    idx = QAIndex(nlp)
    idx.add(seed)
    idx.answer("Who is this?")
    parts: list[tuple[float, float]] = []
    for _ in range(args.rounds):
        for q in SEED_QUESTIONS:
            ask(idx, q, parts)
    rows.append(("one analysed article (seed)", parts, 50))

    rng = random.Random(7)
    t = time.perf_counter()
    pool = [analyze(article_from_text(make_article(rng), source=f"pool-{i}"), nlp)
            for i in range(args.pool)] + [seed]
    for analysis in pool:
        analysis.embeddings  # noqa: B018 - made once here, as the bot does after a briefing
    t_pool = time.perf_counter() - t
    store = QAIndex(nlp)
    t = time.perf_counter()
    for _ in range(args.store):
        store.add(subset(rng.choice(pool), rng))
    t_add = time.perf_counter() - t
    store.answer("Who is this?")
    parts = []
    for _ in range(args.rounds):
        for q in STORE_QUESTIONS:
            ask(store, q, parts)
    rows.append((f"store of {args.store} articles ({len(store.sents)} sentences)", parts, 200))

    print(f"command: python bench/qa_speed.py --store {args.store} --pool {args.pool} "
          f"--rounds {args.rounds}" + (f" --torch-threads {args.torch_threads}"
                                       if args.torch_threads else ""))
    print(f"pool: {args.pool} generated articles analysed in {t_pool:.1f} s; "
          f"index built from {args.store} articles in {t_add:.2f} s (no parsing)")
    print("| case | questions | total mean ms | total p95 ms | question parse+embed p95 | "
          "engine (retrieve+extract+abstain) p95 | target p95 ms |")
    print("|---|---|---|---|---|---|---|")
    for name, parts, target in rows:
        total = [a + b for a, b in parts]
        print(f"| {name} | {len(parts)} | {statistics.mean(total):.1f} | {pct(total, 95):.1f} | "
              f"{pct([a for a, _ in parts], 95):.1f} | {pct([b for _, b in parts], 95):.1f} | "
              f"{target} |")
    import os

    print(f"machine load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
