"""int8 MatMul weights shipped at 4 bits: a signed nibble times a small integer multiplier per group.

The transformer layers' int8 weights are most of a bundle once the vocabulary table is 4-bit (5.5 of
7.8 MB in the sentiment student), and int8 bytes barely compress. Two steps make them 4-bit on the wire
without giving up the int8 kernels (in onnxruntime-web, 4-bit MatMulNBits ran the sentiment student in
23 ms against 5.5 ms, and fp32 weights in 10 ms):

1. :func:`snap`, at quantization: every group of ``GROUP`` consecutive values along K (a column's rows)
   is rounded, from the float weights, to ``q * m`` with ``q`` a signed nibble and ``m`` in 1..9 chosen
   per group for the least squared error. The result is still an int8 tensor on the same scales, so the
   int8 graph, its fusions and the fp32 agreement check are unchanged.
2. :func:`pack`, after the offline optimization (which would fold it back): an int8 weight whose every
   group is exactly ``q * m`` is replaced by ``packed`` (two nibbles per byte) and ``multipliers`` (one
   byte per group), and a few integer ops that rebuild it. onnxruntime constant-folds those ops when it
   creates the session (its default optimization level, and what slm_web asks for), so the graph that
   runs is the int8 graph; folding the sentiment student costs about 30 ms in onnxruntime-web.

|q * m| stays within the 7-bit range of the int8 weights (MATMUL_QMAX, see :mod:`converter.quantize`).
Bytes: 9/16 of int8's. Measured on the default students (gzip, metric through slm_web):

- sentiment: 6.37 -> 4.87 MB, held-out accuracy 0.8587 -> 0.8571;
- autocomplete (its tied embedding/LM head stays 8-bit): 4.36 -> 3.38 MB, next-word top-3 0.350 / 0.263
  -> 0.360 / 0.273 (prose / everyday), keystroke savings 0.459 / 0.339 -> 0.461 / 0.333;
- grammar: 6.59 -> 5.04 MB, but hand-written ERRANT F0.5 0.896 -> 0.878 (three fewer true edits of 120,
  groups of 8 did no better), so its bundle keeps 8-bit weights (webbuild/bundles.py).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

GROUP = 16
MULTIPLIERS = np.arange(1, 10)
QMAX_INT8 = 63  # converter.quantize.MATMUL_QMAX (imported there from here would be circular)
# The int8 weight inputs (index) of the ops that hold a MatMul's weights after quantization and fusion.
WEIGHT_INPUTS = {"MatMulInteger": 1, "DynamicQuantizeMatMul": 1, "MatMulIntegerToFloat": 1}


def fits(shape: tuple[int, ...] | list[int], axis: int = 0) -> bool:
    """Whether a 2-D weight's groups along ``axis`` are whole and its nibbles fill whole bytes."""
    return len(shape) == 2 and shape[axis] % (2 * GROUP) == 0


