"""webbuild.stdlib: python_stdlib.zip trimmed to what a loaded worker imports, and the built site's copy.

The browser suite proves the worker runs on the trimmed zip; here: the selection rules on a tiny synthetic
zip, reproducible bytes, a failed self-check stopping the build, and the built site's zip itself (size,
contents, slm_web's pure tests in Pyodide under Node booted with it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from webbuild import stdlib
from webbuild.stdlib import BYTECODE_COMMENT, COMMENT, TrimError, import_statements, select, write_zip

from .helpers import ROOT

PYODIDE = ROOT / "node_modules" / "pyodide"
HAVE_NODE_PYODIDE = bool(shutil.which("node")) and (PYODIDE / "pyodide.mjs").is_file()
TABLE = b"decoding_table = (\n'\\x00'\n)\n"  # what a single-byte code-page codec looks like


def _stock(path: Path) -> Path:
    """A tiny python_stdlib.zip: folders stored, files deflated, like Pyodide's."""
    files = {
        "top.py": b"import pkg.sub.mod\n",
        "unused.py": b"x = 1\n" * 50,
        "pkg/__init__.py": b"",
        "pkg/sub/__init__.py": b"",
        "pkg/sub/mod.py": b"y = 2\n",
        "pkg/sub/other.py": b"z = 3\n",
        "encodings/__init__.py": b"",
        "encodings/utf_8.py": b"import codecs\n",
        "encodings/koi8_r.py": TABLE,
        "encodings/cp437.py": TABLE,
        "pyodide/__init__.py": b"",
        "pyodide/console.py": b"import rlcompleter\n",
        "_sysconfigdata__emscripten_wasm32-emscripten.py": b"build_time_vars = {}\n",
        "site-packages/README.txt": b"readme\n",
    }
    with zipfile.ZipFile(path, "w") as zf:
        for folder in ("pkg/", "pkg/sub/", "encodings/", "pyodide/", "site-packages/", "unusedpkg/"):
            info = zipfile.ZipInfo(folder, date_time=(2026, 9, 14, 3, 3, 52))
            info.external_attr = 0o40755 << 16
            zf.writestr(info, b"")
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 9, 14, 3, 3, 52))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            zf.writestr(info, data)
    return path


def test_select_keeps_used_files_their_packages_and_the_keep_list(tmp_path: Path):
    with zipfile.ZipFile(_stock(tmp_path / "stock.zip")) as zf:
        keep = select(zf, ["top.py", "pkg/sub/mod.py", "not/in/the/zip.py"])
    used = {"top.py", "pkg/", "pkg/__init__.py", "pkg/sub/", "pkg/sub/__init__.py", "pkg/sub/mod.py"}
    codecs = {"encodings/", "encodings/__init__.py", "encodings/utf_8.py", "encodings/cp437.py"}
    pyodide = {"pyodide/", "pyodide/__init__.py", "pyodide/console.py"}
    # dropped: unused.py, pkg/sub/other.py, the koi8_r table, site-packages/, unusedpkg/
    assert keep == used | codecs | pyodide | {"_sysconfigdata__emscripten_wasm32-emscripten.py"}


def test_trimmed_zip_is_reproducible_with_stored_members(tmp_path: Path):
    stock = _stock(tmp_path / "stock.zip")
    keep = {"pkg/", "pkg/__init__.py", "top.py"}
    write_zip(stock, keep, tmp_path / "a.zip")
    write_zip(stock, keep, tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(stock) as src, zipfile.ZipFile(tmp_path / "a.zip") as out:
        assert out.namelist() == ["pkg/", "top.py", "pkg/__init__.py"]  # stock order
        assert out.comment == COMMENT
        for info in out.infolist():
            original = src.getinfo(info.filename)
            assert info.compress_type == zipfile.ZIP_STORED  # the site compresses the zip as a whole
            assert info.external_attr == original.external_attr
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert out.read(info) == src.read(original)
    assert not list(tmp_path.glob("*.tmp"))


def test_import_statements_include_function_level_imports_and_skip_desktop_only(tmp_path: Path):
    package = tmp_path / "pkgx"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from __future__ import annotations\nimport json, re as regex\n")
    (package / "sub" / "__init__.py").write_text("from . import a\nfrom .. import sub\n")
    (package / "sub" / "a.py").write_text(
        "from pkgx.sub import a\nimport pkgx\n\ndef f():\n    import zlib\n"
        "    from concurrent.futures import ThreadPoolExecutor, wait\n"
    )
    (package / "serve.py").write_text("import http.server\n")
    (package / "__main__.py").write_text("import argparse\n")
    assert import_statements(package, skip=("pkgx.serve", "pkgx.__main__")) == [
        "from concurrent.futures import ThreadPoolExecutor",
        "from concurrent.futures import wait",
        "import json",
        "import re",
        "import zlib",
    ]


def test_a_failing_self_check_stops_the_build_and_leaves_the_output_alone(tmp_path, monkeypatch):
    stock = _stock(tmp_path / "stock.zip")
    out = tmp_path / "python_stdlib.zip"
    out.write_bytes(b"previous")
    runs = iter(
        [
            {"python": "3.14", "files": ["top.py"], "failed": {"import numpy": "ModuleNotFoundError"}},
            {"python": "3.14", "files": ["top.py"], "failed": {"import numpy": "x", "import json": "y"}},
        ]
    )
    monkeypatch.setattr(stdlib, "trace", lambda *args: next(runs))
    with pytest.raises(TrimError, match="import json"):
        stdlib.trim(stock, out, PYODIDE, tmp_path, ROOT / "slm_web")
    assert out.read_bytes() == b"previous"
    assert not list(tmp_path.glob("*.candidate"))


def test_a_passing_self_check_writes_the_trimmed_zip(tmp_path, monkeypatch):
    stock = _stock(tmp_path / "stock.zip")
    out = tmp_path / "python_stdlib.zip"
    traced = {"python": "3.14", "files": ["top.py"], "failed": {"import numpy": "ModuleNotFoundError"}}
    monkeypatch.setattr(stdlib, "trace", lambda *args: traced)
    got = stdlib.trim(stock, out, PYODIDE, tmp_path, ROOT / "slm_web")
    assert got["not_in_pyodide"] == ["import numpy"] and got["stock_files"] == 14
    assert "top.py" in zipfile.ZipFile(out).namelist() and got["bytes"] == out.stat().st_size


# The built site (SLM_SITE=DIR or dist/site built by the browser suite's fixture).


def _site_stdlib(built_site: Path) -> Path:
    if os.environ.get("SLM_FULL_STDLIB") == "1":
        pytest.skip("SLM_FULL_STDLIB=1: the site ships Pyodide's stock python_stdlib.zip")
    return built_site / "pyodide" / "python_stdlib.zip"


def _module_file(names: set[str], module: str) -> str | None:
    base = module.replace(".", "/")
    return next((n for n in (f"{base}.py", f"{base}/__init__.py") if n in names), None)


@pytest.mark.skipif(not (PYODIDE / "python_stdlib.zip").is_file(), reason="needs the pyodide npm package")
def test_the_site_ships_a_trimmed_stdlib_with_every_module_slm_web_imports(built_site: Path):
    shipped = _site_stdlib(built_site)
    bytecode = os.environ.get("SLM_SOURCE_STDLIB") != "1"  # tests/browser/test_bytecode.py checks the .pyc
    # Stored members, sent compressed as a whole, against the stock zip's 2.5 MB: sources 0.66 MB Brotli,
    # sourceless .pyc about twice that (bench/ANALYSIS.md).
    assert shipped.with_name(shipped.name + ".br").stat().st_size < (1.4e6 if bytecode else 0.8e6)
    with zipfile.ZipFile(shipped) as zf, zipfile.ZipFile(PYODIDE / "python_stdlib.zip") as stock_zf:
        assert zf.comment == (BYTECODE_COMMENT if bytecode else COMMENT)
        # a module's file by its source name: pkg/mod.pyc stands for pkg/mod.py
        names = {name.removesuffix("c") if name.endswith(".pyc") else name for name in zf.namelist()}
        stock = set(stock_zf.namelist())
    modules = {s.split(" ")[1] for s in import_statements(ROOT / "slm_web")}
    in_stdlib = {m: f for m in modules if (f := _module_file(stock, m))}
    assert {"json", "zipfile", "asyncio", "concurrent.futures", "pyodide.ffi"} <= set(in_stdlib)
    assert {m: f for m, f in in_stdlib.items() if f not in names} == {}
    # lazily imported by the statements themselves, and what a traceback and zip member names need
    for lazy in ("concurrent/futures/thread.py", "traceback.py", "encodings/cp437.py", "encodings/utf_8.py"):
        assert lazy in names


def _pure_tests_in_pyodide(pyodide_dir: Path, bundles: list[str]) -> tuple[int, str]:
    """tests/runtime/pyodide/runner.mjs booted from ``pyodide_dir``: exit code, output + last Python error."""
    runner = ROOT / "tests" / "runtime" / "pyodide" / "runner.mjs"
    done = subprocess.run(
        ["node", str(runner), str(pyodide_dir.resolve()), str(ROOT), *bundles],
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors = [line for line in done.stderr.splitlines() if re.match(r"\w+(Error|Exception): ", line)]
    return done.returncode, done.stdout.strip() + "\n" + (errors[-1] if errors else "")


@pytest.mark.skipif(not HAVE_NODE_PYODIDE, reason="needs node and the pyodide npm package")
def test_slm_web_pure_tests_in_pyodide_do_the_same_with_the_sites_stdlib_as_with_the_stock_one(
    built_site: Path, sentiment_bundle: Path, grammar_bundle: Path, tmp_path: Path
):
    """The runtime's pure tests (tokenizers, tasks, bundles) in Pyodide under Node, booted once from the
    site's pyodide/ folder and once from the npm package: trimming the stdlib must change nothing."""
    _site_stdlib(built_site)
    bundles = []
    for name, path in [("sentiment.slm", sentiment_bundle), ("grammar.slm", grammar_bundle)]:
        (tmp_path / name).symlink_to(path)
        bundles.append(str(tmp_path / name))
    trimmed = _pure_tests_in_pyodide(built_site / "pyodide", bundles)
    stock = _pure_tests_in_pyodide(PYODIDE, bundles)
    assert trimmed == stock
    if stock[0] != 0:
        pytest.skip(f"the runner fails with the stock stdlib too (not a trimming problem): {stock[1]}")
    assert stock[1].splitlines()[-1] == "ok"
