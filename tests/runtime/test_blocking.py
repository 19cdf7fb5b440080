"""``*_sync`` works where the calling thread already runs an event loop (Jupyter, Playwright's sync API)."""

from __future__ import annotations

from pathlib import Path

import slm_web
from slm_web.blocking import run_blocking


def test_run_blocking_without_a_running_loop() -> None:
    async def answer() -> int:
        return 42

    assert run_blocking(answer()) == 42


def test_sync_methods_inside_a_running_loop(sentiment_bundle: Path) -> None:
    async def notebook_cell() -> str:
        # A notebook cell runs inside the kernel's loop, yet users call the blocking API there.
        with slm_web.load_sync(sentiment_bundle) as model:
            return model.classify_sync("What a lovely day").label

    label = run_blocking(notebook_cell())  # notebook_cell itself always runs inside a running loop
    with slm_web.load_sync(sentiment_bundle) as model:
        assert label == model.classify_sync("What a lovely day").label
