"""GPT-2-family decoder-only LM with a KV cache."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .common import ACTIVATIONS, attention, split_heads


@dataclass(frozen=True)
class DecoderConfig:
    vocab_size: int
    hidden: int
    n_layer: int
    n_head: int
    ff: int
    max_positions: int
    act: str = "gelu_new"
    eps: float = 1e-5
    tied: bool = True  # the LM head reuses the token embedding table


class DecoderLayer(nn.Module):
    """Pre-LayerNorm block as in GPT-2; attends to the cached keys/values plus the new tokens."""

    def __init__(self, c: DecoderConfig) -> None:
        super().__init__()
        self.n_head, self.head_dim = c.n_head, c.hidden // c.n_head
        self.act = ACTIVATIONS[c.act]
        self.ln1 = nn.LayerNorm(c.hidden, eps=c.eps)
        self.qkv = nn.Linear(c.hidden, 3 * c.hidden)
        self.attn_out = nn.Linear(c.hidden, c.hidden)
        self.ln2 = nn.LayerNorm(c.hidden, eps=c.eps)
        self.ff_in = nn.Linear(c.hidden, c.ff)
        self.ff_out = nn.Linear(c.ff, c.hidden)

    def forward(
        self, x: torch.Tensor, past_k: torch.Tensor, past_v: torch.Tensor, bias: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        q, k, v = (split_heads(t, self.n_head) for t in self.qkv(self.ln1(x)).chunk(3, dim=-1))
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        x = x + self.attn_out(attention(q, k, v, bias, self.head_dim))
        x = x + self.ff_out(self.act(self.ff_in(self.ln2(x))))
        return x, k, v


class Decoder(nn.Module):
    """``forward(input_ids [B,T], k0, v0, k1, v1, ...) -> (logits [B,T,V], present k0, v0, ...)``.

    Past keys/values are [B, H, P, Dh] (every row holds P tokens: no padding, no mask); positions P..P+T-1
    and the causal mask come from P, so a call with the whole sequence and P = 0 equals a call per token
    feeding back the presents.
    """

    def __init__(self, c: DecoderConfig) -> None:
        super().__init__()
        self.config = c
        self.tok_emb = nn.Embedding(c.vocab_size, c.hidden)
        self.pos_emb = nn.Embedding(c.max_positions, c.hidden)
        self.layers = nn.ModuleList(DecoderLayer(c) for _ in range(c.n_layer))
        self.ln_f = nn.LayerNorm(c.hidden, eps=c.eps)
        self.lm_head = None if c.tied else nn.Linear(c.hidden, c.vocab_size, bias=False)

    def forward(self, input_ids: torch.Tensor, *past: torch.Tensor) -> tuple[torch.Tensor, ...]:
        p, t = past[0].shape[2], input_ids.shape[1]
        q_pos = torch.arange(t, device=input_ids.device) + p
        k_pos = torch.arange(p + t, device=input_ids.device)
        x = self.tok_emb(input_ids) + self.pos_emb(q_pos)[None]
        visible = k_pos[None, :] <= q_pos[:, None]
        bias = torch.where(visible, 0.0, torch.finfo(x.dtype).min)
        presents: list[torch.Tensor] = []
        for i, layer in enumerate(self.layers):
            x, k, v = layer(x, past[2 * i], past[2 * i + 1], bias)
            presents += [k, v]
        x = self.ln_f(x)
        weight = self.tok_emb.weight if self.lm_head is None else self.lm_head.weight
        return (torch.matmul(x, weight.t()), *presents)
