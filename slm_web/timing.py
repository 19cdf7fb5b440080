"""Where one bridge call's time goes, step by step: for the bench's per-call breakdown (bench/ANALYSIS.md).

Off unless the page's call asks for it (``slm_web.worker.call(..., timed=True)``). Each :func:`mark` closes a
segment: the milliseconds since the previous mark are added to the step it names, so the steps of a call
add up to its whole Python time, and a step that happens several times per call (a grammar pass, a
decoder run) is summed. Off, a mark is a global lookup and one comparison.

The clock is ``time.perf_counter``, which in Pyodide is the worker's ``performance.now()`` (in seconds),
so the worker can place Python's steps between its own JS timestamps.
"""

from __future__ import annotations

from time import perf_counter
from typing import Any

# The step that absorbs whatever no other mark names: the task's own Python (padding, reading outputs,
# applying edits, the beam search).
TASK_CODE = "task code"

_steps: dict[str, float] | None = None
_last = 0.0
_started = 0.0


def start() -> None:
    """Begin timing a call (its first segment starts now)."""
    global _steps, _last, _started
    _steps = {}
    _last = _started = perf_counter()


def mark(step: str) -> None:
    """Add the time since the previous mark to ``step``."""
    global _last
    if _steps is None:
        return
    now = perf_counter()
    _steps[step] = _steps.get(step, 0.0) + (now - _last) * 1000
    _last = now


def stop() -> dict[str, Any]:
    """End timing: ``{"start": ms, "end": ms, "steps": {step: ms}}`` on the ``performance.now()`` clock."""
    global _steps
    steps, _steps = _steps or {}, None
    return {"start": _started * 1000, "end": _last * 1000, "steps": steps}
