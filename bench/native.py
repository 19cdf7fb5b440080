"""CPython reference: the same bundles and texts through slm_web's native backend (onnxruntime)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import slm_web

from .stats import summary
from .suites import SLM_OPTIONS, TASK_TEXTS, TEXTS

METHODS = {"sentiment": "classify_sync", "autocomplete": "complete_sync", "grammar": "correct_sync"}


class CountingSession:
    """Wraps a session to count ``run`` calls (decoding steps per autocomplete suggestion)."""

    def __init__(self, session: Any) -> None:
        self._session, self.runs = session, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    async def run(self, feeds: Any, keep: Any = ()) -> Any:
        self.runs += 1
        return await self._session.run(feeds, keep)


def time_model(model: Any, task: str, warmup: int, runs: int) -> list[float]:
    call = getattr(model, METHODS[task])
    texts = TEXTS[TASK_TEXTS[task]]
    for i in range(warmup):
        call(texts[i % len(texts)], **SLM_OPTIONS[task])
    ms = []
    for i in range(runs):
        t0 = time.perf_counter()
        call(texts[i % len(texts)], **SLM_OPTIONS[task])
        ms.append((time.perf_counter() - t0) * 1000)
    return ms


def model_runs_per_call(bundle: Path, task: str) -> float:
    """Mean ``session.run`` calls per call over the task's texts (1 for sentiment; steps for autocomplete)."""
    model = slm_web.load_sync(bundle, threads=1)
    model.session = counter = CountingSession(model.session)
    texts = TEXTS[TASK_TEXTS[task]]
    for text in texts:
        getattr(model, METHODS[task])(text, **SLM_OPTIONS[task])
    model.close()
    return counter.runs / len(texts)


def native(bundles: Path, warmup: int, runs: int) -> dict[str, Any]:
    """Per thread count and task: per-call summary; plus model runs per call."""
    out: dict[str, Any] = {"runs_per_call": {}, "latency": {}}
    for task in TASK_TEXTS:
        out["runs_per_call"][task] = model_runs_per_call(bundles / f"{task}.slm", task)
    for threads in (1, 2):
        per_task = {}
        for task in TASK_TEXTS:
            model = slm_web.load_sync(bundles / f"{task}.slm", threads=threads)
            per_task[task] = summary(time_model(model, task, warmup, runs))
            model.close()
        out["latency"][str(threads)] = per_task
    return out
