"""Evaluate the grammar bundle (through ``slm_web``) against harper.js with ERRANT.

``python -m students.evaluate grammar BUNDLE [--fp32 FP32_BUNDLE] [--tune] [--json OUT]``

Sets: the held-out synthetic test set (``runs/grammar/test.jsonl``, a quarter of it correct sentences) and
the hand-written set (``handwritten.tsv``: real-looking mistakes plus correct sentences, never trained on).
``--tune`` first picks ``min_confidence`` and a $KEEP bias (``students.grammar.keep_bias``) on part of the
synthetic *dev* set (its erroneous sentences, and its clean references as inputs that must stay unchanged):
the best F0.5 whose false-alarm rate stays within ``MAX_FALSE_ALARMS``. ``export --keep-bias`` bakes the
chosen bias into the checkpoint; the reported numbers are then measured on the re-converted bundle.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from students.grammar import data, harper, scoring

HANDWRITTEN = Path(__file__).with_name("handwritten.tsv")
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
KEEP_BIASES = (0.0, 1.0, 2.0, 3.0)
DEV_TUNE = 400  # dev sentences used for tuning (each also as a clean input): keeps the grid quick
MAX_FALSE_ALARMS = 0.04  # on dev; the goal is <= 5 % on the hand-written correct sentences
COLUMNS = ("f0.5", "precision", "recall", "false_alarm_rate", "exact_match", "tp", "fp", "fn")

Pairs = list[tuple[str, str]]


def handwritten() -> Pairs:
    rows = [line.rstrip("\n").split("\t") for line in HANDWRITTEN.read_text(encoding="utf-8").splitlines()]
    return [(r[0], r[1]) for r in rows if r and not r[0].startswith("#")]


def synthetic(name: str) -> Pairs:
    return [(r["src"], r["tgt"]) for r in data.read(data.RUNS / f"{name}.jsonl")]


def dev_with_clean() -> Pairs:
    """Dev erroneous sentences plus every dev reference as an input that must stay unchanged."""
    pairs = synthetic("dev")[:DEV_TUNE]
    return pairs + [(tgt, tgt) for src, tgt in pairs if src != tgt]


def student(
    bundle: Path, min_confidence: float | None, keep_bias: float = 0.0
) -> Callable[[list[str]], list[str]]:
    """The bundle through slm_web (onnxruntime, one thread), with an optional extra $KEEP bias."""
    import slm_web
    from students.grammar.keep_bias import KeepBiasBackend

    model = slm_web.load_sync(bundle, KeepBiasBackend(keep_bias))
    return lambda texts: [model.correct_sync(t, min_confidence=min_confidence).text for t in texts]


def run(system: Callable[[list[str]], list[str]], pairs: Pairs) -> dict:
    sources = [s for s, _ in pairs]
    t0 = time.time()
    hyps = system(sources)
    result = scoring.score(sources, [r for _, r in pairs], hyps)
    result["ms_per_sentence"] = round(1000 * (time.time() - t0) / max(len(pairs), 1), 2)
    return result


def tune(bundle: Path) -> tuple[dict, list[dict]]:
    """(min_confidence, keep_bias) with the best dev F0.5 among those within the false-alarm budget."""
    pairs, grid = dev_with_clean(), []
    for bias in KEEP_BIASES:
        for t in THRESHOLDS:
            r = run(student(bundle, t, bias), pairs)
            grid.append({"keep_bias": bias, "min_confidence": t, **{k: r[k] for k in COLUMNS}})
            print(f"  dev keep_bias {bias} min_confidence {t}: F0.5 {r['f0.5']:.3f} "
                  f"P {r['precision']:.3f} R {r['recall']:.3f} false alarms {r['false_alarm_rate']:.3f}",
                  file=sys.stderr, flush=True)
    ok = [g for g in grid if g["false_alarm_rate"] <= MAX_FALSE_ALARMS] or grid[:1]
    best = max(ok, key=lambda g: g["f0.5"])
    return {"keep_bias": best["keep_bias"], "min_confidence": best["min_confidence"]}, grid


def table(results: dict[str, dict[str, dict]]) -> str:
    lines = [f"{'set':<12} {'system':<14} " + " ".join(f"{c:>16}" for c in COLUMNS)]
    for set_name, systems in results.items():
        for name, r in systems.items():
            cells = " ".join(f"{r[c] if r[c] is not None else '-':>16}" for c in COLUMNS)
            lines.append(f"{set_name:<12} {name:<14} {cells}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m students.evaluate grammar")
    ap.add_argument("bundle", type=Path, help="the int8 grammar .slm bundle")
    ap.add_argument("--fp32", type=Path, help="the same checkpoint converted with --quantize fp32")
    ap.add_argument("--min-confidence", type=float, help="override the bundle's threshold")
    ap.add_argument("--keep-bias", type=float, default=0.0, help="extra $KEEP bias on top of the bundle's")
    ap.add_argument("--tune", action="store_true", help="pick min_confidence and keep_bias on dev first")
    ap.add_argument("--no-harper", action="store_true", help="skip the harper.js baseline")
    ap.add_argument("--json", type=Path, help="write the metrics here")
    args = ap.parse_args(argv)
    data.build()
    threshold, bias, grid = args.min_confidence, args.keep_bias, None
    if args.tune:
        chosen, grid = tune(args.bundle)
        threshold, bias = chosen["min_confidence"], chosen["keep_bias"]
        print(f"chosen {chosen}", file=sys.stderr)
    systems = {"student_int8": student(args.bundle, threshold, bias)}
    if args.fp32:
        systems["student_fp32"] = student(args.fp32, threshold, bias)
    why_not = harper.available()
    if not args.no_harper and why_not is None:
        systems["harper.js"] = harper.correct
    elif not args.no_harper:
        print(f"harper.js baseline skipped: {why_not}", file=sys.stderr)
    sets = {"synthetic": synthetic("test"), "handwritten": handwritten()}
    results = {s: {n: run(f, pairs) for n, f in systems.items()} for s, pairs in sets.items()}
    print(table(results))
    if args.json:
        report = {"bundle": args.bundle.name, "min_confidence": threshold, "extra_keep_bias": bias,
                  "dev_tuning": grid, "results": results}
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0
