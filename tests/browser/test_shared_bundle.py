"""A site that ships one shared bundle for grammar and sentiment (one encoder, two heads): a page asking for
both tasks fetches it once (its .slm4 wire form), the worker loads it once, and the answers are CPython's.

The site is the built one with the tiny fixture bundles (tests/conftest.py ``shared_bundle``): the subject is
the machinery; build_wasm.sh with ``SLM_SHARED=grammar+sentiment`` builds the same layout from students once
students/checkpoints/sentiment-on-grammar is committed (the build's tests here check it refuses until then).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from webbuild.site import MANIFEST, write_manifest, write_wire_bundles

from .conftest import _link_site, launched, served_links
from .engines import TOLERANCE
from .helpers import call, cpython_results, open_bridge, utf16_offset

SHARED = "grammar+sentiment"
# (the main task's checkpoint or None, the head's) -> where to build the shared bundle
Table = Callable[[Path | None, Path], Path]
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
        assert all(abs(got["scores"][k] - v) <= TOLERANCE for k, v in want["scores"].items()), text
    for text, got, want in zip(TEXTS, corrections, cpython_results(shared_bundle, TEXTS), strict=True):
        assert got["text"] == want["text"], text
        edits = [{**e, "start": utf16_offset(text, e["start"]), "end": utf16_offset(text, e["end"])}
                 for e in want["edits"]]
        assert got["edits"] == edits, text


def test_when_ready_first_has_both_heads_before_create_resolves(playwright_instance, shared_url: str) -> None:
    """The first task's bundle serves the second too: nothing is left to load behind create()."""
    with launched(playwright_instance, shared_url) as browser:
        page = open_bridge(browser, "?tasks=sentiment,grammar&ready=first")
        steps = [(p["step"], p.get("task"), p["created"]) for p in page.evaluate("progress")]
        assert "error" not in page.evaluate("allReady")
        assert "text" in call(page, "correct", "She go to school.")["value"]
    assert [step for step in steps if step[0] == "model"] == [("model", "sentiment", False)]
    assert steps[-1] == ("ready", None, False)


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


@pytest.fixture
def shared_table(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Table:
    """Point the build at a checkpoints folder and the shared bundle's head at ``head``: with the main
    task's checkpoint (``main``) copied in, or none. Random fixtures pass no agreement bar."""
    from webbuild import bundles

    def table(main: Path | None, head: Path) -> Path:
        checkpoints = tmp_path / "checkpoints"
        checkpoints.mkdir()
        if main is not None:
            shutil.copytree(main, checkpoints / "grammar")
        monkeypatch.setattr(bundles, "CHECKPOINTS", checkpoints)
        shared = bundles.SharedBundle("grammar", {"sentiment": str(head)})
        monkeypatch.setitem(bundles.SHARED_BUNDLES, SHARED, shared)
        monkeypatch.setitem(bundles.STUDENT_OPTIONS, "grammar", {"min_agreement": 0.0})
        return tmp_path / f"{SHARED}.slm"

    return table


def test_the_shared_build_converts_both_checkpoints(
    shared_table: Table, grammar_checkpoint: Path, shared_sentiment_checkpoint: Path
) -> None:
    from slm_web.bundle import read_bundle
    from webbuild.bundles import build_bundle

    out = shared_table(grammar_checkpoint, shared_sentiment_checkpoint)
    assert build_bundle(SHARED, out).startswith(f"{SHARED}: converted ")
    assert read_bundle(out).tasks == ("grammar", "sentiment")
    assert not read_bundle(out).manifest["name"].startswith("tiny-")
    assert build_bundle(SHARED, out).startswith(f"{SHARED}: up to date")


def test_the_shared_build_refuses_a_missing_head_in_one_line(
    shared_table: Table, grammar_checkpoint: Path, tmp_path: Path
) -> None:
    """A tiny model must not stand in for the committed grammar student: the build stops, and says why."""
    from webbuild.__main__ import main
    from webbuild.bundles import MissingCheckpoint, build_bundle

    head = tmp_path / "sentiment-on-grammar"
    out = shared_table(grammar_checkpoint, head)
    with pytest.raises(MissingCheckpoint) as error:
        build_bundle(SHARED, out)
    said = f"{SHARED} needs {head}, not committed yet (SLM_SHARED= builds a bundle per task)"
    assert str(error.value) == said
    assert not out.exists()
    with pytest.raises(SystemExit, match=re.escape(f"webbuild bundle: error: {said}")):
        main(["bundle", SHARED, "--out", str(out)])


def test_the_shared_build_stands_in_a_tiny_pair_when_no_checkpoint_is_committed(
    shared_table: Table, tmp_path: Path
) -> None:
    from slm_web.bundle import read_bundle
    from webbuild.bundles import build_bundle

    out = shared_table(None, tmp_path / "sentiment-on-grammar")
    assert "TINY RANDOM" in build_bundle(SHARED, out)
    bundle = read_bundle(out)
    assert bundle.tasks == ("grammar", "sentiment") and bundle.manifest["name"] == f"tiny-{SHARED}"
    assert build_bundle(SHARED, out).startswith(f"{SHARED}: up to date")
