"""Finishing a built site: precompressed copies of large files and ``build-manifest.json``.

The manifest lists every served file with its sha256 and size, and every bundle with its task and
``bundle_sha256``. The JS bridge keys its Cache API entries by these hashes, so a revisit downloads only
what changed, and reports download progress against these sizes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import zipfile
from pathlib import Path

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
# Files worth precompressing: large and not already compressed (wheels and python_stdlib.zip are zips).
GZIP_SUFFIXES = {".wasm", ".mjs", ".js", ".json", ".slm", ".slm4", ".onnx", ".snapshot"}
GZIP_MIN_BYTES = 64 * 1024
GZIP_MIN_SAVING = 0.10  # keep a .gz only if it saves at least this fraction


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
    return sorted(p for p in files if p.suffix != ".gz" and p.name != MANIFEST)


def precompress(site: Path) -> list[Path]:
    """Write ``NAME.gz`` next to each large compressible file (reproducible: mtime 0); returns them.

    Up-to-date ``.gz`` files are kept; stale ones (older than their source, or no longer worth it) go.
    """
    written = []
    for path in _served_files(site):
        gz = path.with_name(path.name + ".gz")
        if path.suffix not in GZIP_SUFFIXES or path.stat().st_size < GZIP_MIN_BYTES:
            gz.unlink(missing_ok=True)
            continue
        if gz.is_file() and gz.stat().st_mtime >= path.stat().st_mtime:
            written.append(gz)
            continue
        data = gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)
        if len(data) > (1 - GZIP_MIN_SAVING) * path.stat().st_size:
            gz.unlink(missing_ok=True)
            continue
        gz.write_bytes(data)
        written.append(gz)
    return written


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
        "task": manifest["task"],
        "name": manifest.get("name", ""),
        "bundle_sha256": manifest["bundle_sha256"],
    }


def write_manifest(site: Path, bundles_dir: str = "bundles", snapshot: dict | None = None) -> dict:
    """Write ``build-manifest.json`` for ``site``; every bundle under ``bundles_dir`` is listed by task.

    ``snapshot`` (:mod:`webbuild.snapshot`): the site's Pyodide memory snapshot, ``{"path", "for"}``.
    """
    files = {}
    for path in _served_files(site):
        rel = path.relative_to(site).as_posix()
        gz = path.with_name(path.name + ".gz")
        files[rel] = {"sha256": sha256_file(path), "size": path.stat().st_size}
        if gz.is_file():
            files[rel]["gzip_size"] = gz.stat().st_size
    bundles = {}
    for path in sorted((site / bundles_dir).glob("*.slm")):
        entry = _bundle_entry(path)
        task = entry.pop("task")
        if task in bundles:
            raise ValueError(f"two bundles for task {task!r} in {site / bundles_dir}")
        # The bridge fetches the .slm4 form when there is one (webbuild.wire) and rebuilds this bundle.
        wire_form = path.with_suffix(wire.SUFFIX)
        served = wire_form if wire_form.is_file() else path
        bundles[task] = {"path": served.relative_to(site).as_posix(), **entry}
    manifest = {"format": "slm-site", "format_version": 1, "files": files, "bundles": bundles}
    if snapshot is not None:
        manifest["snapshot"] = snapshot
    (site / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest
