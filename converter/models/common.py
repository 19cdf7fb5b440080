"""Pieces shared by the encoder and the decoder."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

# HF ``hidden_act`` / ``activation_function`` names -> functions.
ACTIVATIONS = {
    "gelu": F.gelu,
    "gelu_new": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "relu": F.relu,
    "tanh": torch.tanh,
}


def split_heads(x: torch.Tensor, n_head: int) -> torch.Tensor:
    """[B, S, D] -> [B, H, S, D/H]."""
    b, s, d = x.shape
    return x.view(b, s, n_head, d // n_head).transpose(1, 2)


def attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bias: torch.Tensor, head_dim: int
) -> torch.Tensor:
    """Scaled dot-product attention over heads ([B, H, S, Dh] each); ``bias`` is added to the scores.

    ``head_dim`` comes from the config (not from a traced shape) so the scale is a plain constant.

    Written out (not ``F.scaled_dot_product_attention``) so the exported graph is plain MatMul/Softmax, which
    dynamic int8 quantization and onnxruntime-web handle well.
    """
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(head_dim) + bias
    out = torch.matmul(torch.softmax(scores, dim=-1), v)
    b, h, s, dh = out.shape
    return out.transpose(1, 2).reshape(b, s, h * dh)
