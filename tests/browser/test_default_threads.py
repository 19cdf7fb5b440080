"""bridge/slm-threads.js: the onnxruntime-web thread count a page gets when it does not choose one."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

MODULE = Path(__file__).resolve().parents[2] / "bridge" / "slm-threads.js"
CHROMIUM = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0"


@pytest.mark.parametrize(("navigator", "threads"), [
    ({"hardwareConcurrency": 2, "userAgent": CHROMIUM}, 1),  # no core to spare
    ({"hardwareConcurrency": 8, "userAgent": CHROMIUM}, 2),
    ({"hardwareConcurrency": 8, "userAgent": FIREFOX}, 1),  # its two-thread start can hang
    ({}, 1),
    (None, 1),  # no navigator (Node, a bundler's SSR pass)
])
def test_default_threads(navigator: dict | None, threads: int) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs node")
    given = json.dumps(navigator) if navigator is not None else "undefined"
    script = (f"import {{ defaultThreads }} from {json.dumps(MODULE.as_uri())};\n"
              f"console.log(defaultThreads({given}));")
    out = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True, text=True,
                         check=True)
    assert int(out.stdout) == threads