def _nibble_range(m: np.ndarray) -> tuple[np.ndarray, int]:
    """q's bounds for multiplier ``m``: -8..7, narrowed so |q * m| <= QMAX_INT8."""
    return -np.minimum(8, QMAX_INT8 // m), 7


def snap(target: np.ndarray, axis: int = 0) -> np.ndarray:
    """int8 values ``q * m`` nearest to ``target`` (float weights divided by their int8 scales), per group
    of ``GROUP`` along ``axis`` of a 2-D array. Needs :func:`fits`."""
    t = np.moveaxis(np.asarray(target, np.float64), axis, 0)
    k, n = t.shape
    groups = t.reshape(k // GROUP, GROUP, n)
    best_err = np.full((k // GROUP, 1, n), np.inf)
    best = np.zeros_like(groups)
    for m in MULTIPLIERS:
        lo, hi = _nibble_range(m)
        q = np.clip(np.rint(groups / m), lo, hi) * m
        err = ((q - groups) ** 2).sum(axis=1, keepdims=True)
        better = err < best_err
        best_err, best = np.where(better, err, best_err), np.where(better, q, best)
    return np.moveaxis(best.reshape(k, n), 0, axis).astype(np.int8)


def split(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """int8 [K, N] -> (packed uint8 [K/2, N], multipliers uint8 [K/GROUP, N]) if every group along K is
    exactly ``q * m``; else None. ``packed`` holds ``q + 8`` of rows 0..K/2-1 in its low nibbles and of
    the rows after in its high ones, so unpacking is a Concat, not an interleave."""
    k, n = weights.shape
    groups = weights.astype(np.int32).reshape(k // GROUP, GROUP, n)
    chosen = np.zeros((k // GROUP, 1, n), np.int32)
    for m in MULTIPLIERS[::-1]:  # the largest exact multiplier; an all-zero group takes 9, any works
        lo, hi = _nibble_range(m)
        exact = ((groups % m == 0) & (groups // m >= lo) & (groups // m <= hi)).all(axis=1, keepdims=True)
        chosen = np.where((chosen == 0) & exact, m, chosen)
    if (chosen == 0).any():
        return None
    q = (groups // chosen + 8).astype(np.uint8).reshape(k, n)
    return q[: k // 2] | (q[k // 2 :] << 4), chosen[:, 0, :].astype(np.uint8)


def unpack(packed: np.ndarray, multipliers: np.ndarray) -> np.ndarray:
    """What the graph's unpacking computes."""
    q = np.concatenate([packed & 15, packed >> 4]).astype(np.int32) - 8
    k, n = q.shape
    return (q.reshape(k // GROUP, GROUP, n) * multipliers[:, None, :]).reshape(k, n).astype(np.int8)


def initializers(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    """Every initializer by name, 4-bit weights rebuilt as the int8 tensors the session folds them into
    (and their two parts left out): for inspecting a graph's weights whichever way they are stored."""
    arrays = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    rebuilt = {
        name.removesuffix("_4bit"): unpack(arrays[name], arrays[name.removesuffix("_4bit") + "_mul"])
        for name in arrays
        if name.endswith("_4bit") and name.removesuffix("_4bit") + "_mul" in arrays
    }
    parts = {n + suffix for n in rebuilt for suffix in ("_4bit", "_mul")}
    return {**{n: a for n, a in arrays.items() if n not in parts}, **rebuilt}


def pack(model: onnx.ModelProto) -> int:
    """Store every exactly snapped int8 MatMul weight of ``model`` at 4 bits, in place; returns how many.

    A weight shared by several nodes (the autocomplete student's tied table) is packed once and rebuilt
    under its own name, so its other users (a Gather) need no change.
    """
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    names = {
        node.input[i]
        for node in graph.node
        if (i := WEIGHT_INPUTS.get(node.op_type)) is not None and len(node.input) > i
    }
    nodes: list[onnx.NodeProto] = []
    packed = 0
    for name in sorted(names):
        t = inits.get(name)
        if t is None or t.data_type != TensorProto.INT8 or not fits(t.dims):
            continue
        parts = split(numpy_helper.to_array(t))
        if parts is None:
            continue
        graph.initializer.remove(t)
        nibbles, multipliers = parts
        graph.initializer.append(numpy_helper.from_array(nibbles, name + "_4bit"))
        graph.initializer.append(numpy_helper.from_array(multipliers, name + "_mul"))
        nodes += _unpack_nodes(name, list(t.dims))
        packed += 1
    # Constant subgraphs first: the graph stays topologically sorted.
    rest = list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes + rest)
    return packed


def _unpack_nodes(name: str, dims: list[int]) -> list[onnx.NodeProto]:
    """packed + multipliers -> the int8 tensor ``name`` [K, N], with opset-13 integer ops only."""
    k, n = dims
    t = name + "_4bit"
    consts = {
        "_16": np.array(16, np.int32),
        "_8": np.array(8, np.int32),
        "_groups": np.array([k // GROUP, GROUP, n], np.int64),
        "_shape": np.array([k, n], np.int64),
        "_axis": np.array([1], np.int64),
    }
    return [
        *(helper.make_node("Constant", [], [t + c], value=numpy_helper.from_array(v, t + c))
          for c, v in consts.items()),
        helper.make_node("Cast", [t], [t + "_i32"], to=TensorProto.INT32),
        helper.make_node("Div", [t + "_i32", t + "_16"], [t + "_hi"]),
        helper.make_node("Mul", [t + "_hi", t + "_16"], [t + "_hi16"]),
        helper.make_node("Sub", [t + "_i32", t + "_hi16"], [t + "_lo"]),
        helper.make_node("Concat", [t + "_lo", t + "_hi"], [t + "_biased"], axis=0),
        helper.make_node("Sub", [t + "_biased", t + "_8"], [t + "_q"]),
        helper.make_node("Reshape", [t + "_q", t + "_groups"], [t + "_qg"]),
        helper.make_node("Cast", [name + "_mul"], [t + "_m"], to=TensorProto.INT32),
        helper.make_node("Unsqueeze", [t + "_m", t + "_axis"], [t + "_m3"]),
        helper.make_node("Mul", [t + "_qg", t + "_m3"], [t + "_wg"]),
        helper.make_node("Reshape", [t + "_wg", t + "_shape"], [t + "_w"]),
        helper.make_node("Cast", [t + "_w"], [name], to=TensorProto.INT8),
    ]
