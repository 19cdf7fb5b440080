"""The committed sentiment student converts to an int8 bundle that labels plain cases of each of its
three labels correctly (issue 17: neutral for plainly factual text, the issue's own examples first)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

TASK = "sentiment"  # conftest.py converts students/checkpoints/sentiment into the `bundle` fixture
MAX_BUNDLE_BYTES = 8_000_000

CASES = [
    ("This movie was wonderful", "positive"),
    ("Worst purchase I have ever made", "negative"),
    ("I love this phone, the battery lasts for days.", "positive"),
    ("The plot was boring and the acting was terrible.", "negative"),
    ("What a great day with my friends!", "positive"),
    ("The product broke after two days. Very disappointed.", "negative"),
    ("A charming, funny and beautifully made film.", "positive"),
    ("This is the dumbest, most tedious film of the year.", "negative"),
    ("The train to Hamburg leaves from platform 7.", "neutral"),
    ("Please bring a photo ID to the appointment.", "neutral"),
    ("The meeting has moved to room 4 on Thursday at 10.", "neutral"),
    ("The parcel was handed to the courier this morning.", "neutral"),
]


def test_bundle_within_size_target(bundle: Path) -> None:
    assert bundle.stat().st_size <= MAX_BUNDLE_BYTES


@pytest.mark.parametrize(("text", "label"), CASES)
def test_fixed_cases(model: Any, text: str, label: str) -> None:
    result = model.classify_sync(text)
    assert result.label == label, (text, result)
    assert set(result.scores) == {"negative", "neutral", "positive"}
    assert abs(sum(result.scores.values()) - 1.0) < 1e-4
