"""Question answering: predictions, SQuAD-style scores, baselines, weight learning and the report.

    newsbrief predict answer IN.jsonl [-o PRED.jsonl] [--method engine|naive|embedding|...]
    newsbrief score answer IN.jsonl PRED.jsonl
    python -m summarizers.evaluation.answer report EVAL_DIR      # the README table
    python -m summarizers.evaluation.answer train EVAL_DIR       # refit summarizers/qa_weights.json

Rows are {id, context, question, answers}; an empty `answers` list means the question cannot be
answered from the context, and the right prediction is "" (abstain).
"""

from __future__ import annotations

import collections
import hashlib
import json
import math
import re
import string
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from summarizers.article import Article

METHODS = ("engine", "naive", "embedding", "lexical-retrieval", "embedding-retrieval",
           "no-abstain")
QA_FILES = {
    "squad": "squad_v1.1_dev_first_q_per_paragraph.dev.jsonl",
    "realtimeqa": "realtimeqa_news_answer_in_evidence.dev.jsonl",
    "squad_v2": "squad_v2.0_dev_unanswerable_first_per_paragraph.dev.jsonl",
    "xsum": "xsum_humaneval_qa.dev.jsonl",
}

# -- scoring (the official SQuAD v1.1 normalisation) ---------------------------------------------


def normalize_answer(s: str) -> str:
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def f1_score(pred: str, gold: str) -> float:
    p, g = normalize_answer(pred).split(), normalize_answer(gold).split()
    if not p or not g:
        return float(p == g)
    common = collections.Counter(p) & collections.Counter(g)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def exact_match(pred: str, gold: str) -> float:
    return float(normalize_answer(pred) == normalize_answer(gold))


def score(gold: list[dict], pred: list[dict]) -> dict:
    """EM/F1 (percent) on answerable rows; abstention accuracy on unanswerable rows (answers
    empty: right when the prediction is ""); how often answerable rows were wrongly abstained."""
    preds = {str(r["id"]): (r.get("answer") or "") for r in pred}
    em = f1 = 0.0
    n_ans = n_un = abstained_un = abstained_ans = missing = 0
    for row in gold:
        rid = str(row["id"])
        if rid not in preds:
            missing += 1
        p = preds.get(rid, "")
        answers = [a for a in row.get("answers") or [] if a is not None]
        if answers:
            n_ans += 1
            if not p.strip():
                abstained_ans += 1
                continue
            em += max(exact_match(p, a) for a in answers)
            f1 += max(f1_score(p, a) for a in answers)
        else:
            n_un += 1
            abstained_un += 0 if p.strip() else 1
    out: dict[str, Any] = {"n": len(gold), "answerable": n_ans, "unanswerable": n_un}
    if n_ans:
        out.update(exact_match=round(100 * em / n_ans, 2), f1=round(100 * f1 / n_ans, 2),
                   abstained_on_answerable=round(100 * abstained_ans / n_ans, 2))
    if n_un:
        out["abstention_accuracy"] = round(100 * abstained_un / n_un, 2)
    if missing:
        out["missing_predictions"] = missing
    return out


# -- analyses of the contexts, one per distinct context --------------------------------------------


class Contexts:
    """Analysis per distinct context text, made once (optionally cached on disk between runs)."""

    def __init__(self, cache_dir: str | Path | None = None) -> None:
        from summarizers.nlp import get_nlp

        self.nlp = get_nlp()
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._mem: dict[str, Any] = {}

    def get(self, context: str) -> Any:
        from summarizers.analysis import analyze

        key = hashlib.sha1(context.encode()).hexdigest()
        if key in self._mem:
            return self._mem[key]
        path = self.cache_dir / f"{key}.qa" if self.cache_dir else None
        if path is not None and path.exists():
            analysis = self._load(path)
        else:
            analysis = analyze(Article(body=context, source="context"), self.nlp)
            if path is not None:
                self._save(path, analysis)
        self._mem[key] = analysis
        return analysis

    # A local cache of our own objects between evaluation runs, never shipped or read from
    # elsewhere; docs are stored without the spaCy vocabulary (17 kB instead of 2 MB each).
    def _save(self, path: Path, analysis: Any) -> None:
        import copy
        import pickle

        slim = copy.copy(analysis)
        slim.docs = [d.to_bytes(exclude=["tensor"]) for d in analysis.docs]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(slim))

    def _load(self, path: Path) -> Any:
        import pickle

        from spacy.tokens import Doc

        analysis = pickle.loads(path.read_bytes())
        vocab = self.nlp.spacy.vocab
        analysis.docs = [Doc(vocab).from_bytes(b) for b in analysis.docs]
        return analysis


