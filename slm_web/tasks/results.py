"""What the tasks return: frozen dataclasses with a JSON-ready ``to_dict()`` (for the CLI and JS bridge)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


class _Result:
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Classification(_Result):
    """Sentiment of a text: the best ``label``, its probability ``score``, and every label's probability."""

    label: str
    score: float
    scores: dict[str, float]


@dataclass(frozen=True)
class Completion(_Result):
    """One autocomplete suggestion.

    ``text`` is the completed word(s) to show ("like"); ``insert`` is what to append to the input ("ke" after
    "I would li"); ``score`` is the model's probability of the suggestion given the typed part of the last
    word (normalised over the graph's top-k).
    """

    text: str
    insert: str
    score: float


@dataclass(frozen=True)
class Edit(_Result):
    """One correction: ``original[start:end]`` of the input is replaced by ``replacement``.

    ``type`` is one of ``unnecessary``, ``missing``, ``replace``, ``spelling``, ``capitalization``,
    ``verb form``, ``noun number``. ``explanation`` is one plain-English sentence saying why ("Use 'an'
    before a vowel sound."); ``correct()`` always fills it in (``slm_web.tasks.explanations``).
    """

    start: int
    end: int
    original: str
    replacement: str
    type: str
    explanation: str = ""


@dataclass(frozen=True)
class Correction(_Result):
    """The corrected text and the edits that turn the input into it (offsets into the input)."""

    text: str
    edits: list[Edit]
