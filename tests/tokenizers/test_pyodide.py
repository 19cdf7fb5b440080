"""The same tokenizers inside Pyodide (CPython 3.14, Unicode 16 ``unicodedata``) give HF's results too.

Runs Pyodide from node_modules under Node (no browser); skipped where either is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tokenizer_corpus import nasty_lines, prose_lines
from tokenizer_parity import hf_from_spec, hf_text

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("pyodide_tokenize.mjs")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules" / "pyodide" / "pyodide.mjs").exists(),
    reason="needs node and node_modules/pyodide",
)


def test_pyodide_matches_hf(tmp_path: Path, minilm_spec: dict[str, Any], bpe_spec: dict[str, Any]) -> None:
    texts = [t for t in (*nasty_lines(), *prose_lines()[:300]) if t == hf_text(t)]  # JSON: no lone surrogates
    specs = {"wordpiece": minilm_spec, "bpe": bpe_spec}
    files = {}
    for name, spec in specs.items():
        files[name] = str(tmp_path / f"{name}.json")
        Path(files[name]).write_text(json.dumps(spec), encoding="utf-8")
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"tokenizers": files, "texts": texts}), encoding="utf-8")
    run = subprocess.run(["node", str(SCRIPT), str(ROOT), str(job)], capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    got = json.loads(run.stdout)
    assert got["python"].startswith("3.14")
    for name, spec in specs.items():
        hf = hf_from_spec(spec)
        want = [[e.ids, [list(o) for o in e.offsets], hf.decode(e.ids)] for e in hf.encode_batch(texts)]
        bad = [t for t, g, w in zip(texts, got["results"][name], want, strict=True) if g != w]
        assert bad == [], f"{name}: {len(bad)} texts differ, first {bad[0]!r}"
