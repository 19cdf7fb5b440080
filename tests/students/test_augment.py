"""students.sentiment.augment: perturbed training texts never equal a held-out or a source text."""

from __future__ import annotations

import doctest

from students.sentiment import augment as augment_module
from students.sentiment.augment import augment
from students.sentiment.data import normalize

TEXTS = [
    "a gripping , beautifully acted and often very funny film",
    "the plot is thin and the jokes fall flat every single time",
    "too short",
    "I would not watch this again even if they paid me",
]


def test_copies_are_new_texts_and_avoid_held_out_ones() -> None:
    held_out = {normalize("the plot is thin and the jokes fall")}
    copies = augment(TEXTS, copies=5, held_out=held_out)
    keys = [normalize(c) for c in copies]
    assert copies and len(set(keys)) == len(keys)
    assert not set(keys) & (held_out | {normalize(t) for t in TEXTS})


def test_short_texts_are_not_perturbed() -> None:
    assert augment(["too short", "two words"], copies=3, held_out=set()) == []


def test_seeded() -> None:
    assert augment(TEXTS, 3, set(), seed=1) == augment(TEXTS, 3, set(), seed=1)
    assert augment(TEXTS, 3, set(), seed=1) != augment(TEXTS, 3, set(), seed=2)


def test_docstring_example() -> None:
    assert doctest.testmod(augment_module).failed == 0
