"""slm_web: small language models (sentiment, autocomplete, grammar) offline, in CPython and in the browser.

>>> import slm_web
>>> model = slm_web.load_sync(sentiment_path)          # or: model = await slm_web.load(path_or_bytes)
>>> model.task
'sentiment'
>>> model.classify_sync("I love it").label in model.labels
True
>>> models = slm_web.load_all_sync(shared_path)        # a shared bundle: every head, one session
>>> sorted(models)
['grammar', 'sentiment']
>>> models["sentiment"].classify_sync("I love it").label in models["sentiment"].labels
True

Pure standard library: inference engines are behind :mod:`slm_web.backends` (onnxruntime natively,
onnxruntime-web inside Pyodide), imported only when a model is loaded. See docs/python-api.md.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from .backends.base import Backend
from .blocking import run_blocking
from .bundle import read_bundle
from .errors import BackendError, BundleError, Cancelled, InputTextError, SLMError, TaskMismatchError
from .shared_session import SharedSession
from .tasks import TASKS, Model
from .tasks.results import Classification, Completion, Correction, Edit

__version__ = "0.1.0"

Source = str | os.PathLike[str] | bytes | bytearray | memoryview


async def load(source: Source, backend: Backend | None = None, *, task: str | None = None) -> Model:
    """Load and verify a ``.slm`` bundle and return the model for its task.

    ``source`` is a path or the bundle's bytes; in the browser also a URL (fetched from the page's origin).
    ``backend`` defaults to onnxruntime in CPython and onnxruntime-web in Pyodide. ``task`` picks one head
    of a shared bundle (default: its main task); :func:`load_all` gives every head over one session.
    """
    models = await _load_tasks(source, backend, lambda tasks: [task or tasks[0]])
    return next(iter(models.values()))


async def load_all(source: Source, backend: Backend | None = None) -> dict[str, Model]:
    """Every task a bundle serves (one for most bundles; a shared bundle's heads), by task name.

    The models share one inference session, which remembers its last runs: grammar and sentiment asked
    about the same one-sentence text run the encoder once. Close each model (or all of them) when done.
    """
    return await _load_tasks(source, backend, list)


def load_sync(
    source: Source, backend: Backend | None = None, *, task: str | None = None, threads: int | None = None
) -> Model:
    """Blocking :func:`load` for CPython scripts; ``threads`` sets onnxruntime's intra-op threads."""
    return run_blocking(load(source, _native(backend, threads), task=task))


def load_all_sync(
    source: Source, backend: Backend | None = None, *, threads: int | None = None
) -> dict[str, Model]:
    """Blocking :func:`load_all` for CPython scripts."""
    return run_blocking(load_all(source, _native(backend, threads)))


def _native(backend: Backend | None, threads: int | None) -> Backend:
    if backend is not None:
        return backend
    from .backends.native import NativeBackend

    return NativeBackend(threads=threads)


async def _load_tasks(
    source: Source, backend: Backend | None, choose: Callable[[tuple[str, ...]], list[str]]
) -> dict[str, Model]:
    """The models of the tasks ``choose`` picks from those the bundle serves, over one session."""
    bundle = read_bundle(await _bundle_bytes(source))
    tasks = choose(bundle.tasks)
    unknown = [t for t in tasks if t not in bundle.tasks]
    if unknown:
        raise TaskMismatchError(
            f"this bundle serves {', '.join(bundle.tasks)}, not {unknown[0]!r}"
        )
    tokenizer = _tokenizer(bundle.tokenizer_spec)
    if backend is None:
        from .backends import default_backend

        backend = default_backend()
    shared = SharedSession(await backend.load(bundle.model_bytes))
    models: dict[str, Model] = {}
    try:
        for task in tasks:
            models[task] = TASKS[task](bundle.task_manifest(task), tokenizer, shared.handle())
    except BaseException:
        for model in models.values():
            model.close()
        shared.session.close()
        raise
    return models


async def _bundle_bytes(source: Source) -> Source:
    """Paths and bytes go to the bundle reader as they are; in the browser, a URL is fetched first."""
    if not isinstance(source, str) or "://" not in source:
        return source
    if sys.platform != "emscripten":
        raise BundleError(f"cannot load {source}: URLs load in the browser only; pass a path or bytes")
    from pyodide.http import pyfetch  # type: ignore[import-not-found]

    response = await pyfetch(source)
    if not response.ok:
        raise BundleError(f"cannot fetch bundle {source}: HTTP {response.status}")
    return await response.bytes()


def _tokenizer(spec: dict[str, Any]) -> Any:
    from .tokenizers import from_json

    try:
        return from_json(spec)
    except SLMError:
        raise
    # The bundle reader checked the fields every tokenizer has; a component's own settings of the wrong
    # shape (a list where an object belongs...) surface here as whichever error Python raises.
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as e:
        raise BundleError(f"tokenizer.json is not a tokenizer slm_web can run ({e})") from None


__all__ = [
    "BackendError",
    "BundleError",
    "Cancelled",
    "Classification",
    "Completion",
    "Correction",
    "Edit",
    "InputTextError",
    "Model",
    "SLMError",
    "TaskMismatchError",
    "__version__",
    "load",
    "load_all",
    "load_all_sync",
    "load_sync",
]
