"""BERT-family encoder (BERT, MiniLM, DistilBERT) with a sequence- or token-classification head."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .common import ACTIVATIONS, attention, split_heads


@dataclass(frozen=True)
class EncoderConfig:
    vocab_size: int
    hidden: int
    n_layer: int
    n_head: int
    ff: int
    max_positions: int
    n_labels: int
    head: str  # "sequence" (classify the [CLS] vector) or "token" (classify every position)
    act: str = "gelu"
    eps: float = 1e-12
    type_vocab: int = 2  # 0: no token-type embeddings (DistilBERT)
    pooler_act: str | None = "tanh"  # activation after the pooler on [CLS]; None: no pooler


class EncoderLayer(nn.Module):
    """Post-LayerNorm transformer block as in BERT."""

    def __init__(self, c: EncoderConfig) -> None:
        super().__init__()
        self.n_head, self.head_dim = c.n_head, c.hidden // c.n_head
        self.act = ACTIVATIONS[c.act]
        self.q, self.k, self.v = (nn.Linear(c.hidden, c.hidden) for _ in range(3))
        self.attn_out = nn.Linear(c.hidden, c.hidden)
        self.ln1 = nn.LayerNorm(c.hidden, eps=c.eps)
        self.ff_in = nn.Linear(c.hidden, c.ff)
        self.ff_out = nn.Linear(c.ff, c.hidden)
        self.ln2 = nn.LayerNorm(c.hidden, eps=c.eps)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        q, k, v = (split_heads(proj(x), self.n_head) for proj in (self.q, self.k, self.v))
        x = self.ln1(x + self.attn_out(attention(q, k, v, bias, self.head_dim)))
        return self.ln2(x + self.ff_out(self.act(self.ff_in(x))))


class Encoder(nn.Module):
    """``forward(input_ids [B,S], attention_mask [B,S]) -> logits`` ([B,L] or [B,S,L] by ``head``).

    Token types are all zero (single sentences), so row 0 of the token-type table is added as a constant.
    """

    def __init__(self, c: EncoderConfig) -> None:
        super().__init__()
        self.config = c
        self.tok_emb = nn.Embedding(c.vocab_size, c.hidden)
        self.pos_emb = nn.Embedding(c.max_positions, c.hidden)
        self.type_emb = nn.Embedding(c.type_vocab, c.hidden) if c.type_vocab else None
        self.emb_ln = nn.LayerNorm(c.hidden, eps=c.eps)
        self.layers = nn.ModuleList(EncoderLayer(c) for _ in range(c.n_layer))
        self.pooler = nn.Linear(c.hidden, c.hidden) if c.head == "sequence" and c.pooler_act else None
        self.classifier = nn.Linear(c.hidden, c.n_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = self.tok_emb(input_ids) + self.pos_emb(positions)[None]
        if self.type_emb is not None:
            x = x + self.type_emb.weight[0]
        x = self.emb_ln(x)
        # Padding keys get the most negative float, as in HF, so masked scores vanish in the softmax.
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, bias)
        if self.config.head == "token":
            return self.classifier(x)
        pooled = x[:, 0]
        if self.pooler is not None:
            pooled = ACTIVATIONS[self.config.pooler_act](self.pooler(pooled))
        return self.classifier(pooled)
