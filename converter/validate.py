"""Validation: run the fp32 and int8 graphs on sample texts (and a labeled eval file) and compare them.

Every task has a record in :data:`CHECKS`: a *runner* that turns one text into predictions (the units
compared for agreement), each a ranked list of candidate ids, and the float values whose difference is
reported (logits, tag probabilities, top-k logits); how deep in int8's ranking fp32's best candidate may sit
and still count as agreement (the gate of ``--min-agreement``; exact top-1 agreement is reported for every
task); and the scorer of a labeled example for ``--eval``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from .errors import ConvertError
from .postprocess import LAST_HIDDEN
from .samples import CALIBRATION_TEXTS, SAMPLE_TEXTS, word_prefixes


def session(model_bytes: bytes) -> Any:
    """An onnxruntime session on one thread (the machine is shared; the models are small)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])


@dataclass
class Context:
    """What the runners need besides the session: the HF tokenizer and the manifest sections."""

    tokenizer: Any  # tokenizers.Tokenizer
    max_length: int
    task_config: dict[str, Any]
    keep_end: bool = False  # a decoder keeps the end of a long text (the runtime does the same)

    def ids(self, text: str) -> list[int]:
        ids = self.tokenizer.encode(text).ids
        return ids[-self.max_length :] if self.keep_end else ids[: self.max_length]


def encoder_outputs(sess: Any, ctx: Context, text: str) -> dict[str, np.ndarray]:
    ids = np.array([ctx.ids(text)], dtype=np.int64)
    outputs = sess.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
    return dict(zip([o.name for o in sess.get_outputs()], outputs, strict=True))


def empty_past(sess: Any, task_config: dict[str, Any]) -> dict[str, np.ndarray]:
    """The first call's KV-cache feeds: [1, H, 0, Dh] per past input."""
    shape = (1, task_config["n_head"], 0, task_config["head_dim"])
    return {i.name: np.zeros(shape, np.float32) for i in sess.get_inputs() if i.name.startswith("past_")}


