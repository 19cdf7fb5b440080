"""The browser measurements: cold start and revisit, warm per-call latency, bridge overhead, peers, quality.

Each function takes the Playwright instance and the server origin and returns plain JSON-ready data
(raw samples included, summaries added by the report).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .browser import Browser
from .stats import downloads, phases, summary

TEXTS = json.loads((Path(__file__).parent / "texts.json").read_text(encoding="utf-8"))
# task -> the texts one call gets (cycled)
TASK_TEXTS = {"sentiment": "sentiment", "autocomplete": "autocomplete", "grammar": "grammar_20_words"}
SLM_OPTIONS = {"sentiment": {}, "autocomplete": {"k": 3}, "grammar": {}}
ALL_TASKS = "sentiment,autocomplete,grammar"
# stack -> page query of its cold start (first result: the first task listed)
COLD_QUERIES = {
    "slm-web, sentiment only": "cold=slm&tasks=sentiment&threads={threads}",
    "slm-web, all three features": f"cold=slm&tasks={ALL_TASKS}&threads={{threads}}",
    # What the demo does: SLM.create resolves once the first model is in, the others load behind it.
    "slm-web, all three, whenReady first": f"cold=slm&tasks={ALL_TASKS}&threads={{threads}}&ready=first",
    # The same site shipping a Pyodide memory snapshot (SLM_SNAPSHOT=1 bash build_wasm.sh).
    "slm-web + site snapshot, sentiment only": "cold=slm&tasks=sentiment&threads={threads}&site=snapshot/",
    "slm-web + site snapshot, all three, whenReady first": (
        f"cold=slm&tasks={ALL_TASKS}&threads={{threads}}&ready=first&site=snapshot/"
    ),
    "transformers.js, sentiment": "cold=tjs&task=sentiment&threads={threads}",
    "harper.js": "cold=harper",
}


def _evaluate(page: Any, function: str, *args: Any) -> Any:
    return page.evaluate(f"(args) => {function}(...args)", list(args))


def cold_starts(pw: Any, origin: str, runs: int, threads: int) -> dict[str, Any]:
    """Per stack: ``runs`` fresh profiles, each a first visit then a revisit (new page, same profile)."""
    out: dict[str, Any] = {}
    for stack, query in COLD_QUERIES.items():
        first, again, transfers, fetches = [], [], [], []
        for _ in range(runs):
            browser = Browser(pw, origin)
            try:
                page = browser.open(query.format(threads=threads))
                events = page.evaluate("coldStart").get("events")
                first.append(phases(events))
                fetches.append(downloads(events))
                transfers.append(dict(browser.transfer.bytes))
                page.close()
                browser.transfer.bytes.clear()
                page = browser.open(query.format(threads=threads))
                again.append(phases(page.evaluate("coldStart").get("events")))
                _check(browser)
            finally:
                browser.close()
        out[stack] = {"first": first, "revisit": again, "transfer": transfers[0], "downloads": fetches[0]}
    return out


def start_profiles(pw: Any, origin: str) -> dict[str, Any]:
    """Profiles behind the cold-start figures, in a fresh browser: wasm fetch + compile per binary, and
    Pyodide's boot with and without a memory snapshot (the prototype of a revisit fix)."""
    browser = Browser(pw, origin)
    try:
        page = browser.open()
        out = {"wasm_compile": page.evaluate("wasmCompile()"), "snapshot": page.evaluate("directSnapshot()")}
        _evaluate(page, "directStart", {"task": "sentiment", "threads": 1})
        _evaluate(page, "directRun", {"text": TEXTS["sentiment"][0], "warmup": 1, "runs": 1})
        out["stdlib_used"] = page.evaluate(
            "(code) => globalThis.direct.call({type: 'python', code})", STDLIB_USED
        )
        return out
    finally:
        browser.close()


# Which files of python_stdlib.zip a loaded worker has imported (after a call, every slm_web module loaded).
STDLIB_USED = """
import sys, pkgutil, importlib, slm_web
for info in pkgutil.walk_packages(slm_web.__path__, "slm_web."):
    if not info.name.startswith(("slm_web.serve", "slm_web.__main__")):
        importlib.import_module(info.name)
sorted({m.__file__.split(".zip/", 1)[1] for m in list(sys.modules.values())
        if ".zip/" in (getattr(m, "__file__", None) or "")})
"""


def _check(browser: Browser) -> None:
    if browser.transfer.off_origin:
        raise RuntimeError(f"requests left the origin: {browser.transfer.off_origin[:3]}")


