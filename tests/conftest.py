"""Shared fixtures: tiny checkpoints and their converted ``.slm`` bundles (int8 and fp32) for every task.

Bundle fixtures (session-scoped paths): ``sentiment_bundle``, ``grammar_bundle``, ``autocomplete_bundle``
(int8) and ``sentiment_bundle_fp32``, ``grammar_bundle_fp32``, ``autocomplete_bundle_fp32``; ``shared_bundle``
(int8): the grammar checkpoint with a sentiment head that shares its embeddings and layer 0. The models are
random, so the bundles test mechanics (shapes, I/O, tokenization, post-processing), not quality.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The converter package (when the project is not installed) and tests/fixtures (under any import mode).
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from fixtures.checkpoints import decoder_checkpoint, encoder_checkpoint, head_on_encoder  # noqa: E402

TASK_CHECKPOINTS = {
    "sentiment": lambda out: encoder_checkpoint(out, "sentiment"),
    "grammar": lambda out: encoder_checkpoint(out, "grammar"),
    "autocomplete": lambda out: decoder_checkpoint(out),
}


def _checkpoint(factory: pytest.TempPathFactory, task: str) -> Path:
    return TASK_CHECKPOINTS[task](factory.mktemp(f"{task}-checkpoint"))


def _bundle(
    factory: pytest.TempPathFactory, checkpoint: Path, task: str, quantize: str, heads: dict | None = None
) -> Path:
    from converter.pipeline import Options, convert

    kind = "+".join([task, *(heads or {})])
    out = factory.mktemp(f"{kind}-{quantize}") / f"{kind}-{quantize}.slm"
    # Random models have near-tied outputs, so int8 (4-bit weights on the wire, the default) flips some
    # top-1s: the random grammar tagger agrees on 0.89-0.95 of its tokens. The converter tests check the
    # agreement 8-bit weights reach; the fixtures must not block other suites.
    convert(checkpoint, Options(
        task=task, out=out, quantize=quantize, name=f"test-{kind}", min_agreement=0.8, heads=heads or {}
    ))
    return out


@pytest.fixture(scope="session")
def sentiment_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _checkpoint(tmp_path_factory, "sentiment")


@pytest.fixture(scope="session")
def grammar_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _checkpoint(tmp_path_factory, "grammar")


@pytest.fixture(scope="session")
def autocomplete_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _checkpoint(tmp_path_factory, "autocomplete")


@pytest.fixture(scope="session")
def sentiment_bundle(tmp_path_factory: pytest.TempPathFactory, sentiment_checkpoint: Path) -> Path:
    return _bundle(tmp_path_factory, sentiment_checkpoint, "sentiment", "int8")


@pytest.fixture(scope="session")
def sentiment_bundle_fp32(tmp_path_factory: pytest.TempPathFactory, sentiment_checkpoint: Path) -> Path:
    return _bundle(tmp_path_factory, sentiment_checkpoint, "sentiment", "fp32")


@pytest.fixture(scope="session")
def grammar_bundle(tmp_path_factory: pytest.TempPathFactory, grammar_checkpoint: Path) -> Path:
    return _bundle(tmp_path_factory, grammar_checkpoint, "grammar", "int8")


@pytest.fixture(scope="session")
def grammar_bundle_fp32(tmp_path_factory: pytest.TempPathFactory, grammar_checkpoint: Path) -> Path:
    return _bundle(tmp_path_factory, grammar_checkpoint, "grammar", "fp32")


@pytest.fixture(scope="session")
def autocomplete_bundle(tmp_path_factory: pytest.TempPathFactory, autocomplete_checkpoint: Path) -> Path:
    return _bundle(tmp_path_factory, autocomplete_checkpoint, "autocomplete", "int8")


@pytest.fixture(scope="session")
def autocomplete_bundle_fp32(tmp_path_factory: pytest.TempPathFactory, autocomplete_checkpoint: Path) -> Path:
    return _bundle(tmp_path_factory, autocomplete_checkpoint, "autocomplete", "fp32")


@pytest.fixture(scope="session")
def shared_sentiment_checkpoint(tmp_path_factory: pytest.TempPathFactory, grammar_checkpoint: Path) -> Path:
    return head_on_encoder(tmp_path_factory.mktemp("sentiment-on-grammar"), grammar_checkpoint)


@pytest.fixture(scope="session")
def shared_bundle(
    tmp_path_factory: pytest.TempPathFactory, grammar_checkpoint: Path, shared_sentiment_checkpoint: Path
) -> Path:
    heads = {"sentiment": shared_sentiment_checkpoint}
    return _bundle(tmp_path_factory, grammar_checkpoint, "grammar", "int8", heads)
