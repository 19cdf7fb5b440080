"""The engines beside Chromium and how to start them, for the engine tests (test_engines.py) and the bench's
first visit per engine (bench/engines.py).

engine -> (why it cannot run on this machine, or None; a context manager that launches it, with a fresh
profile, on the site's origin and yields an engines.Engine).
"""

from __future__ import annotations

from . import firefox_driver, webkit_driver

DRIVERS = {
    "firefox": (firefox_driver.missing, firefox_driver.launched),
    "webkit": (webkit_driver.missing, webkit_driver.launched),
}
