"""Temperature scaling on dev: one scalar T so that softmax(logits / T) gives honest probabilities.

``fit_temperature(logits, labels)`` picks T by dev negative log-likelihood (a 1-D grid, then a finer one
around the best); :func:`bake` divides the classifier's weights and bias by T, so the bundle's softmax
already returns the calibrated scores and the runtime needs no extra parameter. Argmax is unchanged.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

COARSE = [0.5 + 0.1 * i for i in range(26)]  # 0.5 .. 3.0


def nll(logits: torch.Tensor, labels: torch.Tensor, temperature: float) -> float:
    return F.cross_entropy(logits / temperature, labels).item()


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    best = min(COARSE, key=lambda t: nll(logits, labels, t))
    fine = [best + 0.01 * i for i in range(-9, 10)]
    return round(min(fine, key=lambda t: nll(logits, labels, t)), 2)


def bake(model: torch.nn.Module, temperature: float) -> None:
    """Scale a sequence classifier's last linear layer by 1/T in place."""
    with torch.no_grad():
        model.classifier.weight /= temperature
        model.classifier.bias /= temperature
