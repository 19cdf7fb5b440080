"""Dynamic int8 quantization with signed weights, embedding tables included.

- MatMul with a constant weight -> DynamicQuantizeLinear + MatMulInteger (onnxruntime.quantization), the
  fastest int8 form measured in onnxruntime-web. Its weights use 7 bits (|q| <= 63, ORT's reduce_range):
  x86 CPUs without VNNI multiply the uint8 activations by int8 weights with ``vpmaddubsw``, whose int16
  pair sums saturate above 32767 (2 x 255 x 127 does, 2 x 255 x 63 cannot), so 8-bit weights give results
  that depend on the CPU. On this AVX2 machine 8-bit weights put the autocomplete student's logits up to
  1.29 from fp32 (top-1 agreement 0.93); 7-bit ones 0.23 (0.98).
- Gather from a constant table (the embeddings, where a small model's bytes are) -> Gather on a signed int8
  table, then Cast and Mul by the gathered rows' scales. One scale per row (symmetric, zero point 0) keeps
  rare tokens with small norms accurate. ORT's own Gather quantization would store unsigned bytes with one
  scale for the whole table.

Fusions come afterwards, in :mod:`converter.optimize`, on the quantized graph.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from . import int4, matmul4

# Largest |q| of a weight that feeds MatMulInteger (see the module docstring); gathered tables use 127.
MATMUL_QMAX = 63
# Tables this tall are vocabularies: at 4 bits they save megabytes. Position tables (128-512 rows) stay int8.
INT4_MIN_ROWS = 2048


def quantize_int8(
    model: onnx.ModelProto,
    per_channel: bool = False,
    head_input_absmax: np.ndarray | None = None,
    embedding_bits: int = 8,
    matmul_bits: int = 8,
    bits_of: Mapping[str, int] | None = None,
) -> onnx.ModelProto:
    """The int8 version of an fp32 graph (which is left untouched); I/O names and types are unchanged.

    ``head_input_absmax``: per-channel max |x| of a tied LM head's input on sample text (calibration, see
    :func:`share_tied_head`); without it the head is quantized unsmoothed. ``embedding_bits``: see
    :func:`quantize_embeddings` (a tied table is also the LM head's weight and stays int8).
    ``matmul_bits`` 4: MatMul weights are snapped to int8 values that 4 bits carry
    (:func:`converter.matmul4.snap`; the site ships them at 4 bits). A tied table stays 8-bit: snapped,
    it cost the autocomplete student 1.5 points of keystroke savings, its layers' weights nothing.
    ``bits_of``: MatMul weights (float initializer names) whose bits differ from ``matmul_bits`` (the
    private layers of a shared graph's other heads: :func:`converter.shared.private_weights`).
    """
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    shared = share_tied_head(copy, head_input_absmax)
    overrides = bits_of or {}
    snapped = lambda name: overrides.get(name, matmul_bits) == 4  # noqa: E731
    return _quantize_matmuls(quantize_embeddings(shared, embedding_bits), per_channel, snapped)


def smoothing_scales(input_absmax: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """SmoothQuant's per-channel scales (alpha 0.5) for ``x @ W.T``, ``W`` [V,D]: x/s, W*s: equal ranges.

    Normalized to a geometric mean of 1 so the int8 grid of neither side moves as a whole.
    """
    w_absmax = np.abs(weights).max(axis=0)
    s = np.sqrt(np.maximum(input_absmax, 1e-5) / np.maximum(w_absmax, 1e-5))
    return (s / np.exp(np.log(s).mean())).astype(np.float32)


def share_tied_head(model: onnx.ModelProto, input_absmax: np.ndarray | None = None) -> onnx.ModelProto:
    """One int8 matrix for a tied embedding table and LM head (GPT-2), instead of two copies.

    The exporter folds the tied head's ``W.T`` into its own initializer. Here ``W`` [V,D] is quantized with
    one scale per token row and stored transposed (Qt [D,V]): the head becomes DynamicQuantizeLinear +
    MatMulInteger(x, Qt) scaled per output column (ORT's own dynamic int8 pattern, which it fuses into
    DynamicQuantizeMatMul), and the embedding lookup gathers columns of Qt. For the autocomplete student
    this saves 2.1 MB of 7.6 MB.

    With ``input_absmax`` the head is smoothed first: the head's input (after the final LayerNorm) has a few
    channels 3-4x wider than the rest, which coarsens the one activation scale of DynamicQuantizeLinear.
    ``W`` is stored as ``W * s`` and the input is divided by ``s`` (:func:`smoothing_scales`); the embedding
    lookup divides its dequantized rows by ``s`` again. Measured on the autocomplete student (per-channel):
    exact int8/fp32 top-1 agreement 0.974 -> 0.983, largest logit difference 0.240 -> 0.227.
    """
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    ranks = {i.name: len(i.type.tensor_type.shape.dim) for i in graph.input}
    gathers = [n for n in graph.node if n.op_type == "Gather" and n.input[0] in inits and _axis(n) == 0]
    heads = [n for n in graph.node if n.op_type == "MatMul" and n.input[1] in inits]
    for head in heads:
        b = numpy_helper.to_array(inits[head.input[1]])
        users = [g for g in gathers if inits[g.input[0]].dims == list(b.shape[::-1]) and g.input[1] in ranks]
        if not users or not np.array_equal(numpy_helper.to_array(inits[users[0].input[0]]).T, b):
            continue
        table = users[0].input[0]
        weights = numpy_helper.to_array(inits[table]).astype(np.float32)
        no_smoothing = np.ones(weights.shape[1], np.float32)
        s = no_smoothing if input_absmax is None else smoothing_scales(input_absmax, weights)
        smooth = _smoothing(graph, s, table)
        smoothed = numpy_helper.from_array(weights * s, table)
        qt, scales = _quantize_rows(graph, smoothed, transposed=True, qmax=MATMUL_QMAX)
        nodes: list[onnx.NodeProto] = []
        for node in graph.node:
            if node.op_type == "Gather" and node.input[0] == table:
                nodes += _unsmooth(_gather_columns(graph, node, qt, scales, ranks[node.input[1]]), smooth)
            elif node is head:
                nodes += _smooth(node, smooth) + _int8_head(node, qt, scales)
            else:
                nodes.append(node)
        del graph.node[:]
        graph.node.extend(nodes)
        _drop_unused_initializers(graph)
        break  # one LM head per graph
    return model


def _smoothing(graph: onnx.GraphProto, s: np.ndarray, table: str) -> str | None:
    """The initializer holding 1/s (None when s is all ones: nothing to undo)."""
    if np.all(s == 1.0):
        return None
    name = table + "_smooth_inv"
    graph.initializer.append(numpy_helper.from_array((1.0 / s).astype(np.float32), name))
    return name


def _smooth(head: onnx.NodeProto, inv: str | None) -> list[onnx.NodeProto]:
    """x -> x / s in front of the head (rewires ``head``'s input; the head node itself is replaced)."""
    if inv is None:
        return []
    x = head.input[0]
    head.input[0] = x + "_smoothed"
    return [helper.make_node("Mul", [x, inv], [head.input[0]])]


def _unsmooth(nodes: list[onnx.NodeProto], inv: str | None) -> list[onnx.NodeProto]:
    """Gathered embedding rows of ``W * s`` -> rows of ``W``: one Mul by 1/s after the dequantization."""
    if inv is None:
        return nodes
    out = nodes[-1].output[0]
    nodes[-1].output[0] = out + "_smoothed"
    return [*nodes, helper.make_node("Mul", [out + "_smoothed", inv], [out])]


def _axis(node: onnx.NodeProto) -> int:
    return next((a.i for a in node.attribute if a.name == "axis"), 0)


def _gather_columns(
    graph: onnx.GraphProto, node: onnx.NodeProto, qt: str, scales: str, rank: int
) -> list[onnx.NodeProto]:
    """Gather(W, ids) as columns of Qt [D,V]: [D, *ids] -> transpose to [*ids, D] -> dequantize."""
    tag, ids = node.output[0] + "_q", node.input[1]
    return [
        helper.make_node("Gather", [qt, ids], [tag + "_cols"], axis=1),
        helper.make_node("Transpose", [tag + "_cols"], [tag + "_int8"], perm=[*range(1, rank + 1), 0]),
        *_dequantize_rows(graph, tag, scales, ids, node.output[0]),
    ]


def _int8_head(node: onnx.NodeProto, qt: str, scales: str) -> list[onnx.NodeProto]:
    """MatMul(x, W.T) -> DynamicQuantizeLinear(x), MatMulInteger(x, Qt), scaled by x's scale x row scales."""
    x, out, tag = node.input[0], node.output[0], node.output[0] + "_q"
    return [
        helper.make_node("DynamicQuantizeLinear", [x], [tag + "_x", tag + "_xs", tag + "_xzp"]),
        helper.make_node("MatMulInteger", [tag + "_x", qt, tag + "_xzp"], [tag + "_int32"]),
        helper.make_node("Cast", [tag + "_int32"], [tag + "_float"], to=TensorProto.FLOAT),
        helper.make_node("Mul", [tag + "_xs", scales], [tag + "_scale"]),
        helper.make_node("Mul", [tag + "_float", tag + "_scale"], [out]),
    ]


def _dequantize_rows(
    graph: onnx.GraphProto, tag: str, scales: str, ids: str, out: str
) -> list[onnx.NodeProto]:
    """``tag_int8`` (gathered int8 rows) -> float rows times their gathered per-row scales, into ``out``."""
    return [
        helper.make_node("Cast", [tag + "_int8"], [tag + "_float"], to=TensorProto.FLOAT),
        helper.make_node("Gather", [scales, ids], [tag + "_scale"], axis=0),
        helper.make_node("Unsqueeze", [tag + "_scale", _axes_last(graph)], [tag + "_scale2"]),
        helper.make_node("Mul", [tag + "_float", tag + "_scale2"], [out]),
    ]


def _drop_unused_initializers(graph: onnx.GraphProto) -> None:
    used = {name for node in graph.node for name in node.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)


def quantize_embeddings(model: onnx.ModelProto, bits: int = 8) -> onnx.ModelProto:
    """Replace every Gather from a 2-D float initializer by a quantized Gather.

    ``bits`` 8: an int8 table with one scale per row. 4: tables of at least ``INT4_MIN_ROWS`` rows (the
    vocabulary, not the small position tables) become 4-bit with per-group scales (:mod:`converter.int4`).
    """
    graph = model.graph
    tables = {t.name: t for t in graph.initializer if t.data_type == TensorProto.FLOAT and len(t.dims) == 2}
    # float table -> (quantized table, scales); one table may feed several Gathers
    done: dict[str, tuple[str, str]] = {}
    nodes: list[onnx.NodeProto] = []
    for node in graph.node:
        if node.op_type != "Gather" or node.input[0] not in tables or _axis(node) != 0:
            nodes.append(node)
            continue
        table = tables[node.input[0]]
        four_bit = bits == 4 and table.dims[0] >= INT4_MIN_ROWS and int4.fits(table)
        if table.name not in done:
            done[table.name] = int4.add_table(graph, table) if four_bit else _quantize_rows(graph, table)
        if four_bit:
            nodes += int4.gather_nodes(done[table.name], table.dims[1], node.input[1], node.output[0])
            continue
        q_table, scales = done[table.name]
        out, tag = node.output[0], node.output[0] + "_q"
        node.input[0], node.output[0] = q_table, tag + "_int8"
        nodes += [node, *_dequantize_rows(graph, tag, scales, node.input[1], out)]
    del graph.node[:]
    graph.node.extend(nodes)
    _drop_unused_initializers(graph)  # the float tables
    return model


def _axes_last(graph: onnx.GraphProto) -> str:
    name = "slm_axes_last"
    if not any(t.name == name for t in graph.initializer):
        graph.initializer.append(numpy_helper.from_array(np.array([-1], dtype=np.int64), name))
    return name


def _quantize_rows(
    graph: onnx.GraphProto, table: onnx.TensorProto, transposed: bool = False, qmax: int = 127
) -> tuple[str, str]:
    """Add the int8 table (or its transpose) and its per-row float scales as initializers; returns names."""
    weights = numpy_helper.to_array(table).astype(np.float32)
    scale = np.abs(weights).max(axis=1) / qmax
    scale[scale == 0] = 1.0  # all-zero rows (e.g. padding) would divide by zero
    q = np.clip(np.rint(weights / scale[:, None]), -qmax, qmax).astype(np.int8)
    q_name, s_name = table.name + ("_int8T" if transposed else "_int8"), table.name + "_row_scale"
    if transposed:
        q = np.ascontiguousarray(q.T)
    graph.initializer.extend(
        [numpy_helper.from_array(q, q_name), numpy_helper.from_array(scale.astype(np.float32), s_name)]
    )
    return q_name, s_name


def _quantize_matmuls(
    model: onnx.ModelProto, per_channel: bool, snapped: Callable[[str], bool]
) -> onnx.ModelProto:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        onnx.save_model(model, src)
        # ORT's quantizer logs on the root logger (progress, and advice to pre-process that does not apply:
        # the graph is already constant-folded and we deliberately skip fusions); keep the CLI output clean.
        root, level = logging.getLogger(), logging.getLogger().level
        root.setLevel(logging.ERROR)
        try:
            quantize_dynamic(
                src,
                dst,
                weight_type=QuantType.QInt8,
                per_channel=per_channel,
                reduce_range=True,  # 7-bit weights: MATMUL_QMAX
                op_types_to_quantize=["MatMul"],
                # Only weights (constant B) are quantized; activation x activation MatMuls (attention
                # scores) stay float for accuracy.
                extra_options={"MatMulConstBOnly": True},
            )
        finally:
            root.setLevel(level)
        quantized = onnx.load_model(dst)
    _snap_quantized(quantized, model, snapped)
    return quantized


def _snap_quantized(
    quantized: onnx.ModelProto, source: onnx.ModelProto, snapped: Callable[[str], bool]
) -> None:
    """Snap the weights ORT's quantizer wrote (``W_quantized``, scales ``W_scale``) from their float source
    so that 4 bits carry them (:mod:`converter.matmul4`), those whose float name ``snapped`` picks; weights
    with no known source stay."""
    floats = {t.name: t for t in source.graph.initializer if t.data_type == TensorProto.FLOAT}
    inits = {t.name: t for t in quantized.graph.initializer}
    for name, tensor in inits.items():
        base = name.removesuffix("_quantized")
        if base == name or base + "_scale" not in inits or not matmul4.fits(tensor.dims):
            continue
        if not snapped(base.removesuffix("_Transposed")):
            continue
        weights = _float_source(floats, base)
        if weights is None:
            continue
        scale = numpy_helper.to_array(inits[base + "_scale"]).astype(np.float64)  # one, or one per column
        tensor.CopyFrom(numpy_helper.from_array(matmul4.snap(weights / scale), name))


def _float_source(floats: dict[str, onnx.TensorProto], name: str) -> np.ndarray | None:
    """The float weights ORT quantized as ``name``: an initializer, or (``W_Transposed``, which ORT makes
    of a Gemm's transB weight) its transpose."""
    if name in floats:
        return numpy_helper.to_array(floats[name]).astype(np.float64)
    original = name.removesuffix("_Transposed")
    if original != name and original in floats:
        return numpy_helper.to_array(floats[original]).astype(np.float64).T
    return None
