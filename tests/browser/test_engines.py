"""The product in Firefox and WebKit, beside the Chromium of the rest of the suite.

- Firefox: Debian's firefox-esr driven by puppeteer-core over WebDriver BiDi (firefox_driver.py); its
  request interception sees the page's and the worker's requests and aborts any to another origin.
- WebKit: WebKitGTK's MiniBrowser through WebKitWebDriver and selenium under xvfb-run (webkit_driver.py);
  every request not for the site's own host and port goes to a recording proxy that refuses it.

One browser of each engine serves the module. The checks are engines.py's; the last one checks that no
request left the origin, then that the watcher does see a navigation elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from . import engines
from .drivers import DRIVERS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", params=sorted(DRIVERS))
def browser(request: pytest.FixtureRequest, base_url: str) -> Iterator[object]:
    driver = DRIVERS[request.param]
    reason = driver.missing()
    if reason:
        pytest.skip(reason)
    with driver.launched(base_url) as running:
        yield running


@pytest.fixture(scope="module")
def bundles(built_site: Path) -> dict[str, Path]:
    return engines.site_bundles(built_site)


def test_demo_shows_every_feature_with_visible_underlines(browser, base_url: str):
    engines.check_demo(browser, base_url)


def test_answers_match_cpython(browser, base_url: str, bundles: dict[str, Path]):
    engines.check_cpython_parity(browser, base_url, bundles)


def test_bad_input_gives_a_result_or_a_clear_rejection(browser, base_url: str):
    engines.check_bad_inputs(browser, base_url)


def test_attach_on_contenteditable(browser, base_url: str):
    engines.check_contenteditable(browser, base_url)


def test_no_request_left_the_origin(browser):
    engines.check_watched(browser)
