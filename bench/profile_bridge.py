"""``python -m bench.profile_bridge``: where a sentiment call's time goes inside the worker (for ANALYSIS.md).

Needs the benchmark site (run ``python -m bench`` once). In the bench's direct worker it times, per call and
as medians over many calls, each step of ``WebSession.run`` and of ``classify`` separately: tokenization,
building the ORT tensors, ``session.run`` awaited from Python, copying outputs back, disposing, and the
whole call; plus ``session.run`` awaited in a tight JS loop, and blocked on with JSPI (``run_sync``).
"""

from __future__ import annotations

import json
import sys

from playwright.sync_api import sync_playwright

from .browser import Browser
from .site import ROOT, WORK
from .suites import TEXTS

STEPS = """
import js, json
import slm_web.worker as w
from slm_web.backends.base import Tensor
model = w._models["sentiment"]
session = model.session.shared.session  # the engine session under the model's handle
text = TEXT
now = js.performance.now
acc = {}

def lap(name, t0):
    t = now()
    acc.setdefault(name, []).append(t - t0)
    return t

async def instrumented():
    t = now()
    ids = model._encode(text, "text")
    feeds = {"input_ids": Tensor.int64([ids]), "attention_mask": Tensor.int64([[1] * len(ids)])}
    t = lap("tokenize (pure-Python WordPiece)", t)
    created = [session._ort_tensor(v) for v in feeds.values()]
    js_feeds = session._builtins.to_js(dict(zip(feeds, created, strict=True)))
    t = lap("build ORT tensors (copy in)", t)
    results = await session._session.run(js_feeds)
    t = lap("session.run awaited from Python", t)
    for tensor in created:
        tensor.dispose()
    out = {name: session._take(results, name, False) for name in session.output_names}
    for name in session.output_names:
        getattr(results, name).dispose()
    t = lap("copy outputs back + dispose", t)
    return out

ids = model._encode(text, "text")
tensors = session._builtins.to_js({"input_ids": session._ort_tensor(Tensor.int64([ids])),
                  "attention_mask": session._ort_tensor(Tensor.int64([[1] * len(ids)]))})

def run_sync_once():
    # A fix tried: block on the promise with JSPI instead of an event-loop hop.
    t0 = now()
    results = run_sync(session._session.run(tensors))
    lap("session.run via pyodide.ffi.run_sync (JSPI)", t0)
    for name in session.output_names:
        getattr(results, name).dispose()

from pyodide.ffi import can_run_sync, run_sync
for _ in range(WARMUP + RUNS):
    await instrumented()
    t0 = now()
    await w.call("classify", text, "{}")
    lap("whole slm_web.worker.call", t0)
    if can_run_sync():
        run_sync_once()
acc["session.run in a tight JS loop"] = (await js.timeRuns(session._session, tensors, RUNS)).to_py()
json.dumps({k: sorted(v[-RUNS:])[len(v[-RUNS:]) // 2] for k, v in acc.items()})
"""


def main(runs: int = 200, warmup: int = 30, threads: int = 1) -> None:
    server, origin = _serve()
    code = (
        STEPS.replace("TEXT", repr(TEXTS["sentiment"][0]))
        .replace("WARMUP", str(warmup))
        .replace("RUNS", str(runs))
    )
    try:
        with sync_playwright() as pw:
            browser = Browser(pw, origin)
            try:
                page = browser.open()
                page.evaluate("(a) => directStart(a)", {"task": "sentiment", "threads": threads})
                medians = json.loads(
                    page.evaluate("(code) => globalThis.direct.call({type: 'python', code})", code)
                )
            finally:
                browser.close()
    finally:
        server.shutdown()
    print(json.dumps({name: round(ms, 3) for name, ms in medians.items()}, indent=1))


def _serve():
    from slm_web.serve import serve_in_thread

    server = serve_in_thread(WORK / "site", link_roots=(ROOT,))
    return server, f"http://127.0.0.1:{server.server_port}"


if __name__ == "__main__":
    main(threads=int(sys.argv[1]) if len(sys.argv) > 1 else 1)
