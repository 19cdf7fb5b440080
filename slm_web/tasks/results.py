"""What the tasks return: frozen dataclasses with a JSON-ready ``to_dict()`` (for the CLI and JS bridge)."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, fields
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

    ``type`` is one of :data:`slm_web.registry.EDIT_TYPES`: ``unnecessary``, ``missing``, ``replace``,
    ``spelling``, ``capitalization``, ``verb form``, ``noun number``. ``explanation`` is one plain-English
    sentence saying why ("Use 'an' before a vowel sound."); ``correct()`` always fills it in
    (``slm_web.tasks.explanations``).
    """

    start: int
    end: int
    original: str
    replacement: str
    type: str
    explanation: str = ""


# What says which suggestion an edit is, as a page hands one back (ignore()): every field but the prose
# explanation; name -> its annotation ("int" or "str").
EDIT_FIELDS: dict[str, str] = {f.name: str(f.type) for f in fields(Edit) if f.name != "explanation"}


@dataclass(frozen=True)
class Correction(_Result):
    """The corrected text and the edits that turn the input into it (offsets into the input)."""

    text: str
    edits: list[Edit]

    def to_proofreader(self) -> dict[str, Any]:
        """This result in the shape of the Proofreader API's ``ProofreadResult`` (Chrome's built-in
        proofreader), so one code path serves both: offsets into the input, the edit's type as one of the
        API's ``CorrectionType`` values (:data:`PROOFREADER_TYPES`).

        >>> found = Correction("It's late.", [Edit(0, 3, "Its", "It's", "replace", "Use 'it's'.")])
        >>> found.to_proofreader()["corrections"]  # doctest: +NORMALIZE_WHITESPACE
        [{'startIndex': 0, 'endIndex': 3, 'correction': "It's", 'types': ['grammar'],
          'explanation': "Use 'it's'."}]
        """
        return {
            "correctedInput": self.text,
            "corrections": [
                {"startIndex": e.start, "endIndex": e.end, "correction": e.replacement,
                 "types": [proofreader_type(e)], "explanation": e.explanation}
                for e in self.edits
            ],
        }


# The Proofreader API's CorrectionType for each edit type (its enum: spelling, punctuation, capitalization,
# grammar); an edit that changes nothing but punctuation and spaces is "punctuation" whatever its type.
PROOFREADER_TYPES = {
    "unnecessary": "grammar", "missing": "grammar", "replace": "grammar", "spelling": "spelling",
    "capitalization": "capitalization", "verb form": "grammar", "noun number": "grammar",
}


def proofreader_type(edit: Edit) -> str:
    """``edit``'s Proofreader API type.

    >>> comma, verb = Edit(5, 5, "", ",", "missing"), Edit(0, 2, "go", "goes", "verb form")
    >>> proofreader_type(comma), proofreader_type(verb)
    ('punctuation', 'grammar')
    """
    changed = edit.original + edit.replacement
    if changed.strip() and all(c.isspace() or unicodedata.category(c).startswith("P") for c in changed):
        return "punctuation"
    return PROOFREADER_TYPES[edit.type]
