"""Bytes: what each stack transfers (raw, gzip, Brotli), per bundle, fp32 vs int8, vs transformers.js."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from slm_web.serve import PRECOMPRESSED, fresh_copy
from webbuild.site import COMPRESSORS, COPY_SUFFIXES

MB = 1e6
# transformers.js' typical models for the same tasks (q8 ONNX, from their model cards), bytes
TJS_TYPICAL = {
    "sentiment: distilbert-sst2 q8": 67.6 * MB,
    "autocomplete: distilgpt2 q8": 84.9 * MB,
    "grammar: t5-small q8": 78.0 * MB,
}


def compressed_sizes(path: Path, encodings: tuple[str, ...] = ("br", "gzip")) -> dict[str, int]:
    """Raw size of ``path`` and its size in each of ``encodings`` (content codings): the size of its
    precompressed copy when the site has an up-to-date one (webbuild.site.precompress), else compressed here
    the same way (Brotli at its best setting takes about 2 s per MB: large files outside a site get gzip)."""
    data = path.read_bytes()
    sizes = {"raw": len(data)}
    for encoding, suffix in PRECOMPRESSED:
        if encoding not in encodings:
            continue
        copy = fresh_copy(path, suffix)
        sizes[encoding] = copy.stat().st_size if copy else len(COMPRESSORS[encoding](data))
    return sizes


def files_of(site: Path, transfer: dict[str, int]) -> dict[str, dict[str, int]]:
    """Raw, gzip and Brotli size of every site file a page fetched (harness pages excluded)."""
    return {
        path: compressed_sizes(site / path) | {"transferred": sent}
        for path, sent in sorted(transfer.items())
        if not path.startswith("bench/") and (site / path).is_file()
    }


def total(files: dict[str, dict[str, int]]) -> dict[str, int]:
    return {key: sum(f[key] for f in files.values()) for key in ("raw", "gzip", "br", "transferred")}


def bundle_sizes(int8: Path, fp32: Path, tjs_models: Path) -> dict[str, Any]:
    """Per task: the int8 and fp32 bundles (raw, gzip, model member) and the transformers.js export."""
    out = {}
    for bundle in sorted(int8.glob("*.slm")):
        task, wire = bundle.stem, bundle.with_suffix(".slm4")
        with zipfile.ZipFile(bundle) as zf:
            model = zf.getinfo("model.onnx").file_size
        exported = [f for f in (tjs_models / task).rglob("*") if f.is_file()]
        tjs = [compressed_sizes(f) for f in exported if f.suffix not in COPY_SUFFIXES]
        unshipped = fp32 / bundle.name
        out[task] = {
            "int8": compressed_sizes(bundle) | {"model.onnx": model},
            # What the bridge fetches when the site has it: the .slm4 wire form (webbuild/wire.py).
            "wire": compressed_sizes(wire) if wire.is_file() else None,
            "largest tensors": largest_tensors(bundle),
            "fp32": compressed_sizes(unshipped, ("gzip",)) if unshipped.is_file() else None,
            "transformers.js export": {k: sum(t[k] for t in tjs) for k in ("raw", "gzip", "br")},
        }
    return out


def _module_source(name: str) -> str:
    """A zip member by its source's name: the site ships ``mod.pyc`` where Pyodide's zip has ``mod.py``."""
    return name.removesuffix("c") if name.endswith(".pyc") else name


def stdlib_zip(path: Path, used: list[str]) -> dict[str, Any]:
    """Size and file count of a python_stdlib.zip, and the ``used`` files (a loaded worker's) it lacks."""
    with zipfile.ZipFile(path) as zf:
        names = {_module_source(name) for name in zf.namelist() if not name.endswith("/")}
    lacks = sorted({_module_source(name) for name in used} - names)
    return compressed_sizes(path) | {"files": len(names), "lacks": lacks}


def largest_tensors(bundle: Path, top: int = 3) -> list[list[Any]]:
    """The ``top`` largest initializers of a bundle's graph: [name, dtype, shape, MB] (where bytes go)."""
    import onnx

    with zipfile.ZipFile(bundle) as zf:
        graph = onnx.load_from_string(zf.read("model.onnx")).graph
    rows = []
    for t in graph.initializer:
        itemsize = onnx.helper.tensor_dtype_to_np_dtype(t.data_type).itemsize
        count = 1
        for d in t.dims:
            count *= d
        rows.append(
            [t.name, onnx.TensorProto.DataType.Name(t.data_type), list(t.dims), count * itemsize / MB]
        )
    return sorted(rows, key=lambda r: -r[3])[:top]
