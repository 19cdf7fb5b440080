"""A "$KEEP bias" for the tagger: lower the $KEEP logit by ``delta`` to trade precision for recall.

GECToR tunes such a bias at inference time. Here it is tuned on the dev set through ``KeepBiasBackend``
(which rescales the bundle's top-k tag probabilities exactly as a lower $KEEP logit would: the other tags
keep their order, so the top-k still holds the new top-1) and then baked into the checkpoint's classifier
bias by ``students.grammar.export``, so the bundle and the runtime need nothing new.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Collection, Mapping
from typing import Any

from slm_web.backends.base import Tensor
from slm_web.backends.native import NativeBackend

KEEP_ID = 0  # $KEEP is the first tag (students.grammar.train.tag_vocabulary)


def rescale(probs: list[float], ids: list[int], delta: float) -> tuple[list[float], list[int]]:
    """Top-k (probs, ids) of one position after subtracting ``delta`` from the $KEEP logit.

    >>> rescale([0.6, 0.3, 0.1], [0, 5, 7], math.log(3))
    ([0.5, 0.333333, 0.166667], [5, 0, 7])
    """
    factor = math.exp(-delta)
    keep = sum(p for p, i in zip(probs, ids, strict=True) if i == KEEP_ID)
    z = 1 - keep + keep * factor
    pairs = [((p * factor if i == KEEP_ID else p) / z, i) for p, i in zip(probs, ids, strict=True)]
    pairs.sort(key=lambda pi: -pi[0])
    return [round(p, 6) for p, _ in pairs], [i for _, i in pairs]


class KeepBiasSession:
    """Wraps a session of a grammar graph and rescales its ``tag_probs`` / ``tag_ids``."""

    def __init__(self, inner: Any, delta: float) -> None:
        self.inner, self.delta = inner, delta
        self.input_names, self.output_names = inner.input_names, inner.output_names

    async def run(self, feeds: Mapping[str, Any], keep: Collection[str] = ()) -> dict[str, Any]:
        out = await self.inner.run(feeds, keep)
        probs, ids = out["tag_probs"], out["tag_ids"]
        k = probs.shape[-1]
        new_p, new_i = array("f"), array("q")
        for at in range(0, len(probs.data), k):
            p, i = rescale(list(probs.data[at:at + k]), list(ids.data[at:at + k]), self.delta)
            new_p.extend(p)
            new_i.extend(i)
        return {**out, "tag_probs": Tensor("float32", probs.shape, new_p),
                "tag_ids": Tensor("int64", ids.shape, new_i)}

    def release(self, value: Any) -> None:
        self.inner.release(value)

    def close(self) -> None:
        self.inner.close()


class KeepBiasBackend:
    """onnxruntime (one thread) with the $KEEP bias applied to every grammar graph it loads."""

    def __init__(self, delta: float) -> None:
        self.inner, self.delta = NativeBackend(threads=1), delta

    async def load(self, model_bytes: bytes) -> KeepBiasSession:
        return KeepBiasSession(await self.inner.load(model_bytes), self.delta)
