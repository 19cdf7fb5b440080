"""Fixtures for the browser suite: the built site (once per session), a local server, headless Chromium.

Every page is watched: a request to any origin but the local server fails the test (the request is also
aborted), and so does any console error. Chromium is Debian's (webbuild.chromium: the flags from
DESIGN.md §2), on a fresh profile, so no test sees a cache from another.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from slm_web.serve import link_targets, served
from webbuild import chromium
from webbuild.site import MANIFEST, write_manifest

ROOT = Path(__file__).resolve().parents[2]
PAGES = Path(__file__).parent / "pages"


BROWSER_FIXTURES = {"browser", "caching_browser", "module_browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that drive Chromium get the ``browser`` marker (``-m 'not browser'`` skips them)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents and BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def built_site() -> Path:
    """``dist/site`` built by build_wasm.sh (``SLM_SITE=DIR`` reuses a site built elsewhere)."""
    if os.environ.get("SLM_SITE"):
        return Path(os.environ["SLM_SITE"])
    if shutil.which("chromium") is None:
        pytest.skip("Debian chromium is not installed (bash scripts/setup.sh installs it)")
    subprocess.run(["bash", str(ROOT / "build_wasm.sh")], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return ROOT / "dist" / "site"


@pytest.fixture(scope="session")
def site(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site plus the test pages under ``tests/`` (symlinks: nothing is copied).

    ``tests/`` itself is a real folder, so tests may write files there (a model, say) without touching
    the repository or dist/site.
    """
    return _link_site(built_site, tmp_path_factory.mktemp("site"))


def _link_site(built_site: Path, root: Path, skip: tuple[str, ...] = ()) -> Path:
    for entry in built_site.iterdir():
        if entry.name not in skip:
            (root / entry.name).symlink_to(entry.resolve())
    (root / "tests").mkdir()
    for page in PAGES.iterdir():
        (root / "tests" / page.name).symlink_to(page)
    return root


def served_links(root: Path) -> AbstractContextManager[str]:
    """``served(root)`` for a site this suite made of symlinks: the server follows them (and only them)."""
    return served(root, link_roots=link_targets(root))


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    with served_links(site) as url:
        yield url


@pytest.fixture(scope="session")
def tiny_base_url(
    built_site: Path,
    tmp_path_factory: pytest.TempPathFactory,
    sentiment_bundle: Path,
    autocomplete_bundle: Path,
    grammar_bundle: Path,
) -> Iterator[str]:
    """The built site with the tiny fixture bundles (tests/conftest.py) instead of the students.

    For tests whose subject is the machinery (2,000 calls through the bridge), not the models: tiny
    models make each call cost milliseconds whatever the students weigh.
    """
    root = _link_site(built_site, tmp_path_factory.mktemp("tiny-site"), skip=("bundles", MANIFEST))
    (root / "bundles").mkdir()
    for task, bundle in (("sentiment", sentiment_bundle), ("autocomplete", autocomplete_bundle),
                         ("grammar", grammar_bundle)):
        shutil.copyfile(bundle, root / "bundles" / f"{task}.slm")
    write_manifest(root)
    with served_links(root) as url:
        yield url


@pytest.fixture(scope="session")
def playwright_instance():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        yield pw


@dataclass
class Watch:
    """What a browser context did that a test may not allow."""

    origin: str
    off_origin: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def record(self, url: str) -> None:
        if not url.startswith((self.origin + "/", "blob:", "data:")) and url not in self.off_origin:
            self.off_origin.append(url)

    def check(self) -> None:
        assert not self.off_origin, f"requests left the origin: {self.off_origin}"
        assert not self.console_errors, f"console errors: {self.console_errors}"


@dataclass
class Browser:
    context: object
    watch: Watch
    base_url: str

    def new_page(self, path: str, wait_title: str | None = None, timeout_ms: int = 60_000):
        page = self.context.new_page()
        page.on("console", lambda msg: msg.type == "error" and self.watch.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: self.watch.console_errors.append(f"uncaught: {exc}"))
        page.on("worker", self._watch_worker)
        page.goto(self.base_url + path)
        if wait_title:
            page.wait_for_function(f"() => document.title === {wait_title!r}", timeout=timeout_ms)
        return page

    def _watch_worker(self, worker) -> None:
        worker.on("console", lambda msg: msg.type == "error" and self.watch.console_errors.append(msg.text))


def _launch(playwright_instance, base_url: str, profile: str, intercept: bool) -> Browser:
    context = chromium.launch(playwright_instance, profile, viewport={"width": 1280, "height": 800})
    watch = Watch(origin=base_url.rstrip("/"))

    def guard(route) -> None:
        watch.record(route.request.url)
        if route.request.url in watch.off_origin:
            route.abort()
        else:
            route.continue_()

    if intercept:  # routing also turns Chromium's HTTP cache off, hence the option
        context.route("**/*", guard)
    context.on("request", lambda request: watch.record(request.url))  # also sees what routes may miss
    return Browser(context, watch, base_url)


@contextmanager
def launched(playwright_instance, base_url: str, intercept: bool = True) -> Iterator[Browser]:
    """Chromium on a fresh profile; on exit, fails on off-origin requests or console errors.

    ``intercept`` also aborts off-origin requests (not only records them), at the price of the HTTP cache.
    """
    with tempfile.TemporaryDirectory(prefix="slm-chromium-") as profile:
        b = _launch(playwright_instance, base_url, profile, intercept)
        try:
            yield b
            b.watch.check()
        finally:
            b.context.close()


@pytest.fixture
def browser(playwright_instance, base_url: str) -> Iterator[Browser]:
    """A browser of its own for one test."""
    with launched(playwright_instance, base_url) as b:
        yield b


@pytest.fixture
def caching_browser(playwright_instance, base_url: str) -> Iterator[Browser]:
    """A browser with its HTTP cache on: off-origin requests are recorded (and fail the test), not aborted."""
    with launched(playwright_instance, base_url, intercept=False) as b:
        yield b


@pytest.fixture(scope="module")
def module_browser(playwright_instance, base_url: str) -> Iterator[Browser]:
    """A browser shared by a test module (the models load once)."""
    with launched(playwright_instance, base_url) as b:
        yield b
