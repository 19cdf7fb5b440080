"""Shared fixtures of the student tests: each module names its ``TASK``; the committed checkpoint of that
task is converted once (int8, through the converter's CLI, with the options the site's build uses) and
loaded with the native backend."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from webbuild.bundles import student_cli_options

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bundle(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    task = request.module.TASK
    checkpoint = ROOT / "students" / "checkpoints" / task
    # The default students are committed: a missing one is a broken checkout, not a reason to skip.
    assert (checkpoint / "model.safetensors").exists(), f"no committed {task} checkpoint in {checkpoint}"
    out = tmp_path_factory.mktemp(task) / f"{task}.slm"
    subprocess.run(
        [sys.executable, "-m", "converter", str(checkpoint), "--task", task, "--out", str(out),
         "--report", str(out.with_suffix(".json")), *student_cli_options(task)],
        cwd=ROOT, check=True,
    )
    return out


@pytest.fixture(scope="module")
def model(bundle: Path) -> Any:
    import slm_web

    with slm_web.load_sync(bundle) as loaded:
        yield loaded
