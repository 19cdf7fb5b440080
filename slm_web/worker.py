"""The Python side of the JS bridge (``bridge/slm-worker.js`` calls these inside Pyodide).

Every reply is a JSON string: ``{"value": …}`` or ``{"error": {"name", "message"}}``. Strings carry no
proxies, so nothing can leak per call, and a Python exception becomes a rejected promise with a one-line
message instead of a traceback. While a call runs, only its ORT runs' promises and outputs cross, as JS
objects the worker awaits and hands back (:func:`call_start`). The module also runs in CPython, where tests
call it with the native backend.
"""

from __future__ import annotations

import gc
import importlib
import inspect
import json
import pkgutil
from typing import Any

import slm_web
from slm_web import drive, timing, tokenizers
from slm_web.errors import InputTextError, SLMError, TaskMismatchError
from slm_web.registry import TASKS, Method

# bridge method -> its task and its registry record (batch methods stay Python-only)
METHODS: dict[str, tuple[str, Method]] = {
    m.name: (spec.name, m) for spec in TASKS.values() for m in spec.methods if m.bridge
}

# Modules that only make sense on the desktop (CPython): the browser never imports them.
DESKTOP_ONLY = ("slm_web.serve", "slm_web.__main__", "slm_web.backends.native")

_backend: Any = None  # None: slm_web.load picks the backend for the platform
_models: dict[str, Any] = {}
_calls = 0
_timings: dict[str, Any] | None = None  # the steps of the last call made with timed=True


def import_all() -> int:
    """Import every browser-side slm_web module and build the tokenizers' tables; returns the module count.

    The bridge takes a Pyodide memory snapshot right after this, so a revisit starts with slm_web (and
    the stdlib modules it uses) already imported instead of importing them again. Imports that touch JS
    (``js``, ``pyodide.ffi``) happen inside functions, so nothing here holds a JS object, which a
    snapshot could not store.
    """
    names = [
        info.name
        for info in pkgutil.walk_packages(slm_web.__path__, "slm_web.")
        if not info.name.startswith(DESKTOP_ONLY)
    ]
    for name in names:
        importlib.import_module(name)
    tokenizers.build_tables()  # into the snapshot too: a revisit's first call does not build them
    return len(names)


def configure(ort: Any, scope: Any = None) -> None:
    """Use onnxruntime-web module ``ort`` (a JsProxy) for every model loaded from now on; ``scope`` is the
    worker's ``globalThis`` (see :class:`slm_web.backends.web.WebBackend`)."""
    global _backend
    from slm_web.backends.web import WebBackend

    _backend = WebBackend(ort, scope)


def _error(exc: BaseException) -> str:
    if isinstance(exc, SLMError):
        name, message = type(exc).__name__, str(exc)
    else:  # a bug or an engine failure: say what kind, still on one line
        name, message = "Error", f"{type(exc).__name__}: {exc}"
    return json.dumps({"error": {"name": name, "message": " ".join(message.split()) or name}})


def _value(value: Any) -> str:
    if isinstance(value, list):  # suggestions, or plain strings (the dictionary's words)
        value = [item.to_dict() if hasattr(item, "to_dict") else item for item in value]
    elif hasattr(value, "to_dict"):
        value = value.to_dict()
    return json.dumps({"value": value})


def _bytes(data: Any) -> bytes:
    """Bundle bytes from CPython (``bytes``) or from JS (a ``Uint8Array`` proxy)."""
    return data if isinstance(data, bytes | bytearray | memoryview) else data.to_bytes()


def _task_names(task: Any) -> list[str]:
    """``load``'s task argument as a list of names: a name, or a non-empty list (a JS array) of them."""
    tasks = [task] if isinstance(task, str) else task.to_py() if hasattr(task, "to_py") else task
    if not (isinstance(tasks, list) and tasks and all(isinstance(t, str) for t in tasks)):
        raise InputTextError("load() needs a task name or a list of them")
    return tasks


