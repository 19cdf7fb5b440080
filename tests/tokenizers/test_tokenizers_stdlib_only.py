"""slm_web.tokenizers runs with the standard library alone (as in Pyodide): numpy, onnxruntime,
tokenizers and regex blocked, site-packages off. The child's results must still equal HF's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tokenizer_corpus import nasty_lines
from tokenizer_parity import hf_from_spec, hf_text

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import importlib.abc, json, sys
BLOCKED = {"numpy", "onnxruntime", "tokenizers", "regex", "torch", "transformers"}

class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked")
        return None

sys.meta_path.insert(0, Blocker())
sys.path.insert(0, sys.argv[1])
from slm_web.tokenizers import from_json
texts = json.loads(sys.stdin.read())
out = {}
for name in sys.argv[2:]:
    with open(name, encoding="utf-8") as f:
        tok = from_json(f.read())
    encs = tok.encode_batch(texts)
    out[name] = [[e.ids, e.offsets, tok.decode(e.ids)] for e in encs]
assert not BLOCKED & set(sys.modules), BLOCKED & set(sys.modules)
print(json.dumps(out))
"""


def test_tokenizes_with_the_standard_library_only(
    tmp_path: Path, minilm_spec: dict[str, Any], bpe_spec: dict[str, Any]
) -> None:
    texts = [t for t in nasty_lines() if t == hf_text(t)]  # JSON on the pipe cannot carry lone surrogates
    files = {}
    for name, spec in (("wordpiece", minilm_spec), ("bpe", bpe_spec)):
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(spec), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-I", "-S", "-c", CHILD, str(ROOT), *map(str, files.values())],
        input=json.dumps(texts), capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    for name, spec in (("wordpiece", minilm_spec), ("bpe", bpe_spec)):
        hf = hf_from_spec(spec)
        want = [[e.ids, [list(o) for o in e.offsets], hf.decode(e.ids)] for e in hf.encode_batch(texts)]
        assert got[str(files[name])] == want