def _indexes_and_questions(rows: list[dict], contexts: Contexts) -> tuple[list[Any], list[Any]]:
    from summarizers.qa import QAIndex, parse_questions

    indexes: dict[str, Any] = {}
    out = []
    for row in rows:
        key = row["context"]
        if key not in indexes:
            idx = QAIndex(contexts.nlp)
            idx.add(contexts.get(key))
            indexes[key] = idx
        out.append(indexes[key])
    questions = parse_questions([r["question"] for r in rows], contexts.nlp)
    return out, questions


# -- baselines -----------------------------------------------------------------------------------

_NAIVE_TYPES = {
    "who": {"PERSON", "ORG", "NORP"}, "when": {"DATE", "TIME"}, "where": {"GPE", "LOC", "FAC"},
    "howmany": {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}, "howq": {"QUANTITY", "DATE", "TIME",
                                                                       "CARDINAL"},
}


def naive_answer(q: Any, analysis: Any, sentence_ids: list[int] | None = None) -> str:
    """The 30-line baseline: the sentence sharing most question lemmas (or the given order), and in
    it the entity of the expected type nearest the question words."""
    qlem = set(q.lemmas)
    if sentence_ids is None:
        overlaps = [len(qlem & {t.lemma_.lower() for t in d}) for d in analysis.docs]
        sentence_ids = [int(np.argmax(overlaps))] if overlaps else []
    if not sentence_ids:
        return ""
    doc = analysis.docs[sentence_ids[0]]
    matched = [t.i for t in doc if t.lemma_.lower() in qlem]
    want = _NAIVE_TYPES.get(q.wh)
    ents = [e for e in doc.ents if (want is None or e.label_ in want)
            and e.text.lower() not in q.text.lower()]
    if not ents:
        ents = [nc for nc in doc.noun_chunks if nc.text.lower() not in q.text.lower()]
    if not ents:
        return ""

    def dist(span: Any) -> int:
        return min((min(abs(m - span.start), abs(m - span.end + 1)) for m in matched), default=0)

    return min(ents, key=dist).text


# -- predictions ---------------------------------------------------------------------------------


def predict(rows: list[dict], method: str = "engine", *, cache_dir: str | Path | None = None,
            weights: dict | None = None, timings: list[float] | None = None) -> list[dict]:
    """{id, answer} per row ("" to abstain). Methods: engine (default), naive (lemma-overlap
    sentence + typed entity), embedding (embedding-retrieved sentence + typed entity),
    lexical-retrieval / embedding-retrieval (the engine with one retrieval signal), no-abstain."""
    from summarizers.qa import load_weights

    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    contexts = Contexts(cache_dir)
    for row in rows:  # analyse first, so per-question timings are over analysed articles
        contexts.get(row["context"])
    base = dict(weights or load_weights())
    if method == "no-abstain":
        base["abstain_threshold"] = -1.0
    if method in ("lexical-retrieval", "embedding-retrieval"):
        base["retrieval"] = ({"lexical": 1.0, "embedding": 0.0} if method.startswith("lexical")
                             else {"lexical": 0.0, "embedding": 1.0})
    indexes, questions = _indexes_and_questions(rows, contexts)
    out = []
    for row, idx, q in zip(rows, indexes, questions, strict=True):
        t0 = time.perf_counter()
        idx.weights = base
        if method == "naive":
            text = naive_answer(q, idx.analyses[0])
        elif method == "embedding":
            hits = idx.retrieve(q, k=1, mode="embedding")
            text = naive_answer(q, idx.analyses[0], [idx.sents[hits[0][0]].sid] if hits else [])
        else:
            ans = idx.answer(q)
            text = "" if ans.abstained else ans.span
        if timings is not None:
            timings.append(time.perf_counter() - t0)
        out.append({"id": row["id"], "answer": text})
    return out


