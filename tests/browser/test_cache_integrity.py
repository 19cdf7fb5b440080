"""A tampered or corrupt Cache API entry costs one download, never the page (issue 19, groups 2 and 3).

One browser profile for the module: the first visit fills the cache; each test then spoils one entry
(other bytes, a bundle with its labels reversed, one flipped byte) and checks that the next visit answers
as the first did, with no manual step, and reports the dropped entry in an "evicted" progress event
followed by a fresh download.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from webbuild.site import MANIFEST, write_manifest

from .conftest import launched, served_links
from .helpers import call, open_bridge

TASKS = "?tasks=sentiment,grammar"
CALLS = [("classify", "What a lovely surprise."), ("classify", "This was a waste of time."),
         ("correct", "She go to school.")]

# In a page of the site: replace the cached copy of the file whose path ends with `suffix`, keeping its
# key and headers. `flip`: flip one bit in the middle; else the bytes of `url` (fetched from the site).
SPOIL_JS = """async ({suffix, flip, url}) => {
  const cache = await caches.open("slm-web-v1");
  const key = (await cache.keys()).find((r) => new URL(r.url).pathname.endsWith(suffix));
  if (!key) throw new Error(`nothing cached for ${suffix}`);
  const old = await cache.match(key);
  let bytes = new Uint8Array(await old.arrayBuffer());
  if (flip) bytes[bytes.length >> 1] ^= 1;
  else bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  await cache.put(key, new Response(bytes, { headers: old.headers }));
  return key.url;
}"""
CACHED_KEYS_JS = "async () => (await (await caches.open('slm-web-v1')).keys()).map((r) => r.url)"


@pytest.fixture(scope="module")
def manifest(site: Path) -> dict[str, Any]:
    return json.loads((site / MANIFEST).read_text())


@pytest.fixture(scope="module")
def warm(module_browser) -> list[Any]:
    """The module's browser after a first visit (everything cached, the snapshot stored): its answers."""
    page = open_bridge(module_browser, TASKS)  # SLM.create resolves once the snapshot is stored
    answers = [call(page, method, text)["value"] for method, text in CALLS]
    page.close()
    return answers


def spoil(browser, suffix: str, flip: bool = False, url: str | None = None) -> None:
    page = browser.new_page(MANIFEST)  # any page of the site's origin
    page.evaluate(SPOIL_JS, {"suffix": suffix, "flip": flip, "url": url})
    page.close()


def revisit(browser, expected: list[Any]) -> list[dict[str, Any]]:
    """The next visit: it must answer as the first one did. Returns its progress events."""
    page = open_bridge(browser, TASKS)
    assert [call(page, method, text)["value"] for method, text in CALLS] == expected
    progress = page.evaluate("progress")
    page.close()
    return progress


def assert_redownloaded(progress: list[dict[str, Any]], path: str, reason: str = "corrupt") -> None:
    """An "evicted" event for ``path``, then a download of it; and no other file was dropped."""
    evicted = [i for i, p in enumerate(progress) if p["step"] == "evicted"]
    assert [(progress[i]["file"], progress[i]["reason"]) for i in evicted] == [(path, reason)], progress
    assert any(p["step"] == "download" and p["file"] == path for p in progress[evicted[0]:]), progress


def test_a_flipped_byte_in_a_cached_bundle_is_redownloaded(module_browser, warm, manifest):
    path = manifest["bundles"]["grammar"]["path"]
    spoil(module_browser, path, flip=True)
    assert_redownloaded(revisit(module_browser, warm), path)


def test_another_valid_bundle_in_a_bundles_cache_entry_is_redownloaded(module_browser, warm, manifest):
    path = manifest["bundles"]["sentiment"]["path"]
    spoil(module_browser, path, url=manifest["bundles"]["grammar"]["path"])
    assert_redownloaded(revisit(module_browser, warm), path)


