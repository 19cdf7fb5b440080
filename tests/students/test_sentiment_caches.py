"""What the three-label sentiment recipe keeps between runs is redone when what it was made from changes:
the data splits (their parameters are in stats.json) and the teacher's soft labels (named by a hash)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("vaderSentiment")
pytest.importorskip("transformers")

from students.sentiment import shared, three_labels


class Rebuilt(Exception):
    """Raised where a build would start."""


def _refuse_to_build() -> None:
    raise Rebuilt


def test_splits_are_rebuilt_when_a_parameter_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(three_labels.data, "prepare", _refuse_to_build)
    stats = {"splits": {"train": {}}, "parameters": three_labels.parameters()}
    (tmp_path / "stats.json").write_text(json.dumps(stats))
    assert three_labels.prepare(tmp_path) == stats
    monkeypatch.setattr(three_labels, "NEUTRAL_SHARE", three_labels.NEUTRAL_SHARE / 2)
    with pytest.raises(Rebuilt):
        three_labels.prepare(tmp_path)


def test_splits_from_before_parameters_were_recorded_are_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(three_labels.data, "prepare", _refuse_to_build)
    old = {"splits": {}, "factual_share": three_labels.FACTUAL_SHARE}
    (tmp_path / "stats.json").write_text(json.dumps(old))
    with pytest.raises(Rebuilt):
        three_labels.prepare(tmp_path)


def test_soft_labels_are_cached_per_teacher_weights_and_texts(tmp_path: Path) -> None:
    teacher = tmp_path / "teacher"
    teacher.mkdir()
    (teacher / "model.safetensors").write_bytes(b"weights")
    texts = ["a fine day", "a dull film"]
    cache = shared.soft_label_cache(teacher, texts)
    assert cache.parent == shared.RUNS and cache.name.startswith("teacher_soft_")
    assert shared.soft_label_cache(teacher, list(texts)) == cache
    assert shared.soft_label_cache(teacher, ["a fine day", "a dull play"]) != cache  # same count, other texts
    (teacher / "model.safetensors").write_bytes(b"retrained")
    assert shared.soft_label_cache(teacher, texts) != cache
