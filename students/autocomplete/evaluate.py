"""``python -m students.evaluate autocomplete BUNDLE``: next-word accuracy, keystroke savings, perplexity.

Compares, on the same held-out text (prose: SOTU/Moby Dick/Austen; everyday: dialogs/reviews/tweets):
- the word-bigram baseline built from the same training text,
- the torch checkpoint in fp32 (``--checkpoint``, default the committed one),
- the int8 bundle through ``slm_web`` (skipped with ``BUNDLE`` = ``-``).

Next-word top-k: at every word of a held-out sentence, with nothing of the word typed, is the word among
the k suggestions? Keystroke savings: the user types the word letter by letter and accepts a top-3
suggestion (one keystroke) as soon as it is the right word; savings = keystrokes saved / letters.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from students import corpora
from students.autocomplete import data
from students.autocomplete.bigram import WORD, WordBigram, tokens

Predict = Callable[[str, str, int], list[str]]
REGISTERS = {"prose": ("sotu", "moby_dick", "austen"), "everyday": ("movie_dialog", "reviews")}
CHECKPOINT = Path(__file__).resolve().parents[1] / "checkpoints" / "autocomplete"
MAX_CONTEXT_CHARS = 300  # left context handed to a predictor: the running text of the document


def heldout_docs(register: str) -> list[str]:
    """Held-out documents of a register, interleaved across sources in a fixed hash order."""
    docs = [d for name in REGISTERS[register] for d in data.split(name)[1]]
    return sorted(docs, key=lambda d: zlib.crc32(d.encode("utf-8")))


def word_positions(docs: list[str], limit: int, stride: int) -> list[tuple[str, str]]:
    """(left context, target word) pairs: every ``stride``-th word of the sentences of ``docs``."""
    out: list[tuple[str, str]] = []
    n = 0
    for doc in docs:
        for line in doc.split("\n"):
            for sent in corpora.sentences(line):
                for m in WORD.finditer(sent):
                    n += 1
                    if n % stride == 0:
                        out.append((sent[:m.start()][-MAX_CONTEXT_CHARS:], m.group()))
                        if len(out) == limit:
                            return out
    return out


def topk_accuracy(predict: Predict, cases: list[tuple[str, str]]) -> dict[str, float]:
    hits1 = hits3 = 0
    for context, word in cases:
        guesses = predict(context, "", 3)
        hits1 += guesses[:1] == [word]
        hits3 += word in guesses
    return {"top1": hits1 / len(cases), "top3": hits3 / len(cases)}


def keystroke_savings(predict: Predict, cases: list[tuple[str, str]]) -> float:
    saved = letters = 0
    for context, word in cases:
        letters += len(word)
        for typed in range(len(word) - 1):  # accepting at the last letter saves nothing
            if word in predict(context, word[:typed], 3):
                saved += len(word) - typed - 1
                break
    return saved / letters


def evaluate(predict: Predict, cases: dict[str, dict[str, list]]) -> dict[str, dict[str, float]]:
    predict = functools.lru_cache(maxsize=None)(predict)  # keystroke cases reuse the next-word queries
    out = {}
    for register, c in cases.items():
        t = time.time()
        out[register] = topk_accuracy(predict, c["next"])
        out[register]["keystroke_savings"] = keystroke_savings(predict, c["ks"])
        out[register]["seconds"] = round(time.time() - t, 1)
    return out


def perplexities(nll: Callable[[str], tuple[float, int]], docs: dict[str, list[str]]) -> dict[str, float]:
    """Per-word perplexity (words and punctuation marks as in the bigram) of each register's documents."""
    out = {}
    for register, texts in docs.items():
        total = sum(nll(t)[0] for t in texts)
        out[register] = math.exp(total / sum(len(tokens(t)) for t in texts))
    return out


def _bigram() -> tuple[Predict, Callable[[str], tuple[float, int]]]:
    bigram = WordBigram(data.training_text())
    return bigram.predict, bigram.nll


def _fp32(checkpoint: Path) -> tuple[Predict, Callable[[str], tuple[float, int]]]:
    import torch

    from students.autocomplete.complete import LMCompleter

    torch.set_num_threads(1)
    lm = LMCompleter(checkpoint)
    return lm.predict, lm.nll


def _int8(bundle: Path) -> tuple[Predict, None]:
    """The bundle through slm_web; it only exposes the top-k, so no perplexity."""
    import slm_web

    model = slm_web.load_sync(str(bundle))

    def predict(context: str, prefix: str, k: int) -> list[str]:
        return [c.text.strip() for c in model.complete_sync(context + prefix, k=k, max_words=1)][:k]

    return predict, None


MODELS = {"bigram": _bigram, "fp32": _fp32, "int8": _int8}


def run_model(kind: str, source: Path | None, cases: dict, ppl_docs: dict[str, list[str]]) -> dict:
    """All metrics of one model (runs in its own process)."""
    predict, nll = MODELS[kind](source) if source is not None else MODELS[kind]()
    out: dict = evaluate(predict, cases)
    if nll is not None:
        for register, value in perplexities(nll, ppl_docs).items():
            out[register]["word_ppl"] = value
    if kind == "int8":
        out["bundle_bytes"] = source.stat().st_size
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m students.evaluate autocomplete")
    p.add_argument("bundle", help="an autocomplete .slm bundle, or - to skip the bundle")
    p.add_argument("--checkpoint", type=Path, default=CHECKPOINT, help="HF folder for fp32 numbers")
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--next-words", type=int, default=400, help="next-word cases per register")
    p.add_argument("--ks-words", type=int, default=150, help="keystroke-savings words per register")
    p.add_argument("--ppl-docs", type=int, default=150, help="held-out documents per register for perplexity")
    p.add_argument("--json", type=Path, help="write the metrics here")
    args = p.parse_args(argv)

    docs = {r: heldout_docs(r) for r in REGISTERS}
    # Keystroke words are every 6th word, a subset of the next-word cases (every 3rd): their first query
    # (nothing typed yet) is shared.
    cases = {r: {"next": word_positions(d, args.next_words, 3), "ks": word_positions(d, args.ks_words, 6)}
             for r, d in docs.items()}
    ppl_docs = {r: d[:args.ppl_docs] for r, d in docs.items()}
    jobs: dict[str, Path | None] = {"bigram": None}
    if not args.no_torch:
        jobs["fp32"] = args.checkpoint
    if args.bundle != "-":
        jobs["int8"] = Path(args.bundle)
    # One process per model: the models are independent and the machine has more than one core.
    with ProcessPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {kind: pool.submit(run_model, kind, src, cases, ppl_docs) for kind, src in jobs.items()}
        results = {kind: f.result() for kind, f in futures.items()}
    results["cases"] = {r: {k: len(v) for k, v in c.items()} for r, c in cases.items()}
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def print_table(results: dict[str, dict]) -> None:
    cols = ("top1", "top3", "keystroke_savings", "word_ppl")
    print(f"{'model':8} {'register':9} " + " ".join(f"{c:>17}" for c in cols))
    for model in ("bigram", "fp32", "int8"):
        for register in REGISTERS if model in results else ():
            m = results[model][register]
            print(f"{model:8} {register:9} " + " ".join(
                    f"{m[c]:17.3f}" if c in m else f"{'-':>17}" for c in cols))
