"""One bundle, several heads: check that other checkpoints share the main one's encoder, and build the graph.

``python -m converter GRAMMAR_CKPT --task grammar --head sentiment=SENT_CKPT`` packs the sentiment head over
the grammar model's embeddings and lowest layers. A head's checkpoint must hold byte-identical copies of
them (frozen while it was trained) and the same tokenizer; the layers that match, counted from the bottom,
are shared (:func:`shared_layers`), the rest are the head's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slm_web.registry import TASKS

from .build import build_module
from .checkpoint import Checkpoint, load_checkpoint
from .errors import ConvertError
from .tokenizer import clean_tokenizer

# Our weight names (converter.architectures renames) that make the embedding, shared by every head.
EMBEDDINGS = ("tok_emb.", "pos_emb.", "type_emb.", "emb_ln.")
# Config fields every head must agree on (a head may have more or fewer layers than the main model).
SAME_FIELDS = ("vocab_size", "hidden", "n_head", "ff", "act", "eps", "type_vocab", "max_positions")


@dataclass(frozen=True)
class HeadSource:
    """Another head of a shared bundle: its checkpoint (labels, slm_task.json) and its shared layer count."""

    task: str
    checkpoint: Checkpoint
    shared_layers: int


def raw_output(task: str) -> str:
    """The raw logits a shared graph gives for ``task`` (converter.postprocess adds the task's outputs)."""
    return f"slm_{task}_logits"


def private_weights(model: Any, main_output: str) -> set[str]:
    """The initializers only the other heads use: those of nodes that ``main_output`` does not depend on
    (the heads' private layers, pooler, classifier), found by walking the graph back from it."""
    producers = {out: node for node in model.graph.node for out in node.output}
    needed, todo = set(), [main_output]
    while todo:
        node = producers.get(todo.pop())
        if node is not None and id(node) not in needed:
            needed.add(id(node))
            todo.extend(node.input)
    inputs = {True: set(), False: set()}  # by whether the main output needs the node
    for node in model.graph.node:
        inputs[id(node) in needed].update(node.input)
    return (inputs[False] - inputs[True]) & {t.name for t in model.graph.initializer}


def check_heads(
    task: str, heads: dict[str, Path], head_matmul_bits: int | None, options: dict[str, Any]
) -> None:
    """Refuse, in one line, heads that cannot share ``task``'s encoder, options that do not combine with
    them, and bits for heads that are not there."""
    if head_matmul_bits is not None and not heads:
        raise ConvertError("--head-matmul-bits needs --head: it sets the bits of the other heads' own layers")
    for head in heads:
        if head not in TASKS:
            raise ConvertError(f"unknown head task {head!r} (known: {', '.join(TASKS)})")
        if head == task:
            raise ConvertError(f"--head {head} is the main task already: each task is one head")
        if TASKS[head].head is None or TASKS[task].head is None:
            raise ConvertError(f"--head needs encoder tasks; {task}+{head} cannot share an encoder")
    given = [name for name, value in options.items() if value]
    if heads and given:
        raise ConvertError(f"--head does not combine with {', '.join(given)}: leave them out")


def build_shared_module(main: Checkpoint, task: str, heads: dict[str, Path], max_length: int) -> tuple[
    Any, list[HeadSource]
]:
    """The torch module computing every head (main first) over one encoder, and the other heads' sources."""
    from .models import Branch, SharedEncoder

    main_module, _ = build_module(main, task, max_length=max_length)
    main_tokenizer = clean_tokenizer(main.tokenizer)
    branches, sources = {}, []
    for head, path in heads.items():
        checkpoint = load_checkpoint(path)
        if clean_tokenizer(checkpoint.tokenizer) != main_tokenizer:
            raise ConvertError(f"the {head} head's tokenizer.json differs from the {task} checkpoint's: "
                               "heads of one bundle share one tokenizer")
        module, _ = build_module(checkpoint, head, max_length=max_length)
        shared = shared_layers(main_module, module, head)
        branches[head] = Branch(module, shared)
        sources.append(HeadSource(head, checkpoint, shared))
    outputs = tuple(raw_output(name) for name in (task, *heads))
    return SharedEncoder(main_module, branches, outputs).eval(), sources


def shared_layers(main: Any, head: Any, task: str) -> int:
    """How many of ``head``'s lowest layers equal ``main``'s, weight for weight; its embeddings must."""
    for name in SAME_FIELDS:
        ours, theirs = getattr(main.config, name), getattr(head.config, name)
        if ours != theirs:
            raise ConvertError(f"the {task} head's {name} is {theirs}, the main model's {ours}: "
                               "heads of one bundle share one encoder")
    a, b = main.state_dict(), head.state_dict()
    embedding = [name for name in a if name.startswith(EMBEDDINGS)]
    differ = next((name for name in embedding if not a[name].equal(b[name])), None)
    if differ is not None:
        raise ConvertError(f"the {task} head's embeddings differ from the main model's ({differ}): "
                           "it was not trained on this encoder")
    n = 0
    while n < min(main.config.n_layer, head.config.n_layer) and all(
        a[name].equal(b[name]) for name in a if name.startswith(f"layers.{n}.")
    ):
        n += 1
    return n
