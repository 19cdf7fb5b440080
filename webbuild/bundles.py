"""The site's default bundles: the committed students, converted by the converter during the build.

A task whose student checkpoint is not committed yet (``students/checkpoints/<task>/config.json``) gets a
tiny random model from the test fixtures instead, so the browser path always has three bundles to run;
its name starts with ``tiny-`` and the build says so. A shared bundle gets one only when none of its
checkpoints is committed: with some but not all, the build stops (:class:`MissingCheckpoint`), since a tiny
model would stand in for a committed student.

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
CHECKPOINTS = ROOT / "students" / "checkpoints"  # the committed students, a folder per task
TINY_PREFIX = "tiny-"
# Converter options of a default student that differ from the converter's defaults, and why. None today
# (the grammar student's MatMul weight width, and what it costs it: its model card,
# students/checkpoints/grammar/README.md).
STUDENT_OPTIONS: dict[str, dict[str, Any]] = {}


class MissingCheckpoint(ValueError):
    """A shared bundle has some of its checkpoints committed, not all."""


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
# commits its checkpoint there and sets default=True. Until then SLM_SHARED=grammar+sentiment stops the
# build with one line (MissingCheckpoint).
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


def _committed(checkpoint: Path) -> bool:
    return (checkpoint / "config.json").is_file()


def student_checkpoint(task: str) -> Path | None:
    path = CHECKPOINTS / task
    return path if _committed(path) else None


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


@dataclass(frozen=True)
class BundleSources:
    """Where a bundle's checkpoints are committed: its main task's, and each other head's by task."""

    main: str
    checkpoint: Path
    heads: dict[str, Path]

    @property
    def missing(self) -> list[Path]:
        """The checkpoints not committed yet."""
        return [path for path in (self.checkpoint, *self.heads.values()) if not _committed(path)]

    @property
    def tiny(self) -> bool:
        """None is committed: the bundle is a tiny random stand-in."""
        return len(self.missing) == 1 + len(self.heads)


def bundle_sources(name: str) -> BundleSources:
    """The checkpoints of bundle ``name`` (a task or a SHARED_BUNDLES key); :class:`MissingCheckpoint` when
    a shared bundle has only some of them."""
    shared = SHARED_BUNDLES.get(name)
    if shared is None:
        return BundleSources(name, CHECKPOINTS / name, {})
    sources = BundleSources(shared.main, CHECKPOINTS / shared.main,
                            {task: ROOT / path for task, path in shared.heads.items()})
    if sources.missing and not sources.tiny:
        absent = ", ".join(str(_shown_path(path)) for path in sources.missing)
        raise MissingCheckpoint(f"{name} needs {absent}, not committed yet "
                                "(SLM_SHARED= builds a bundle per task)")
    return sources


def _shown_path(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def up_to_date(name: str, out: Path) -> bool:
    if not out.is_file():
        return False
    sources = bundle_sources(name)
    is_tiny = _bundle_name(out).startswith(TINY_PREFIX)
    if sources.tiny:
        return is_tiny
    inputs = (sources.checkpoint, *sources.heads.values())
    return not is_tiny and out.stat().st_mtime >= max(_newest_input(c) for c in inputs)


def build_bundle(name: str, out: Path) -> str:
    """Convert the student for task ``name`` (or the students of shared bundle ``name``; a tiny model if
    none is committed) into ``out``; a line saying what was done."""
    if up_to_date(name, out):
        return f"{name}: up to date ({_bundle_name(out)})"
    from converter.pipeline import Options, convert

    out.parent.mkdir(parents=True, exist_ok=True)
    sources = bundle_sources(name)
    if not sources.tiny:
        own = STUDENT_OPTIONS.get(sources.main, {})
        convert(sources.checkpoint, Options(task=sources.main, out=out, heads=sources.heads, **own))
        return f"{name}: converted {_shown_path(sources.checkpoint)} -> {out.name} ({_bundle_name(out)})"
    with tempfile.TemporaryDirectory(prefix=f"slm-{name}-") as tmp:
        tiny = tiny_factories()[sources.main](Path(tmp) / "checkpoint")
        tiny_heads = {task: _fixture_checkpoints().head_on_encoder(Path(tmp) / task, tiny, task)
                      for task in sources.heads}
        # Random weights make int8-vs-fp32 agreement a coin toss; it says nothing about a stand-in.
        convert(tiny, Options(task=sources.main, out=out, name=f"{TINY_PREFIX}{name}", min_agreement=0.0,
                              heads=tiny_heads))
    return f"{name}: no student checkpoint yet: TINY RANDOM model -> {out.name}"
