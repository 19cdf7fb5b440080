"""Sentiment: tokenize → encoder + classifier head (softmax in the graph) → the most probable label.

>>> result = model.classify_sync("What a wonderful day!")
>>> result.label in model.labels and 0.0 <= result.score <= 1.0
True
>>> round(sum(result.scores.values()), 3)
1.0
>>> [r.label for r in model.classify_batch_sync(["Great!", "Awful."])] == [
...     model.classify_sync("Great!").label, model.classify_sync("Awful.").label]
True

Only the head of a long text is read (``max_length`` tokens); empty or whitespace-only text is an
:class:`~slm_web.errors.InputTextError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import text as textlib
from ..backends.base import Tensor
from ..errors import InputTextError
from .base import Model
from .results import Classification


class SentimentModel(Model):
    task = "sentiment"

    @property
    def labels(self) -> list[str]:
        return list(self.config["labels"])

    async def classify(self, text: str) -> Classification:
        """The sentiment of one text."""
        return (await self._classify([self._encode(text, "text")]))[0]

    async def classify_batch(self, texts: Sequence[str]) -> list[Classification]:
        """The sentiment of each text, in order; texts run in padded batches of similar length."""
        if isinstance(texts, str):
            raise InputTextError("classify_batch takes a list of texts (use classify for one text)")
        return await self._classify([self._encode(t, f"texts[{i}]") for i, t in enumerate(texts)])

    def _encode(self, text: str, what: str) -> list[int]:
        text = textlib.clean(text, what)
        textlib.require_content(text, what)
        encoding = self.tokenizer.encode(textlib.head(text, self.max_length), max_length=self.max_length)
        return list(encoding.ids)

    async def _classify(self, rows: list[list[int]]) -> list[Classification]:
        labels = self.labels

        def read(out: Mapping[str, Tensor], b: int, _: int) -> Classification:
            width = len(labels)
            probs = out["probs"].data[b * width : (b + 1) * width].tolist()
            best = max(range(width), key=probs.__getitem__)
            return Classification(labels[best], probs[best], dict(zip(labels, probs, strict=True)))

        return await self.run_encoder(rows, read)
