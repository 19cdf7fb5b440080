"""Offline onnxruntime graph optimization, limited to what onnxruntime-web's wasm build runs.

"extended" constant-folds the shape arithmetic and fuses the int8 MatMuls (DynamicQuantizeMatMul,
MatMulIntegerToFloat), SkipLayerNormalization, Gelu and FusedMatMul (com.microsoft contrib ops).
In onnxruntime-web it makes session creation many times faster (the browser no longer optimizes at load)
and runs never slower, typically faster (bench/ANALYSIS.md, "Figures that code comments used to quote").
``tests/converter/test_ort_web.py`` runs every optimized bundle graph in onnxruntime-web. The "all" level is
not offered: its layout transformations are specific to the CPU they ran on.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

LEVELS = ("none", "basic", "extended")


def optimize(model: bytes, level: str) -> bytes:
    """The model after onnxruntime's offline optimization at ``level`` ("none" returns it unchanged)."""
    if level == "none":
        return model
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = {
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    }[level]
    options.intra_op_num_threads = 1
    with tempfile.TemporaryDirectory() as tmp:
        options.optimized_model_filepath = str(Path(tmp) / "optimized.onnx")
        ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        return Path(options.optimized_model_filepath).read_bytes()
