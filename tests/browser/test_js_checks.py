"""scripts/lint.sh (run by scripts/test.sh) fails on a JS type error and on a JS lint error in bridge/.

Each case runs the script on a copy of the checked files (bridge/, the tsc and eslint configs, pyproject.toml
for ruff) with one mistake added; node_modules and .venv are linked in, not copied.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from .helpers import ROOT

COPIED = ("bridge", "scripts", "tsconfig.json", "eslint.config.mjs", "pyproject.toml")
# What each mistake is, and what the failing check prints about it.
MISTAKES = {
    "type error": ('export const width = Math.max("wide", 2);\n', "TS2345"),
    "lint error": ("export function f() { var unused = 1; }\n", "no-var"),
}


def _checked_copy(tmp_path: Path) -> Path:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy(source, tmp_path / name)
    for name in ("node_modules", ".venv"):
        (tmp_path / name).symlink_to(ROOT / name)
    return tmp_path


def _lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(tree / "scripts" / "lint.sh")], capture_output=True, text=True,
                          timeout=300)


def test_the_bridge_passes_as_it_is(tmp_path: Path):
    result = _lint(_checked_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("kind", MISTAKES)
def test_a_mistake_in_the_bridge_fails_the_checks(tmp_path: Path, kind: str):
    tree = _checked_copy(tmp_path)
    code, said = MISTAKES[kind]
    with (tree / "bridge" / "slm-wire.js").open("a") as module:
        module.write(code)
    result = _lint(tree)
    assert result.returncode != 0 and said in result.stdout + result.stderr, result.stdout + result.stderr