# -- learning the weights ------------------------------------------------------------------------


def _span_examples(rows: list[dict], contexts: Contexts, weights: dict) -> list[dict]:
    """Candidates with features and F1 against the gold answers, per question."""
    indexes, questions = _indexes_and_questions(rows, contexts)
    out = []
    for row, idx, q in zip(rows, indexes, questions, strict=True):
        idx.weights = weights
        hits = idx.retrieve(q, k=weights.get("top_k", 4))
        cands = idx.best_candidates(q, hits)
        gold = [a for a in row.get("answers") or [] if a]
        texts = [idx.span_text(c) for c in cands]
        f1s = [max((f1_score(t, a) for a in gold), default=0.0) for t in texts]
        out.append({"row": row, "q": q, "idx": idx, "hits": hits, "cands": cands,
                    "texts": texts, "f1": f1s, "answerable": bool(gold)})
    return out


def _fit_ranker(examples: list[dict], names: list[str], l2: float = 1.0) -> np.ndarray:
    """Conditional logit: maximise the softmax probability of the best candidates per question."""
    from scipy.optimize import minimize
    from scipy.sparse import csr_matrix

    col = {n: i for i, n in enumerate(names)}
    data, ri, ci, groups, pos = [], [], [], [], []
    r = 0
    for ex in examples:
        if not ex["cands"] or not ex["answerable"]:
            continue
        best = max(ex["f1"])
        if best < 0.5:
            continue
        start = r
        for c, f in zip(ex["cands"], ex["f1"], strict=True):
            for k, v in c.feats.items():
                if k in col:
                    data.append(v)
                    ri.append(r)
                    ci.append(col[k])
            pos.append(f >= best - 1e-9)
            r += 1
        groups.append((start, r))
    x = csr_matrix((data, (ri, ci)), shape=(r, len(names)))
    pos_arr = np.array(pos)
    starts = np.array([g[0] for g in groups])
    seg = np.repeat(np.arange(len(groups)), [g[1] - g[0] for g in groups])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = x @ w
        mx = np.maximum.reduceat(s, starts)
        e = np.exp(s - mx[seg])
        z_all = np.add.reduceat(e, starts)
        z_pos = np.add.reduceat(e * pos_arr, starts)
        val = -np.sum(np.log(z_pos + 1e-300) - np.log(z_all)) + l2 * w @ w
        p_all = e / z_all[seg]
        p_pos = np.where(pos_arr, e / (z_pos[seg] + 1e-300), 0.0)
        grad = x.T @ (p_all - p_pos) + 2 * l2 * w
        return float(val), np.asarray(grad).ravel()

    res = minimize(loss, np.zeros(len(names)), jac=True, method="L-BFGS-B",
                   options={"maxiter": 400})
    return res.x


def _rescore(ex: dict, w: dict[str, float]) -> None:
    for c in ex["cands"]:
        c.score = sum(w.get(k, 0.0) * v for k, v in c.feats.items())


def _pick(ex: dict) -> tuple[int, float]:
    """(index of the best candidate, its F1)."""
    if not ex["cands"]:
        return -1, 0.0
    i = int(np.argmax([c.score for c in ex["cands"]]))
    return i, ex["f1"][i]


def _abstain_rows(ex: dict) -> dict[str, float]:
    from summarizers.qa import abstain_features

    order = sorted(range(len(ex["cands"])), key=lambda i: -ex["cands"][i].score)
    cands = [ex["cands"][i] for i in order]
    return abstain_features(ex["q"], cands, ex["hits"], ex["idx"])


