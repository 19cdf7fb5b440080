"""webbuild: a reproducible wheel Pyodide can install, its lock file, precompression, the site manifest."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import brotli

from slm_web import registry
from webbuild.site import MANIFEST, precompress, write_manifest
from webbuild.wheel import build_wheel, write_lock

from .helpers import ROOT

STOCK_LOCK = ROOT / "node_modules" / "pyodide" / "pyodide-lock.json"


def _stock_lock(tmp_path: Path) -> Path:
    if STOCK_LOCK.is_file():
        return STOCK_LOCK
    path = tmp_path / "stock-lock.json"  # npm packages not installed: the part we read is enough
    path.write_text(json.dumps({"info": {"python": "3.14.2"}, "packages": {}}))
    return path


def test_wheel_is_reproducible_and_listed_with_its_sha256(tmp_path: Path):
    first = build_wheel(ROOT / "slm_web", "0.1.0", tmp_path / "a")
    second = build_wheel(ROOT / "slm_web", "0.1.0", tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    lock = write_lock(_stock_lock(tmp_path), first, "slm_web", tmp_path / "a" / "pyodide-lock.json")
    entry = lock["packages"]["slm-web"]
    assert entry["file_name"] == first.name == "slm_web-0.1.0-py3-none-any.whl"
    assert entry["sha256"] == hashlib.sha256(first.read_bytes()).hexdigest()
    assert entry["imports"] == ["slm_web"] and entry["depends"] == []


def test_wheel_holds_the_package_and_imports_from_a_bare_interpreter(tmp_path: Path):
    wheel = build_wheel(ROOT / "slm_web", "0.1.0", tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert "slm_web/__init__.py" in names and "slm_web/backends/web.py" in names
    assert "slm_web-0.1.0.dist-info/RECORD" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or n.startswith("converter/")]
    code = f"import sys; sys.path.insert(0, {str(wheel)!r}); import slm_web.worker; print(slm_web.__file__)"
    out = subprocess.run(
        [sys.executable, "-I", "-c", code], cwd=tmp_path, check=True, capture_output=True, text=True
    ).stdout
    assert out.strip().startswith(str(wheel))


def _fake_bundle(path: Path, task: str) -> None:
    """Only manifest.json is read by the site manifest."""
    with zipfile.ZipFile(path, "w") as zf:
        manifest = {"task": task, "name": f"n-{task}", "bundle_sha256": "ab" * 32}
        zf.writestr("manifest.json", json.dumps(manifest))


def test_precompress_and_manifest(tmp_path: Path):
    site = tmp_path / "site"
    (site / "bundles").mkdir(parents=True)
    big = b"const x = 1;\n" * 20_000
    (site / "big.mjs").write_bytes(big)
    (site / "small.js").write_text("1")
    (site / "lib.zip").write_bytes(big)  # zips of stored members (the stdlib, the wheel) compress too
    (site / "noise.wasm").write_bytes(random.Random(0).randbytes(100_000))  # saves nothing: no copies
    (site / "noise.wasm.br").write_bytes(b"stale")
    os.utime(site / "noise.wasm.br", (0, 0))  # older than its source: made again, and then not kept
    _fake_bundle(site / "bundles" / "sentiment.slm", "sentiment")
    written = precompress(site)
    expected = [site / f"{name}{suffix}" for name in ("big.mjs", "lib.zip") for suffix in (".br", ".gz")]
    assert written == sorted(expected)
    assert brotli.decompress((site / "big.mjs.br").read_bytes()) == big
    assert gzip.decompress((site / "big.mjs.gz").read_bytes()) == big
    assert not (site / "noise.wasm.br").exists()
    assert precompress(site) == written  # idempotent: up-to-date copies are kept
    manifest = write_manifest(site)
    assert json.loads((site / MANIFEST).read_text()) == manifest
    assert manifest["files"]["big.mjs"] == {
        "sha256": hashlib.sha256(big).hexdigest(),
        "size": len(big),
        "br_size": (site / "big.mjs.br").stat().st_size,
        "gzip_size": (site / "big.mjs.gz").stat().st_size,
    }
    assert manifest["files"]["big.mjs"]["br_size"] < manifest["files"]["big.mjs"]["gzip_size"]
    assert not any(name.endswith((".br", ".gz")) for name in manifest["files"])
    assert MANIFEST not in manifest["files"]
    assert manifest["bundles"] == {
        "sentiment": {"path": "bundles/sentiment.slm", "name": "n-sentiment", "bundle_sha256": "ab" * 32,
                      "tasks": ["sentiment"]}
    }
    # What the bridge derives its method -> task map and option names from (slm-worker.js).
    assert manifest["tasks"] == registry.bridge_tasks()
    assert manifest["tasks"]["autocomplete"]["learn"] == []


def test_two_bundles_for_one_task_are_refused(tmp_path: Path):
    (tmp_path / "bundles").mkdir()
    _fake_bundle(tmp_path / "bundles" / "a.slm", "grammar")
    _fake_bundle(tmp_path / "bundles" / "b.slm", "grammar")
    try:
        write_manifest(tmp_path)
    except ValueError as exc:
        assert "grammar" in str(exc)
    else:
        raise AssertionError("two grammar bundles were accepted")


def test_bundles_with_4_bit_weights_are_served_in_their_wire_form(
    tmp_path: Path, sentiment_bundle: Path, grammar_bundle: Path
):
    """The site lists the .slm4 of a bundle whose weights 4 bits carry; a plain int8 bundle keeps its .slm."""
    from fixtures.bundles import off_grid_copy

    from webbuild import wire
    from webbuild.site import write_wire_bundles

    bundles = tmp_path / "bundles"
    bundles.mkdir()
    (bundles / "sentiment.slm").write_bytes(sentiment_bundle.read_bytes())
    off_grid_copy(grammar_bundle, bundles / "grammar.slm")
    (bundles / "grammar.slm4").write_bytes(b"stale")
    assert write_wire_bundles(tmp_path) == [bundles / "sentiment.slm4"]
    assert not (bundles / "grammar.slm4").exists()
    assert wire.decode((bundles / "sentiment.slm4").read_bytes()) == sentiment_bundle.read_bytes()
    manifest = write_manifest(tmp_path)
    assert manifest["bundles"]["sentiment"]["path"] == "bundles/sentiment.slm4"
    assert manifest["bundles"]["grammar"]["path"] == "bundles/grammar.slm"
    assert {"bundles/sentiment.slm", "bundles/sentiment.slm4"} <= set(manifest["files"])



def test_warmup_model_runs_the_students_int8_ops(tmp_path: Path):
    """ort/warmup.onnx: small, reproducible, fed like an encoder, and made of the ops the students use."""
    import numpy as np
    import onnx
    import onnxruntime as ort

    from webbuild.bundles import build_warmup_model

    out = tmp_path / "warmup.onnx"
    build_warmup_model(out)
    model = onnx.load(out)
    assert out.stat().st_size < 200_000
    ops = {node.op_type for node in model.graph.node}
    assert {"DynamicQuantizeMatMul", "MatMulIntegerToFloat", "SkipLayerNormalization", "Softmax"} <= ops
    ids = np.array([[2, 10, 11, 12, 13, 14, 15, 3]], dtype=np.int64)  # the feeds bridge/slm-worker.js uses
    ort.InferenceSession(str(out)).run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
    again = tmp_path / "again.onnx"
    build_warmup_model(again)
    assert again.read_bytes() == out.read_bytes()


def test_build_without_brotli_stops_with_a_clear_error(tmp_path: Path):
    # A Python that cannot import brotli: this one without its site-packages.
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    python.chmod(0o755)
    out = tmp_path / "site"
    done = subprocess.run(
        ["bash", str(ROOT / "build_wasm.sh"), str(out)],
        cwd=ROOT, env={**os.environ, "PYTHON": str(python)}, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 1
    assert "brotli package is missing" in done.stderr and ".[site]" in done.stderr
    assert not out.exists()  # stopped before writing anything
