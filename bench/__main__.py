"""``python -m bench [--quick]``: build, serve, measure in headless Chromium and CPython, write the results.

Steps: ``build_wasm.sh bench/.work/dist`` (its own copy, so nobody's rebuild of dist/site changes files under
a running benchmark) → fp32 twins of the bundles → the benchmark site (bench/site.py) → ``python -m slm_web
serve`` on a free port → the suites (bench/suites.py, bench/native.py) → bench/RESULTS.md, results.json,
results.png. ``--quick`` is a smoke run (few calls, one cold start): numbers from it mean nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from webbuild.snapshot import linked_copy_with_snapshot

from . import breakdown, engines, native, report, sizes, suites
from .site import ROOT, WORK, assemble, checkpoint_for, tiny_bundles
from .stats import median_phases, summary

DIST = WORK / "dist"
DIST_TINY = WORK / "dist-tiny"
DIST_SNAPSHOT = WORK / "dist-snapshot"
FP32 = WORK / "fp32"
SITE = WORK / "site"
PYTHON = sys.executable


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def build() -> dict[str, str]:
    subprocess.run(["bash", "build_wasm.sh", str(DIST)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    env = os.environ | {"SLM_BUNDLES": str(tiny_bundles(WORK / "tiny-bundles"))}
    subprocess.run(
        ["bash", "build_wasm.sh", str(DIST_TINY)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=env
    )
    build_fp32()
    shutil.rmtree(DIST_SNAPSHOT, ignore_errors=True)
    linked_copy_with_snapshot(DIST, DIST_SNAPSHOT)
    return assemble(DIST, DIST_TINY, DIST_SNAPSHOT, SITE)


def build_fp32() -> None:
    """fp32 bundles of the same checkpoints (for the bytes table), rebuilt when the int8 one is newer."""
    import tempfile

    from converter.pipeline import Options, convert

    FP32.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-fp32-") as tmp:
        for task in suites.TASK_TEXTS:
            out = FP32 / f"{task}.slm"
            if out.is_file() and out.stat().st_mtime >= (DIST / "bundles" / f"{task}.slm").stat().st_mtime:
                continue
            convert(
                checkpoint_for(task, Path(tmp)),
                Options(task=task, out=out, quantize="fp32", min_agreement=0.0),
            )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server() -> tuple[subprocess.Popen, str]:
    """``python -m slm_web serve`` in its own process (the browser's downloads do not share our GIL)."""
    port = free_port()
    proc = subprocess.Popen(
        [PYTHON, "-m", "slm_web", "serve", str(SITE), "--port", str(port), "--allow-links-into", str(ROOT)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    origin = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(origin + "/build-manifest.json", timeout=1).close()
            return proc, origin
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the local server did not start")


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    chromium = subprocess.run(["chromium", "--version"], capture_output=True, text=True).stdout.strip()
    training = subprocess.run(
        ["pgrep", "-fc", "students.train"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "training processes at start": training or "0",
        "browser": chromium,
        "python": platform.python_version(),
        "onnxruntime-web / pyodide": "1.30.0 / 314.0.7",
        "transformers.js / its ORT-web": "4.3.1 / 1.31.0-dev (asyncify wasm)",
        "harper.js": "2.10.0",
    }


def checkpoint(result: dict[str, Any]) -> None:
    """Keep what is measured so far (a failure late in a long run loses nothing)."""
    (WORK / "partial-results.json").write_text(json.dumps(result, indent=1), encoding="utf-8")


def run(args: argparse.Namespace) -> dict[str, Any]:
    log("building (build_wasm.sh, fp32 twins, transformers.js exports)")
    models = build()
    result: dict[str, Any] = {
        "machine": machine(),
        "models": models,
        "config": {"runs": args.runs, "warmup": args.warmup, "cold_runs": args.cold_runs},
    }
    log("CPython native backend")
    result["native"] = native.native(DIST / "bundles", args.warmup, args.runs)
    server, origin = start_server()
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            log("start-up profiles (wasm compile, Pyodide memory snapshot)")
            result |= suites.start_profiles(pw, origin)
            checkpoint(result)
            log("cold starts")
            cold = suites.cold_starts(pw, origin, args.cold_runs, threads=2)
            result["cold"] = {
                s: {
                    "first": median_phases(c["first"]),
                    "revisit": median_phases(c["revisit"]),
                    "downloads (first run)": c["downloads"],
                }
                for s, c in cold.items()
            }
            result["sizes"] = {
                s: {"files": (f := sizes.files_of(SITE, c["transfer"])), "total": sizes.total(f)}
                for s, c in cold.items()
            }
            checkpoint(result)
            log("first visit per engine (Chromium, Firefox, WebKit)")
            result["engines"] = engines.summarize(engines.measure(pw, origin, args.cold_runs))
            checkpoint(result)
            result["latency"] = {}
            for threads in (1, 2):
                log(f"warm latency, {threads} thread(s)")
                raw = suites.latency(pw, origin, threads, args.warmup, args.runs)
                result["latency"][str(threads)] = suites.summarize_latency(raw)
                checkpoint(result)
            log("per-call breakdown, 2 threads")
            raw = breakdown.measure(pw, origin, 2, args.warmup, args.runs)
            result["breakdown"] = breakdown.summarize(raw)
            checkpoint(result)
            log("warm latency, tiny fixed models, 2 threads")
            raw = suites.latency(pw, origin, 2, args.warmup, args.runs, tiny=True)
            result["latency_tiny"] = suites.summarize_latency(raw)
            checkpoint(result)
            log("harper.js and grammar quality")
            hq = suites.harper_and_quality(pw, origin, args.warmup, args.runs)
    finally:
        server.terminate()
        server.wait()
    result["harper_ms"] = summary(hq["harper_ms"])
    result["quality"] = suites.quality({"slm-web": hq["slm"], "harper.js": hq["harper"]})
    result["bundles"] = sizes.bundle_sizes(DIST / "bundles", FP32, SITE / "models" / "tjs")
    stock, shipped = (d / "pyodide" / "python_stdlib.zip" for d in (ROOT / "node_modules", DIST))
    result["trimmed_stdlib"] = {
        "stock (node_modules/pyodide)": sizes.stdlib_zip(stock, result["stdlib_used"]),
        "shipped (build_wasm.sh)": sizes.stdlib_zip(shipped, result["stdlib_used"]),
    }
    result["machine"]["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="timed calls per figure (default 100)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls first (default 20)")
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh profiles per stack (default 5)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 5 calls, 2 warm-up, 1 cold start")
    parser.add_argument("--out", type=Path, default=ROOT / "bench", help="where RESULTS.md etc. go")
    parser.add_argument(
        "--report-only", action="store_true", help="re-render RESULTS.md and the chart from OUT/results.json"
    )
    args = parser.parse_args(argv)
    if args.report_only:
        report.write(json.loads((args.out / "results.json").read_text(encoding="utf-8")), args.out)
        return
    if args.quick:
        args.runs, args.warmup, args.cold_runs = 5, 2, 1
    result = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    report.write(result, args.out)
    log(f"wrote {args.out / 'RESULTS.md'}, results.json, results.png")


if __name__ == "__main__":
    main()
