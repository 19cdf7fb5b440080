"""A trimmed ``python_stdlib.zip``: only the stdlib files a loaded slm-web worker imports.

Pyodide's stock zip is 2.5 MB of already deflated members (gzip cannot shrink it) and a worker imports
about a third of it; the trimmed zip stores its members, and the site compresses it as a whole. What to
keep is traced, not guessed: ``stdlib_trace.mjs`` boots Pyodide under Node with the stock zip and does
what a worker does (import every slm_web module and every import statement of its sources, JS interop,
tracebacks, the event loop, memory snapshots, both ways of installing the wheel). The files in
``sys.modules`` are kept, with their packages' ``__init__.py`` and ``KEEP_PREFIXES``.
With ``bytecode``, the trimmed zip's modules become sourceless ``.pyc`` (webbuild.bytecode) before the
check. The same trace then runs on the trimmed zip: a step that fails there, or an import that worked with
the stock zip and does not with the trimmed one, fails the build.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from webbuild.bytecode import sourceless_zip

TRACE_SCRIPT = Path(__file__).with_name("stdlib_trace.mjs")
# Desktop-only modules (the dev server, the CLI): never imported in a browser, so neither are their imports.
DESKTOP_ONLY = ("slm_web.serve", "slm_web.__main__")
# Kept whatever the trace says: Pyodide's own Python side (its JS API imports parts of it lazily), the
# sysconfig data, and the codecs. Codecs are looked up by name at run time (``bytes.decode(name)``), so
# all stay except the single-byte code-page tables (68 legacy encodings, 0.28 MB deflated).
KEEP_PREFIXES = ("_pyodide/", "pyodide/", "_sysconfigdata_", "encodings/")
# Code pages kept anyway: zipfile decodes member names without the UTF-8 flag as cp437 (wheels, bundles);
# cp1252 is the legacy web default.
KEEP_CODEPAGES = {"encodings/cp437.py", "encodings/cp1252.py"}
COMMENT = b"slm-web: trimmed python_stdlib.zip (SLM_FULL_STDLIB=1 builds ship the stock one)"
BYTECODE_COMMENT = (
    b"slm-web: trimmed python_stdlib.zip as sourceless .pyc "
    b"(SLM_SOURCE_STDLIB=1 builds ship sources, SLM_FULL_STDLIB=1 builds the stock zip)"
)
_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed member dates: the same input gives the same bytes (sha256)
TRACE_TIMEOUT_S = 300


class TrimError(RuntimeError):
    """The trace or the self-check on the trimmed zip failed: the build must stop."""


def import_statements(package: Path, skip: tuple[str, ...] = DESKTOP_ONLY) -> list[str]:
    """Every absolute import of ``package``'s sources (functions included), one name per statement.

    ``from x import y`` stays a from-import: executing it triggers lazy submodule imports (a module
    ``__getattr__`` such as concurrent.futures') that importing ``x`` alone would not.
    """
    statements = set()
    for path in sorted(package.rglob("*.py")):
        module = ".".join((package.name, *path.relative_to(package).with_suffix("").parts))
        if module.removesuffix(".__init__").startswith(skip):
            continue
        for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
            if isinstance(node, ast.Import):
                statements |= {(alias.name, f"import {alias.name}") for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module != "__future__":
                statements |= {(node.module, f"from {node.module} import {a.name}") for a in node.names}
    return sorted(text for name, text in statements if name.split(".")[0] != package.name)


def _is_codepage_table(name: str, data: bytes) -> bool:
    return name.startswith("encodings/") and (b"decoding_table" in data or b"decoding_map" in data)


def select(stock: zipfile.ZipFile, used: Iterable[str]) -> set[str]:
    """Names of ``stock`` to keep: ``used`` files, their packages' ``__init__.py``, KEEP_PREFIXES, and the
    folder entries above every kept file."""
    names = set(stock.namelist())
    keep = {name for name in used if name in names}
    for info in stock.infolist():
        name = info.filename
        if info.is_dir() or not name.startswith(KEEP_PREFIXES):
            continue
        if name in KEEP_CODEPAGES or not _is_codepage_table(name, stock.read(info)):
            keep.add(name)
    for name in list(keep):
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folder = "/".join(parts[:i])
            keep |= {n for n in (f"{folder}/__init__.py", f"{folder}/") if n in names}
    return keep


def write_zip(stock: Path, keep: set[str], out: Path) -> None:
    """Copy the ``keep`` members of ``stock`` to ``out``, in stock order, with their permissions, at a
    fixed date: two builds from the same stock zip give the same sha256.

    The members are stored, not deflated: the site sends the zip Brotli- or gzip-compressed as a whole
    (webbuild.site), which shrinks it more (0.66 MB Brotli vs 0.93 MB of deflated members), and importing
    from it then inflates nothing."""
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(stock) as src, zipfile.ZipFile(tmp, "w") as dst:
        for info in src.infolist():
            if info.filename not in keep:
                continue
            entry = zipfile.ZipInfo(info.filename, date_time=_EPOCH)
            entry.compress_type = zipfile.ZIP_STORED
            entry.external_attr = info.external_attr
            dst.writestr(entry, src.read(info))
        dst.comment = COMMENT
    tmp.replace(out)


def trace(pyodide_dir: Path, stdlib_zip: Path, wheel_dir: Path, imports: list[str]) -> dict[str, Any]:
    """Run ``stdlib_trace.mjs`` with ``stdlib_zip``: {"python", "files", "failed"} (see the script)."""
    if shutil.which("node") is None:
        raise TrimError("node is not installed: it runs the stdlib trace (or build with SLM_FULL_STDLIB=1)")
    with tempfile.TemporaryDirectory() as tmp:
        job = Path(tmp) / "job.json"
        job.write_text(json.dumps({"imports": imports, "skip": list(DESKTOP_ONLY)}))
        args = [str(p.resolve()) for p in (TRACE_SCRIPT, pyodide_dir, stdlib_zip, wheel_dir, job)]
        done = subprocess.run(["node", *args], capture_output=True, text=True, timeout=TRACE_TIMEOUT_S)
    if done.returncode != 0:
        raise TrimError(f"Pyodide trace with {stdlib_zip} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)


def trim(
    stock: Path, out: Path, pyodide_dir: Path, wheel_dir: Path, package: Path, bytecode: bool = False
) -> dict[str, Any]:
    """Trace with ``stock``, write the trimmed zip to ``out`` (as bytecode if ``bytecode``), check it with
    the same trace; a summary. An ``out`` that already holds the same bytes is left alone (its date too,
    so its precompressed copies stay fresh)."""
    imports = import_statements(package)
    started = time.perf_counter()
    traced = trace(pyodide_dir, stock, wheel_dir, imports)
    with zipfile.ZipFile(stock) as zf:
        keep = select(zf, traced["files"])
        stock_files = sum(not info.is_dir() for info in zf.infolist())
    candidate = out.with_name(out.name + ".candidate")
    write_zip(stock, keep, candidate)
    try:
        magic = None
        if bytecode:
            magic = sourceless_zip(candidate, candidate, pyodide_dir, BYTECODE_COMMENT).magic
        checked = trace(pyodide_dir, candidate, wheel_dir, imports)
        if checked["failed"] != traced["failed"]:
            lost = sorted(set(checked["failed"]) - set(traced["failed"]))
            raise TrimError(f"imports that fail only with the trimmed stdlib: {lost or checked['failed']}")
        if not (out.is_file() and out.read_bytes() == candidate.read_bytes()):
            candidate.replace(out)
    finally:
        candidate.unlink(missing_ok=True)
    return {
        "files": sum(not name.endswith("/") for name in keep),
        "magic": magic,
        "stock_files": stock_files,
        "traced": len(traced["files"]),
        "bytes": out.stat().st_size,
        "stock_bytes": stock.stat().st_size,
        "not_in_pyodide": sorted(traced["failed"]),
        "seconds": time.perf_counter() - started,
    }
