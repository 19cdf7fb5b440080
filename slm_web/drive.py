"""Bridge calls driven from JS: the worker awaits their JS promises itself, not Python on the event loop.

Awaiting a JS promise in Pyodide goes through its WebLoop: when the promise settles, the coroutine's next
step is scheduled as a new browser task, and when the coroutine's task ends, the JS promise it answers
settles on yet another. Each such hop waits for the worker's event loop (and, where Pyodide schedules with
``setTimeout``, for the browser's clamp on nested timeouts), a cost paid per await (bench/ANALYSIS.md, "bridge
calls driven from JS"). So the bridge runs a call's coroutine by hand. :func:`start` sends into it until it
awaits a JS promise through :func:`js_promise`, and hands that promise to the worker, which awaits it in JS
and passes the outcome back with :func:`resume` (the value) or :func:`fail` (the rejection, thrown into the
coroutine so it is reported like any other error); once the coroutine returns, its value is handed over
instead of a promise.

Task code does not know: it awaits ``session.run(...)`` as everywhere. Only :func:`js_promise`, which the web
backend awaits its JS promises through, checks whether it is being driven; outside a driven step (the Python
API in Pyodide) it awaits the promise through the event loop as before.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Generator
from functools import partial
from typing import Any

_driving = False  # True while start, resume or fail run a coroutine
_suspended: dict[Any, Coroutine[Any, Any, Any]] = {}  # the calls waiting for JS, by the caller's key


class _JsPromise:
    """A JS promise to await: handed to the driver's caller when driven, else awaited on the event loop."""

    __slots__ = ("promise",)

    def __init__(self, promise: Any) -> None:
        self.promise = promise

    def __await__(self) -> Generator[Any, Any, Any]:
        if _driving:
            return (yield self)
        return (yield from self.promise.__await__())


def js_promise(promise: Any) -> _JsPromise:
    """``await js_promise(p)``: what ``await p`` gives, without the event loop in a driven bridge call."""
    return _JsPromise(promise)


def start(key: Any, coro: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coro`` until it awaits a JS promise (returned; ``key`` names the call to :func:`resume` it) or
    returns (its value is returned)."""
    return _advance(key, coro, partial(coro.send, None))


def resume(key: Any, value: Any) -> Any:
    """The call ``key`` goes on with ``value``, what its JS promise resolved to; returns as :func:`start`."""
    coro = _suspended.pop(key)
    return _advance(key, coro, partial(coro.send, value))


def fail(key: Any, error: BaseException) -> Any:
    """The call ``key`` goes on with ``error``, why its JS promise rejected, raised where it awaited it;
    returns as :func:`start`."""
    coro = _suspended.pop(key)
    return _advance(key, coro, partial(coro.throw, error))


def _advance(key: Any, coro: Coroutine[Any, Any, Any], step: Callable[[], Any]) -> Any:
    """Take ``step`` (a send into ``coro`` or a throw) and go on until it awaits a JS promise or returns."""
    global _driving
    outer, _driving = _driving, True
    try:
        while True:
            awaited = step()
            if isinstance(awaited, _JsPromise):
                _suspended[key] = coro
                return awaited.promise
            if awaited is None:
                # A bare yield (asyncio.sleep(0)) lets other tasks run; the worker serves one call at a time
                # and awaits nothing else meanwhile, so the coroutine can go on at once.
                step = partial(coro.send, None)
            else:
                refused = RuntimeError(f"a bridge call cannot wait for {awaited!r} (only for JS promises)")
                step = partial(coro.throw, refused)
    except StopIteration as returned:
        return returned.value
    finally:
        _driving = outer
