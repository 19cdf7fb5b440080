"""The per-call breakdown: one public API call per task cut into its steps, page → worker → Python → ORT-web
and back (bench/ANALYSIS.md, issue 20).

``python -m bench`` runs it with the other suites. ``python -m bench.breakdown [SITE]`` runs it alone on a
built site (``build_wasm.sh`` output; default: the bench's own site) and prints the table, e.g. to measure
one change before and after.

The page asks the bridge's worker for each call's timings (CallRequest ``timings``, bench/web/bench.js
``slmBreakdown``): the worker stamps its own steps and Python's (slm_web/timing.py) on the clock the page
reads, and the page adds its own around them. Medians per step over many calls: they need not add up to
the total's median.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from typing import Any

from .browser import Browser
from .site import served
from .suites import ALL_TASKS, SLM_OPTIONS, TASK_TEXTS, TEXTS

# The ORT runs of a call, each awaited from Python (getting out of Python and back in included).
ORT_STEP = "Python: ORT run, awaited"
# The same runs' promises as the worker awaits them (only from a worker that drives its calls, see
# slm_web/drive.py): the bare runs on the call's own feeds in the bridge's worker, what the target compares.
ORT_PROMISE_STEP = "of which: ORT's promise, awaited in the worker"
# ratio row -> the step the total is divided by
RATIOS = {"total ÷ ORT run, awaited": ORT_STEP, "total ÷ ORT's promise": ORT_PROMISE_STEP}


def measure(pw: Any, origin: str, threads: int, warmup: int, runs: int, site: str = "") -> dict[str, Any]:
    """Per task: each step's samples (ms) over ``runs`` calls, after ``warmup`` untimed ones."""
    browser = Browser(pw, origin)
    try:
        page = browser.open(f"cold=slm&tasks={ALL_TASKS}&threads={threads}&site={site}&breakdown=1")
        out = {}
        for task, key in TASK_TEXTS.items():
            calls = page.evaluate(
                "(a) => slmBreakdown(...a)",
                [task, TEXTS[key], SLM_OPTIONS[task], {"warmup": warmup, "runs": runs}],
            )
            steps = list(dict.fromkeys(step for call in calls for step in call))
            out[task] = {step: [call.get(step, 0.0) for call in calls] for step in steps}
        page.evaluate("globalThis.slm.dispose()")
        return out
    finally:
        browser.close()


def summarize(samples: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, float]]:
    """Per task and step: the median in ms; plus the total's ratios to the ORT runs (issue 20's target)."""
    out = {}
    for task, steps in samples.items():
        medians = {step: statistics.median(ms) for step, ms in steps.items()}
        for row, step in RATIOS.items():
            if step in steps:
                ratios = [t / o for t, o in zip(steps["total"], steps[step], strict=True) if o > 0]
                medians[row] = statistics.median(ratios)
        out[task] = medians
    return out


def table(summary: dict[str, dict[str, float]]) -> list[str]:
    """Markdown: one row per step, one column per task (a dash where a task has no such step)."""
    tasks = list(summary)
    steps = list(dict.fromkeys(step for task in tasks for step in summary[task]))
    lines = ["| step | " + " | ".join(tasks) + " |", "|---|" + "---|" * len(tasks)]
    for step in steps:
        cells = []
        for task in tasks:
            value = summary[task].get(step)
            unit = "×" if step.startswith("total ÷") else ""
            cells.append("–" if value is None else f"{value:.2f}{unit}")
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.breakdown", description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", type=Path, help="build_wasm.sh output (default: the bench's site)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with served(args.site) as origin, sync_playwright() as pw:
        samples = measure(pw, origin, args.threads, args.warmup, args.runs)
    print("\n".join(table(summarize(samples))))


if __name__ == "__main__":
    main()
