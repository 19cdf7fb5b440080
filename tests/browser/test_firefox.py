"""The product in Firefox (Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi).

One browser serves the module; its request interception sees the page's and the worker's requests and
aborts any to another origin (checked last, then shown to catch a navigation elsewhere). The checks
themselves are engines.py's, shared with WebKit.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from . import engines, firefox_driver

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def firefox(base_url: str) -> Iterator[firefox_driver.Firefox]:
    if firefox_driver.executable() is None:
        pytest.skip("Debian firefox-esr is not installed (bash scripts/setup.sh installs it)")
    with firefox_driver.launched(base_url) as browser:
        yield browser


@pytest.fixture(scope="module")
def bundles(built_site: Path) -> dict[str, Path]:
    return engines.site_bundles(built_site)


def test_demo_shows_every_feature_with_visible_underlines(firefox, base_url: str):
    engines.check_demo(firefox, base_url)


def test_answers_match_cpython(firefox, base_url: str, bundles: dict[str, Path]):
    engines.check_cpython_parity(firefox, base_url, bundles)


def test_bad_input_gives_a_result_or_a_clear_rejection(firefox, base_url: str):
    engines.check_bad_inputs(firefox, base_url)


def test_no_request_left_the_origin(firefox):
    engines.check_watched(firefox)
