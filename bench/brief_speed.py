"""Briefing speed and memory: cold start, warm briefings of 1k/5k-word articles, peak RSS.

Run: python bench/brief_speed.py [--runs 7]

The models are set up as the bot sets them up: the entity recogniser in its second process
(`models.ner_process`, started and ready before timing). The baseline in the same run is what any
spaCy-based briefing pays at least: split + spaCy's own pipeline, as it comes, in one process +
Lead-3 (no embeddings, no attribution, no contradiction). Beside it: the same briefing with the
entity recogniser in the same process, with its sentence batches embedded on one thread instead
of two (`models.embedding_threads`), with spaCy's Matcher for the attribute ruler's rules instead
of `nlp._AttributeRules`, with the encoder run as transformers runs it instead of as a traced
graph (`nlp._traced_forward`), and the earlier design, which embedded every sentence first.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "iraq-withdrawal-letter.txt"


def article_of(words: int) -> str:
    """A long article made of the seed's paragraphs, reordered so no two copies read the same."""
    paras = [p for p in SEED.read_text().split("\n\n") if len(p.split()) > 12]
    out: list[str] = []
    k = 0
    while sum(len(p.split()) for p in out) < words:
        out.append(paras[(k * 7) % len(paras)])
        k += 1
    return "Headline of a long story\n\n" + "\n\n".join(out)


def timed(variants: list, runs: int) -> list[list[float]]:
    """Milliseconds of each variant's runs, taken in turn (one run of each, then the next round),
    so a slower moment of the machine falls on all of them alike; each is run once untimed first
    (the first briefing of a text adds its new words to spaCy's vocabulary)."""
    for fn in variants:
        fn()
    times: list[list[float]] = [[] for _ in variants]
    for _ in range(runs):
        for fn, out in zip(variants, times, strict=True):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "brief", str(SEED)], check=True,
                   capture_output=True)
    cold = time.perf_counter() - t

    from summarizers.analysis import analyze
    from summarizers.article import article_from_text
    from summarizers.briefing import build_briefing
    from summarizers.nlp import NLP, get_nlp

    nlp = get_nlp()
    nlp.start_entity_process()
    if not nlp.entity_process_ready(timeout=60):
        sys.exit("the entity process did not start")

    def variant(**changes) -> NLP:
        """The same loaded models (one copy, so peak RSS stays the bot's), one setting changed."""
        other = NLP(replace(nlp.config, **changes))
        other.__dict__.update({k: v for k, v in nlp.__dict__.items() if k != "config"})
        if "ner_process" in changes:
            other._entity_worker = None
        return other

    one_thread = variant(embedding_threads=1)
    ner_here = variant(ner_process=False)
    stock_ruler = variant()
    stock_ruler.__dict__["_attribute_rules"] = None  # spaCy's own Matcher for the ruler's rules
    untraced = variant()  # the encoder run as transformers runs it, not as a traced graph
    tokenizer, forward = nlp._embedder
    untraced.__dict__["_embedder"] = (tokenizer, forward.untraced())

    def ours(text: str, models: NLP = nlp):
        return lambda: build_briefing(analyze(article_from_text(text), models))

    def ours_embedding_all(text: str):
        """The earlier design: every sentence embedded before the briefing."""
        def run() -> None:
            analysis = analyze(article_from_text(text))
            analysis.embeddings  # noqa: B018 - makes every sentence's vector
            build_briefing(analysis)
        return run

    def baseline(text: str):
        def run() -> list[str]:
            sentences = nlp.split_sentences(article_from_text(text).body)
            list(nlp.spacy.pipe(sentences))  # spaCy's own pipeline, as it comes
            return sentences[:3]
        return run

    ours(SEED.read_text())()  # warm every model once
    rows = []
    for label, text in ((f"seed ({len(SEED.read_text().split())} words)", SEED.read_text()),
                        ("1,000 words", article_of(1000)), ("5,000 words", article_of(5000))):
        a, here, one, stock, eager, b, c = timed(
            [ours(text), ours(text, ner_here), ours(text, one_thread), ours(text, stock_ruler),
             ours(text, untraced), baseline(text), ours_embedding_all(text)], args.runs)
        rows.append((label, statistics.median(a), max(a), statistics.median(here),
                     statistics.median(one), statistics.median(stock), statistics.median(eager),
                     statistics.median(b), statistics.median(c)))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    status = Path(f"/proc/{nlp.entity_process_pid}/status").read_text()
    entity_mb = int(status.split("VmHWM:")[1].split()[0]) / 1024

    print(f"cold start (process start to first briefing of the seed): {cold:.1f} s")
    print(f"peak RSS of the warm-briefing process: {peak_mb:.0f} MB, of its entity process: "
          f"{entity_mb:.0f} MB, together {peak_mb + entity_mb:.0f} MB\n")
    print("| article | newsbrief median ms | newsbrief max ms | entities found in the same "
          "process, median | embedding on one thread, median | spaCy's Matcher for the "
          "attribute rules, median | encoder untraced, median | baseline (spaCy's own pipeline "
          "+ Lead-3) median ms | every sentence embedded first, median ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, med, worst, here, one, stock, eager, base, every in rows:
        print(f"| {label} | {med:.0f} | {worst:.0f} | {here:.0f} | {one:.0f} | {stock:.0f} "
              f"| {eager:.0f} | {base:.0f} | {every:.0f} |")


if __name__ == "__main__":
    main()
