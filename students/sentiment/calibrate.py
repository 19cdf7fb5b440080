"""Decision and probability calibration on dev: a neutral bias, then a temperature.

``fit_bias(logits, labels, index)`` picks an additive bias for one class (neutral) that maximizes the
balanced accuracy (mean recall over the gold classes) on dev: the neutral class is trained from noisier
sources than the polar ones, and the bias moves the boundary without retraining. ``fit_temperature``
then picks one scalar T so that ``softmax((logits + bias) / T)`` gives honest probabilities (dev negative
log-likelihood; a 1-D grid, then a finer one around the best). :func:`bake` writes both into the
classifier's weights and bias, so the bundle's softmax returns the calibrated scores and the runtime
needs no extra parameter.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

COARSE = [0.5 + 0.1 * i for i in range(26)]  # temperatures 0.5 .. 3.0
BIASES = [round(-3.0 + 0.1 * i, 1) for i in range(61)]  # -3.0 .. 3.0


def nll(logits: torch.Tensor, labels: torch.Tensor, temperature: float) -> float:
    return F.cross_entropy(logits / temperature, labels).item()


def balanced_accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    predicted = logits.argmax(-1)
    recalls = [(predicted[labels == c] == c).float().mean().item() for c in labels.unique()]
    return sum(recalls) / len(recalls)


def bias_vector(size: int, index: int, bias: float) -> torch.Tensor:
    vector = torch.zeros(size)
    vector[index] = bias
    return vector


def fit_bias(logits: torch.Tensor, labels: torch.Tensor, index: int) -> float:
    """The bias on class ``index`` with the best dev balanced accuracy (the smallest one of a tie)."""
    size = logits.shape[-1]

    def quality(bias: float) -> tuple[float, float]:
        return balanced_accuracy(logits + bias_vector(size, index, bias), labels), -abs(bias)

    return max(BIASES, key=quality)


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    best = min(COARSE, key=lambda t: nll(logits, labels, t))
    fine = [best + 0.01 * i for i in range(-9, 10)]
    return round(min(fine, key=lambda t: nll(logits, labels, t)), 2)


def bake(model: torch.nn.Module, temperature: float, bias: torch.Tensor | None = None) -> None:
    """Make a sequence classifier's last linear layer compute ``(logits + bias) / temperature``."""
    with torch.no_grad():
        if bias is not None:
            model.classifier.bias += bias
        model.classifier.weight /= temperature
        model.classifier.bias /= temperature
