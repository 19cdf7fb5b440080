"""Task registry: the manifest's ``task`` → the model class that runs it (cf. transformers.js pipelines).

Each task is one short module doing tokenize → run → post-process; :mod:`.gector` holds the pure tag
application the grammar task shares with its evaluation.
"""

from __future__ import annotations

from .autocomplete import AutocompleteModel
from .base import Model
from .grammar import GrammarModel
from .sentiment import SentimentModel

TASKS: dict[str, type[Model]] = {
    "sentiment": SentimentModel,
    "autocomplete": AutocompleteModel,
    "grammar": GrammarModel,
}

__all__ = ["TASKS", "AutocompleteModel", "GrammarModel", "Model", "SentimentModel"]
