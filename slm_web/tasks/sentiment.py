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

from collections.abc import Sequence

from .. import text as textlib
from ..backends.base import Tensor
from ..errors import InputTextError
from .base import Model, pad_batch
from .results import Classification

BATCH_SIZE = 16


class SentimentModel(Model):
    task = "sentiment"
    required_inputs = ("input_ids", "attention_mask")
    required_outputs = ("probs",)

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
        # Sorting by length keeps padding small; results go back to the caller's order.
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        results: list[Classification | None] = [None] * len(rows)
        labels = self.labels
        for at in range(0, len(order), BATCH_SIZE):
            chunk = order[at : at + BATCH_SIZE]
            ids, mask = pad_batch([rows[i] for i in chunk], self.special_ids.get("pad", 0))
            feeds = {"input_ids": Tensor.int64(ids), "attention_mask": Tensor.int64(mask)}
            out = await self.session.run(feeds)
            for i, probs in zip(chunk, out["probs"].rows(), strict=True):
                best = max(range(len(labels)), key=probs.__getitem__)
                results[i] = Classification(labels[best], probs[best], dict(zip(labels, probs, strict=True)))
        return results  # type: ignore[return-value]
