"""Run a coroutine to completion from blocking code: what every ``*_sync`` convenience uses.

``asyncio.run`` refuses to start when the calling thread already runs an event loop, which is the normal
state inside Jupyter, under Playwright's sync API or in an async web framework. There the coroutine runs on
a private thread with a loop of its own, so ``model.classify_sync(...)`` works the same everywhere in
CPython. (The browser has neither threads nor a blockable loop; ``*_sync`` refuses to run there.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)``, on a helper thread when this thread's event loop is already running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop running here: the plain way
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="slm-web-sync") as pool:
        return pool.submit(asyncio.run, coroutine).result()
