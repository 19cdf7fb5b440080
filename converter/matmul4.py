"""int8 MatMul weights that 4 bits can carry: a signed nibble times a small integer multiplier per group.

The transformer layers' int8 weights are most of a bundle once the vocabulary table is 4-bit, and int8
bytes barely compress. 4-bit kernels were measured and rejected: in onnxruntime-web ``MatMulNBits`` ran
the sentiment student several times slower than the int8 kernels, and slower than fp32 weights. So the
graph keeps its int8 kernels and only the bytes on the wire shrink:

1. :func:`snap`, at quantization: every group of ``GROUP`` consecutive values along K (a column's rows)
   is rounded, from the float weights, to ``q * m`` with ``q`` a signed nibble and ``m`` in 1..9 chosen
   per group for the least squared error. The result is an ordinary int8 tensor on the same scales, so
   the bundle, its fusions and the fp32 agreement check are unchanged.
2. :func:`split` / :func:`unpack`: such a tensor is exactly two nibbles per byte plus one multiplier byte
   per group (9/16 of its bytes). The site's build ships bundles in that form (``webbuild/wire.py``) and
   the JS bridge restores the exact bundle before Python verifies it.

An earlier version stored the nibbles inside the ONNX graph and let onnxruntime constant-fold them back
at session creation, which cost far more than the bridge's decoder does (wasm code not yet optimized).

|q * m| stays within the 7-bit range of the int8 weights (MATMUL_QMAX, see :mod:`converter.quantize`).
On the default students it took about a quarter off the wire size of sentiment and autocomplete for no
loss of quality; the grammar student's width, and what it costs it: its model card
(students/checkpoints/grammar/README.md). The figures: bench/ANALYSIS.md, "Figures that code comments used
to quote".
"""

from __future__ import annotations

import numpy as np

GROUP = 16
MULTIPLIERS = np.arange(1, 10)
QMAX_INT8 = 63  # converter.quantize.MATMUL_QMAX (imported there from here would be circular)


def fits(shape: tuple[int, ...] | list[int], axis: int = 0) -> bool:
    """Whether a 2-D weight's groups along ``axis`` are whole and its nibbles fill whole bytes."""
    return len(shape) == 2 and shape[axis] % (2 * GROUP) == 0


def nibble_range(m: int) -> tuple[int, int]:
    """q's bounds for multiplier ``m``: -8..7, narrowed so |q * m| <= QMAX_INT8."""
    return -min(8, QMAX_INT8 // m), 7


def snap(target: np.ndarray, axis: int = 0) -> np.ndarray:
    """int8 values ``q * m`` nearest to ``target`` (float weights divided by their int8 scales), per group
    of ``GROUP`` along ``axis`` of a 2-D array. Needs :func:`fits`."""
    t = np.moveaxis(np.asarray(target, np.float64), axis, 0)
    k, n = t.shape
    groups = t.reshape(k // GROUP, GROUP, n)
    best_err = np.full((k // GROUP, 1, n), np.inf)
    best = np.zeros_like(groups)
    for m in MULTIPLIERS.tolist():
        lo, hi = nibble_range(m)
        q = np.clip(np.rint(groups / m), lo, hi) * m
        err = ((q - groups) ** 2).sum(axis=1, keepdims=True)
        better = err < best_err
        best_err, best = np.where(better, err, best_err), np.where(better, q, best)
    return np.moveaxis(best.reshape(k, n), 0, axis).astype(np.int8)


def split(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """int8 [K, N] -> (packed uint8 [K/2, N], multipliers uint8 [K/GROUP, N]) if every group along K is
    exactly ``q * m``; else None. Byte ``i`` of a column holds ``q + 8`` of rows ``2i`` (low nibble) and
    ``2i + 1`` (high nibble), which are in the same group and so share its multiplier."""
    k, n = weights.shape
    groups = weights.astype(np.int32).reshape(k // GROUP, GROUP, n)
    chosen = np.zeros((k // GROUP, 1, n), np.int32)
    for m in MULTIPLIERS[::-1].tolist():  # the largest exact multiplier; an all-zero group takes 9, any works
        lo, hi = nibble_range(m)
        exact = ((groups % m == 0) & (groups // m >= lo) & (groups // m <= hi)).all(axis=1, keepdims=True)
        chosen = np.where((chosen == 0) & exact, m, chosen)
    if (chosen == 0).any():
        return None
    q = (groups // chosen + 8).astype(np.uint8).reshape(k // 2, 2, n)
    return q[:, 0] | (q[:, 1] << 4), chosen[:, 0, :].astype(np.uint8)


def unpack(packed: np.ndarray, multipliers: np.ndarray) -> np.ndarray:
    """The int8 [K, N] weight :func:`split` took apart (what the JS bridge's decoder computes)."""
    half, n = packed.shape
    q = np.stack([packed & 15, packed >> 4], axis=1).astype(np.int32).reshape(2 * half, n) - 8
    return (q.reshape(-1, GROUP, n) * multipliers[:, None, :]).reshape(2 * half, n).astype(np.int8)
