"""slm_web.drive: a coroutine run by hand, its JS promises handed to the caller (the bridge worker's JS).

Here the test plays the worker: whatever ``start``/``resume``/``fail`` return is either the promise to
await (a plain marker object) or the coroutine's value.
"""

from __future__ import annotations

import asyncio

import pytest

from slm_web import drive
from slm_web.blocking import run_blocking


async def two_runs(first: str, second: str) -> tuple:
    a = await drive.js_promise(first)
    b = await drive.js_promise(second)
    return a, b


def test_each_promise_is_handed_over_and_the_value_it_gave_goes_back_in():
    assert drive.start("call", two_runs("run 1", "run 2")) == "run 1"
    assert drive.resume("call", "out 1") == "run 2"
    assert drive.resume("call", "out 2") == ("out 1", "out 2")


def test_a_coroutine_that_awaits_no_promise_returns_at_once():
    async def reply() -> str:
        return "done"

    assert drive.start("call", reply()) == "done"


def test_a_rejection_is_raised_where_the_promise_was_awaited():
    async def guarded() -> str:
        try:
            await drive.js_promise("run")
        except ValueError as exc:
            return f"caught: {exc}"
        return "not raised"

    assert drive.start("call", guarded()) == "run"
    assert drive.fail("call", ValueError("out of memory")) == "caught: out of memory"


def test_an_error_the_coroutine_does_not_catch_reaches_the_caller_and_frees_the_call():
    assert drive.start("call", two_runs("run 1", "run 2")) == "run 1"
    with pytest.raises(ValueError, match="out of memory"):
        drive.fail("call", ValueError("out of memory"))
    with pytest.raises(KeyError):
        drive.resume("call", "out")


def test_two_calls_in_flight_go_on_each_with_its_own_values():
    assert drive.start(1, two_runs("1a", "1b")) == "1a"
    assert drive.start(2, two_runs("2a", "2b")) == "2a"
    assert drive.resume(2, "out 2a") == "2b"
    assert drive.resume(1, "out 1a") == "1b"
    assert drive.resume(2, "out 2b") == ("out 2a", "out 2b")
    assert drive.resume(1, "out 1b") == ("out 1a", "out 1b")


def test_a_bare_yield_goes_on_at_once():
    async def yields() -> str:
        await asyncio.sleep(0)
        value = await drive.js_promise("run")
        await asyncio.sleep(0)
        return value

    assert drive.start("call", yields()) == "run"
    assert drive.resume("call", "out") == "out"


def test_waiting_for_anything_but_a_js_promise_is_refused_inside_the_coroutine():
    async def sleeps() -> str:
        try:
            await asyncio.sleep(0.01)  # a future of an event loop the driven call never returns to
        except RuntimeError as exc:
            return str(exc)
        return "slept"

    async def in_a_loop() -> str:  # asyncio.sleep needs a running loop to make its future
        return drive.start("call", sleeps())

    said = run_blocking(in_a_loop())
    assert said.startswith("a bridge call cannot wait for <Future")


def test_outside_a_driven_call_the_promise_is_awaited_on_the_event_loop():
    async def promise() -> str:
        await asyncio.sleep(0)
        return "out"

    async def run() -> str:
        return await drive.js_promise(promise())

    assert run_blocking(run()) == "out"
