"""A site that ships one shared bundle for grammar and sentiment (one encoder, two heads): a page asking for
both tasks fetches it once (its .slm4 wire form), the worker loads it once, and the answers are CPython's.

The site is the built one with the tiny fixture bundles (tests/conftest.py ``shared_bundle``): the subject is
the machinery; build_wasm.sh with ``SLM_SHARED=grammar+sentiment`` builds the same layout from students.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from webbuild.site import MANIFEST, write_manifest, write_wire_bundles

from .conftest import _link_site, launched, served_links
from .helpers import call, cpython_results, open_bridge, utf16_offset

SHARED = "grammar+sentiment"
TEXTS = ["She go to school every day.", "I loved this movie.", "Their is a problem with the the car."]


@pytest.fixture(scope="module")
def shared_site(
    built_site: Path, tmp_path_factory: pytest.TempPathFactory, shared_bundle: Path, autocomplete_bundle: Path
) -> Path:
    root = _link_site(built_site, tmp_path_factory.mktemp("shared-site"), skip=("bundles", MANIFEST))
    (root / "bundles").mkdir()
    shutil.copyfile(shared_bundle, root / "bundles" / f"{SHARED}.slm")
    shutil.copyfile(autocomplete_bundle, root / "bundles" / "autocomplete.slm")
    write_wire_bundles(root)
    write_manifest(root)
    return root


@pytest.fixture(scope="module")
def shared_url(shared_site: Path) -> Iterator[str]:
    with served_links(shared_site) as url:
        yield url


def test_the_manifest_maps_both_tasks_to_one_wire_file(shared_site: Path) -> None:
    bundles = json.loads((shared_site / MANIFEST).read_text())["bundles"]
    assert bundles["grammar"] == bundles["sentiment"]
    assert bundles["grammar"]["path"] == f"bundles/{SHARED}.slm4"
    assert bundles["grammar"]["tasks"] == ["grammar", "sentiment"]
    assert bundles["autocomplete"]["tasks"] == ["autocomplete"]


def test_a_page_asking_both_tasks_fetches_and_loads_the_bundle_once(
    playwright_instance, shared_url: str, shared_bundle: Path
) -> None:
    fetched: list[str] = []
    with launched(playwright_instance, shared_url) as browser:  # fails on any off-origin request
        browser.context.on("request", lambda r: "/bundles/" in r.url and fetched.append(r.url.split("/")[-1]))
        page = open_bridge(browser, "?tasks=grammar,sentiment")
        models = [p for p in page.evaluate("progress") if p["step"] == "model"]
        labels = [call(page, "classify", text)["value"] for text in TEXTS]
        corrections = [call(page, "correct", text)["value"] for text in TEXTS]
        stats = page.evaluate("() => slm.stats()")
    assert fetched == [f"{SHARED}.slm4"]
    assert [(m["task"], m["tasks"], m["detail"]) for m in models] == [
        ("grammar", ["grammar", "sentiment"], "test-grammar+sentiment")
    ]
    assert stats["calls"] == 2 * len(TEXTS)
    native = cpython_results(shared_bundle, TEXTS, "--task", "sentiment")
    for text, got, want in zip(TEXTS, labels, native, strict=True):
        assert got["label"] == want["label"], text
        assert all(abs(got["scores"][k] - v) <= 1e-3 for k, v in want["scores"].items()), text
    for text, got, want in zip(TEXTS, corrections, cpython_results(shared_bundle, TEXTS), strict=True):
        assert got["text"] == want["text"], text
        edits = [{**e, "start": utf16_offset(text, e["start"]), "end": utf16_offset(text, e["end"])}
                 for e in want["edits"]]
        assert got["edits"] == edits, text


def test_a_page_asking_one_head_gets_only_that_task(playwright_instance, shared_url: str) -> None:
    with launched(playwright_instance, shared_url) as browser:
        page = open_bridge(browser, "?tasks=sentiment")
        assert call(page, "classify", "fine")["value"]["label"] in ("negative", "positive")
        message = call(page, "correct", "fine")["error"]["message"]
    assert 'needs the "grammar" task' in message


def test_the_default_site_ships_separate_bundles_and_a_shared_one_on_request() -> None:
    from webbuild.bundles import SHARED_BUNDLES, site_bundles

    assert site_bundles() == ["sentiment", "autocomplete", "grammar"]  # the table's default: separate
    assert not SHARED_BUNDLES[SHARED].default
    assert site_bundles([SHARED]) == [SHARED, "autocomplete"]
    with pytest.raises(ValueError, match="no shared bundle 'x'"):
        site_bundles(["x"])


def test_the_shared_build_path_converts_or_stands_in_a_tiny_pair(tmp_path: Path) -> None:
    """``webbuild bundle grammar+sentiment``: the students with the head's checkpoint, or (the head not
    committed yet) a tiny random grammar model with a tiny head on its encoder; then up to date."""
    from slm_web.bundle import read_bundle
    from webbuild.bundles import build_bundle

    out = tmp_path / f"{SHARED}.slm"
    said = build_bundle(SHARED, out)
    bundle = read_bundle(out)
    assert bundle.tasks == ("grammar", "sentiment")
    if "TINY" in said:
        assert bundle.manifest["name"] == f"tiny-{SHARED}"
    assert build_bundle(SHARED, out).startswith(f"{SHARED}: up to date")
