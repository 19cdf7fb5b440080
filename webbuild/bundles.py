"""The site's default bundles: the committed students, converted by the converter during the build.

A task whose student checkpoint is not committed yet (``students/checkpoints/<task>/config.json``) gets a
tiny random model from the test fixtures instead, so the browser path always has three bundles to run;
its name starts with ``tiny-`` and the build says so.
"""

from __future__ import annotations

import json
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TINY_PREFIX = "tiny-"
# Converter options of a default student that differ from the converter's defaults, and why. Grammar keeps
# 8-bit MatMul weights: at 4 bits its hand-written ERRANT F0.5 fell from 0.896 to 0.878 (converter/matmul4.py;
# its 4-bit vocabulary table only became free of loss after a fine-tune against it).
STUDENT_OPTIONS: dict[str, dict[str, Any]] = {"grammar": {"matmul_bits": 8}}


def student_cli_options(task: str) -> list[str]:
    """STUDENT_OPTIONS of ``task`` as ``python -m converter`` arguments."""
    return [a for k, v in STUDENT_OPTIONS.get(task, {}).items() for a in (f"--{k.replace('_', '-')}", str(v))]


def _fixture_checkpoints() -> Any:
    """tests/fixtures/checkpoints.py (imported as tests/conftest.py does): tiny seeded checkpoints."""
    sys.path.insert(0, str(ROOT / "tests"))
    from fixtures import checkpoints

    return checkpoints


def tiny_factories() -> dict[str, Callable[[Path], Path]]:
    fixtures = _fixture_checkpoints()
    return {
        "sentiment": lambda out: fixtures.encoder_checkpoint(out, "sentiment"),
        "grammar": lambda out: fixtures.encoder_checkpoint(out, "grammar"),
        "autocomplete": fixtures.decoder_checkpoint,
    }


def build_warmup_model(out: Path) -> str:
    """A tiny int8 encoder (1 layer x 64, random weights) for the bridge to run once while Python starts.

    Its ops are the students' (DynamicQuantizeMatMul, MatMulIntegerToFloat, SkipLayerNormalization, Gelu,
    Softmax...), so onnxruntime-web's kernels have run, and V8 has begun optimizing their wasm code,
    before the first real model does. Measured under Node (2 threads, fresh process): the sentiment
    student's first run 125-233 ms -> 21-35 ms, for about 50 ms more than the 67-byte Identity model.
    """
    from converter.pipeline import Options, convert
    from slm_web.bundle import read_bundle

    with tempfile.TemporaryDirectory(prefix="slm-warmup-") as tmp:
        checkpoint = _fixture_checkpoints().encoder_checkpoint(
            Path(tmp) / "checkpoint", "sentiment", layers=1, vocab_size=200
        )
        bundle = Path(tmp) / "warmup.slm"
        convert(checkpoint, Options(task="sentiment", out=bundle, name="warmup", min_agreement=0.0))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(read_bundle(bundle).model_bytes)
    return f"{out.name}: {out.stat().st_size // 1024} KB"


def student_checkpoint(task: str) -> Path | None:
    path = ROOT / "students" / "checkpoints" / task
    return path if (path / "config.json").is_file() else None


def _bundle_name(bundle: Path) -> str:
    with zipfile.ZipFile(bundle) as zf:
        return json.loads(zf.read("manifest.json")).get("name", "")


def _newest_input(checkpoint: Path) -> float:
    """Newest modification time among what a conversion reads: the checkpoint, the converter code and this
    file (STUDENT_OPTIONS)."""
    files = [
        *checkpoint.rglob("*"),
        *(ROOT / "converter").rglob("*.py"),
        ROOT / "slm_web" / "bundle.py",
        Path(__file__),
    ]
    return max(p.stat().st_mtime for p in files if p.is_file())


def up_to_date(task: str, out: Path) -> bool:
    if not out.is_file():
        return False
    checkpoint = student_checkpoint(task)
    is_tiny = _bundle_name(out).startswith(TINY_PREFIX)
    if checkpoint is None:
        return is_tiny
    return not is_tiny and out.stat().st_mtime >= _newest_input(checkpoint)


def build_bundle(task: str, out: Path) -> str:
    """Convert the student for ``task`` (or a tiny model) into ``out``; a line saying what was done."""
    if up_to_date(task, out):
        return f"{task}: up to date ({_bundle_name(out)})"
    from converter.pipeline import Options, convert

    out.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = student_checkpoint(task)
    if checkpoint is not None:
        convert(checkpoint, Options(task=task, out=out, **STUDENT_OPTIONS.get(task, {})))
        return f"{task}: converted {checkpoint.relative_to(ROOT)} -> {out.name} ({_bundle_name(out)})"
    with tempfile.TemporaryDirectory(prefix=f"slm-{task}-") as tmp:
        tiny = tiny_factories()[task](Path(tmp) / "checkpoint")
        # Random weights make int8-vs-fp32 agreement a coin toss; it says nothing about a stand-in.
        convert(tiny, Options(task=task, out=out, name=f"{TINY_PREFIX}{task}", min_agreement=0.0))
    return f"{task}: no student checkpoint yet: TINY RANDOM model -> {out.name}"
