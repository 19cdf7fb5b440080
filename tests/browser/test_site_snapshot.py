"""A site built with a Pyodide memory snapshot (``SLM_SNAPSHOT=1 bash build_wasm.sh``, webbuild/snapshot.py):
a first visit in a fresh profile restores Python instead of booting it; a snapshot that does not match the
manifest is ignored and Python boots the normal way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from webbuild.site import MANIFEST
from webbuild.snapshot import SNAPSHOT_PATH, linked_copy_with_snapshot

from .conftest import launched, served_links
from .helpers import call, open_bridge

CALLS = [("classify", "What a lovely surprise."), ("correct", "He go to school.")]


@pytest.fixture(scope="module")
def snapshot_site(site: Path, tmp_path_factory: pytest.TempPathFactory, playwright_instance) -> Path:
    """The test site (built site + test pages) with a snapshot shipped."""
    return linked_copy_with_snapshot(site, tmp_path_factory.mktemp("snapshot-site"), playwright_instance)


@pytest.fixture(scope="module")
def snapshot_url(snapshot_site: Path) -> Iterator[str]:
    with served_links(snapshot_site) as url:
        yield url


def _boot(page) -> list[tuple[str, str]]:
    steps = page.evaluate("progress")
    return [(p["step"], p.get("detail")) for p in steps if p["step"] in ("runtime", "python")]


def test_the_manifest_lists_the_snapshot_with_the_files_it_was_made_from(snapshot_site: Path):
    manifest = json.loads((snapshot_site / MANIFEST).read_text())
    files = manifest["files"]
    assert manifest["snapshot"]["path"] == SNAPSHOT_PATH and SNAPSHOT_PATH in files
    assert manifest["snapshot"]["for"]["asm"] == files["pyodide/pyodide.asm.wasm"]["sha256"]
    sizes = files[SNAPSHOT_PATH]
    assert sizes["br_size"] < sizes["gzip_size"] < sizes["size"] / 3


def test_a_first_visit_restores_the_sites_snapshot(playwright_instance, snapshot_url: str, site: Path):
    with launched(playwright_instance, snapshot_url) as browser:
        page = open_bridge(browser, "?tasks=sentiment,grammar")
        assert _boot(page) == [
            ("runtime", "pyodide + onnxruntime-web"),
            ("runtime", "pyodide (site snapshot)"),
            ("python", "slm_web (restored with Python)"),
        ]
        got = [call(page, method, text)["value"] for method, text in CALLS]
    # The same without a snapshot.
    with served_links(site) as url, launched(playwright_instance, url) as browser:
        page = open_bridge(browser, "?tasks=sentiment,grammar")
        assert ("python", "slm_web install + import") in _boot(page)
        assert [call(page, method, text)["value"] for method, text in CALLS] == got


def test_a_snapshot_that_does_not_match_the_manifest_is_ignored(playwright_instance, snapshot_site: Path):
    snapshot = snapshot_site / SNAPSHOT_PATH
    good = snapshot.read_bytes()
    copies = [snapshot_site / (SNAPSHOT_PATH + suffix) for suffix in (".br", ".gz")]
    for copy in copies:  # served instead of the file when present
        copy.rename(copy.with_name(copy.name + ".bak"))
    snapshot.write_bytes(b"\0" * len(good))
    try:
        with served_links(snapshot_site) as url, launched(playwright_instance, url) as browser:
            page = open_bridge(browser, "?tasks=sentiment")
            assert ("python", "slm_web install + import") in _boot(page)
            assert call(page, *CALLS[0])["value"]["label"] == "positive"
    finally:
        snapshot.write_bytes(good)
        for copy in copies:
            copy.with_name(copy.name + ".bak").rename(copy)
