"""Quantization-aware training for bundles with 4-bit MatMul weights (``converter.matmul4``).

The converter rounds each Linear weight to int8 on one scale per output feature (ORT's per-channel
dynamic quantization: 2 * max|w| / 127, 7-bit values) and then each group of ``matmul4.GROUP`` inputs of
an output to a signed nibble times a multiplier 1..9. :func:`fake_quantize_linears` makes a model's
forward use exactly those values, with a straight-through gradient to the float weights, so a short
fine-tune can learn around the rounding. The saved weights stay float; the converter snaps them again.
"""

from __future__ import annotations

import torch

from converter import matmul4

# ORT's symmetric int8 range with reduce_range (-64..63): scale = (max - min) / (qmax - qmin).
SCALE_DIVISOR = 127 / 2


def snap_int4(weight: torch.Tensor) -> torch.Tensor:
    """``weight`` [out, in] as the bundle will hold it (see the module docstring); torch's
    ``matmul4.snap`` of the transposed int8 target, on the per-output scales."""
    out_features, in_features = weight.shape
    scale = (weight.abs().amax(dim=1, keepdim=True) / SCALE_DIVISOR).clamp_min(1e-12)
    groups = (weight / scale).reshape(out_features, in_features // matmul4.GROUP, matmul4.GROUP)
    best, best_err = torch.zeros_like(groups), torch.full((*groups.shape[:2], 1), float("inf"))
    for m in matmul4.MULTIPLIERS.tolist():
        low, high = matmul4.nibble_range(m)
        q = torch.clamp(torch.round(groups / m), low, high) * m
        err = ((q - groups) ** 2).sum(dim=2, keepdim=True)
        better = err < best_err
        best, best_err = torch.where(better, q, best), torch.where(better, err, best_err)
    return best.reshape(out_features, in_features) * scale


def fake_quantize_linears(model: torch.nn.Module) -> int:
    """Make every Linear whose inputs split into whole groups run on :func:`snap_int4` of its weight
    (straight-through gradient); returns how many. ``state_dict`` is unchanged."""
    count = 0
    for linear in model.modules():
        if isinstance(linear, torch.nn.Linear) and matmul4.fits(tuple(linear.weight.shape), axis=1):
            linear.forward = _fake_quantized_forward(linear)
            count += 1
    return count


def _fake_quantized_forward(linear: torch.nn.Linear):
    def forward(x: torch.Tensor) -> torch.Tensor:
        w = linear.weight
        snapped = w + (snap_int4(w.detach()) - w).detach()
        return torch.nn.functional.linear(x, snapped, linear.bias)

    return forward
