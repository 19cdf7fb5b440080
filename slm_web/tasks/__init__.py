"""The model classes: the manifest's ``task`` → the class that runs it, as :mod:`slm_web.registry` names it.

Each task is one short module doing tokenize → run → post-process; :mod:`.gector` holds the pure tag
application the grammar task shares with its evaluation.
"""

from __future__ import annotations

import importlib

from ..registry import TASKS as SPECS
from .base import Model


def _model_class(path: str) -> type[Model]:
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


TASKS: dict[str, type[Model]] = {name: _model_class(spec.model) for name, spec in SPECS.items()}

__all__ = ["TASKS", "Model"]
