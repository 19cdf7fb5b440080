"""Every error slm_web raises on purpose is an :class:`SLMError`, with a one-line message naming the problem.

They subclass ``ValueError`` where the caller passed something unusable, so generic handlers still work.
"""

from __future__ import annotations

import reprlib

# A value in an error message: its repr, cut short (a hostile list must not make a huge message, nor take
# long to write one, so the repr is never built whole).
_SHORT = reprlib.Repr()  # Python 3.11's takes no keyword arguments
_SHORT.maxlist, _SHORT.maxtuple, _SHORT.maxdict, _SHORT.maxstring, _SHORT.maxother = 4, 4, 5, 40, 40
short_repr = _SHORT.repr


class SLMError(Exception):
    """Base class of slm_web's own errors."""


class BundleError(SLMError, ValueError):
    """The bundle is missing, corrupt, truncated, tampered with, or of an unknown format/version."""


class TaskMismatchError(SLMError, ValueError):
    """A method was called on a model of another task (e.g. ``correct`` on a sentiment bundle)."""


class InputTextError(SLMError, ValueError):
    """The input text cannot be processed (wrong type, or empty where content is required)."""


class BackendError(SLMError, RuntimeError):
    """The inference engine failed to load or run the model."""


class Cancelled(SLMError):
    """A newer request superseded this one (autocomplete cancels stale requests)."""