def reversed_labels(bundle: bytes) -> bytes:
    """The bundle with its labels in reverse order: every hashed member intact, answers swapped."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "manifest.json":
                meta = json.loads(data)
                meta["task_config"]["labels"].reverse()
                data = json.dumps(meta).encode()
            dst.writestr(info, data)
    return out.getvalue()


def test_a_bundle_with_reversed_labels_in_the_cache_is_redownloaded(module_browser, warm, manifest, site):
    bundle = (site / "bundles" / "sentiment.slm").read_bytes()
    (site / "tests" / "reversed.slm").write_bytes(reversed_labels(bundle))
    path = manifest["bundles"]["sentiment"]["path"]
    spoil(module_browser, path, url="tests/reversed.slm")
    assert_redownloaded(revisit(module_browser, warm), path)


@pytest.mark.parametrize("path", ["ort/ort-wasm-simd-threaded.wasm", "pyodide/python_stdlib.zip",
                                  "pyodide/pyodide.asm.wasm"])
def test_a_flipped_byte_in_a_cached_runtime_file_is_redownloaded(module_browser, warm, path: str):
    spoil(module_browser, path, flip=True)
    assert_redownloaded(revisit(module_browser, warm), path)


def test_a_flipped_byte_in_the_cached_python_snapshot_is_dropped_and_python_boots(module_browser, warm):
    spoil(module_browser, "pyodide.snapshot", flip=True)
    progress = revisit(module_browser, warm)
    evicted = [(p["file"], p["reason"]) for p in progress if p["step"] == "evicted"]
    assert evicted == [("pyodide/pyodide.snapshot", "corrupt")]
    assert ("python", "slm_web install + import") in [(p["step"], p.get("detail")) for p in progress]


# In a page of the site: replace this browser's snapshot by other bytes stored with their own sha256, so they
# pass the check and fail to restore.
UNRESTORABLE_SNAPSHOT_JS = """async () => {
  const cache = await caches.open("slm-web-v1");
  const key = (await cache.keys()).find((r) => new URL(r.url).pathname.endsWith("pyodide.snapshot"));
  const bytes = new Uint8Array(4096).fill(7);
  const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
  const sha = hex(await crypto.subtle.digest("SHA-256", bytes));
  await cache.put(key, new Response(bytes, { headers: { "X-SLM-SHA256": sha } }));
}"""


def test_a_cached_python_snapshot_that_passes_its_check_but_fails_to_restore_is_dropped(module_browser, warm):
    page = module_browser.new_page(MANIFEST)
    page.evaluate(UNRESTORABLE_SNAPSHOT_JS)
    page.close()
    progress = revisit(module_browser, warm)
    evicted = [(p["file"], p["reason"]) for p in progress if p["step"] == "evicted"]
    assert evicted == [("pyodide/pyodide.snapshot", "failed")]
    assert ("python", "slm_web install + import") in [(p["step"], p.get("detail")) for p in progress]


@contextmanager
def broken_bundle_site(site: Path, tmp: Path) -> Iterator[str]:
    """A copy of ``site`` whose sentiment bundle is broken though build-manifest.json lists its sha256 (a
    bad deploy): it downloads fine and fails to load. Yields the base URL."""
    root = tmp / "broken-site"
    root.mkdir()
    for entry in site.iterdir():
        if entry.name not in ("bundles", MANIFEST):
            (root / entry.name).symlink_to(entry.resolve())
    shutil.copytree(site / "bundles", root / "bundles", ignore=shutil.ignore_patterns("*.gz", "*.br"))
    for bundle in (root / "bundles").glob("sentiment.slm*"):
        data = bytearray(bundle.read_bytes())
        data[len(data) // 2] ^= 1
        bundle.write_bytes(bytes(data))
    write_manifest(root)
    with served_links(root) as url:
        yield url


def test_a_bundle_that_fails_to_load_is_dropped_and_downloaded_once_more(
    site: Path, tmp_path: Path, playwright_instance
):
    with broken_bundle_site(site, tmp_path) as url, launched(playwright_instance, url) as browser:
        page = browser.new_page("tests/bridge.html?tasks=sentiment")
        page.wait_for_function("() => document.title !== 'loading'", timeout=120_000)
        assert page.title().startswith("failed: BundleError: "), page.title()
        path = json.loads((site / MANIFEST).read_text())["bundles"]["sentiment"]["path"]
        starts = [p for p in page.evaluate("progress") if p.get("file") == path and not p.get("loaded")]
        steps = [(p["step"], p.get("reason")) for p in starts]
        # Dropped after each failure: the next visit downloads it again.
        assert steps == [("download", None), ("evicted", "failed"), ("download", None), ("evicted", "failed")]
        assert not any(path in key for key in page.evaluate(CACHED_KEYS_JS))