def latency(pw: Any, origin: str, threads: int, warmup: int, runs: int, tiny: bool = False) -> dict[str, Any]:
    """Warm per-call times for ``threads``: slm-web's public API, the bridge overhead, transformers.js.

    ``tiny``: the tiny fixed models instead of the default ones (the ``tiny/`` site, ``tiny-*`` exports).
    """
    site, prefix = ("tiny/", "tiny-") if tiny else ("", "")
    counts = {"warmup": warmup, "runs": runs}
    browser = Browser(pw, origin)
    try:
        page = browser.open(f"cold=slm&tasks={ALL_TASKS}&threads={threads}&site={site}")
        result: dict[str, Any] = {"info": page.evaluate("coldStart.info"), "slm": {}, "direct": {}, "tjs": {}}
        for task, key in TASK_TEXTS.items():
            result["slm"][task] = _evaluate(page, "slmTime", task, TEXTS[key], SLM_OPTIONS[task], counts)
        page.evaluate("globalThis.slm.dispose()")
        for task in ("sentiment", "grammar"):
            boot = _evaluate(page, "directStart", {"task": task, "threads": threads, "site": site})["boot"]
            text = TEXTS[TASK_TEXTS[task]][0]
            result["direct"][task] = {"boot": boot} | _evaluate(
                page, "directRun", {"text": text, "warmup": warmup, "runs": runs}
            )
        page.evaluate("globalThis.direct.terminate()")
        for task, key in TASK_TEXTS.items():
            _evaluate(page, "tjsStart", {"task": task, "threads": threads, "model": prefix + task})
            if task == "autocomplete":  # ms per generated token from 1 vs 5 new tokens (greedy)
                result["tjs"]["autocomplete 1 token"] = _evaluate(
                    page, "tjsTime", TEXTS[key], {"max_new_tokens": 1}, counts
                )
                result["tjs"]["autocomplete 5 tokens"] = _evaluate(
                    page, "tjsTime", TEXTS[key], {"max_new_tokens": 5}, counts
                )
            result["tjs"][task] = _evaluate(page, "tjsTime", TEXTS[key], {"max_new_tokens": 3}, counts)
        page.evaluate("globalThis.tjs.terminate()")
        _check(browser)
        return result
    finally:
        browser.close()


def harper_and_quality(pw: Any, origin: str, warmup: int, runs: int) -> dict[str, Any]:
    """harper.js per sentence, and both grammar checkers' corrections of the quality set."""
    srcs = [pair["src"] for pair in TEXTS["grammar_quality"]]
    browser = Browser(pw, origin)
    try:
        page = browser.open("cold=harper")
        times = _evaluate(page, "harperTime", TEXTS["grammar_20_words"], {"warmup": warmup, "runs": runs})
        harper = _evaluate(page, "harperResults", srcs)
        page.close()
        page = browser.open("cold=slm&tasks=grammar&threads=2")
        slm = _evaluate(page, "slmResults", "grammar", srcs, {})
        _check(browser)
    finally:
        browser.close()
    return {"harper_ms": times, "harper": [r["text"] for r in harper], "slm": [r["text"] for r in slm]}


def quality(corrections: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """Per checker: exact-match rate on erroneous and on clean sentences, and how often it changed a text."""
    pairs = TEXTS["grammar_quality"]
    out = {}
    for name, texts in corrections.items():
        wrong = [(p, t) for p, t in zip(pairs, texts, strict=True) if p["src"] != p["tgt"]]
        clean = [(p, t) for p, t in zip(pairs, texts, strict=True) if p["src"] == p["tgt"]]
        out[name] = {
            "sentences with errors": len(wrong),
            "fully corrected": sum(t == p["tgt"] for p, t in wrong) / len(wrong),
            "changed (any edit)": sum(t != p["src"] for p, t in wrong) / len(wrong),
            "clean sentences": len(clean),
            "false alarms on clean": sum(t != p["src"] for p, t in clean) / max(1, len(clean)),
        }
    return out


def summarize_latency(result: dict[str, Any]) -> dict[str, Any]:
    """Raw samples -> summaries (direct: per measured layer)."""
    return {
        "slm": {task: summary(ms) for task, ms in result["slm"].items()},
        "tjs": {task: summary(ms) for task, ms in result["tjs"].items()},
        "direct": {
            task: {"tokens": d["tokens"], "boot": d["boot"]}
            | {layer: summary(ms) for layer, ms in d["times"].items()}
            for task, d in result["direct"].items()
        },
        "info": result["info"],
    }
