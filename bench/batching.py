"""Autocomplete per call: one batched run per decoding step vs one run per hypothesis, side by side (CPython).

``python -m bench.batching [bundle] [--calls N] [--threads T]`` times ``complete()`` on the benchmark's
autocomplete texts both ways and prints ms per call, session runs per call and the ratio. One run per
hypothesis is how a bundle converted before batched decoding (no ``dynamic_batch``) is decoded. Each way has
its own loaded model (and so its own prompt cache); calls alternate between them, text by text, so machine
load hits both alike: on a busy machine the ratio is the number to trust.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import slm_web

from .native import CountingSession
from .stats import summary
from .suites import SLM_OPTIONS, TEXTS

WAYS = {"batched": True, "per hypothesis": False}


def compare(bundle: Path, calls: int, threads: int, warmup: int = 5) -> dict[str, Any]:
    """Per way: the summary of ms per call plus ``runs_per_call``; and the ratio of the median times."""
    texts = TEXTS["autocomplete"]
    models, counters = {}, {}
    for way, dynamic_batch in WAYS.items():
        model = slm_web.load_sync(bundle, threads=threads)
        if dynamic_batch and not model.dynamic_batch:
            raise SystemExit(f"{bundle} was converted without dynamic_batch: nothing to compare")
        model.dynamic_batch = dynamic_batch
        model.session = counters[way] = CountingSession(model.session)
        models[way] = model
    ms: dict[str, list[float]] = {way: [] for way in WAYS}
    for i in range(-warmup, calls):
        if i == 0:
            for counter in counters.values():
                counter.runs = 0
        for way, model in models.items():
            t0 = time.perf_counter()
            model.complete_sync(texts[i % len(texts)], **SLM_OPTIONS["autocomplete"])
            ms[way].append((time.perf_counter() - t0) * 1000)
    for model in models.values():
        model.close()
    out: dict[str, Any] = {
        way: summary(ms[way][warmup:]) | {"runs_per_call": counters[way].runs / calls} for way in WAYS
    }
    out["ratio"] = out["per hypothesis"]["median"] / out["batched"]["median"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, nargs="?", default=Path("dist/site/bundles/autocomplete.slm"))
    parser.add_argument("--calls", type=int, default=60, help="timed calls per way (default 60)")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads (default 1)")
    args = parser.parse_args()
    result = compare(args.bundle, args.calls, args.threads)
    for way in WAYS:
        r = result[way]
        runs = f"{r['runs_per_call']:.2f} runs/call"
        print(f"{way:>15}: {r['median']:6.2f} ms median, {r['p95']:6.2f} p95, {runs}")
    print(f"{'ratio':>15}: {result['ratio']:.2f}x (per hypothesis / batched, medians)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
