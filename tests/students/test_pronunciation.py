"""The ``article_sounds`` table derived from the CMU Pronouncing Dictionary at export time.

Needs wordfreq (the students extra) and the npm package (fetched once into students/.cache).
"""

from __future__ import annotations

import json

import pytest

from slm_web.tasks.article_sounds import BUILT_IN, ArticleSounds, check_table
from students.grammar import pronunciation

pytest.importorskip("wordfreq")

AN = ["hour", "honest", "MRI", "FBI", "heir", "honour", "apple", "X-ray", "NBA", "SMS", "SUV"]
A = ["university", "one-way", "European", "USB", "unicorn", "user", "once-in-a-lifetime", "ukulele", "ewe",
     "UFO", "unique", "dog", "house"]


@pytest.fixture(scope="module")
def table() -> dict:
    return pronunciation.article_sounds()


def test_the_table_is_small_and_readable_by_the_runtime(table: dict) -> None:
    assert check_table(table)
    assert len(json.dumps(table)) < 4_000
    assert table["initialism_vowel_letters"] == "aefhilmnorsx"
    assert "eu" in table["consonant_prefixes"] and "u" in table["unsure_letters"]


@pytest.mark.parametrize("word", AN)
def test_an(table: dict, word: str) -> None:
    assert ArticleSounds.from_config(table).article_for(word) == "an"


@pytest.mark.parametrize("word", A)
def test_a(table: dict, word: str) -> None:
    assert ArticleSounds.from_config(table).article_for(word) == "a"


def test_the_built_in_table_agrees_with_the_dictionary(table: dict) -> None:
    derived = ArticleSounds.from_config(table)
    for word in sorted(BUILT_IN.consonant | BUILT_IN.vowel):
        assert derived.article_for(word) in (None, BUILT_IN.article_for(word)), word
    assert BUILT_IN.initialism_vowel_letters == derived.initialism_vowel_letters
    assert BUILT_IN.unsure_letters == derived.unsure_letters
