"""The engines beside Chromium and how to start them, for the engine tests (test_engines.py) and the bench's
first visit per engine (bench/engines.py)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, NamedTuple

from . import firefox_driver, webkit_driver


class Driver(NamedTuple):
    """How to start one engine."""

    missing: Callable[[], str | None]  # why it cannot run on this machine, or None
    launched: Callable[[str], AbstractContextManager[Any]]  # a fresh profile on an origin, yielding an Engine


DRIVERS = {
    "firefox": Driver(firefox_driver.missing, firefox_driver.launched),
    "webkit": Driver(webkit_driver.missing, webkit_driver.launched),
}
