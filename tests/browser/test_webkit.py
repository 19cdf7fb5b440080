"""The product in WebKit (WebKitGTK's MiniBrowser through WebKitWebDriver and selenium, under xvfb-run).

One browser serves the module. Every request not for the site's own host and port goes to a recording
proxy that refuses it (webkit_driver.py); the last test checks it saw none, then that it does see a
navigation elsewhere. The checks themselves are engines.py's, shared with Firefox.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from . import engines, webkit_driver

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def webkit(base_url: str) -> Iterator[webkit_driver.WebKit]:
    reason = webkit_driver.missing()
    if reason:
        pytest.skip(reason)
    with webkit_driver.launched(base_url) as browser:
        yield browser


@pytest.fixture(scope="module")
def bundles(built_site: Path) -> dict[str, Path]:
    return engines.site_bundles(built_site)


def test_demo_shows_every_feature_with_visible_underlines(webkit, base_url: str):
    engines.check_demo(webkit, base_url)


def test_answers_match_cpython(webkit, base_url: str, bundles: dict[str, Path]):
    engines.check_cpython_parity(webkit, base_url, bundles)


def test_bad_input_gives_a_result_or_a_clear_rejection(webkit, base_url: str):
    engines.check_bad_inputs(webkit, base_url)


def test_no_request_left_the_origin(webkit):
    engines.check_watched(webkit)
