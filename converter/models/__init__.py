"""Small nanoGPT-style torch modules that load HF state dicts and export clean ONNX graphs.

They reproduce the HF models' forward pass (checked against transformers in the tests) without depending on
transformers, so exporting needs torch only. Each returns raw logits; the task heads (softmax, top-k) are
added to the ONNX graph afterwards by :mod:`converter.postprocess`, the same way for every source.
"""

from .decoder import Decoder, DecoderConfig
from .encoder import Encoder, EncoderConfig
from .shared import Branch, SharedEncoder

__all__ = ["Branch", "Decoder", "DecoderConfig", "Encoder", "EncoderConfig", "SharedEncoder"]
