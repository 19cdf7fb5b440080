"""torch module -> ONNX (opset 17) with the raw graph contract that :mod:`converter.postprocess` extends.

Raw contract: encoders take ``input_ids``, ``attention_mask`` [B,S] and return ``logits`` (a
:class:`~converter.models.SharedEncoder` one raw output per head, named by it); decoders take
``input_ids`` [B,T] and ``past_key_values.{i}.key/value`` [B,H,P,Dh] and return ``logits`` [B,T,V] and
``present.{i}.key/value`` [B,H,P+T,Dh] (B rows of equal length: the hypotheses of one decoding step).
"""

from __future__ import annotations

import io
import warnings
from typing import Any

import onnx

OPSET = 17


def kv_names(n_layer: int, prefix: str) -> list[str]:
    """``prefix.{i}.key``, ``prefix.{i}.value`` for every layer, in the order the decoder takes them."""
    return [f"{prefix}.{i}.{kind}" for i in range(n_layer) for kind in ("key", "value")]


def export_module(module: Any) -> onnx.ModelProto:
    """Trace an :class:`~converter.models.Encoder`, a :class:`~converter.models.SharedEncoder` or a
    :class:`~converter.models.Decoder` to ONNX."""
    import torch

    from .models import Decoder

    config = module.config
    if isinstance(module, Decoder):
        head_dim = config.hidden // config.n_head
        # Non-empty example past and a batch of 2 so the tracer keeps P and B symbolic; P = 0 and B = 1 work
        # at run time.
        past = [torch.zeros(2, config.n_head, 2, head_dim) for _ in range(2 * config.n_layer)]
        args: tuple = (torch.ones(2, 3, dtype=torch.long), *past)
        inputs = ["input_ids", *kv_names(config.n_layer, "past_key_values")]
        outputs = ["logits", *kv_names(config.n_layer, "present")]
        axes = {"input_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch", 1: "sequence"}}
        axes |= {name: {0: "batch", 2: "past_sequence"} for name in inputs[1:]}
        axes |= {name: {0: "batch", 2: "total_sequence"} for name in outputs[1:]}
    else:
        args = (torch.ones(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long))
        # A SharedEncoder names its heads' raw outputs; a plain Encoder has one.
        inputs, outputs = ["input_ids", "attention_mask"], list(getattr(module, "outputs", ["logits"]))
        axes = {name: {0: "batch", 1: "sequence"} for name in inputs}
        axes |= {name: {0: "batch"} for name in outputs}
    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        # The TorchScript exporter is deprecated in favour of dynamo; it is the one that exports
        # opset 17 directly with dynamic axes and plain ops, so silence its notices.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            args,
            buffer,
            dynamo=False,
            opset_version=OPSET,
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=axes,
            do_constant_folding=True,
        )
    return onnx.load_from_string(buffer.getvalue())
