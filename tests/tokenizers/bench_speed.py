"""Tokenizer speed on prose: ``.venv/bin/python tests/tokenizers/bench_speed.py [tokenizer.json ...]``.

Without arguments: the MiniLM WordPiece tokenizer and a byte-level BPE (vocabulary 8192, as the
autocomplete student's) trained on the same prose. Prints tokens/s of slm_web.tokenizers on a cold
start (empty per-word memo) and warm (second pass), and of HF ``tokenizers`` (one thread) for scale.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("RAYON_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tokenizer_corpus import DATA, prose_lines
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from slm_web.tokenizers import from_json


def _trained_bpe(lines: list[str]) -> str:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(lines, trainers.BpeTrainer(
        vocab_size=8192, special_tokens=["<|endoftext|>"], show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    return tok.to_str()


def bench(name: str, tokenizer_json: str, lines: list[str]) -> None:
    start = time.perf_counter()
    ours = from_json(tokenizer_json)
    load = time.perf_counter() - start
    rates = []
    for _ in range(2):  # cold, then warm
        start = time.perf_counter()
        tokens = sum(len(ours.encode(line)) for line in lines)
        rates.append(tokens / (time.perf_counter() - start))
    hf = Tokenizer.from_str(tokenizer_json)
    start = time.perf_counter()
    for line in lines:
        hf.encode(line)
    hf_rate = tokens / (time.perf_counter() - start)
    print(f"{name}: {len(lines)} lines, {tokens} tokens; load {load * 1000:.0f} ms; "
          f"cold {rates[0]:,.0f} tok/s, warm {rates[1]:,.0f} tok/s; HF {hf_rate:,.0f} tok/s")


def main() -> None:
    lines = list(prose_lines())
    jobs = {Path(p).name: Path(p).read_text(encoding="utf-8") for p in sys.argv[1:]}
    if not jobs:
        jobs = {"wordpiece (MiniLM)": (DATA / "minilm-tokenizer.json").read_text(encoding="utf-8"),
                "byte-level BPE (8192)": _trained_bpe(lines)}
    for name, text in jobs.items():
        bench(name, json.dumps(json.loads(text)), lines)


if __name__ == "__main__":
    main()
