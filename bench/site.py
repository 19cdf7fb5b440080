"""The benchmark site in ``bench/.work/site``: the built slm-web site plus the pages and peers to compare.

Layout (served from one origin by ``python -m slm_web serve``, with the same headers for every stack):

- every entry of ``dist/site`` (symlinked: what ``build_wasm.sh`` built, untouched);
- ``bench/`` → ``bench/web`` (the harness pages and workers);
- ``peers/transformers/`` transformers.js 4.3.1 (its browser bundle and the asyncify ORT wasm it needs);
- ``peers/harper/`` harper.js 2.10.0 (ES module + wasm);
- ``models/tjs/<task>/`` the same student weights exported the way transformers.js expects.

Large peer files and exported models get ``.br`` and ``.gz`` copies by the same rule as the slm-web site
(webbuild.site.precompress), so every stack is served compressed the same way.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from webbuild.bundles import student_checkpoint, tiny_factories
from webbuild.site import precompress

from .tjs_export import export_tjs

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
TJS_WASM = ROOT / "node_modules/@huggingface/transformers/node_modules/onnxruntime-web/dist"
# peer folder -> files copied from node_modules
PEERS: dict[str, list[Path]] = {
    "transformers": [
        ROOT / "node_modules/@huggingface/transformers/dist/transformers.js",
        TJS_WASM / "ort-wasm-simd-threaded.asyncify.mjs",
        TJS_WASM / "ort-wasm-simd-threaded.asyncify.wasm",
    ],
    "harper": [
        *(ROOT / "node_modules/harper.js/dist").glob("BinaryModule-*.js"),
        ROOT / "node_modules/harper.js/dist/index.js",
        ROOT / "node_modules/harper.js/dist/binary.js",
        ROOT / "node_modules/harper.js/dist/harper_wasm_bg.wasm",
    ],
}
TASKS = ("sentiment", "autocomplete", "grammar")


def _copy_fresh(src: Path, dest: Path) -> None:
    if not src.is_file():
        raise FileNotFoundError(f"{src} is missing: run 'npm ci --ignore-scripts'")
    if not dest.is_file() or dest.stat().st_mtime < src.stat().st_mtime:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)


def checkpoint_for(task: str, scratch: Path) -> Path:
    """The checkpoint the site's bundle was converted from: the student, or the same tiny fixture model."""
    found = student_checkpoint(task)
    return found if found is not None else tiny_factories()[task](scratch / task)


def tiny_bundles(out: Path) -> Path:
    """The tiny fixed models (test fixtures, seeded) as bundles in ``out``: the same models every run, so
    figures stay comparable while the students change; built as webbuild builds its stand-ins."""
    from converter.pipeline import Options, convert

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-tiny-") as tmp:
        for task in TASKS:
            if not (out / f"{task}.slm").is_file():
                checkpoint = tiny_factories()[task](Path(tmp) / task)
                convert(
                    checkpoint,
                    Options(task=task, out=out / f"{task}.slm", name=f"tiny-{task}", min_agreement=0),
                )
    return out


def export_peers_models(site: Path) -> dict[str, str]:
    """transformers.js model folders: ``<task>`` (the site's default model) and ``tiny-<task>`` (the tiny
    fixed model) for every task; returns task -> checkpoint used by default (for the report)."""
    used = {}
    with tempfile.TemporaryDirectory(prefix="bench-ckpt-") as tmp:
        for task in TASKS:
            tiny = tiny_factories()[task](Path(tmp) / f"tiny-{task}")
            found = student_checkpoint(task)
            for name, checkpoint in ((f"tiny-{task}", tiny), (task, found or tiny)):
                export_tjs(checkpoint, task, site / "models" / "tjs" / name)
            used[task] = "tiny fixture" if found is None else str(found.relative_to(ROOT))
    precompress(site / "models" / "tjs")
    return used


def _link(link: Path, target: Path) -> None:
    if link.is_symlink() or link.is_file():
        link.unlink()
    link.symlink_to(target.resolve())


def _harness_site(built: Path, into: Path) -> Path:
    """``built`` with the harness pages under ``bench/`` (links, nothing copied)."""
    for entry in built.iterdir():
        (into / entry.name).symlink_to(entry.resolve())
    (into / "bench").symlink_to(ROOT / "bench" / "web")
    return into


@contextmanager
def served(built: Path | None) -> Iterator[str]:
    """For the suites that also run alone (python -m bench.breakdown, bench.engines): ``built`` (a
    ``build_wasm.sh`` output) with the harness pages, or the bench's own site when None, served from this
    process on a free port; yields the origin."""
    from slm_web.serve import serve_in_thread

    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        site = _harness_site(built, Path(tmp)) if built else WORK / "site"
        server = serve_in_thread(site, link_roots=(ROOT, built.resolve()) if built else (ROOT,))
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()


def assemble(
    built: Path, tiny_built: Path, snapshot_built: Path, site: Path = WORK / "site"
) -> dict[str, str]:
    """(Re)build the benchmark site around ``built`` (the default site), with ``tiny_built`` (the same site
    with the tiny fixed bundles) under ``tiny/`` and ``snapshot_built`` (the default site shipping a Pyodide
    snapshot, webbuild.snapshot) under ``snapshot/``; returns the checkpoints used per task."""
    site.mkdir(parents=True, exist_ok=True)
    for entry in built.iterdir():
        _link(site / entry.name, entry)
    _link(site / "tiny", tiny_built)
    _link(site / "snapshot", snapshot_built)
    _link(site / "bench", ROOT / "bench" / "web")
    for folder, files in PEERS.items():
        for src in files:
            _copy_fresh(src, site / "peers" / folder / src.name)
        precompress(site / "peers" / folder)
    return export_peers_models(site)
