"""webbuild.bytecode: the site's Python as sourceless .pyc compiled inside Pyodide (3.14's bytecode).

Here: the compiled files themselves (magic number, unchecked-hash flags, same bytes on every build), the
sourceless wheel (a valid wheel, listed with its sha256), the built site's stdlib zip and wheel, and
Chromium importing from them with tracebacks that still name file and line. The rest of the browser
suite runs on the same site, so every answer it checks comes from the bytecode too.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from webbuild.bytecode import SITE_PACKAGES, compile_sources
from webbuild.stdlib import BYTECODE_COMMENT
from webbuild.wheel import build_wheel, write_lock

from .helpers import ROOT

PYODIDE = ROOT / "node_modules" / "pyodide"
needs_node_pyodide = pytest.mark.skipif(
    not (shutil.which("node") and (PYODIDE / "pyodide.mjs").is_file()),
    reason="needs node and the pyodide npm package",
)
# Magic numbers of Python 3.14 (Lib/importlib/_bootstrap_external.py: 3600 to 3649), then b"\r\n".
MAGIC_314 = range(3600, 3650)
UNCHECKED_HASH = (1).to_bytes(4, "little")  # hash-based, source never checked


def _is_314_pyc(data: bytes) -> bool:
    return (
        int.from_bytes(data[:2], "little") in MAGIC_314
        and data[2:4] == b"\r\n"
        and data[4:8] == UNCHECKED_HASH
    )


def _record_problems(wheel: zipfile.ZipFile) -> list[str]:
    """Members whose RECORD line is missing or wrong (sha256 and size), and RECORD lines of no member."""
    (record_name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/RECORD")]
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(wheel.read(record_name).decode()))}
    problems = [name for name in rows if name not in wheel.namelist()]
    for name in wheel.namelist():
        data = wheel.read(name)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        expected = ["", ""] if name == record_name else [f"sha256={digest}", str(len(data))]
        if rows.get(name) != expected:
            problems.append(name)
    return problems


@needs_node_pyodide
def test_pycs_are_314s_unchecked_and_the_same_on_every_build():
    sources = {
        "pkgx/__init__.py": b"",
        "pkgx/mod.py": b"def f(word):\n    return word in {'alpha', 'beta', 'gamma', 'delta'}\n",
    }
    first = compile_sources(PYODIDE, SITE_PACKAGES, sources)
    second = compile_sources(PYODIDE, SITE_PACKAGES, sources)
    assert first.python.startswith("3.14.") and int.from_bytes(first.magic[:2], "little") in MAGIC_314
    assert set(first.pycs) == set(sources)
    assert all(pyc.startswith(first.magic) and _is_314_pyc(pyc) for pyc in first.pycs.values())
    assert first.pycs == second.pycs  # a frozenset constant too: the hash seed is fixed


@needs_node_pyodide
def test_a_sourceless_wheel_is_a_valid_wheel_listed_with_its_sha256(tmp_path: Path):
    def compiler(sources: dict[str, bytes]) -> dict[str, bytes]:
        return compile_sources(PYODIDE, SITE_PACKAGES, sources).pycs

    package = shutil.copytree(ROOT / "slm_web", tmp_path / "src" / "slm_web")  # not edited meanwhile
    wheel = build_wheel(package, "0.1.0", tmp_path, compiler=compiler)
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert "slm_web/__init__.pyc" in names and "slm_web/backends/web.pyc" in names
        assert not [n for n in names if n.endswith(".py")]
        assert all(_is_314_pyc(zf.read(n)) for n in names if n.endswith(".pyc"))
        assert _record_problems(zf) == []
    before = wheel.stat().st_mtime_ns
    assert build_wheel(package, "0.1.0", tmp_path, compiler=compiler) == wheel
    assert wheel.stat().st_mtime_ns == before  # the same bytes: left alone, so its .br copy stays fresh
    lock = write_lock(PYODIDE / "pyodide-lock.json", wheel, "slm_web", tmp_path / "pyodide-lock.json")
    assert lock["packages"]["slm-web"]["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()


# The built site (SLM_SITE=DIR or dist/site built by the browser suite's fixture).


@pytest.fixture(scope="module")
def bytecode_site(built_site: Path) -> Path:
    for switch in ("SLM_SOURCE_STDLIB", "SLM_FULL_STDLIB"):
        if os.environ.get(switch) == "1":
            pytest.skip(f"{switch}=1: the site ships sources")
    return built_site


def test_the_sites_stdlib_zip_holds_only_314_bytecode_for_modules(bytecode_site: Path):
    with zipfile.ZipFile(bytecode_site / "pyodide" / "python_stdlib.zip") as zf:
        assert zf.comment == BYTECODE_COMMENT
        infos = [info for info in zf.infolist() if not info.is_dir()]
        pycs = [info for info in infos if info.filename.endswith(".pyc")]
        names = {info.filename for info in pycs}
        assert {"asyncio/__init__.pyc", "json/__init__.pyc", "zipfile/__init__.pyc"} <= names
        assert all(_is_314_pyc(zf.read(info)) for info in pycs)
        assert len({zf.read(info)[:4] for info in pycs}) == 1  # one interpreter compiled them all
        # Besides the modules: the typing markers of Pyodide's own packages, nothing else.
        assert sorted(i.filename for i in infos if i not in pycs) == ["_pyodide/py.typed", "pyodide/py.typed"]
        assert all(info.compress_type == zipfile.ZIP_STORED for info in zf.infolist())


def test_the_sites_wheel_holds_bytecode_and_matches_its_lock_entry(bytecode_site: Path):
    folder = bytecode_site / "pyodide"
    (entry,) = json.loads((folder / "pyodide-lock.json").read_text())["packages"].values()
    wheel = folder / entry["file_name"]
    assert entry["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    with zipfile.ZipFile(wheel) as zf:
        assert not [n for n in zf.namelist() if n.endswith(".py")]
        assert all(_is_314_pyc(zf.read(n)) for n in zf.namelist() if n.endswith(".pyc"))
        assert _record_problems(zf) == []


# What the page runs in Pyodide (tests/backend.html: the site's stdlib zip, the wheel by loadPackage).
IMPORTS_AND_TRACEBACK = """
import asyncio, json, traceback, zipfile
import slm_web.worker
try:
    slm_web.worker._bytes(None)  # raises inside slm_web: None has no to_bytes
except AttributeError:
    error = traceback.format_exc()
json.dumps({"files": [m.__file__ for m in (asyncio, json, zipfile, slm_web.worker)], "error": error})
"""


def test_chromium_imports_from_pycs_and_tracebacks_keep_file_and_line(bytecode_site: Path, module_browser):
    page = module_browser.new_page("tests/backend.html", wait_title="ready")
    got = json.loads(page.evaluate("code => runPython(code)", IMPORTS_AND_TRACEBACK))
    stdlib, worker = got["files"][:3], got["files"][3]
    assert all(f.startswith("/lib/python314.zip/") and f.endswith(".pyc") for f in stdlib), stdlib
    assert worker.endswith("/site-packages/slm_web/worker.pyc"), worker
    source = (ROOT / "slm_web" / "worker.py").read_text().splitlines()
    line = 1 + next(n for n, text in enumerate(source) if "data.to_bytes()" in text)
    assert f'slm_web/worker.py", line {line}, in _bytes' in got["error"], got["error"]
    assert got["error"].rstrip().endswith("AttributeError: 'NoneType' object has no attribute 'to_bytes'")
