"""slm_web: small language models (sentiment, autocomplete, grammar) offline, in CPython and in the browser.

>>> import slm_web
>>> model = slm_web.load_sync(sentiment_path)          # or: model = await slm_web.load(path_or_bytes)
>>> model.task
'sentiment'
>>> model.classify_sync("I love it").label in model.labels
True

Pure standard library: inference engines are behind :mod:`slm_web.backends` (onnxruntime natively,
onnxruntime-web inside Pyodide), imported only when a model is loaded. See docs/python-api.md.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from .backends.base import Backend
from .blocking import run_blocking
from .bundle import read_bundle
from .errors import BackendError, BundleError, Cancelled, InputTextError, SLMError, TaskMismatchError
from .tasks import TASKS, Model
from .tasks.results import Classification, Completion, Correction, Edit

__version__ = "0.1.0"

Source = str | os.PathLike[str] | bytes | bytearray | memoryview


async def load(source: Source, backend: Backend | None = None) -> Model:
    """Load and verify a ``.slm`` bundle and return the model for its task.

    ``source`` is a path or the bundle's bytes; in the browser also a URL (fetched from the page's origin).
    ``backend`` defaults to onnxruntime in CPython and onnxruntime-web in Pyodide.
    """
    bundle = read_bundle(await _bundle_bytes(source))
    tokenizer = _tokenizer(bundle.tokenizer_spec)
    if backend is None:
        from .backends import default_backend

        backend = default_backend()
    session = await backend.load(bundle.model_bytes)
    try:
        return TASKS[bundle.task](bundle.manifest, tokenizer, session)
    except BaseException:
        session.close()
        raise


def load_sync(source: Source, backend: Backend | None = None, *, threads: int | None = None) -> Model:
    """Blocking :func:`load` for CPython scripts; ``threads`` sets onnxruntime's intra-op threads."""
    if backend is None:
        from .backends.native import NativeBackend

        backend = NativeBackend(threads=threads)
    return run_blocking(load(source, backend))


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
    "load_sync",
]
