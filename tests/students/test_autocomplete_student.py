"""The committed autocomplete student converts to an int8 bundle (≤ 6 MB) that completes plain cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fixtures.decoding import assert_same_up_to_int8_noise, both_ways

TASK = "autocomplete"  # conftest.py converts students/checkpoints/autocomplete into the `bundle` fixture
MAX_BUNDLE_BYTES = 6_000_000

CASES = [
    # Next words.
    ("Thank you for your ", {"help", "advice", "time", "support", "kindness"}),
    ("I don't ", {"know"}),
    ("What do you ", {"think"}),
    ("Thank you very ", {"much"}),
    ("The United ", {"States"}),
    ("Good ", {"morning"}),
    # Partial words are completed, not replaced.
    ("I would li", {"like"}),
    ("How are y", {"you"}),
    ("I love y", {"you"}),
    ("See you tomor", {"tomorrow"}),
    ("The United St", {"States"}),
    ("I don't kn", {"know"}),
]


def test_bundle_within_size_target(bundle: Path) -> None:
    assert bundle.stat().st_size <= MAX_BUNDLE_BYTES


@pytest.mark.parametrize(("typed", "expected"), CASES)
def test_fixed_cases(model: Any, typed: str, expected: set[str]) -> None:
    completions = model.complete_sync(typed, k=3, max_words=1)
    words = [c.text.strip() for c in completions]
    assert expected & set(words), (typed, words)
    for c in completions:  # what the runtime appends must turn the typed text into the suggestion
        assert (typed + c.insert).endswith(c.text.strip()), (typed, c)


def test_batched_decoding_equals_one_run_per_hypothesis(model: Any) -> None:
    """One batched run per decoding step suggests what one run per hypothesis (an old bundle) suggests, up to
    the int8 activation quantization that a batch shares."""
    for typed, _ in CASES:
        assert_same_up_to_int8_noise(*both_ways(model, typed, k=3, max_words=1))
        assert_same_up_to_int8_noise(*both_ways(model, typed, k=5, max_words=2))
