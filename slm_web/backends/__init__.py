"""Inference backends behind one protocol (:mod:`slm_web.backends.base`).

``native`` (onnxruntime, CPython) and ``web`` (onnxruntime-web through ``pyodide.ffi``, in the browser) are
imported only when chosen, so importing slm_web needs neither engine.
"""

from __future__ import annotations

import sys

from .base import Backend


def default_backend() -> Backend:
    """The backend for this interpreter: ``web`` inside Pyodide, ``native`` elsewhere."""
    if sys.platform == "emscripten":
        from .web import WebBackend

        return WebBackend()
    from .native import NativeBackend

    return NativeBackend()
