"""ONNX graph surgery: bring any source graph to the bundle's graph I/O (docs/bundle-format.md).

``normalize_inputs`` adapts foreign exports (extra ``token_type_ids``, ``position_ids`` or ``attention_mask``
inputs are computed in the graph instead); ``add_head`` appends the task's post-processing (softmax, top-k)
after the raw ``logits`` and drops outputs the runtime does not read; ``add_heads`` does it for each head of
a shared graph (one raw output per head).
"""

from __future__ import annotations

from dataclasses import dataclass

import onnx
from onnx import TensorProto, helper, numpy_helper

from slm_web.registry import TASKS

from .errors import ConvertError

LOGITS = "logits"
LAST_HIDDEN = "slm_last_hidden"  # the LM head's input: the last position's hidden state (see lm_head)


def _const(graph: onnx.GraphProto, name: str, values: list[int], scalar: bool = False) -> str:
    import numpy as np

    array = np.array(values[0] if scalar else values, dtype=np.int64)
    graph.initializer.append(numpy_helper.from_array(array, name))
    return name


def _replace_outputs(graph: onnx.GraphProto, outputs: list[onnx.ValueInfoProto]) -> None:
    del graph.output[:]
    graph.output.extend(outputs)


def _require_output(graph: onnx.GraphProto, name: str) -> None:
    if name not in [o.name for o in graph.output]:
        found = ", ".join(o.name for o in graph.output)
        raise ConvertError(f"the ONNX graph has no {name!r} output (outputs: {found})")


def _kv_outputs(graph: onnx.GraphProto) -> list[onnx.ValueInfoProto]:
    return [o for o in graph.output if o.name.startswith("present.")]


@dataclass(frozen=True)
class Head:
    """One task head to append: its task, the raw output it reads, and its k (tags per token, candidates)."""

    task: str
    k: int = 0
    logits: str = LOGITS


def classifier_head(graph: onnx.GraphProto, head: Head) -> list[onnx.ValueInfoProto]:
    """logits [B,L] -> logits, probs (softmax). A shared graph's raw tensor gets the name ``logits``."""
    if head.logits != LOGITS:
        rename = helper.make_node("Identity", [head.logits], [LOGITS], name=f"slm_{head.task}_to_logits")
        graph.node.append(rename)
    graph.node.append(helper.make_node("Softmax", [LOGITS], ["probs"], axis=-1, name="slm_softmax"))
    return [
        helper.make_tensor_value_info(LOGITS, TensorProto.FLOAT, ["batch", "labels"]),
        helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", "labels"]),
    ]


def tagger_head(graph: onnx.GraphProto, head: Head) -> list[onnx.ValueInfoProto]:
    """logits [B,S,T] -> tag_probs, tag_ids [B,S,k] (the k most likely tags per token, descending)."""
    graph.node.extend(
        [
            helper.make_node(
                "Softmax", [head.logits], ["slm_tag_probs_all"], axis=-1, name="slm_tag_softmax"
            ),
            helper.make_node(
                "TopK",
                ["slm_tag_probs_all", _const(graph, "slm_tag_k", [head.k])],
                ["tag_probs", "tag_ids"],
                axis=-1,
                name="slm_topk",
            ),
        ]
    )
    shape = ["batch", "sequence", head.k]
    return [
        helper.make_tensor_value_info("tag_probs", TensorProto.FLOAT, shape),
        helper.make_tensor_value_info("tag_ids", TensorProto.INT64, shape),
    ]


def _broadcast_past(graph: onnx.GraphProto) -> None:
    """Each past input is expanded to the batch of ``input_ids``, so a one-row past (the prompt's cache, at
    a batch's first step) serves every row without the runtime copying it; a B-row past is left as it is."""
    batch = helper.make_node("Shape", ["input_ids"], ["slm_past_batch"], start=0, end=1)
    ones = _const(graph, "slm_past_ones", [1, 1, 1])
    nodes = [batch, helper.make_node("Concat", ["slm_past_batch", ones], ["slm_past_shape"], axis=0)]
    for past in [i.name for i in graph.input if i.name.startswith("past_key_values.")]:
        for node in graph.node:
            node.input[:] = [f"slm_rows.{past}" if name == past else name for name in node.input]
        nodes.append(helper.make_node("Expand", [past, "slm_past_shape"], [f"slm_rows.{past}"]))
    for node in reversed(nodes):
        graph.node.insert(0, node)


def lm_head(graph: onnx.GraphProto, head: Head) -> list[onnx.ValueInfoProto]:
    """logits [B,T,V] -> top_logits, top_ids [B,k] of each row's last position; the presents stay outputs.

    The past inputs may also have one row for all rows of ``input_ids`` (:func:`_broadcast_past`).

    When ``logits`` come straight from a MatMul (the LM head), the last position is taken *before* it, so
    a long prompt's first call projects one hidden state onto the vocabulary instead of T of them.
    """
    _broadcast_past(graph)
    logits, k = head.logits, head.k
    last = _const(graph, "slm_last", [-1], scalar=True)
    producer = next((n for n in graph.node if logits in n.output), None)
    if producer is not None and producer.op_type == "MatMul":
        gather = helper.make_node("Gather", [producer.input[0], last], [LAST_HIDDEN], axis=1)
        graph.node.insert(list(graph.node).index(producer), gather)
        producer.input[0], producer.output[0] = LAST_HIDDEN, "slm_last_logits"
    else:
        graph.node.append(helper.make_node("Gather", [logits, last], ["slm_last_logits"], axis=1))
    graph.node.append(
        helper.make_node(
            "TopK", ["slm_last_logits", _const(graph, "slm_top_k", [k])], ["top_logits", "top_ids"], axis=-1
        )
    )
    return [
        helper.make_tensor_value_info("top_logits", TensorProto.FLOAT, ["batch", k]),
        helper.make_tensor_value_info("top_ids", TensorProto.INT64, ["batch", k]),
        *_kv_outputs(graph),
    ]


