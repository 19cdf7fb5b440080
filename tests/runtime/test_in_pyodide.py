"""The runtime's pure tests and async API inside Pyodide (Python 3.14 on wasm), under Node.

This is the interpreter the browser runs; CPython 3.11 runs everything else. Skipped when Node or the
pyodide npm package is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYODIDE = ROOT / "node_modules" / "pyodide"


HAVE_PYODIDE = bool(shutil.which("node")) and (PYODIDE / "pyodide.mjs").exists()


@pytest.mark.skipif(not HAVE_PYODIDE, reason="needs node and the pyodide npm package")
def test_runtime_in_pyodide(
    sentiment_bundle: Path, grammar_bundle: Path, shared_bundle: Path, tmp_path: Path
) -> None:
    # runner.mjs copies bundles under their base names
    bundles = []
    for name, path in [("sentiment.slm", sentiment_bundle), ("grammar.slm", grammar_bundle),
                       ("shared.slm", shared_bundle)]:
        (tmp_path / name).symlink_to(path)
        bundles.append(str(tmp_path / name))
    runner = Path(__file__).parent / "pyodide" / "runner.mjs"
    done = subprocess.run(["node", str(runner), str(PYODIDE), str(ROOT), *bundles],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("python 3.14") and "emscripten" in lines[0], lines
    assert lines[-1] == "ok", "\n".join(lines)
