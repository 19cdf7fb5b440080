"""The committed sentiment student converts to an int8 bundle that labels plain cases correctly."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKPOINT = ROOT / "students" / "checkpoints" / "sentiment"
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
]


def _missing() -> str | None:
    if not (CHECKPOINT / "model.safetensors").exists():
        return "no committed sentiment checkpoint"
    if importlib.util.find_spec("converter.__main__") is None:
        return "converter CLI not in the tree yet"
    import slm_web

    if not hasattr(slm_web, "load_sync"):
        return "slm_web runtime (load_sync) not in the tree yet"
    return None


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("sentiment") / "sentiment.slm"
    subprocess.run(
        [sys.executable, "-m", "converter", str(CHECKPOINT), "--task", "sentiment", "--out", str(out),
         "--report", str(out.with_suffix(".json"))],
        cwd=ROOT, check=True,
    )
    return out


@pytest.fixture(scope="module")
def model(bundle: Path) -> Any:
    import slm_web

    return slm_web.load_sync(str(bundle))


def test_bundle_within_size_target(bundle: Path) -> None:
    assert bundle.stat().st_size <= MAX_BUNDLE_BYTES


@pytest.mark.parametrize(("text", "label"), CASES)
def test_fixed_cases(model: Any, text: str, label: str) -> None:
    result = model.classify_sync(text)
    assert result.label == label, (text, result)
    assert set(result.scores) == {"negative", "positive"}
    assert abs(sum(result.scores.values()) - 1.0) < 1e-4
