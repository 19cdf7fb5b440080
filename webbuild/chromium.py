"""Headless Debian Chromium for the browser tests and the demo screenshot (flags from DESIGN.md §2).

Without the background-networking flags Chromium keeps trying to reach outside hosts; a fresh profile
per launch means no test sees another's cache.
"""

from __future__ import annotations

import shutil
from typing import Any

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def executable() -> str:
    path = shutil.which("chromium")
    if path is None:
        raise FileNotFoundError("Debian chromium is not installed (bash scripts/setup.sh installs it)")
    return path


def launch(playwright: Any, profile: str, extra_flags: tuple[str, ...] = (), **options: Any) -> Any:
    """A persistent Chromium context on the (fresh, empty) profile folder ``profile``."""
    return playwright.chromium.launch_persistent_context(
        profile, executable_path=executable(), headless=True, args=[*FLAGS, *extra_flags], **options
    )
