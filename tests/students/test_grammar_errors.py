"""students.grammar.errors: the synthetic errors are wrong English, never another correct sentence.

Needs the students extra (lemminflect, codespell, wordfreq, spaCy's stop words): skipped without it.
"""

from __future__ import annotations

import random

import pytest

pytest.importorskip("lemminflect")
pytest.importorskip("codespell_lib")
pytest.importorskip("wordfreq")
pytest.importorskip("spacy")

from students.grammar import errors  # after the skips: it imports those packages

TRIES = 200


def outcomes(kind: str, sentence: str) -> set[str]:
    """Every sentence one error of ``kind`` makes of ``sentence`` over TRIES seeds (unchanged when none)."""
    made = set()
    for seed in range(TRIES):
        toks = errors.tokenize(sentence)
        errors.ERROR_KINDS[kind][1](toks, random.Random(seed))
        made.add(errors.detokenize(toks))
    return made


@pytest.mark.parametrize(("kind", "sentence", "correct_rewrites"), [
    # present <-> past of a finite verb stays correct English
    ("verb_form", "She is happy with her new job.", {"She was happy with her new job."}),
    ("verb_form", "He went to school by bus.", {"He go to school by bus.", "He goes to school by bus."}),
    ("verb_form", "They walked home after the game.", {"They walk home after the game."}),
    ("verb_form", "We were late again.", {"We are late again."}),
    # noun number without a word that fixes it
    ("noun_number", "It is too late to change the plan now.", {"It is too late to change the plans now."}),
    ("noun_number", "I like the songs on this album.", {"I like the song on this album."}),
    # an article for another one that fits as well
    ("article", "I saw a dog in the park.", {"I saw the dog in the park.", "I saw a dog in a park."}),
])
def test_no_error_is_correct_english(kind: str, sentence: str, correct_rewrites: set[str]) -> None:
    assert not outcomes(kind, sentence) & correct_rewrites


@pytest.mark.parametrize(("kind", "sentence", "expected"), [
    ("verb_form", "He goes to school every day.", "He go to school every day."),
    ("verb_form", "She has written three books.", "She has wrote three books."),
    ("verb_form", "Did you take the bus?", "Did you took the bus?"),
    ("verb_form", "We were planning to leave.", "We was planning to leave."),
    ("noun_number", "I bought three new books.", "I bought three new book."),
    ("noun_number", "The movie was boring.", "The movies was boring."),
    ("article", "She is an honest person.", "She is a honest person."),
    ("article", "I saw a dog in the park.", "I saw dog in the park."),
])
def test_the_errors_learners_make_are_drawn(kind: str, sentence: str, expected: str) -> None:
    assert expected in outcomes(kind, sentence)
