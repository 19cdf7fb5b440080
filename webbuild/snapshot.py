"""A Pyodide memory snapshot shipped with the site: a first visit restores Python instead of booting it.

``python -m webbuild snapshot SITE`` (``SLM_SNAPSHOT=1 bash build_wasm.sh`` runs it) serves the built site,
starts the bridge's own worker (``bridge/slm-worker.js``) in headless Chromium and sends it a ``snapshot``
request: the worker boots Python, unpacks the wheel and imports slm_web exactly as a first visit does, and
returns ``makeMemorySnapshot()``. That is written to ``pyodide/slm_web.snapshot`` (+ ``.br``, ``.gz``) and
listed in ``build-manifest.json`` under ``snapshot``, with the sha256 of the runtime files it was made from;
the bridge uses it only while those still match.

The trade-off (bench/ANALYSIS.md has the numbers): a first visit starts sooner (Python's boot becomes a
restore, several times faster) but downloads a few MB more, for every visitor, once.
"""

from __future__ import annotations

import base64
import json
import tempfile
from pathlib import Path
from typing import Any

from slm_web.serve import link_targets, served
from webbuild.chromium import launch
from webbuild.site import MANIFEST, precompress, write_manifest

SNAPSHOT_PATH = "pyodide/slm_web.snapshot"
# In a page of the site: the bridge's worker, one `snapshot` request, the bytes back as base64.
MAKE_SNAPSHOT_JS = """async (baseURL) => {
  const worker = new Worker(new URL("bridge/slm-worker.js", baseURL), { type: "module" });
  try {
    const bytes = await new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => {
        if (data.type === "result") resolve(data.value);
        else if (data.type === "error") reject(new Error(data.error.message));
      };
      worker.onerror = (event) => reject(new Error(event.message || "the worker failed"));
      worker.postMessage({ type: "snapshot", id: 1, baseURL });
    });
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(text);
  } finally {
    worker.terminate();
  }
}"""


def make_snapshot(site: Path, playwright: Any = None, timeout_s: float = 300) -> bytes:
    """The memory snapshot the bridge's worker makes of Python with slm_web imported, from ``site``.

    ``playwright``: a running sync Playwright to use (one process cannot start a second); else its own.
    """
    if playwright is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            return make_snapshot(site, pw, timeout_s)
    # A linked copy (linked_copy_with_snapshot) is served through the links it was made of.
    served_site = served(site, link_roots=link_targets(site))
    with served_site as base_url, tempfile.TemporaryDirectory(prefix="slm-snapshot-") as profile:
        context = launch(playwright, profile)
        try:
            page = context.new_page()
            page.set_default_timeout(timeout_s * 1000)
            page.goto(base_url + MANIFEST)  # any page of the site's origin will do
            return base64.b64decode(page.evaluate(MAKE_SNAPSHOT_JS, base_url))
        finally:
            context.close()


def snapshot_inputs(manifest: dict) -> dict[str, str]:
    """sha256 of the files a snapshot depends on (the bridge's ``snapshotInputs``)."""
    files = manifest["files"]
    wheel = next(p for p in files if p.startswith("pyodide/") and p.endswith(".whl"))
    return {
        "asm": files["pyodide/pyodide.asm.wasm"]["sha256"],
        "stdlib": files["pyodide/python_stdlib.zip"]["sha256"],
        "wheel": files[wheel]["sha256"],
    }


def linked_copy_with_snapshot(built: Path, out: Path, playwright: Any = None) -> Path:
    """``out``: the finished site ``built`` as symlinks, plus its own manifest and a shipped snapshot.

    For comparing a site with and without a snapshot (the benchmark, the tests) without building it twice.
    """
    out.mkdir(parents=True, exist_ok=True)
    for entry in built.iterdir():
        if entry.name not in ("pyodide", MANIFEST) and not (out / entry.name).exists():
            (out / entry.name).symlink_to(entry.resolve())
    (out / "pyodide").mkdir(exist_ok=True)
    for entry in (built / "pyodide").iterdir():
        link = out / "pyodide" / entry.name
        if not entry.name.startswith(Path(SNAPSHOT_PATH).name) and not link.exists():
            link.symlink_to(entry.resolve())
    write_manifest(out)
    ship_snapshot(out, playwright)
    return out


def ship_snapshot(site: Path, playwright: Any = None) -> dict:
    """Make the snapshot of a finished site, write it, precompress it, and list it in the manifest."""
    inputs = snapshot_inputs(json.loads((site / MANIFEST).read_text()))
    target = site / SNAPSHOT_PATH
    target.write_bytes(make_snapshot(site, playwright))
    target.chmod(0o644)
    precompress(site)
    return write_manifest(site, snapshot={"path": SNAPSHOT_PATH, "for": inputs})