def decode_steps(
    sess: Any, ids: list[int], task_config: dict[str, Any], step: int = 1
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Feed ``ids`` ``step`` tokens at a time through the KV cache; (top_logits, top_ids) after each call."""
    feeds = empty_past(sess, task_config)
    past_names = list(feeds)
    out_names = [o.name for o in sess.get_outputs()]
    tops = []
    for start in range(0, len(ids), step):
        feeds["input_ids"] = np.array([ids[start : start + step]], dtype=np.int64)
        outputs = dict(zip(out_names, sess.run(None, feeds), strict=True))
        tops.append((outputs["top_logits"][0], outputs["top_ids"][0]))
        feeds.update({name: outputs[name.replace("past_key_values", "present")] for name in past_names})
    return tops


Ranked = list[list[int]]  # per prediction: candidate ids, best first


def run_sentiment(sess: Any, ctx: Context, text: str) -> tuple[Ranked, np.ndarray]:
    out = encoder_outputs(sess, ctx, text)
    return [np.argsort(-out["probs"][0], kind="stable").tolist()], out["logits"][0]


def run_grammar(sess: Any, ctx: Context, text: str) -> tuple[Ranked, np.ndarray]:
    out = encoder_outputs(sess, ctx, text)
    return out["tag_ids"][0].tolist(), out["tag_probs"][0]  # [tokens, tag_top_k], descending


def run_autocomplete(sess: Any, ctx: Context, text: str) -> tuple[Ranked, np.ndarray]:
    ids = ctx.ids(text)
    (top_logits, top_ids), *_ = decode_steps(sess, ids, ctx.task_config, step=len(ids))  # one call
    return [top_ids.tolist()], top_logits


def sample_texts(task: str) -> list[str]:
    if CHECKS[task].per_prefix:
        return [prefix for text in SAMPLE_TEXTS for prefix in word_prefixes(text)]
    return list(SAMPLE_TEXTS)


def head_input_absmax(fp32: onnx.ModelProto, ctx: Context) -> np.ndarray | None:
    """Per-channel max |x| of the LM head's input over the calibration texts' word prefixes (the positions
    whose next token a completion asks for); None for a graph without an LM head."""
    if not any(LAST_HIDDEN in node.output for node in fp32.graph.node):
        return None
    probe = onnx.ModelProto()
    probe.CopyFrom(fp32)
    probe.graph.output.append(onnx.helper.make_empty_tensor_value_info(LAST_HIDDEN))
    sess = session(probe.SerializeToString())
    absmax: np.ndarray | None = None
    for text in (prefix for t in CALIBRATION_TEXTS for prefix in word_prefixes(t)):
        feeds = {**empty_past(sess, ctx.task_config), "input_ids": np.array([ctx.ids(text)], dtype=np.int64)}
        (hidden,) = sess.run([LAST_HIDDEN], feeds)
        row = np.abs(hidden).reshape(-1, hidden.shape[-1]).max(axis=0)
        absmax = row if absmax is None else np.maximum(absmax, row)
    return absmax


def agreement_rule(task: str) -> str:
    depth = CHECKS[task].agreement_depth
    return "same top-1" if depth == 1 else f"fp32's top-1 among int8's top {depth}"


def compare(task: str, fp32: bytes, int8: bytes, ctx: Context, progress: bool = False) -> dict[str, Any]:
    """Agreement (by the task's rule), exact top-1 agreement and max abs difference of int8 against fp32."""
    from tqdm import tqdm

    texts = sample_texts(task)
    run, depth = CHECKS[task].run, CHECKS[task].agreement_depth
    a, b = session(fp32), session(int8)
    agree = exact = total = 0
    diff = 0.0
    for text in tqdm(texts, desc="fp32 vs int8", unit="text", disable=not progress, leave=False):
        (pa, va), (pb, vb) = run(a, ctx, text), run(b, ctx, text)
        for x, y in zip(pa, pb, strict=True):
            exact += x[0] == y[0]
            agree += x[0] in y[:depth]
        total += len(pa)
        diff = max(diff, float(np.abs(va - vb).max()))
    return {
        "texts": len(texts),
        "predictions": total,
        "agreement": agree / total,
        "agreement_rule": agreement_rule(task),
        "top1_agreement": exact / total,
        "max_abs_diff": diff,
    }


# --- labeled evaluation (--eval FILE): JSON lines, one example each ---------------------------------


def read_eval(path: Path) -> list[dict[str, Any]]:
    """JSON lines (or plain text lines, taken as ``{"text": line}``)."""
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError as e:
        raise ConvertError(f"cannot read --eval file {path}: {e.strerror or e}") from None
    examples = []
    for n, line in enumerate(lines, 1):
        try:
            item = json.loads(line) if line.lstrip().startswith("{") else {"text": line}
        except json.JSONDecodeError as e:
            raise ConvertError(f"--eval file {path} line {n} is not valid JSON ({e.msg})") from None
        if not isinstance(item.get("text"), str):
            raise ConvertError(f"--eval file {path} line {n} has no 'text' string")
        examples.append(item)
    if not examples:
        raise ConvertError(f"--eval file {path} is empty")
    return examples


def eval_sentiment(sess: Any, ctx: Context, item: dict[str, Any]) -> tuple[int, int]:
    labels = ctx.task_config["labels"]
    if item.get("label") not in labels:
        raise ConvertError(f"eval example label {item.get('label')!r} is not one of {labels}")
    (ranked,), _ = run_sentiment(sess, ctx, item["text"])
    return int(labels[ranked[0]] == item["label"]), 1


def eval_grammar(sess: Any, ctx: Context, item: dict[str, Any]) -> tuple[int, int]:
    """Tag accuracy over words: each word's first sub-token against the example's ``tags`` (one per word)."""
    gold = item.get("tags")
    if not isinstance(gold, list):
        raise ConvertError("grammar eval examples need a 'tags' list (one tag per word)")
    tags = ctx.task_config["tags"]
    preds, _ = run_grammar(sess, ctx, item["text"])
    words = ctx.tokenizer.encode(item["text"]).word_ids[: len(preds)]
    correct = total = 0
    for i, word in enumerate(words):
        if word is None or (i and words[i - 1] == word) or word >= len(gold):
            continue
        correct += int(tags[preds[i][0]] == gold[word])
        total += 1
    return correct, total


def eval_autocomplete(sess: Any, ctx: Context, item: dict[str, Any]) -> tuple[int, int]:
    """Next-token top-1 accuracy along the text, decoding one token per call through the KV cache."""
    ids = ctx.ids(item["text"])
    tops = decode_steps(sess, ids[:-1], ctx.task_config)
    hits = sum(int(top_ids[0] == nxt) for (_, top_ids), nxt in zip(tops, ids[1:], strict=True))
    return hits, len(ids) - 1


@dataclass(frozen=True)
class Checks:
    """How the converter checks one task's graphs: ``run`` gives one text's predictions (compared fp32 vs
    int8, to ``agreement_depth``), ``evaluate`` scores one labeled example for ``metric`` (--eval)."""

    run: Callable[[Any, Context, str], tuple[Ranked, np.ndarray]]
    metric: str
    evaluate: Callable[[Any, Context, dict[str, Any]], tuple[int, int]]
    # A label or an edit tag is one decision: int8 must pick what fp32 picks (depth 1). A language model's
    # next token is often a near-tie between several candidates (on the autocomplete student a few percent
    # of exact top-1s flip under int8 while its next-word top-3 accuracy barely moves), and completion shows
    # a ranked list: int8 agrees when fp32's best token is among its top 3.
    agreement_depth: int = 1
    # A task that judges a prediction per text sees every word prefix of the samples, so agreement is
    # measured on hundreds of predictions rather than a few dozen.
    per_prefix: bool = False


CHECKS = {
    "sentiment": Checks(run_sentiment, "accuracy", eval_sentiment, per_prefix=True),
    "grammar": Checks(run_grammar, "tag_accuracy", eval_grammar),
    "autocomplete": Checks(run_autocomplete, "next_token_accuracy", eval_autocomplete, agreement_depth=3,
                           per_prefix=True),
}


def evaluate(task: str, models: dict[str, bytes], ctx: Context, path: Path, progress: bool) -> dict[str, Any]:
    """The task metric of each model (``{"fp32": bytes, "int8": bytes}``) on a labeled file."""
    from tqdm import tqdm

    metric, score = CHECKS[task].metric, CHECKS[task].evaluate
    examples = read_eval(path)
    result: dict[str, Any] = {"file": str(path), "metric": metric, "examples": len(examples)}
    for name, model in models.items():
        sess = session(model)
        pairs = [score(sess, ctx, item) for item in tqdm(examples, desc=f"eval {name}", disable=not progress)]
        correct, total = (sum(col) for col in zip(*pairs, strict=True))
        result[name] = correct / total if total else 0.0
    return result


def check_parity(tokenizer_json: str, texts: Iterable[str]) -> dict[str, Any]:
    """Compare slm_web's pure-Python tokenizer with HF ``tokenizers`` on ``texts``.

    Returns ``{"status": "ok" | "mismatch" | "unsupported", ...}``; the caller refuses to pack anything
    but ``ok``.
    """
    from tokenizers import Tokenizer

    from slm_web.tokenizers import from_json

    try:
        ours = from_json(tokenizer_json)
    except ValueError as e:
        return {"status": "unsupported", "reason": str(e)}
    reference = Tokenizer.from_str(tokenizer_json)
    texts = list(texts)
    for text in texts:
        expected, got = reference.encode(text).ids, ours.encode(text).ids
        if expected != got:
            return {"status": "mismatch", "text": text, "expected": expected[:20], "got": got[:20]}
    return {"status": "ok", "texts": len(texts)}
