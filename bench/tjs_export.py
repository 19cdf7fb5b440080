"""The student checkpoints exported the way transformers.js expects them, for a like-for-like comparison.

transformers.js loads a model folder (``config.json``, ``tokenizer.json``, ``tokenizer_config.json``,
``generation_config.json`` for generation, ``onnx/model_quantized.onnx``) and does tokenization, softmax and
decoding in JS. Its own tooling quantizes with onnxruntime's standard dynamic int8 (MatMul weights, one
scale per tensor) and leaves the embedding tables in float, so that is what this export does. The graph
itself comes from the converter (same torch modules, same weights as the ``.slm`` bundle) without the
head our runtime adds: raw ``logits`` out, and for the decoder the full ``[1, T, V]`` logits plus
``present.{i}.key/value``, the KV-cache names transformers.js feeds back.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

# What transformers.js reads from tokenizer_config.json per tokenizer family.
TOKENIZER_CONFIGS: dict[str, dict[str, Any]] = {
    "sentiment": {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": 128},
    "grammar": {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": 128},
    "autocomplete": {"tokenizer_class": "GPT2Tokenizer", "model_max_length": 256, "add_prefix_space": False},
}
QUANTIZED = "onnx/model_quantized.onnx"


def _no_padding(tokenizer: dict[str, Any]) -> dict[str, Any]:
    """transformers.js pads and truncates itself; a padding section in tokenizer.json would pad to 128."""
    return {**tokenizer, "padding": None, "truncation": None}


def quantize_standard(fp32: Path, out: Path) -> None:
    """onnxruntime's stock dynamic int8 as transformers.js' tooling applies it (embeddings stay float)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        fp32,
        out,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
        extra_options={"MatMulConstBOnly": True},
    )


def export_tjs(checkpoint: Path, task: str, out: Path) -> Path:
    """Write the transformers.js model folder for ``checkpoint`` (an HF-layout student) at ``out``."""
    import onnx

    from converter.build import build_module
    from converter.checkpoint import load_checkpoint
    from converter.export import export_module

    ckpt = load_checkpoint(checkpoint)
    module, _ = build_module(ckpt, task)
    model = export_module(module)
    if out.exists():
        shutil.rmtree(out)
    (out / "onnx").mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model.onnx"
        onnx.save_model(model, fp32)
        quantize_standard(fp32, out / QUANTIZED)
    shutil.copy(checkpoint / "config.json", out / "config.json")
    (out / "tokenizer.json").write_text(json.dumps(_no_padding(ckpt.tokenizer)), encoding="utf-8")
    (out / "tokenizer_config.json").write_text(json.dumps(TOKENIZER_CONFIGS[task]), encoding="utf-8")
    if task == "autocomplete":
        eos = ckpt.config.get("eos_token_id", 0)
        generation = {"bos_token_id": ckpt.config.get("bos_token_id", eos), "eos_token_id": eos}
        (out / "generation_config.json").write_text(json.dumps(generation), encoding="utf-8")
    return out
