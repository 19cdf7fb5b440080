"""Summaries of timing samples and cold-start timelines."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any


def summary(ms: Sequence[float]) -> dict[str, float]:
    """Median, p95 (nearest rank), min and count of a sample of milliseconds."""
    ordered = sorted(ms)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {"median": statistics.median(ordered), "p95": p95, "min": ordered[0], "n": len(ordered)}


# Step that opens a phase -> the phase's name. The bridge's file events ("download"/"cache") overlap (its
# downloads run in parallel), so they are not phases: :func:`downloads` reports them as windows.
PHASE_NAMES = {
    "create": "worker start + manifest",
    "runtime": "runtime fetch + Pyodide boot or snapshot restore (onnxruntime-web in parallel)",
    "python": "slm_web wheel install + import (+ wait for onnxruntime-web)",
    "ready": "first call",
    "start": "peer library import",
    "import": "peer setup (model/wasm fetch, compile, session)",
}
FILE_STEPS = ("download", "cache", "manifest", "first-result")


def _phase(event: dict[str, Any]) -> str:
    if event["step"] == "model":
        return f"session create {event.get('task', '')} (verify, tokenizer, ORT)"
    return PHASE_NAMES.get(event["step"], event["step"])


def phases(events: list[dict[str, Any]]) -> dict[str, float]:
    """Cut a cold-start timeline into named sequential phases (ms), navigation start → first result.

    With ``whenReady: "first"`` some models load after the first result: then "all models loaded" says when
    the last one was in (the "all-ready" event).
    """
    end_at = next(i for i, e in enumerate(events) if e["step"] == "first-result")
    end = events[end_at]["t"]
    marks = [(0.0, "page load (HTML + scripts)")]
    marks += [(e["t"], _phase(e)) for e in events[:end_at] if e["step"] not in FILE_STEPS]
    out: dict[str, float] = {}
    for (t, name), (t_next, _) in zip(marks, [*marks[1:], (end, "")], strict=True):
        out[name] = out.get(name, 0.0) + (t_next - t)
    out["total to first result"] = end
    if any(e["step"] == "model" for e in events[end_at:]):
        out["all models loaded"] = next(e["t"] for e in events if e["step"] == "all-ready")
    return out


def downloads(events: list[dict[str, Any]]) -> dict[str, float]:
    """Per file the bridge fetched (or read from its cache): ms from its first event to its last byte."""
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    for e in events:
        if e["step"] in ("download", "cache"):
            first.setdefault(e["file"], e["t"])
            last[e["file"]] = e["t"]
    return {f"{file} (from {first[file]:.0f} ms)": last[file] - first[file] for file in first}


def median_phases(runs: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Per phase, the summary over runs (phases missing in a run count as absent)."""
    names = list(dict.fromkeys(name for run in runs for name in run))
    return {name: summary([run[name] for run in runs if name in run]) for name in names}