# The registry's head of a task -> what appends it (None: a decoder's language-model head).
HEADS = {"sequence": classifier_head, "token": tagger_head, None: lm_head}


def add_head(model: onnx.ModelProto, task: str, k: int = 0) -> onnx.ModelProto:
    """Append ``task``'s post-processing to a raw graph (``k``: tags per token or LM candidates)."""
    return add_heads(model, [Head(task, k)])


def add_heads(model: onnx.ModelProto, heads: list[Head]) -> onnx.ModelProto:
    """Append each head's post-processing; the graph's outputs become theirs, in order (raw ones go).

    A shared graph's heads must not name the same output: each task's output names are fixed (the
    registry's), so two heads of one graph are two tasks.
    """
    outputs: list[onnx.ValueInfoProto] = []
    for head in heads:
        _require_output(model.graph, head.logits)
        outputs += HEADS[TASKS[head.task].head](model.graph, head)
    names = [o.name for o in outputs]
    clash = next((name for name in names if names.count(name) > 1), None)
    if clash is not None:
        raise ConvertError(f"two heads of one graph both output {clash!r}")
    _replace_outputs(model.graph, outputs)
    onnx.checker.check_model(model)
    return model


def _input(graph: onnx.GraphProto, name: str) -> onnx.ValueInfoProto | None:
    return next((i for i in graph.input if i.name == name), None)


def _computed_input(graph: onnx.GraphProto, name: str, nodes: list[onnx.NodeProto]) -> None:
    """Turn graph input ``name`` into a value computed by ``nodes`` (prepended: topological order holds)."""
    graph.input.remove(_input(graph, name))
    for node in reversed(nodes):
        graph.node.insert(0, node)


def _ones_or_zeros(name: str, shape: str, value: int) -> onnx.NodeProto:
    return helper.make_node(
        "ConstantOfShape", [shape], [name], value=helper.make_tensor("v", TensorProto.INT64, [1], [value])
    )


def normalize_inputs(model: onnx.ModelProto, task: str) -> onnx.ModelProto:
    """Make a foreign export take exactly the bundle's inputs; computes what it needs from them."""
    graph = model.graph
    if _input(graph, "input_ids") is None:
        raise ConvertError("the ONNX graph has no 'input_ids' input")
    if TASKS[task].head is not None:  # an encoder (a decoder reads its KV cache instead of a mask)
        if _input(graph, "attention_mask") is None:
            raise ConvertError("the ONNX graph has no 'attention_mask' input")
        if _input(graph, "token_type_ids") is not None:
            # Single sentences: token types are all zero, the same shape as input_ids.
            _computed_input(
                graph,
                "token_type_ids",
                [
                    helper.make_node("Shape", ["input_ids"], ["slm_ids_shape"]),
                    _ones_or_zeros("token_type_ids", "slm_ids_shape", 0),
                ],
            )
        return model
    pasts = [i.name for i in graph.input if i.name.startswith("past_key_values.")]
    if not pasts or not _kv_outputs(graph):
        raise ConvertError(
            "an autocomplete ONNX graph needs a KV cache: past_key_values.{i}.key/value inputs and "
            "present.{i}.key/value outputs"
        )
    # P (past length) from the first cache input; B, T from input_ids; positions P..P+T-1, mask of B x P+T
    # ones (rows are never padded: every row of a batch has the same length).
    nodes = [
        helper.make_node("Shape", [pasts[0]], ["slm_past_len"], start=2, end=3),
        helper.make_node("Shape", ["input_ids"], ["slm_new_len"], start=1, end=2),
        helper.make_node("Add", ["slm_past_len", "slm_new_len"], ["slm_total_len"]),
    ]
    if _input(graph, "position_ids") is not None:
        one = _const(graph, "slm_one", [1], scalar=True)
        zero = _const(graph, "slm_axis0", [0])
        nodes += [
            helper.make_node("Squeeze", ["slm_past_len", zero], ["slm_p"]),
            helper.make_node("Squeeze", ["slm_total_len", zero], ["slm_pt"]),
            helper.make_node("Range", ["slm_p", "slm_pt", one], ["slm_positions"]),
            helper.make_node("Unsqueeze", ["slm_positions", zero], ["position_ids"]),
        ]
        _computed_input(graph, "position_ids", [])
    if _input(graph, "attention_mask") is not None:
        nodes += [
            helper.make_node("Shape", ["input_ids"], ["slm_batch"], start=0, end=1),
            helper.make_node("Concat", ["slm_batch", "slm_total_len"], ["slm_mask_shape"], axis=0),
            _ones_or_zeros("attention_mask", "slm_mask_shape", 1),
        ]
        _computed_input(graph, "attention_mask", [])
    for node in reversed(nodes):
        graph.node.insert(0, node)
    return model
