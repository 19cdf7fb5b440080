"""The committed grammar student converts to an int8 bundle that fixes plain mistakes, keeps correct text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

TASK = "grammar"  # conftest.py converts students/checkpoints/grammar into the `bundle` fixture
MAX_BUNDLE_BYTES = 10_000_000

FIXES = [
    ("It go well.", "It goes well."),
    ("She have a cat.", "She has a cat."),
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
    ("I recieved your message.", "I received your message."),  # the bundle's table of known spellings
    ("See you on friday.", "See you on Friday."),
]
CORRECT = [
    "The weather is lovely today.",
    "She was happy with her new job.",  # a tense the student must not "fix"
    "We walked home after the game.",
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


@pytest.mark.parametrize("text", CORRECT)
def test_keeps_correct_text(model: Any, text: str) -> None:
    result = model.correct_sync(text)
    assert (result.text, result.edits) == (text, []), result


def test_a_lower_bar_fixes_what_the_default_leaves(model: Any) -> None:
    """The default bars keep false alarms rare; "He go to school." needs a lower one (model card, Limits)."""
    assert model.correct_sync("He go to school.", min_confidence=0.6).text == "He goes to school."
