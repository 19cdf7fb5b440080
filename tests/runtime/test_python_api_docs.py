"""Every ```python block of docs/python-api.md and README.md runs, in order, beside the test bundles."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# document -> how many python blocks it must at least have (guards against a regex that silently finds none)
DOCS = {ROOT / "docs" / "python-api.md": 9, ROOT / "README.md": 1}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_python_examples_run(doc: Path, sentiment_bundle: Path, autocomplete_bundle: Path,
                             grammar_bundle: Path, shared_bundle: Path, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch, deadline) -> None:
    for name, bundle in [("sentiment", sentiment_bundle), ("autocomplete", autocomplete_bundle),
                         ("grammar", grammar_bundle), ("shared", shared_bundle)]:
        (tmp_path / f"{name}.slm").symlink_to(bundle)
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= DOCS[doc]
    namespace: dict = {"__name__": "__docs__"}

    def run_examples() -> None:
        for i, block in enumerate(blocks):
            exec(compile(block, f"{doc.name} block {i + 1}", "exec"), namespace)

    # On a thread of its own, as in a fresh script: the examples call asyncio.run, which refuses to start
    # where the browser tests' Playwright sync API keeps an event loop running.
    with deadline(60), ThreadPoolExecutor(1) as pool:
        pool.submit(run_examples).result()
