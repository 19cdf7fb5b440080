"""One inference session for the models of a shared bundle, and a memo of its last runs.

A shared bundle's graph computes every head at once (docs/bundle-format.md, ``heads``), so when grammar and
sentiment are asked about the same text one after the other, the second finds the outputs it needs in the
first one's run: :class:`SharedSession` keeps the feeds and outputs of its last :data:`MEMO_RUNS` runs and
answers the same feeds again from them. Each model holds its own :class:`SessionHandle`; the engine's
session is closed when the last one is.

>>> from array import array
>>> from slm_web.backends.base import Tensor
>>> class Engine:  # counts its runs
...     input_names, output_names, runs = ("input_ids",), ("probs",), 0
...     async def run(self, feeds, keep=()):
...         Engine.runs += 1
...         return {"probs": Tensor("float32", (1, 1), array("f", [1.0]))}
...     def close(self): print("closed")
>>> shared = SharedSession(Engine())
>>> grammar, sentiment = shared.handle(), shared.handle()
>>> feeds = {"input_ids": Tensor.int64([[2, 7, 3]])}
>>> from slm_web.blocking import run_blocking  # asyncio.run, also where a loop already runs
>>> _ = run_blocking(grammar.run(feeds)); _ = run_blocking(sentiment.run(feeds))
>>> Engine.runs, shared.hits
(1, 1)
>>> grammar.close(); sentiment.close()
closed
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from .backends.base import EngineValue, Session, Tensor

# Runs remembered. One would do for sentiment then grammar, but grammar on a text with errors runs up to
# max_passes + 1 times (each pass on the text the previous one corrected, the last finding nothing), so its
# first pass, on the text sentiment is asked about, is 2-4 runs back. Outputs of one text are a few kB.
MEMO_RUNS = 4


class SharedSession:
    """An engine session shared by several models, remembering its last runs."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.hits = 0  # runs answered from the memo (tests and diagnostics)
        self._open = 0
        self._runs: deque[tuple[Mapping[str, Any], dict[str, Any]]] = deque(maxlen=MEMO_RUNS)

    def handle(self) -> SessionHandle:
        """A session for one more model; close it when that model is done."""
        self._open += 1
        return SessionHandle(self)

    async def run(self, feeds: Mapping[str, Any], keep: Collection[str] = ()) -> dict[str, Any]:
        if self._open < 2 or keep or not all(isinstance(v, Tensor) for v in feeds.values()):
            # One model alone has no one to share a run with (and the bench times real runs); engine-side
            # values (a KV cache) belong to one caller, who releases them: never remembered.
            return await self.session.run(feeds, keep)
        for seen, outputs in self._runs:
            if _same_feeds(seen, feeds):
                self.hits += 1
                return dict(outputs)
        outputs = await self.session.run(feeds)
        self._runs.append((dict(feeds), outputs))
        return dict(outputs)

    def closed_one(self) -> None:
        self._open -= 1
        if self._open == 0:
            self._runs.clear()
            self.session.close()


class SessionHandle:
    """One model's view of a :class:`SharedSession` (the :class:`~slm_web.backends.base.Session` protocol)."""

    def __init__(self, shared: SharedSession) -> None:
        self.shared = shared
        self.input_names = shared.session.input_names
        self.output_names = shared.session.output_names
        self._closed = False

    async def run(self, feeds: Mapping[str, Any], keep: Collection[str] = ()) -> dict[str, Any]:
        return await self.shared.run(feeds, keep)

    def release(self, value: EngineValue) -> None:
        self.shared.session.release(value)

    def take_rows(self, value: EngineValue, rows: Sequence[int]) -> EngineValue:
        return self.shared.session.take_rows(value, rows)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.shared.closed_one()


def _same_feeds(a: Mapping[str, Tensor], b: Mapping[str, Tensor]) -> bool:
    """Equal feeds: the same names, each the same dtype, shape and values."""
    return a.keys() == b.keys() and all(a[name] == b[name] for name in a)
