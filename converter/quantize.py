"""Dynamic int8 quantization with signed weights, embedding tables included.

- MatMul with a constant weight -> DynamicQuantizeLinear + MatMulInteger (onnxruntime.quantization), the
  fastest int8 form measured in onnxruntime-web.
- Gather from a constant table (the embeddings, where a small model's bytes are) -> Gather on a signed int8
  table, then Cast and Mul by the gathered rows' scales. One scale per row (symmetric, zero point 0) keeps
  rare tokens with small norms accurate. ORT's own Gather quantization would store unsigned bytes with one
  scale for the whole table.

Fusions come afterwards, in :mod:`converter.optimize`, on the quantized graph.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def quantize_int8(model: onnx.ModelProto, per_channel: bool = False) -> onnx.ModelProto:
    """The int8 version of an fp32 graph (which is left untouched); I/O names and types are unchanged."""
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    return _quantize_matmuls(quantize_embeddings(copy), per_channel)


def quantize_embeddings(model: onnx.ModelProto) -> onnx.ModelProto:
    """Replace every Gather from a 2-D float initializer by an int8 Gather with per-row scales."""
    graph = model.graph
    tables = {t.name: t for t in graph.initializer if t.data_type == TensorProto.FLOAT and len(t.dims) == 2}
    # float table -> (int8 table, scales); one table may feed several Gathers
    done: dict[str, tuple[str, str]] = {}
    nodes: list[onnx.NodeProto] = []
    for node in graph.node:
        nodes.append(node)
        axis = next((a.i for a in node.attribute if a.name == "axis"), 0)
        if node.op_type != "Gather" or node.input[0] not in tables or axis != 0:
            continue
        table = node.input[0]
        if table not in done:
            done[table] = _quantize_rows(graph, tables[table])
        q_table, scales = done[table]
        out, ids, tag = node.output[0], node.input[1], node.output[0] + "_q"
        node.input[0], node.output[0] = q_table, tag + "_int8"
        nodes += [
            helper.make_node("Cast", [tag + "_int8"], [tag + "_float"], to=TensorProto.FLOAT),
            helper.make_node("Gather", [scales, ids], [tag + "_scale"], axis=0),
            helper.make_node("Unsqueeze", [tag + "_scale", _axes_last(graph)], [tag + "_scale2"]),
            helper.make_node("Mul", [tag + "_float", tag + "_scale2"], [out]),
        ]
    del graph.node[:]
    graph.node.extend(nodes)
    # Drop float tables that nothing reads any more (a tied LM head keeps reading its own copy).
    used = {name for node in graph.node for name in node.input}
    kept = [t for t in graph.initializer if t.name in used or t.name not in done]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    return model


def _axes_last(graph: onnx.GraphProto) -> str:
    name = "slm_axes_last"
    if not any(t.name == name for t in graph.initializer):
        graph.initializer.append(numpy_helper.from_array(np.array([-1], dtype=np.int64), name))
    return name


def _quantize_rows(graph: onnx.GraphProto, table: onnx.TensorProto) -> tuple[str, str]:
    """Add the int8 table and its per-row float scales as initializers; returns their names."""
    weights = numpy_helper.to_array(table).astype(np.float32)
    scale = np.abs(weights).max(axis=1) / 127.0
    scale[scale == 0] = 1.0  # all-zero rows (e.g. padding) would divide by zero
    q = np.clip(np.rint(weights / scale[:, None]), -127, 127).astype(np.int8)
    q_name, s_name = table.name + "_int8", table.name + "_row_scale"
    graph.initializer.extend(
        [numpy_helper.from_array(q, q_name), numpy_helper.from_array(scale.astype(np.float32), s_name)]
    )
    return q_name, s_name


def _quantize_matmuls(model: onnx.ModelProto, per_channel: bool) -> onnx.ModelProto:
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
                op_types_to_quantize=["MatMul"],
                # Only weights (constant B) are quantized; activation x activation MatMuls (attention
                # scores) stay float for accuracy.
                extra_options={"MatMulConstBOnly": True},
            )
        finally:
            root.setLevel(level)
        return onnx.load_model(dst)
