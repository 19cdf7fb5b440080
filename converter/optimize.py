"""Offline onnxruntime graph optimization, limited to what onnxruntime-web's wasm build runs.

"extended" constant-folds the shape arithmetic and fuses the int8 MatMuls (DynamicQuantizeMatMul,
MatMulIntegerToFloat), SkipLayerNormalization, Gelu and FusedMatMul (com.microsoft contrib ops).
Measured in onnxruntime-web 1.30 (wasm, 1 thread, Node, 2 shared cores) on the in-progress grammar
student (3 layers x 384, 32 tokens), four rounds: session creation 2.3-3.2 s -> 0.1-0.35 s (the browser
no longer optimizes at load); runs were never slower and typically about 2x faster (91-196 ms -> 20-70 ms;
the autocomplete student's one-token step 10-30 ms -> 4-17 ms), with large noise from the shared cores.
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
