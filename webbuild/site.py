"""Finishing a built site: precompressed copies of large files and ``build-manifest.json``.

Each large file gets a Brotli (``NAME.br``) and a gzip (``NAME.gz``) copy, which ``slm_web.serve`` (and a
production host configured as docs/hosting.md shows) sends as ``NAME`` to a browser that accepts them.

The manifest lists every served file with its sha256 and size, and every bundle with its task and
``bundle_sha256``, and what the bridge calls per task (:func:`slm_web.registry.bridge_tasks`). The JS bridge
keys its Cache API entries by these hashes, so a revisit downloads only
what changed, and reports download progress against these sizes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import zipfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import brotli

from slm_web.registry import bridge_tasks
from slm_web.serve import PRECOMPRESSED, fresh_copy
from webbuild import wire

MANIFEST = "build-manifest.json"
# The site's front page only points at the demo (a meta refresh: no script, fine under the strict CSP).
INDEX_HTML = """<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="demo/favicon.svg">
<meta http-equiv="refresh" content="0; url=demo/">
<title>slm-web</title>
<a href="demo/">slm-web demo</a>
"""
# Files worth precompressing: large and not already compressed. The wheel and python_stdlib.zip are zips of
# stored members (webbuild.wheel, webbuild.stdlib) for this reason: HTTP compression does better on them.
COMPRESS_SUFFIXES = {".wasm", ".mjs", ".js", ".json", ".slm", ".slm4", ".onnx", ".snapshot", ".zip", ".whl"}
COMPRESS_MIN_BYTES = 4 * 1024  # below this, headers cost about as much as compression saves
COMPRESS_MIN_SAVING = 0.10  # keep a copy only if it saves at least this fraction
# The copies' encoders, by content coding (slm_web.serve.PRECOMPRESSED names their suffixes). Both at their
# best settings and reproducible (gzip: mtime 0): the build runs once, every visitor downloads the result.
COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "br": lambda data: brotli.compress(data, quality=11, lgwin=24),
    "gzip": lambda data: gzip.compress(data, compresslevel=9, mtime=0),
}
COPY_SUFFIXES = tuple(suffix for _, suffix in PRECOMPRESSED)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _served_files(site: Path) -> list[Path]:
    # os.walk with followlinks: a site assembled from symlinked folders (the tests' tiny site) is
    # listed in full, and Path.rglob follows directory symlinks only from Python 3.13 on.
    files = (Path(root, name) for root, _, names in os.walk(site, followlinks=True) for name in names)
    return sorted(p for p in files if p.suffix not in COPY_SUFFIXES and p.name != MANIFEST)


def _compressed(encoding: str, path: Path) -> bytes:
    return COMPRESSORS[encoding](path.read_bytes())


def precompress(site: Path) -> list[Path]:
    """Write ``NAME.br`` and ``NAME.gz`` next to each large compressible file; returns them.

    Up-to-date copies are kept; stale ones (older than their source, or no longer worth it) go. Brotli at
    its best setting takes about a minute on the two wasm binaries, so the files compress in parallel.
    """
    todo, kept = [], []
    for path in _served_files(site):
        wanted = path.suffix in COMPRESS_SUFFIXES and path.stat().st_size >= COMPRESS_MIN_BYTES
        for encoding, suffix in PRECOMPRESSED:
            copy = path.with_name(path.name + suffix)
            if not wanted:
                copy.unlink(missing_ok=True)
            elif fresh_copy(path, suffix):
                kept.append(copy)
            else:
                todo.append((encoding, path, copy))
    todo.sort(key=lambda job: -job[1].stat().st_size)  # the largest first: the workers finish together
    written = []
    with ProcessPoolExecutor(max_workers=max(1, min(len(todo), os.cpu_count() or 1))) as pool:
        outputs = pool.map(_compressed, [encoding for encoding, _, _ in todo], [path for _, path, _ in todo])
        for (_, path, copy), data in zip(todo, outputs, strict=True):
            if len(data) > (1 - COMPRESS_MIN_SAVING) * path.stat().st_size:
                copy.unlink(missing_ok=True)
                continue
            copy.write_bytes(data)
            written.append(copy)
    return sorted(kept + written)


def write_wire_bundles(site: Path, bundles_dir: str = "bundles") -> list[Path]:
    """Write ``NAME.slm4`` (:mod:`webbuild.wire`) next to each bundle that has 4-bit-representable
    weights, and remove stale ones; returns those written."""
    written = []
    for path in sorted((site / bundles_dir).glob("*.slm")):
        target = path.with_suffix(wire.SUFFIX)
        encoded = wire.encode(path.read_bytes())
        if encoded is None:
            target.unlink(missing_ok=True)
            continue
        if not target.is_file() or target.read_bytes() != encoded:
            target.write_bytes(encoded)
            target.chmod(0o644)
        written.append(target)
    return written


def _bundle_entry(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    return {
        "tasks": [manifest["task"], *manifest.get("heads", {})],
        "name": manifest.get("name", ""),
        "bundle_sha256": manifest["bundle_sha256"],
    }


def write_manifest(site: Path, bundles_dir: str = "bundles", snapshot: dict | None = None) -> dict:
    """Write ``build-manifest.json`` for ``site``; every bundle under ``bundles_dir`` is listed by task (a
    shared bundle under each task it serves: the bridge fetches and loads it once for all of them).

    ``snapshot`` (:mod:`webbuild.snapshot`): the site's Pyodide memory snapshot, ``{"path", "for"}``.
    """
    files = {}
    for path in _served_files(site):
        rel = path.relative_to(site).as_posix()
        files[rel] = {"sha256": sha256_file(path), "size": path.stat().st_size}
        for encoding, suffix in PRECOMPRESSED:
            copy = path.with_name(path.name + suffix)
            if copy.is_file():
                files[rel][f"{encoding}_size"] = copy.stat().st_size
    bundles = {}
    for path in sorted((site / bundles_dir).glob("*.slm")):
        entry = _bundle_entry(path)
        # The bridge fetches the .slm4 form when there is one (webbuild.wire) and rebuilds this bundle.
        wire_form = path.with_suffix(wire.SUFFIX)
        served = wire_form if wire_form.is_file() else path
        for task in entry["tasks"]:
            if task in bundles:
                raise ValueError(f"two bundles for task {task!r} in {site / bundles_dir}")
            bundles[task] = {"path": served.relative_to(site).as_posix(), **entry}
    # "tasks": the registry's bridge-facing part (methods and page options per task), so the JS derives
    # which task a method needs from the Python that serves it instead of restating it.
    manifest = {"format": "slm-site", "format_version": 1, "files": files, "bundles": bundles,
                "tasks": bridge_tasks()}
    if snapshot is not None:
        manifest["snapshot"] = snapshot
    (site / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest
