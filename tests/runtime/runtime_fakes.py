"""A scripted tokenizer and language-model session for testing autocomplete decoding without any engine.

Pure standard library (the stdlib-only test imports it with numpy/onnxruntime blocked). The "KV cache" the
fake session keeps engine-side is, per batch row, the tuple of token ids seen so far, so the test can check
that each step feeds one token after the right past, and that every kept value is released.
"""

from __future__ import annotations

import asyncio
import math
import re
import string
from array import array
from dataclasses import dataclass, field

from slm_web.backends.base import Tensor

EOS = 0
PRE_TOKENS = re.compile(r" ?\w+| ?[^\w\s]+|\s+(?!\S)|\s+")


@dataclass
class FakeEncoding:
    ids: list[int] = field(default_factory=list)
    offsets: list[tuple[int, int]] = field(default_factory=list)
    word_ids: list[int | None] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)


class FakeTokenizer:
    """Greedy longest-match over a fixed vocabulary inside GPT-2-like pre-tokens (spaces lead words)."""

    def __init__(self, vocab: list[str]) -> None:
        # Every single character seen in the vocabulary is a token too, so any text over it encodes.
        chars = sorted({c for v in vocab for c in v} | set(" .,!?'" + string.ascii_letters + string.digits))
        self.vocab = ["<eos>", *dict.fromkeys(vocab + chars)]
        self.ids = {t: i for i, t in enumerate(self.vocab)}

    def pre_tokenize(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        return [(m.group(), m.span()) for m in PRE_TOKENS.finditer(text)]

    def encode(self, text: str) -> FakeEncoding:
        enc = FakeEncoding()
        for w, (word, (start, _)) in enumerate(self.pre_tokenize(text)):
            pos = 0
            while pos < len(word):
                piece = next(word[pos:end] for end in range(len(word), pos, -1) if word[pos:end] in self.ids)
                enc.ids.append(self.ids[piece])
                enc.offsets.append((start + pos, start + pos + len(piece)))
                enc.word_ids.append(w)
                enc.tokens.append(piece)
                pos += len(piece)
        return enc

    def decode(self, ids: list[int]) -> str:
        return "".join(self.vocab[i] for i in ids if i != EOS)


class FakeLM:
    """A session whose next-token scores depend on the end of the decoded context (``rules``).

    ``rules`` maps a context suffix to ``{token: logit}``; the longest matching suffix wins; tokens not listed
    get no score (they are outside the graph's top-k; a batch row with fewer scores than another is padded
    with -inf). ``delay`` makes ``run`` yield to the event loop like the browser backend does. Without
    ``dynamic_batch`` the session refuses batches of more than one row, like a graph with batch fixed to 1;
    with it, a one-row past serves every row of ``input_ids``, like the converter's graphs.
    """

    def __init__(
        self,
        tokenizer: FakeTokenizer,
        rules: dict[str, dict[str, float]],
        n_layer: int = 1,
        top_k: int = 8,
        delay: float = 0.0,
        dynamic_batch: bool = True,
    ) -> None:
        self.tokenizer, self.rules, self.top_k, self.delay = tokenizer, rules, top_k, delay
        self.dynamic_batch = dynamic_batch
        kv = [(i, p) for i in range(n_layer) for p in ("key", "value")]
        self.input_names = ("input_ids", *(f"past_key_values.{i}.{p}" for i, p in kv))
        self.output_names = ("top_logits", "top_ids", *(f"present.{i}.{p}" for i, p in kv))
        self.calls: list[tuple[int, int]] = []  # (past length, new tokens) per run
        self.batches: list[int] = []  # rows per run
        self.contexts: list[tuple[int, ...]] = []  # the token ids of every row scored
        self.live: set[int] = set()  # ids of kept values not yet released
        self.closed = False

    async def run(self, feeds, keep=()):
        if self.delay:
            await asyncio.sleep(self.delay)
        new = feeds["input_ids"].rows()
        assert self.dynamic_batch or len(new) == 1, "a batch of several rows for a graph with batch 1"
        past = feeds["past_key_values.0.key"]
        if isinstance(past, Tensor):
            contexts: tuple[tuple[int, ...], ...] = ((),) * past.shape[0]
        else:
            assert id(past) in self.live, "fed a released past"
            contexts = past.rows
        if len(contexts) == 1 and self.dynamic_batch:  # one past row serves every row, as in the graph
            contexts *= len(new)
        assert len(contexts) == len(new), "past and input_ids disagree on the batch size"
        assert len({len(c) for c in contexts}) == 1, "rows of one past must have the same length"
        self.calls.append((len(contexts[0]), len(new[0])))
        self.batches.append(len(new))
        rows = tuple((*context, *ids) for context, ids in zip(contexts, new, strict=True))
        self.contexts += rows
        scores = [self._scores(self.tokenizer.decode(list(ids))) for ids in rows]
        width = max(len(row) for row in scores)
        padded = [row + [(EOS, -math.inf)] * (width - len(row)) for row in scores]
        shape = (len(rows), width)
        out = {
            "top_logits": Tensor("float32", shape, array("f", [s for row in padded for _, s in row])),
            "top_ids": Tensor("int64", shape, array("q", [t for row in padded for t, _ in row])),
        }
        for name in self.output_names[2:]:
            out[name] = self._keep(_Cache(rows))
        assert set(keep) == set(self.output_names[2:])
        return out

    def take_rows(self, value, rows):
        assert id(value) in self.live, "gathered from a released past"
        return self._keep(_Cache(tuple(value.rows[r] for r in rows)))

    def _keep(self, value: _Cache) -> _Cache:
        self.live.add(id(value))
        return value

    def _scores(self, context: str) -> list[tuple[int, float]]:
        # The empty key is the start of the text; otherwise the longest matching suffix decides.
        suffix = max((s for s in self.rules if s and context.endswith(s)), key=len, default=None)
        table = self.rules[""] if not context and "" in self.rules else self.rules.get(suffix, {".": 1.0})
        ranked = sorted(((self.tokenizer.ids[t], v) for t, v in table.items()), key=lambda x: -x[1])
        return ranked[: self.top_k]

    def release(self, value) -> None:
        self.live.discard(id(value))

    def close(self) -> None:
        self.closed = True


@dataclass(eq=False)
class _Cache:
    rows: tuple[tuple[int, ...], ...]  # the token ids of each batch row


def manifest(task_config: dict) -> dict:
    return {
        "task": "autocomplete",
        "name": "fake-lm",
        "tokenizer": {"kind": "bpe", "max_length": 64, "special_ids": {"eos": EOS, "pad": EOS}},
        "task_config": task_config,
    }


VOCAB = [
    " would",
    " like",
    " li",
    "ke",
    "ttle",
    " love",
    " have",
    " to",
    " the",
    " I",
    "I",
    " weather",
    " is",
    " nice",
    " be",
    " go",
    " you",
    " for",
    " your",
    " help",
    " time",
    "Thank",
]
RULES = {
    "": {"I": 3.0, " the": 1.0},
    "I": {" would": 4.0, " like": 2.0},
    " would": {" like": 5.0, " li": 1.0, " love": 3.0, " have": 2.0, " be": 2.5},
    " li": {"ke": 5.0, "ttle": 2.0},
    " like": {" to": 5.0, ",": 1.0},
    " little": {" to": 2.0, ".": 3.0},
    " love": {" to": 4.0, ".": 1.0},
    " have": {" to": 4.0},
    " be": {" nice": 2.0, ".": 1.0},
    " to": {" go": 3.0, " be": 2.0},
    " go": {".": 3.0},
    " nice": {".": 3.0},
}


def make_model(
    rules: dict | None = None,
    max_positions: int = 64,
    delay: float = 0.0,
    top_k: int = 8,
    dynamic_batch: bool | None = True,
):
    """An autocomplete model on the fake LM; ``dynamic_batch=None`` leaves the key out of task_config, as in
    a bundle converted before batched decoding."""
    from slm_web.tasks.autocomplete import AutocompleteModel

    tokenizer = FakeTokenizer(VOCAB)
    rules = RULES if rules is None else rules
    session = FakeLM(tokenizer, rules, top_k=top_k, delay=delay, dynamic_batch=bool(dynamic_batch))
    config = {
        "top_k": top_k,
        "n_layer": 1,
        "n_head": 1,
        "head_dim": 2,
        "max_positions": max_positions,
        "eos_id": EOS,
    }
    if dynamic_batch is not None:
        config["dynamic_batch"] = dynamic_batch
    return AutocompleteModel(manifest(config), tokenizer, session)


class ScriptedEncoder:
    """A backend/session for encoder bundles that computes outputs in pure Python (no engine at all).

    Sentiment ``probs`` depend on the sequence length; grammar tags are ``token id % n_tags`` with probability
    0.9 at every position, which makes plenty of edits to apply, compose and check.
    """

    name = "scripted"
    input_names = ("input_ids", "attention_mask")
    output_names = ("logits", "probs", "tag_probs", "tag_ids")

    def __init__(self, n_labels: int = 2, n_tags: int = 10, k: int = 4) -> None:
        self.n_labels, self.n_tags, self.k = n_labels, n_tags, k

    async def load(self, model_bytes: bytes) -> ScriptedEncoder:
        return self

    async def run(self, feeds, keep=()):
        batch, width = feeds["input_ids"].shape
        ids = feeds["input_ids"].data
        lengths = [sum(feeds["attention_mask"].data[b * width : (b + 1) * width]) for b in range(batch)]
        probs = [p for n in lengths for p in _softmax([float(n % (i + 2)) for i in range(self.n_labels)])]
        tag_ids = [(ids[i] + j) % self.n_tags for i in range(batch * width) for j in range(self.k)]
        tag_probs = [0.9 / (j + 1) for _ in range(batch * width) for j in range(self.k)]
        shape3 = (batch, width, self.k)
        return {
            "logits": Tensor("float32", (batch, self.n_labels), array("f", probs)),
            "probs": Tensor("float32", (batch, self.n_labels), array("f", probs)),
            "tag_probs": Tensor("float32", shape3, array("f", tag_probs)),
            "tag_ids": Tensor("int64", shape3, array("q", tag_ids)),
        }

    def release(self, value) -> None:
        pass

    def close(self) -> None:
        pass


def _softmax(xs: list[float]) -> list[float]:
    exps = [math.exp(x) for x in xs]
    return [e / sum(exps) for e in exps]
