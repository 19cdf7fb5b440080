"""Calling the bridge from a test: results and rejections as plain data, CPython reference results, page
modules bundled with esbuild."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"

# Evaluated in the page: one bridge call, its rejection turned into data ({error: {name, message}}).
CALL_JS = """async ([method, text, options]) => {
  try { return { value: await slm[method](text, options) }; }
  catch (e) { return { error: { name: e.name, message: e.message } }; }
}"""


def call(page: Any, method: str, text: str, **options: Any) -> dict[str, Any]:
    return page.evaluate(CALL_JS, [method, text, options])


def open_bridge(browser: Any, query: str = "", timeout_ms: int = 120_000) -> Any:
    """The bridge test page with `window.slm` ready (asserts it started)."""
    page = browser.new_page(f"tests/bridge.html{query}")
    _wait_ready(page, timeout_ms)
    return page


def reload_bridge(page: Any, timeout_ms: int = 120_000) -> None:
    """Reload the bridge test page (a new worker: what survives comes from the browser's storage)."""
    page.reload()
    _wait_ready(page, timeout_ms)


def _wait_ready(page: Any, timeout_ms: int) -> None:
    page.wait_for_function("() => document.title !== 'loading'", timeout=timeout_ms)
    assert page.title() == "ready", page.title()


def cpython_results(bundle: Path, texts: list[str], *extra: str) -> list[dict[str, Any]]:
    """What `python -m slm_web run BUNDLE TEXTS --json` prints, one dict per text."""
    out = subprocess.run(
        [sys.executable, "-m", "slm_web", "run", str(bundle), *texts, "--json", *extra],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines()]


def one_fix_applied(text: str, edits: list[dict[str, Any]]) -> set[str]:
    """What `text` may become when one of `edits` is applied from the popover."""
    return {text[: e["start"]] + e["replacement"] + text[e["end"] :] for e in edits}


def utf16_offset(text: str, index: int) -> int:
    """The UTF-16 index of code point ``index`` of ``text`` (what the JS bridge reports)."""
    return len(text[:index].encode("utf-16-le")) // 2


def bundle_page_module(source: str, out: Path) -> None:
    """Bundle a page's ES module `source` (its text) into `out` with esbuild: bare imports (CodeMirror)
    from the repository's node_modules, the bridge (``/bridge/...``) left to load from the served site as
    a page on the built site imports it. Fed on stdin, so imports resolve from the repository whatever
    file the source came from."""
    subprocess.run(
        [str(ESBUILD), "--bundle", "--format=esm", "--external:/bridge/*", "--log-level=warning",
         f"--outfile={out}"],
        input=source, cwd=ROOT, check=True, capture_output=True, text=True, timeout=300,
    )


def doc_examples(doc: Path, test_file: str) -> list[str]:
    """The ```js blocks of `doc` marked ``<!-- runs in tests/browser/TEST_FILE -->`` (that test runs them)."""
    marker = re.escape(f"<!-- runs in tests/browser/{test_file} -->")
    return re.findall(marker + r"\n```js\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)
