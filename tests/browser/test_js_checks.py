"""scripts/test.sh fails on a JS type error and on a JS lint error in bridge/; its checks pass as they are.

Each case runs on a copy of the checked files (bridge/, scripts/, the tsc and eslint configs, pyproject.toml
for ruff); node_modules and .venv are linked in, not copied. A mistake is fed to scripts/test.sh itself
(its setup step, which installs packages, is a no-op in the copy), which must stop at its static checks
(scripts/lint.sh) before pytest; the clean bridge is shown passing those checks.
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


def _script(tree: Path, name: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(tree / "scripts" / name)], capture_output=True, text=True, timeout=300)


def test_the_bridge_passes_as_it_is(tmp_path: Path):
    result = _script(_checked_copy(tmp_path), "lint.sh")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("kind", MISTAKES)
def test_a_mistake_in_the_bridge_fails_scripts_test_sh(tmp_path: Path, kind: str):
    tree = _checked_copy(tmp_path)
    (tree / "scripts" / "setup.sh").write_text("# setup is done in the tree this copy links to\n")
    code, said = MISTAKES[kind]
    with (tree / "bridge" / "slm-wire.js").open("a") as module:
        module.write(code)
    result = _script(tree, "test.sh")
    output = result.stdout + result.stderr
    assert result.returncode != 0 and said in output and "==> pytest" not in output, output
