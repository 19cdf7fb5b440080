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

    def forward(self, x: torch.Tensor, bias: torch.Tensor, cls_only: bool = False) -> torch.Tensor:
        """``cls_only``: only the [CLS] row is computed (queries, residual, feed-forward); it still attends
        to every position. A sequence head's last layer needs nothing else: S times less work after the
        keys and values."""
        query = x[:, :1] if cls_only else x
        q = split_heads(self.q(query), self.n_head)
        k, v = (split_heads(proj(x), self.n_head) for proj in (self.k, self.v))
        x = self.ln1(query + self.attn_out(attention(q, k, v, bias, self.head_dim)))
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
        x = self.embed(input_ids)
        return self.classify(self.run_layers(x, self.attention_bias(attention_mask, x.dtype)))

    def embed(self, input_ids: torch.Tensor) -> torch.Tensor:
        """Token + position (+ type 0) embeddings, normalized: the input of layer 0."""
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = self.tok_emb(input_ids) + self.pos_emb(positions)[None]
        if self.type_emb is not None:
            x = x + self.type_emb.weight[0]
        return self.emb_ln(x)

    @staticmethod
    def attention_bias(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        # Padding keys get the most negative float, as in HF, so masked scores vanish in the softmax.
        return (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min

    def run_layers(
        self, x: torch.Tensor, bias: torch.Tensor, start: int = 0, cls_only_last: bool = False
    ) -> torch.Tensor:
        """Layers ``start``.. on hidden state ``x``; ``cls_only_last``: the last one computes [CLS] only."""
        layers = list(self.layers)[start:]
        for i, layer in enumerate(layers):
            x = layer(x, bias, cls_only=cls_only_last and i == len(layers) - 1)
        return x

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """The head on the last hidden state: every position (token head) or the pooled [CLS] row."""
        if self.config.head == "token":
            return self.classifier(x)
        pooled = x[:, 0]
        if self.pooler is not None:
            pooled = ACTIVATIONS[self.config.pooler_act](self.pooler(pooled))
        return self.classifier(pooled)
