"""The runtime's precision guards on the committed grammar student: the damage issue 15 listed is gone.

Each sentence here was changed by the student alone (capital lost and article swapped, "An MRI" -> "A MRI",
"Whose" -> "who's", "apps" deleted); the guards (slm_web/tasks/grammar_guards.py) keep them whatever the
tagger proposes, so these hold for any retrained checkpoint too.
"""

from __future__ import annotations

from typing import Any

import pytest

TASK = "grammar"  # conftest.py converts students/checkpoints/grammar into the `bundle` fixture

KEPT = [
    "An honest review is more useful than a long one.",
    "An honest answer is better than a polite lie.",
    "An MRI scan takes an hour.",
    "It took an hour to reach a one-way street.",
    "Whose umbrella is this?",
    "Whose car is parked outside?",
    "She works for a small startup that builds apps for local restaurants.",
    "A UN team visited the camp last week.",  # an initialism is said letter by letter, whatever "un" is
    "She works for a US company.",
]


@pytest.mark.parametrize("text", KEPT)
def test_correct_sentences_stay(model: Any, text: str) -> None:
    result = model.correct_sync(text)
    assert (result.text, result.edits) == (text, []), result


def test_a_wrong_article_is_fixed_and_explained(model: Any) -> None:
    result = model.correct_sync("Yesterday I ate a apple.")
    assert "an apple" in result.text
    assert "Use 'an' before a vowel sound." in [e.explanation for e in result.edits]


def test_learner_errors_from_the_new_generators_are_fixed(model: Any) -> None:
    """Regularized pasts and plurals, and a/an, which the learner kinds of students/grammar taught."""
    assert model.correct_sync("She go to school yesterday and buyed a apple.").text.endswith(
        "and bought an apple.")
    assert model.correct_sync("He has three childs.").text == "He has three children."


def test_no_content_word_is_deleted_from_a_correct_sentence_of_the_frozen_test_split(model: Any) -> None:
    import re
    from collections import Counter

    from slm_web.tasks.grammar_guards import FUNCTION_WORDS
    from students.grammar import evalset

    function_words = frozenset().union(*FUNCTION_WORDS.values())

    def content_words(text: str) -> Counter:
        return Counter(w for w in re.findall(r"[a-z']+", text.lower()) if w not in function_words)

    lost = {}
    for pair in evalset.load("test"):
        if pair.is_correct:
            missing = content_words(pair.source) - content_words(model.correct_sync(pair.source).text)
            if missing:
                lost[pair.source] = sorted(missing)
    assert not lost
