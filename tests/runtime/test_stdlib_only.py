"""The browser path needs nothing but the standard library.

A fresh interpreter blocks numpy, onnxruntime, tokenizers (and torch, transformers, onnx), then loads real
converter-built bundles with the pure-Python tokenizer and a scripted engine, and runs every task's
tokenization and post-processing, plus autocomplete decoding on the fake LM.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import asyncio, sys

BLOCKED = {"numpy", "onnxruntime", "tokenizers", "torch", "transformers", "onnx"}

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked in this test")
        return None

sys.meta_path.insert(0, Blocker())
sentiment_path, grammar_path, here = sys.argv[1:4]
sys.path.insert(0, here)

import slm_web, slm_web.__main__, slm_web.backends
from runtime_fakes import ScriptedEncoder, make_model
from slm_web.tasks.gector import apply_edits

try:
    slm_web.backends.default_backend()
except slm_web.BackendError as e:
    assert "numpy and onnxruntime" in str(e), e
else:
    raise AssertionError("the native backend loaded without numpy")

sentiment = asyncio.run(slm_web.load(sentiment_path, backend=ScriptedEncoder()))
result = asyncio.run(sentiment.classify("I loved this film, truly"))
assert result.label in sentiment.labels, result
assert len(asyncio.run(sentiment.classify_batch(["a", "b c", "d e f"] * 7))) == 21

grammar = asyncio.run(slm_web.load(grammar_path, backend=ScriptedEncoder(n_tags=10)))
text = "she go to school yesterday. Their is two cat!  Ünïcode 😀 here"
fixed = asyncio.run(grammar.correct(text))
assert fixed.edits and apply_edits(text, fixed.edits) == fixed.text, fixed
assert all(text[e.start:e.end] == e.original for e in fixed.edits)

assert [c.text for c in make_model().complete_sync("I would li", k=2)] == ["like", "little"]
for name in BLOCKED:
    assert name not in sys.modules, name
print("ok")
"""


def test_tasks_run_with_engines_and_hf_tokenizers_blocked(sentiment_bundle: Path, grammar_bundle: Path):
    here = Path(__file__).parent
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(sentiment_bundle), str(grammar_bundle), str(here)],
        cwd=here.parents[1], capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
