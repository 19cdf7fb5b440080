"""Offline onnxruntime graph optimization, limited to what onnxruntime-web's wasm build runs.

"extended" constant-folds the shape arithmetic and fuses the int8 MatMuls (DynamicQuantizeMatMul,
MatMulIntegerToFloat), SkipLayerNormalization, Gelu and FusedMatMul (com.microsoft contrib ops).
Measured in onnxruntime-web 1.30 (wasm, 1 thread, Node, 2 shared cores) on the in-progress grammar
student (3 layers x 384, 32 tokens): session creation 2.3-2.8 s -> 0.2-0.35 s (the browser no longer
optimizes at load) and a run 120-135 ms -> 60-70 ms; the autocomplete student (4 layers x 256, one token
after 32): 18-30 ms -> 9-17 ms.
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
