"""Every ```python block of docs/python-api.md runs, in order, next to the three test bundles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "python-api.md"


def test_python_api_examples_run(sentiment_bundle: Path, autocomplete_bundle: Path, grammar_bundle: Path,
                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deadline) -> None:
    for name, bundle in [("sentiment", sentiment_bundle), ("autocomplete", autocomplete_bundle),
                         ("grammar", grammar_bundle)]:
        (tmp_path / f"{name}.slm").symlink_to(bundle)
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 8
    namespace: dict = {"__name__": "__docs__"}
    with deadline(60):
        for i, block in enumerate(blocks):
            exec(compile(block, f"{DOC.name} block {i + 1}", "exec"), namespace)
