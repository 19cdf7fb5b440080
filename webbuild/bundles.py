"""The site's default bundles: the committed students, converted by the converter during the build.

A task whose student checkpoint is not committed yet (``students/checkpoints/<task>/config.json``) gets a
tiny random model from the test fixtures instead, so the browser path always has three bundles to run;
its name starts with ``tiny-`` and the build says so.

A site ships a bundle per task, or one shared bundle for the tasks of a :data:`SHARED_BUNDLES` entry (one
encoder, a head per task: docs/bundle-format.md, ``heads``) and a bundle per remaining task
(:func:`site_bundles`). The page fetches and loads a shared bundle once for all its tasks.
"""

from __future__ import annotations

import json
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from slm_web.registry import TASKS

ROOT = Path(__file__).resolve().parent.parent
TINY_PREFIX = "tiny-"
# Converter options of a default student that differ from the converter's defaults, and why. None today:
# grammar kept 8-bit MatMul weights until its current checkpoint, which loses nothing at 4 bits (its model
# card has the dev and frozen-test figures of both).
STUDENT_OPTIONS: dict[str, dict[str, Any]] = {}




@dataclass(frozen=True)
class SharedBundle:
    """One bundle for several tasks: the ``main`` task's student with each other task's head, a checkpoint
    trained on that student's frozen encoder (``python -m converter ... --head``)."""

    main: str
    heads: Mapping[str, str]  # task -> its head's checkpoint folder, relative to the repository
    default: bool = False  # the default site ships this bundle instead of the tasks' own

    @property
    def tasks(self) -> tuple[str, ...]:
        return (self.main, *self.heads)


# Bundle file name (without .slm) -> a shared bundle, converted with the main task's STUDENT_OPTIONS (the
# heads' own layers take the converter's --head-matmul-bits 4, as the sentiment student alone ships its
# layers). The default stays two separate bundles until the
# sentiment head trained on the grammar encoder meets both tasks' targets (issue 17): the model engineer
# commits its checkpoint there and sets default=True. SLM_SHARED=grammar+sentiment bash build_wasm.sh
# builds a site with it meanwhile.
SHARED_BUNDLES: dict[str, SharedBundle] = {
    "grammar+sentiment": SharedBundle("grammar", {"sentiment": "students/checkpoints/sentiment-on-grammar"}),
}


def site_bundles(shared: Iterable[str] | None = None) -> list[str]:
    """The bundles a site ships, by file name: the ``shared`` ones (None: the table's defaults; a name of
    :data:`SHARED_BUNDLES`), then a bundle per task none of them serves."""
    chosen = [name for name, b in SHARED_BUNDLES.items() if b.default] if shared is None else list(shared)
    unknown = [name for name in chosen if name not in SHARED_BUNDLES]
    if unknown:
        raise ValueError(f"no shared bundle {unknown[0]!r} (known: {', '.join(SHARED_BUNDLES)})")
    served = [task for name in chosen for task in SHARED_BUNDLES[name].tasks]
    if len(set(served)) < len(served):
        raise ValueError(f"shared bundles {', '.join(chosen)} serve a task twice")
    return chosen + [task for task in TASKS if task not in served]


def student_cli_options(task: str) -> list[str]:
    """STUDENT_OPTIONS of ``task`` as ``python -m converter`` arguments."""
    return [a for k, v in STUDENT_OPTIONS.get(task, {}).items() for a in (f"--{k.replace('_', '-')}", str(v))]


def _fixture_checkpoints() -> Any:
    """tests/fixtures/checkpoints.py (imported as tests/conftest.py does): tiny seeded checkpoints."""
    sys.path.insert(0, str(ROOT / "tests"))
    from fixtures import checkpoints

    return checkpoints


def tiny_factories() -> dict[str, Callable[[Path], Path]]:
    """Task -> what writes its tiny checkpoint into a folder: the fixtures' decoder, or their encoder with
    the task's head."""
    fixtures = _fixture_checkpoints()
    encoder = fixtures.encoder_checkpoint
    return {name: fixtures.decoder_checkpoint if spec.head is None else partial(encoder, task=name)
            for name, spec in TASKS.items()}


def build_warmup_model(out: Path) -> str:
    """A tiny int8 encoder (1 layer x 64, random weights) for the bridge to run once while Python starts.

    Its ops are the students' (DynamicQuantizeMatMul, MatMulIntegerToFloat, SkipLayerNormalization, Gelu,
    Softmax...), so onnxruntime-web's kernels have run, and V8 has begun optimizing their wasm code,
    before the first real model does, which makes that first run several times faster for little more
    start-up than the 67-byte Identity model (bench/ANALYSIS.md).
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


def _checkpoints(name: str) -> dict[str, Path | None]:
    """The committed checkpoint of each task of bundle ``name`` (a task or a SHARED_BUNDLES key), main first;
    None where there is none yet."""
    shared = SHARED_BUNDLES.get(name)
    if shared is None:
        return {name: student_checkpoint(name)}
    heads = {task: ROOT / path for task, path in shared.heads.items()}
    return {shared.main: student_checkpoint(shared.main),
            **{task: path if (path / "config.json").is_file() else None for task, path in heads.items()}}


def up_to_date(name: str, out: Path) -> bool:
    if not out.is_file():
        return False
    checkpoints = list(_checkpoints(name).values())
    is_tiny = _bundle_name(out).startswith(TINY_PREFIX)
    if None in checkpoints:
        return is_tiny
    return not is_tiny and out.stat().st_mtime >= max(_newest_input(c) for c in checkpoints if c)


def build_bundle(name: str, out: Path) -> str:
    """Convert the student for task ``name`` (or the students of shared bundle ``name``; a tiny model if one
    is missing) into ``out``; a line saying what was done."""
    if up_to_date(name, out):
        return f"{name}: up to date ({_bundle_name(out)})"
    from converter.pipeline import Options, convert

    out.parent.mkdir(parents=True, exist_ok=True)
    (main, checkpoint), *heads = _checkpoints(name).items()
    if checkpoint is not None and all(path for _, path in heads):
        options = Options(task=main, out=out, heads=dict(heads), **STUDENT_OPTIONS.get(main, {}))
        convert(checkpoint, options)
        return f"{name}: converted {checkpoint.relative_to(ROOT)} -> {out.name} ({_bundle_name(out)})"
    with tempfile.TemporaryDirectory(prefix=f"slm-{name}-") as tmp:
        tiny = tiny_factories()[main](Path(tmp) / "checkpoint")
        tiny_heads = {task: _fixture_checkpoints().head_on_encoder(Path(tmp) / task, tiny, task)
                      for task, _ in heads}
        # Random weights make int8-vs-fp32 agreement a coin toss; it says nothing about a stand-in.
        convert(tiny, Options(task=main, out=out, name=f"{TINY_PREFIX}{name}", min_agreement=0.0,
                              heads=tiny_heads))
    return f"{name}: no student checkpoint yet: TINY RANDOM model -> {out.name}"
