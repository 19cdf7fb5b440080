"""Sourceless bytecode for the site's Python: the trimmed ``python_stdlib.zip`` and the slm_web wheel.

Pyodide's stdlib zip holds sources only, so every start compiles every module it imports, which is most
of a cold start's Python boot (bench/ANALYSIS.md). Shipping each module as a ``.pyc`` instead skips the
compiling, for more bytes on the wire. The bytecode must be the site interpreter's own (3.14's magic
number and marshal format; the build's Python is another version, and ``pyodide py-compile`` compiles for
that one), so ``bytecode_compile.mjs`` compiles inside Pyodide under Node. ``SLM_SOURCE_STDLIB=1`` builds
ship sources.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

COMPILE_SCRIPT = Path(__file__).with_name("bytecode_compile.mjs")
# Where the site imports a source from; the .pyc keeps that file name for tracebacks.
STDLIB, SITE_PACKAGES = "stdlib", "site-packages"
COMPILE_TIMEOUT_S = 300


class BytecodeError(RuntimeError):
    """Pyodide could not compile a source (or node is missing): the build must stop."""


@dataclass(frozen=True)
class Compiled:
    """What Pyodide compiled: its ``sys.version``, its magic number, and a ``.pyc`` per source name."""

    python: str
    magic: bytes
    pycs: dict[str, bytes]


def pyc_name(name: str) -> str:
    """``pkg/mod.py`` -> ``pkg/mod.pyc``: the sourceless file an import finds instead of the source."""
    if not name.endswith(".py"):
        raise ValueError(f"not a Python source: {name}")
    return name + "c"


def compile_sources(pyodide_dir: Path, root: str, sources: dict[str, bytes]) -> Compiled:
    """Compile ``sources`` ({path under ``root``: source}) in Pyodide under Node; ``root`` is STDLIB or
    SITE_PACKAGES."""
    if shutil.which("node") is None:
        raise BytecodeError("node is not installed: it compiles the bytecode (or set SLM_SOURCE_STDLIB=1)")
    with tempfile.TemporaryDirectory() as tmp:
        in_zip, out_zip = Path(tmp) / "in.zip", Path(tmp) / "out.zip"
        with zipfile.ZipFile(in_zip, "w") as zf:
            for name, source in sources.items():
                zf.writestr(f"{root}/{name}", source)
        args = [str(p.resolve()) for p in (COMPILE_SCRIPT, pyodide_dir, in_zip, out_zip)]
        done = subprocess.run(["node", *args], capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
        if done.returncode != 0:
            raise BytecodeError(f"compiling in Pyodide failed:\n{done.stderr[-4000:]}")
        with zipfile.ZipFile(out_zip) as zf:
            pycs = {name.partition("/")[2]: zf.read(name) for name in zf.namelist()}
    summary = json.loads(done.stdout)
    return Compiled(python=summary["python"], magic=bytes.fromhex(summary["magic"]), pycs=pycs)


def sourceless_zip(src: Path, out: Path, pyodide_dir: Path, comment: bytes) -> Compiled:
    """Write ``src`` (a stdlib zip) to ``out`` with each ``.py`` member replaced by its ``.pyc``: same order,
    dates and permissions, stored members (the site compresses the zip as a whole), ``comment``."""
    with zipfile.ZipFile(src) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    compiled = compile_sources(
        pyodide_dir, STDLIB, {info.filename: data for info, data in members if info.filename.endswith(".py")}
    )
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as dst:
        for info, data in members:
            is_source = info.filename.endswith(".py")
            entry = zipfile.ZipInfo(pyc_name(info.filename) if is_source else info.filename, info.date_time)
            entry.compress_type = zipfile.ZIP_STORED
            entry.external_attr = info.external_attr
            dst.writestr(entry, compiled.pycs[info.filename] if is_source else data)
        dst.comment = comment
    tmp.replace(out)
    return compiled
