"""Several heads over one encoder: the main model runs whole, each other head branches off its hidden state.

A branch's checkpoint holds copies of the main model's embeddings and lowest ``shared`` layers (frozen while
it was trained), so the graph computes them once; the branch runs only its private layers (the last one on
the [CLS] row alone, all a sequence head reads), then its own pooler and classifier.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .encoder import Encoder


@dataclass(frozen=True)
class Branch:
    """A head that reads the main encoder's hidden state after ``shared`` layers."""

    model: Encoder  # the head's own checkpoint, loaded whole (only its private part is ever run)
    shared: int


class SharedEncoder(nn.Module):
    """``forward(input_ids, attention_mask) -> (main logits, each branch's logits)``, in ``outputs`` order."""

    def __init__(self, main: Encoder, branches: dict[str, Branch], outputs: tuple[str, ...]) -> None:
        super().__init__()
        self.config = main.config
        self.main = main
        self.heads = nn.ModuleDict({task: branch.model for task, branch in branches.items()})
        self.shared = {task: branch.shared for task, branch in branches.items()}
        self.outputs = outputs  # the graph's raw output names: the main head's, then the branches'

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x = self.main.embed(input_ids)
        bias = self.main.attention_bias(attention_mask, x.dtype)
        hidden = [x]  # hidden[n]: after n layers
        for layer in self.main.layers:
            hidden.append(layer(hidden[-1], bias))
        logits = [self.main.classify(hidden[-1])]
        for task, head in self.heads.items():
            n = self.shared[task]
            cls_only = head.config.head == "sequence"
            logits.append(head.classify(head.run_layers(hidden[n], bias, start=n, cls_only_last=cls_only)))
        return tuple(logits)
