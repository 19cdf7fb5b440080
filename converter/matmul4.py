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
   byte per group), and a few ops that rebuild it: one Gather from a shared table of byte pairs times
   each multiplier. onnxruntime constant-folds those ops when it creates the session (its default
   optimization level, and what slm_web asks for), so the graph that runs is the int8 graph.

The price is that folding, at every session creation. For the sentiment student: native onnxruntime
10 -> 60-100 ms, onnxruntime-web under Node (2 threads, a fresh process, so on wasm code not yet
optimized, as in a page) 470-560 -> 700-810 ms including its start-up. An earlier chain of elementwise
nibble arithmetic (Div, Mul, Sub, Concat, Mul) cost twice as much natively and 850-1150 ms under Node.

|q * m| stays within the 7-bit range of the int8 weights (MATMUL_QMAX, see :mod:`converter.quantize`).
Bytes: 9/16 of int8's. Measured on the default students (gzip, metric through slm_web):

- sentiment: 6.37 -> 4.87 MB, held-out accuracy 0.8587 -> 0.8571;
- autocomplete (its tied embedding/LM head stays 8-bit): 4.36 -> 3.38 MB, next-word top-3 0.350 / 0.263
  -> 0.360 / 0.273 (prose / everyday), keystroke savings 0.459 / 0.339 -> 0.461 / 0.333;
- grammar: 6.59 -> 5.04 MB, but hand-written ERRANT F0.5 0.896 -> 0.878 (three fewer true edits of 120;
  groups of 8 did no better, nor a fine-tune against the 4-bit weights: its model card), so its bundle
  keeps 8-bit weights (webbuild/bundles.py).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

GROUP = 16
MULTIPLIERS = np.arange(1, 10)
QMAX_INT8 = 63  # converter.quantize.MATMUL_QMAX (imported there from here would be circular)
# The int8 weight inputs (index) of the ops that hold a MatMul's weights after quantization and fusion.
LOOKUP = "matmul4_lookup"  # the shared table of unpacked byte pairs
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
    exactly ``q * m``; else None. Byte ``i`` of a column holds ``q + 8`` of rows ``2i`` (low nibble) and
    ``2i + 1`` (high nibble), which are in the same group and so share its multiplier."""
    k, n = weights.shape
    groups = weights.astype(np.int32).reshape(k // GROUP, GROUP, n)
    chosen = np.zeros((k // GROUP, 1, n), np.int32)
    for m in MULTIPLIERS[::-1]:  # the largest exact multiplier; an all-zero group takes 9, any works
        lo, hi = _nibble_range(m)
        exact = ((groups % m == 0) & (groups // m >= lo) & (groups // m <= hi)).all(axis=1, keepdims=True)
        chosen = np.where((chosen == 0) & exact, m, chosen)
    if (chosen == 0).any():
        return None
    q = (groups // chosen + 8).astype(np.uint8).reshape(k // 2, 2, n)
    return q[:, 0] | (q[:, 1] << 4), chosen[:, 0, :].astype(np.uint8)


def lookup_table() -> np.ndarray:
    """int8 [9 * 256, 2]: row ``256 * (m - 1) + byte`` holds the byte's two values times ``m``."""
    byte = np.arange(256)
    pairs = np.stack([(byte & 15) - 8, (byte >> 4) - 8], axis=1)
    return np.concatenate([np.clip(pairs * m, -128, 127) for m in MULTIPLIERS]).astype(np.int8)


def unpack(packed: np.ndarray, multipliers: np.ndarray) -> np.ndarray:
    """What the graph's unpacking computes."""
    half, n = packed.shape
    offsets = 256 * (multipliers[:, None, :].astype(np.int32) - 1)
    index = packed.astype(np.int32).reshape(-1, GROUP // 2, n) + offsets
    pairs = lookup_table()[index]  # [K/GROUP, GROUP/2, N, 2]
    return pairs.transpose(0, 1, 3, 2).reshape(2 * half, n)


def initializers(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    """Every initializer by name, 4-bit weights rebuilt as the int8 tensors the session folds them into
    (and their two parts left out): for inspecting a graph's weights whichever way they are stored."""
    arrays = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    rebuilt = {
        name.removesuffix("_4bit"): unpack(arrays[name], arrays[name.removesuffix("_4bit") + "_mul"])
        for name in arrays
        if name.endswith("_4bit") and name.removesuffix("_4bit") + "_mul" in arrays
    }
    parts = {n + suffix for n in rebuilt for suffix in ("_4bit", "_mul")} | {LOOKUP}
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
    if packed:
        graph.initializer.append(numpy_helper.from_array(lookup_table(), LOOKUP))
    # Constant subgraphs first: the graph stays topologically sorted.
    rest = list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes + rest)
    return packed


def _unpack_nodes(name: str, dims: list[int]) -> list[onnx.NodeProto]:
    """packed + multipliers -> the int8 tensor ``name`` [K, N]: one Gather from :func:`lookup_table`,
    indexed by each byte plus its group's table offset (few passes over the weights, which matters: the
    folding runs when the session is created, often on wasm code not yet optimized)."""
    k, n = dims
    t = name + "_4bit"
    consts = {
        "_256": np.array(256, np.int32),
        "_1": np.array(1, np.int32),
        "_groups": np.array([k // GROUP, GROUP // 2, n], np.int64),
        "_axis": np.array([1], np.int64),
        "_shape": np.array([k, n], np.int64),
    }
    return [
        *(helper.make_node("Constant", [], [t + c], value=numpy_helper.from_array(v, t + c))
          for c, v in consts.items()),
        helper.make_node("Cast", [name + "_mul"], [t + "_m"], to=TensorProto.INT32),
        helper.make_node("Sub", [t + "_m", t + "_1"], [t + "_m1"]),
        helper.make_node("Mul", [t + "_m1", t + "_256"], [t + "_offset"]),
        helper.make_node("Unsqueeze", [t + "_offset", t + "_axis"], [t + "_offset3"]),
        helper.make_node("Cast", [t], [t + "_i32"], to=TensorProto.INT32),
        helper.make_node("Reshape", [t + "_i32", t + "_groups"], [t + "_bytes"]),
        helper.make_node("Add", [t + "_bytes", t + "_offset3"], [t + "_index"]),
        helper.make_node("Gather", [LOOKUP, t + "_index"], [t + "_pairs"], axis=0),
        helper.make_node("Transpose", [t + "_pairs"], [t + "_rows"], perm=[0, 1, 3, 2]),
        helper.make_node("Reshape", [t + "_rows", t + "_shape"], [name]),
    ]
