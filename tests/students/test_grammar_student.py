"""The committed grammar student converts to an int8 bundle that fixes plain mistakes, keeps correct text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

TASK = "grammar"  # conftest.py converts students/checkpoints/grammar into the `bundle` fixture
MAX_BUNDLE_BYTES = 10_000_000

FIXES = [
    ("I has finished my homework.", "I have finished my homework."),
    ("I didn't knew that.", "I didn't know that."),
    ("He gave me some good advices.", "He gave me some good advice."),
    ("Its raining again.", "It's raining again."),
    ("i dont know.", "I don't know."),
    ("This is is a good product.", "This is a good product."),
    ("my sister lives in London.", "My sister lives in London."),
    ("He don't like it.", "He doesn't like it."),
    ("They was late.", "They were late."),
    ("It make me happy.", "It makes me happy."),
]
# Fixed only below the tuned default (0.9, chosen on dev for <= 5 % false alarms); checked at 0.7 so a
# regression shows. The "He go to school." is not here: the student reads "go" as a tense error
# ("He went to school.", below 0.7) and leaves it at the default (students/checkpoints/grammar/README.md).
LOW_CONFIDENCE_FIXES = [("She have a cat.", "She has a cat.")]
CORRECT = [
    "The weather is lovely today.",
    "Could you send me the file by Friday?",
    "They didn't know what to say.",
]


def test_bundle_within_size_target(bundle: Path) -> None:
    assert bundle.stat().st_size <= MAX_BUNDLE_BYTES


@pytest.mark.parametrize(("text", "fixed"), FIXES)
def test_fixes(model: Any, text: str, fixed: str) -> None:
    result = model.correct_sync(text)
    assert result.text == fixed, (text, result)
    assert result.edits and all(text[e.start:e.end] == e.original for e in result.edits)


@pytest.mark.parametrize(("text", "fixed"), LOW_CONFIDENCE_FIXES)
def test_fixes_at_lower_threshold(model: Any, text: str, fixed: str) -> None:
    assert model.correct_sync(text, min_confidence=0.7).text == fixed


@pytest.mark.parametrize("text", CORRECT)
def test_keeps_correct_text(model: Any, text: str) -> None:
    result = model.correct_sync(text)
    assert (result.text, result.edits) == (text, []), result