async def load(task: Any, data: Any) -> str:
    """Load a bundle for ``task`` (replacing any previous model of that task). ``task`` may also be a list
    (a JS array) of tasks that one shared bundle serves: its graph is loaded once, for all of them."""
    try:
        tasks = _task_names(task)
        models = await slm_web.load_all(_bytes(data), backend=_backend)
        held = list(models)
        missing = [t for t in tasks if t not in held]
        for name in held:  # heads no one asked for, or all of them if one asked for is not there
            if missing or name not in tasks:
                models.pop(name).close()
        if missing:
            raise TaskMismatchError(f"the {missing[0]} bundle holds a {' + '.join(held)} model")
        for name, model in models.items():
            old = _models.pop(name, None)
            if old is not None:
                old.close()
            _models[name] = model
        name = models[tasks[0]].manifest.get("name", "")
        return _value({"task": tasks[0], "tasks": tasks, "name": name})
    except Exception as exc:
        return _error(exc)


async def call(method: str, text: Any, options_json: str = "{}", timed: bool = False) -> str:
    """Run ``method`` (a key of :data:`METHODS`) on ``text``; the result's ``to_dict()`` as JSON.

    ``timed``: record the call's steps (:mod:`slm_web.timing`) for :func:`last_timings`."""
    global _calls, _timings
    if timed:
        timing.start()
    _calls += 1
    try:
        if method not in METHODS:
            raise SLMError(f"unknown method {method!r}")
        task, spec = METHODS[method]
        if task not in _models:
            raise TaskMismatchError(f"{method}() needs a {task} model, and none is loaded")
        options = json.loads(options_json, object_hook=_non_finite)
        if not isinstance(options, dict):
            raise InputTextError(f"{method}() options must be an object, not {options!r}")
        timing.mark("options (JSON)")
        result = await _run(_models[task], spec, text, options)
        timing.mark(timing.TASK_CODE)
        reply = _value(result)
        timing.mark("reply JSON")
        return reply
    except Exception as exc:
        return _error(exc)
    finally:
        if timed:
            _timings = timing.stop()


def call_start(key: Any, method: str, text: Any, options_json: str = "{}", timed: bool = False) -> Any:
    """:func:`call` for the bridge, driven from JS (:mod:`slm_web.drive`): runs up to its first ORT run and
    returns that run's JS promise for the worker to await, or the reply if the call needs no run. ``key``
    names the call to :func:`call_resume` and :func:`call_fail`."""
    return drive.start(key, call(method, text, options_json, timed))


# What the JS promise a call is waiting for gave: the call goes on to its next ORT run or to its reply.
call_resume = drive.resume
call_fail = drive.fail


def last_timings() -> str:
    """The steps of the last ``timed`` call as JSON (:func:`slm_web.timing.stop`), or ``null``."""
    return json.dumps(_timings)


async def _run(model: Any, method: Method, text: Any, options: dict) -> Any:
    """Call ``method`` on ``model``; the model checks the options (the same check as for a Python caller)."""
    args = (text,) if method.takes_text else ()
    result = getattr(model, method.name)(*args, **method.bridge_kwargs(options))
    if inspect.isawaitable(result):
        result = await result
    return result if method.bridge_reply is None else getattr(model, method.bridge_reply)


def _non_finite(obj: dict) -> Any:
    """JSON has no NaN or Infinity: the bridge sends them as ``{"$number": "NaN"}`` so that the option
    checks see the value the page passed (and refuse it with the same message as in Python)."""
    if obj.keys() == {"$number"} and obj["$number"] in ("NaN", "Infinity", "-Infinity"):
        return float(obj["$number"].replace("Infinity", "inf"))
    return obj


def stats() -> str:
    """Diagnostics for leak tests: calls served and live Python objects after a full collection."""
    gc.collect()
    return json.dumps({"calls": _calls, "gc_objects": len(gc.get_objects())})


def close() -> None:
    for model in _models.values():
        model.close()
    _models.clear()
