"""Tag biases for the tagger: lower chosen tags' logits (``$KEEP``, ``$CASE_CAPITAL``) by a constant.

GECToR tunes such a bias on ``$KEEP`` at inference time to trade precision for recall; here the same is
done per tag. Biases are tuned on the dev set through ``TagBiasBackend`` (which rescales the bundle's
top-k tag probabilities exactly as lower logits would: tags outside the top-k are taken as 0) and then
baked into the checkpoint's classifier bias by ``students.grammar.export``, so the bundle format and the
runtime need nothing new.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Collection, Mapping
from typing import Any

from slm_web.backends.base import Tensor
from slm_web.backends.native import NativeBackend


def rescale(probs: list[float], ids: list[int], deltas: Mapping[int, float]) -> tuple[list[float], list[int]]:
    """Top-k (probs, ids) of one position after subtracting ``deltas[id]`` from those tags' logits.

    >>> rescale([0.6, 0.3, 0.1], [0, 5, 7], {0: math.log(3)})
    ([0.5, 0.333333, 0.166667], [5, 0, 7])
    """
    scaled = [p * math.exp(-deltas.get(i, 0.0)) for p, i in zip(probs, ids, strict=True)]
    z = 1 - sum(probs) + sum(scaled)
    pairs = sorted(zip(scaled, ids, strict=True), key=lambda pi: -pi[0])
    return [round(p / z, 6) for p, _ in pairs], [i for _, i in pairs]


class TagBiasSession:
    """Wraps a session of a grammar graph and rescales its ``tag_probs`` / ``tag_ids``."""

    def __init__(self, inner: Any, deltas: Mapping[int, float]) -> None:
        self.inner, self.deltas = inner, dict(deltas)
        self.input_names, self.output_names = inner.input_names, inner.output_names

    async def run(self, feeds: Mapping[str, Any], keep: Collection[str] = ()) -> dict[str, Any]:
        out = await self.inner.run(feeds, keep)
        if not self.deltas:
            return out
        probs, ids = out["tag_probs"], out["tag_ids"]
        k = probs.shape[-1]
        new_p, new_i = array("f"), array("q")
        for at in range(0, len(probs.data), k):
            p, i = rescale(list(probs.data[at:at + k]), list(ids.data[at:at + k]), self.deltas)
            new_p.extend(p)
            new_i.extend(i)
        return {**out, "tag_probs": Tensor("float32", probs.shape, new_p),
                "tag_ids": Tensor("int64", ids.shape, new_i)}

    def release(self, value: Any) -> None:
        self.inner.release(value)

    def close(self) -> None:
        self.inner.close()


class TagBiasBackend:
    """onnxruntime (one thread) with tag biases (tag id -> logit decrease) on every graph it loads."""

    def __init__(self, deltas: Mapping[int, float]) -> None:
        self.inner, self.deltas = NativeBackend(threads=1), deltas

    async def load(self, model_bytes: bytes) -> TagBiasSession:
        return TagBiasSession(await self.inner.load(model_bytes), self.deltas)