def _fit_abstainer(feats: list[dict], labels: list[int], names: list[str]) -> dict[str, float]:
    from sklearn.linear_model import LogisticRegression

    x = np.array([[f.get(n, 0.0) for n in names] for f in feats])
    mu, sd = x.mean(0), x.std(0) + 1e-6
    clf = LogisticRegression(C=1.0, max_iter=2000).fit((x - mu) / sd, labels)
    coef = clf.coef_[0] / sd
    out = {n: float(c) for n, c in zip(names, coef, strict=True)}
    out["bias"] = float(clf.intercept_[0] - (clf.coef_[0] * mu / sd).sum())
    return out


def _sigmoid_score(f: dict[str, float], w: dict[str, float]) -> float:
    z = w.get("bias", 0.0) + sum(w.get(k, 0.0) * v for k, v in f.items())
    return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


def train(eval_dir: Path, out: Path | None = None, folds: int = 5, cache_dir: str | None = None,
          log: Callable[[str], None] = print) -> dict:
    """Fit span and abstention weights on the dev files; report k-fold cross-validated scores;
    write the weights fitted on everything to `out` (JSON)."""
    from summarizers.qa import DEFAULT_WEIGHTS, WEIGHTS_PATH

    contexts = Contexts(cache_dir)
    base = dict(DEFAULT_WEIGHTS)
    sets = {}
    for name in ("squad", "realtimeqa", "squad_v2"):
        rows = _read(eval_dir, name)
        sets[name] = _span_examples(rows, contexts, base)
        log(f"{name}: {len(rows)} questions, candidates made")
    answerable = sets["squad"] + sets["realtimeqa"]
    names = sorted({k for ex in answerable for c in ex["cands"] for k in c.feats})
    rng = np.random.default_rng(0)
    fold_of = {id(ex): int(rng.integers(folds)) for name in sets for ex in sets[name]}
    # Out-of-fold span choice, then out-of-fold abstention.
    oof_feats: dict[int, dict] = {}
    for k in range(folds):
        w = _fit_ranker([ex for ex in answerable if fold_of[id(ex)] != k], names)
        wd = dict(zip(names, w, strict=True))
        for name in sets:
            for ex in sets[name]:
                if fold_of[id(ex)] == k:
                    _rescore(ex, wd)
                    if ex["cands"]:
                        oof_feats[id(ex)] = _abstain_rows(ex)
    all_ex = [ex for name in sets for ex in sets[name] if ex["cands"]]
    a_names = sorted({k for ex in all_ex for k in oof_feats[id(ex)]})
    labels = {id(ex): int(ex["answerable"] and _pick(ex)[1] >= 0.5) for ex in all_ex}
    conf: dict[int, float] = {}
    for k in range(folds):
        tr = [ex for ex in all_ex if fold_of[id(ex)] != k]
        aw = _fit_abstainer([oof_feats[id(e)] for e in tr], [labels[id(e)] for e in tr], a_names)
        for ex in all_ex:
            if fold_of[id(ex)] == k:
                conf[id(ex)] = _sigmoid_score(oof_feats[id(ex)], aw)

    def cv_scores(threshold: float) -> dict[str, dict]:
        res = {}
        for name, exs in sets.items():
            preds, gold = [], []
            for ex in exs:
                i, _ = _pick(ex)
                ok = i >= 0 and conf.get(id(ex), 0.0) >= threshold
                preds.append({"id": ex["row"]["id"], "answer": ex["texts"][i] if ok else ""})
                gold.append(ex["row"])
            res[name] = score(gold, preds)
        return res

    no_abstain = cv_scores(-1.0)
    # The lowest threshold that abstains on at least 55% of the unanswerable questions.
    threshold = 0.0
    for t in np.linspace(0.05, 0.95, 91):
        threshold = float(t)
        if cv_scores(threshold)["squad_v2"].get("abstention_accuracy", 0) >= 55:
            break
    cv = cv_scores(threshold)
    log(f"cross-validated ({folds}-fold), no abstention: {json.dumps(no_abstain)}")
    log(f"cross-validated ({folds}-fold), threshold {threshold:.2f}: {json.dumps(cv)}")
    # Final weights from all the data.
    w = _fit_ranker(answerable, names)
    wd = {n: round(float(v), 4) for n, v in zip(names, w, strict=True) if abs(v) > 1e-4}
    for name in sets:
        for ex in sets[name]:
            _rescore(ex, wd)
    feats = [_abstain_rows(ex) for ex in all_ex]
    aw = _fit_abstainer(feats, [labels[id(e)] for e in all_ex], a_names)
    weights = {
        "about": "Learned by summarizers.evaluation.answer.train from the squad_v1.1, realtimeqa "
                 "and squad_v2 development files (features only, no text); "
                 f"{folds}-fold cross-validated scores are in 'cv'.",
        "retrieval": base["retrieval"], "top_k": base["top_k"],
        "abstain_threshold": round(threshold, 3),
        "span": wd, "abstain": {k: round(v, 4) for k, v in aw.items()},
        "cv": {"no_abstention": no_abstain, "with_abstention": cv},
    }
    target = out or WEIGHTS_PATH
    Path(target).write_text(json.dumps(weights, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    log(f"wrote {target}")
    return weights


# -- the report ------------------------------------------------------------------------------------


def _read(eval_dir: Path, name: str) -> list[dict]:
    from summarizers.evaluation.data import read_jsonl

    return read_jsonl(Path(eval_dir) / QA_FILES[name])


def _percentile(xs: Iterable[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(math.ceil(p / 100 * len(xs))) - 1)] if xs else 0.0


def report(eval_dir: Path, methods: tuple[str, ...] = ("naive", "embedding", "lexical-retrieval",
                                                       "embedding-retrieval", "no-abstain",
                                                       "engine"),
           cache_dir: str | None = None, xsum: bool = True) -> str:
    """Markdown table: every method on every QA dev file, same run, with ms per question."""
    names = ["squad", "realtimeqa", "squad_v2"] + (["xsum"] if xsum else [])
    data = {n: _read(eval_dir, n) for n in names}
    lines = [
        "| method | SQuAD v1.1 EM / F1 | RealTimeQA EM / F1 | SQuAD v2 unanswerable: abstained | "
        + ("XSum QA EM / F1 | " if xsum else "") + "ms/question (mean, p95) |",
        "|---|---|---|---|" + ("---|" if xsum else "") + "---|",
    ]
    for method in methods:
        cells, times = [], []
        for n in names:
            t: list[float] = []
            s = score(data[n], predict(data[n], method, cache_dir=cache_dir, timings=t))
            times.extend(t)
            if n == "squad_v2":
                cells.append(f"{s.get('abstention_accuracy', 0):.1f}%")
            else:
                extra = (f" (abstained {s['abstained_on_answerable']:.0f}%)"
                         if s.get("abstained_on_answerable") else "")
                cells.append(f"{s['exact_match']:.1f} / {s['f1']:.1f}{extra}")
        ms = f"{1000 * float(np.mean(times)):.1f}, {1000 * _percentile(times, 95):.1f}"
        lines.append(f"| {method} | " + " | ".join(cells) + f" | {ms} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m summarizers.evaluation.answer")
    p.add_argument("command", choices=("report", "train"))
    p.add_argument("eval_dir", type=Path)
    p.add_argument("--cache-dir", default=None, help="keep context analyses here between runs")
    p.add_argument("--out", default=None, help="train: where to write the weights JSON")
    p.add_argument("--methods", default=None, help="report: comma-separated methods")
    p.add_argument("--no-xsum", action="store_true")
    args = p.parse_args(argv)
    qa_dir = args.eval_dir / "qa" if (args.eval_dir / "qa").is_dir() else args.eval_dir
    if args.command == "train":
        train(qa_dir, Path(args.out) if args.out else None, cache_dir=args.cache_dir)
    else:
        methods = tuple(args.methods.split(",")) if args.methods else None
        kwargs = {"methods": methods} if methods else {}
        print(report(qa_dir, cache_dir=args.cache_dir, xsum=not args.no_xsum, **kwargs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
