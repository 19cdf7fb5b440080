"""First visit and revisit per browser engine (issue 21): slm-web's default site in Chromium, Firefox and
WebKit.

The definition is the Chromium cold-start table's "slm-web, all three features" (bench/suites.py): the
harness page with all three features and 2 threads asked for (Firefox: 1, see ``THREADS``), navigation
start → the first result, timed by the page itself (bench/web/bench.js ``slmStart``), so the driver does not
count; the revisit loads the page again in the same profile. Each engine runs ``runs`` times, each time
launched with a fresh profile.

Chromium runs through bench/browser.py (Playwright); Firefox and WebKit through the engine tests' drivers
(tests/browser/drivers.py). An engine this machine lacks, or one that fails, gets a row saying why: the
rest of the bench goes on.

``python -m bench`` runs it with the other suites. ``python -m bench.engines [SITE]`` runs it alone on a
built site (``build_wasm.sh`` output; default: the bench's own site) and prints the table.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from webbuild import chromium

from .browser import PAGE, Browser
from .site import served
from .stats import median_phases, phases
from .suites import COLD_QUERIES

STACK = "slm-web, all three features"
# ORT threads asked for, per engine: the cold-start table's 2, but 1 in Firefox ESR, where onnxruntime-web's
# start with two threads (workers started by the bridge's worker) now and then never finished, with or
# without the driver's request interception, while one thread always did (bench/ANALYSIS.md, issue 21).
THREADS = {"firefox": 1}


def query(engine: str) -> str:
    return COLD_QUERIES[STACK].format(threads=THREADS.get(engine, 2))


TOTAL = "total to first result"
NAMES = {"chromium": "Chromium", "firefox": "Firefox ESR", "webkit": "WebKitGTK (MiniBrowser)"}

# A visit loads the page and returns what it measured (bench.js ``coldStart``: events and SLM.info).
Visit = Callable[[], dict[str, Any]]


def _chromium_missing() -> str | None:
    try:
        chromium.executable()
    except FileNotFoundError as e:
        return str(e)
    return None


@contextmanager
def _chromium_profile(pw: Any, origin: str) -> Iterator[Visit]:
    browser = Browser(pw, origin)
    try:

        def visit() -> dict[str, Any]:
            page = browser.open(query("chromium"))
            try:
                return page.evaluate("({events: coldStart.events, info: coldStart.info})")
            finally:
                page.close()

        yield visit
        if browser.transfer.off_origin:
            raise RuntimeError(f"requests left the origin: {browser.transfer.off_origin[:3]}")
    finally:
        browser.close()


@contextmanager
def _driven_profile(
    launched: Callable[[str], AbstractContextManager[Any]], origin: str, page_query: str
) -> Iterator[Visit]:
    """A Firefox or WebKit launched by its test driver (tests/browser/engines.Engine)."""
    with launched(origin) as engine:

        def visit() -> dict[str, Any]:
            engine.goto(f"{origin}/{PAGE}?{page_query}")
            engine.wait_for("() => document.title !== 'loading'", 180)
            title = engine.evaluate("() => document.title")
            if title != "ready":
                raise RuntimeError(f"bench page: {title}")
            return engine.evaluate("() => ({events: coldStart.events, info: coldStart.info})")

        yield visit
        if engine.off_origin():
            raise RuntimeError(f"requests left the origin: {engine.off_origin()[:3]}")


def _profiles(pw: Any) -> dict[str, tuple[Callable[[], str | None], Callable[[str], Any]]]:
    """engine -> (why it cannot run here or None, fresh profile on an origin → a context yielding visits)."""
    # The test drivers import selenium and puppeteer glue: only this suite needs them, not the report.
    from tests.browser.drivers import DRIVERS

    out = {"chromium": (_chromium_missing, lambda origin: _chromium_profile(pw, origin))}
    for name, driver in DRIVERS.items():
        page_query = query(name)
        out[name] = (driver.missing,
                     lambda origin, run=driver.launched, q=page_query: _driven_profile(run, origin, q))
    return out


def _fresh(measured: dict[str, Any]) -> dict[str, Any]:
    # A file the bridge read from its cache on a first visit means the launch did not start from a fresh
    # profile: the figure would be a revisit's.
    cached = [e["file"] for e in measured["events"] if e["step"] == "cache"]
    if cached:
        raise RuntimeError(f"the first visit found files in the cache ({cached[:2]}): profile not fresh")
    return measured


def measure(pw: Any, origin: str, runs: int, only: tuple[str, ...] = ()) -> dict[str, Any]:
    """Per engine (all, or those in ``only``): the first-visit and revisit phases (ms) of ``runs`` fresh
    profiles and the ORT threads used; or ``{"unavailable": why}`` / ``{"failed": what}``."""
    out: dict[str, Any] = {}
    for engine, (missing, profile) in _profiles(pw).items():
        if only and engine not in only:
            continue
        print(f"bench.engines: {engine}", flush=True)
        reason = missing()
        if reason:
            out[engine] = {"unavailable": reason}
            continue
        first, revisit = [], []
        try:
            for _ in range(runs):
                with profile(origin) as visit:
                    measured = _fresh(visit())
                    first.append(phases(measured["events"]))
                    revisit.append(phases(visit()["events"]))
        except Exception as e:  # one engine's failure is its row, not the end of a long run
            out[engine] = {"failed": " ".join(f"{type(e).__name__}: {e}".split())[:300]}
            continue
        out[engine] = {"first": first, "revisit": revisit, "info": measured["info"]}
    return out


def summarize(measured: dict[str, Any]) -> dict[str, Any]:
    """Raw phases -> per phase summaries over the profiles (as the cold-start table keeps them)."""
    return {
        engine: (m | {"first": median_phases(m["first"]), "revisit": median_phases(m["revisit"])})
        if "first" in m
        else m
        for engine, m in measured.items()
    }


def _seconds(phase: dict[str, float]) -> str:
    return f"{phase['median'] / 1000:.2f} s ({phase['min'] / 1000:.2f}–{phase['p95'] / 1000:.2f})"


def table(summary: dict[str, Any]) -> list[str]:
    """Markdown: one row per engine, median (min–p95 over the profiles); a row that could not be measured
    says why."""
    lines = [
        "| engine | first visit → first result | revisit → first result | ORT threads used | profiles |",
        "|---|---|---|---|---|",
    ]
    for engine, m in summary.items():
        name = NAMES.get(engine, engine)
        if "first" not in m:
            why = m.get("unavailable") or f"failed: {m.get('failed')}"
            lines.append(f"| {name} | not measured: {why.replace('|', '/')} | – | – | – |")
            continue
        first, revisit = m["first"][TOTAL], m["revisit"][TOTAL]
        threads = f"{m['info']['threads']} (crossOriginIsolated: {m['info']['crossOriginIsolated']})"
        lines.append(f"| {name} | {_seconds(first)} | {_seconds(revisit)} | {threads} | {int(first['n'])} |")
    return [*lines, ""]


def section(summary: dict[str, Any]) -> list[str]:
    """RESULTS.md's "First visit per engine": the table and what it measured."""
    return [
        "### First visit per engine",
        "",
        f"The \"{STACK}\" cold start above (2 threads asked for, 1 in Firefox, where two now and then never "
        "finished starting: ANALYSIS.md; navigation start → first result, timed by "
        "the page) in each engine: median (min–p95; with fewer than 20 profiles p95 is the slowest) over "
        "fresh profiles; revisit: the page loaded again in the same profile. Chromium through Playwright "
        "(bench/browser.py); Debian firefox-esr through puppeteer-core over WebDriver BiDi and WebKitGTK's "
        "MiniBrowser through WebKitWebDriver under xvfb-run (the engine tests' drivers, "
        "tests/browser/drivers.py). Chromium's and Firefox's drivers intercept every request (to refuse "
        "other origins); WebKit's send only foreign ones to a refusing proxy. WebKitGTK exposes no "
        "`SharedArrayBuffer`, so onnxruntime-web runs one thread there whatever is asked.",
        "",
        *table(summary),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.engines", description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", type=Path, help="build_wasm.sh output (default: the bench's site)")
    parser.add_argument("--runs", type=int, default=5, help="fresh profiles per engine (default 5)")
    parser.add_argument("--engines", default="", help="comma-separated subset, e.g. chromium,firefox")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    only = tuple(filter(None, args.engines.split(",")))
    with served(args.site) as origin, sync_playwright() as pw:
        summary = summarize(measure(pw, origin, args.runs, only))
    print("\n".join(section(summary)))


if __name__ == "__main__":
    main()
