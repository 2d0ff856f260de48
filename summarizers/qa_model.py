"""A model-backed answerer: any extractive QA model (AutoModelForQuestionAnswering) by id or path.

transformers 5 removed pipeline("question-answering"), so the span decoding is ours: the question is
paired with each retrieved passage (long passages in overlapping windows), and the best span is the
(start, end) pair of context tokens with the highest start + end logit, at most `max_answer_tokens`
long. When the model's "no answer" score (the [CLS] position, as SQuAD 2.0 models are trained)
beats every span by `null_margin`, it abstains.

No QA model can be downloaded on the machines this was built on; set `qa.model` in the config to a
local directory or a model id that is in the local cache. The linguistic engine stays the default.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from summarizers import nlp as _nlp  # noqa: F401  (sets HF_HUB_OFFLINE before transformers loads)


class TransformersAnswerer:
    """Extractive QA with a transformers model; implements `summarizers.qa.Answerer`."""

    def __init__(self, model: str, *, max_answer_tokens: int = 30, max_length: int = 384,
                 stride: int = 128, null_margin: float | None = None, top_n: int = 20) -> None:
        import torch
        from transformers import AutoModelForQuestionAnswering, AutoTokenizer

        local = Path(model).exists()
        self.name = model
        self.tokenizer = AutoTokenizer.from_pretrained(model, local_files_only=local)
        if not getattr(self.tokenizer, "is_fast", False):
            raise ValueError(f"{model}: a fast tokenizer is needed for character offsets")
        self.model = AutoModelForQuestionAnswering.from_pretrained(model, local_files_only=local)
        self.model.eval()
        self._torch = torch
        self.max_answer_tokens = max_answer_tokens
        self.max_length = max_length
        self.stride = stride
        self.null_margin = null_margin
        self.top_n = top_n
        self._lock = threading.Lock()  # one forward pass at a time; the bot answers from threads

    def best_span(self, question: str, passages: list[str]) -> tuple[int, int, int, float]:
        """(passage index, char start, char end, score); (-1, 0, 0, score) to abstain."""
        if not passages:
            return -1, 0, 0, 0.0
        enc = self.tokenizer(
            [question] * len(passages), passages, truncation="only_second",
            max_length=self.max_length, stride=self.stride, return_overflowing_tokens=True,
            return_offsets_mapping=True, padding=True, return_tensors="pt",
        )
        offsets = enc.pop("offset_mapping").tolist()
        sample_of = enc.pop("overflow_to_sample_mapping").tolist()
        seq_ids = [enc.sequence_ids(i) for i in range(len(offsets))]
        inputs = {k: v for k, v in enc.items() if k in ("input_ids", "attention_mask",
                                                        "token_type_ids")}
        with self._lock, self._torch.inference_mode():
            out = self.model(**inputs)
        starts = out.start_logits.float().numpy()
        ends = out.end_logits.float().numpy()
        best: tuple[float, int, int, int] | None = None
        best_null = float("-inf")
        for f in range(len(offsets)):
            span = decode_span(starts[f], ends[f], seq_ids[f], self.max_answer_tokens, self.top_n)
            best_null = max(best_null, float(starts[f][0] + ends[f][0]))
            if span is None:
                continue
            s, e, sc = span
            if best is None or sc > best[0]:
                best = (sc, sample_of[f], offsets[f][s][0], offsets[f][e][1])
        if best is None:
            return -1, 0, 0, 0.0
        score, idx, c0, c1 = best
        if self.null_margin is not None and best_null - score > self.null_margin:
            return -1, 0, 0, float(score)
        return idx, c0, c1, float(score)


def decode_span(start_logits: Any, end_logits: Any, sequence_ids: list[int | None],
                max_answer_tokens: int, top_n: int = 20) -> tuple[int, int, float] | None:
    """Best (start token, end token, score) inside the context (sequence id 1): end >= start,
    at most `max_answer_tokens` tokens, score = start logit + end logit."""
    import numpy as np

    ctx = [i for i, s in enumerate(sequence_ids) if s == 1]
    if not ctx:
        return None
    ctx_set = set(ctx)
    st = np.asarray(start_logits)
    en = np.asarray(end_logits)
    top_s = sorted(ctx, key=lambda i: -st[i])[:top_n]
    top_e = sorted(ctx, key=lambda i: -en[i])[:top_n]
    best = None
    for s in top_s:
        for e in top_e:
            if e < s or e - s + 1 > max_answer_tokens or e not in ctx_set:
                continue
            sc = float(st[s] + en[e])
            if best is None or sc > best[2]:
                best = (s, e, sc)
    return best


_cache: dict[str, TransformersAnswerer] = {}
_cache_lock = threading.Lock()


def get_answerer(spec: str | None) -> TransformersAnswerer | None:
    """The answerer named in config: None, "" or "linguistic" for the built-in engine, else a
    transformers QA model id or local path (loaded once per process)."""
    if not spec or spec == "linguistic":
        return None
    with _cache_lock:
        if spec not in _cache:
            _cache[spec] = TransformersAnswerer(spec)
        return _cache[spec]
