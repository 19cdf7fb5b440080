"""Evaluate the grammar bundle (through ``slm_web``) against harper.js with ERRANT.

``python -m students.evaluate grammar BUNDLE [--fp32 FP32_BUNDLE] [--tune OUT] [--json OUT] [--misses]``

Sets (``students.grammar.evalset`` and the synthetic split of ``students.grammar.data``):
- ``test``: the hand-written, frozen test split (everyday register, a quarter of it correct sentences),
  scored once per model version; never tuned on, its misses are not listed;
- ``synthetic``: the held-out synthetic test set (a third of it correct sentences).
``--tune OUT`` picks the thresholds on *dev* only (the hand-written dev split plus part of the synthetic dev
set, each synthetic reference also as a clean input): a ``$CASE_CAPITAL`` bias, one ``min_confidence`` and
then a bar per error type (``min_confidence_by_kind``), the best dev F0.5 whose false alarms stay within
``MAX_FALSE_ALARMS`` on the hand-written correct sentences and ``MAX_SYNTHETIC_FALSE_ALARMS`` on the
synthetic references (real text: some hold slips that a fix is right to change); it writes them to
OUT for ``python -m students.grammar.export --tuned OUT``,
which bakes the bias into the weights and the bars into ``slm_task.json``. Re-convert and run this again
without ``--tune`` for the reported numbers. ``--misses`` lists the hand-written dev sentences the int8
student gets wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

from students.grammar import data, evalset, harper, scoring

THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
# Canonical case tags (students.grammar.tags) also fire on common nouns that old prose and headlines
# capitalise ("the Union"): a lower $CASE_CAPITAL logit keeps only the confident ones (sentence starts, "I").
CASE_BIASES = (0.0, 2.0, 4.0)
CASE_TAG = "$CASE_CAPITAL"
DEV_TUNE = 300  # synthetic dev sentences used for tuning (each also as a clean input): keeps the grid quick
MAX_FALSE_ALARMS = 0.02  # hand-written dev's correct sentences: the budget for changes
MAX_SYNTHETIC_FALSE_ALARMS = 0.05  # synthetic dev's references: real text, some with slips of their own
COLUMNS = ("f0.5", "precision", "recall", "false_alarm_rate", "exact_match", "tp", "fp", "fn")
TUNE_COLUMNS = (
    "f0.5",
    "precision",
    "recall",
    "false_alarm_rate",
    "synthetic_false_alarm_rate",
    "tp",
    "fp",
    "fn",
)

Pairs = list[tuple[str, str]]


def handwritten(split: str) -> Pairs:
    return [(p.source, p.target) for p in evalset.load(split)]


def synthetic(name: str) -> Pairs:
    return [(r["src"], r["tgt"]) for r in data.read(data.RUNS / f"{name}.jsonl")]


def dev_sets() -> dict[str, Pairs]:
    """Tuning pairs: the hand-written dev split, and synthetic dev sentences plus their references as
    inputs to leave alone (the references are real text, so a few hold slips a fix is right to change)."""
    pairs = synthetic("dev")[:DEV_TUNE]
    return {
        "handwritten": handwritten("dev"),
        "synthetic": pairs + [(tgt, tgt) for src, tgt in pairs if src != tgt],
    }


def dev_score(system: Callable[[list[str]], list[str]], sets: dict[str, Pairs]) -> dict:
    """F0.5 over all dev pairs; false alarms per set (each has its own budget)."""
    reports = {name: run(system, pairs) for name, pairs in sets.items()}
    tp, fp, fn = (sum(r[k] for r in reports.values()) for k in ("tp", "fp", "fn"))
    p, r, f = scoring.precision_recall_f(tp, fp, fn)
    return {
        "f0.5": round(f, 4),
        "precision": round(p, 4),
        "recall": round(r, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "false_alarm_rate": reports["handwritten"]["false_alarm_rate"],
        "synthetic_false_alarm_rate": reports["synthetic"]["false_alarm_rate"],
    }


def student(
    bundle: Path,
    min_confidence: float | None = None,
    case_bias: float = 0.0,
    by_kind: Mapping[str, float] | None = None,
) -> Callable[[list[str]], list[str]]:
    """The bundle through slm_web (onnxruntime, one thread), with an optional extra $CASE_CAPITAL bias.

    ``min_confidence`` and ``by_kind`` replace the bundle's own bars (as a tuned ``slm_task.json`` would).
    """
    import slm_web
    from slm_web.bundle import read_bundle
    from students.grammar.tag_bias import TagBiasBackend

    tags = read_bundle(bundle).manifest["task_config"]["tags"]
    model = slm_web.load_sync(bundle, TagBiasBackend({tags.index(CASE_TAG): case_bias} if case_bias else {}))
    if min_confidence is not None:
        model.config["min_confidence"] = min_confidence
    if by_kind is not None:
        model.config["min_confidence_by_kind"] = dict(by_kind)
    return lambda texts: [model.correct_sync(t).text for t in texts]


def run(system: Callable[[list[str]], list[str]], pairs: Pairs) -> dict:
    """ERRANT scores of ``system`` on ``pairs``, its time per sentence, and its outputs (``hypotheses``)."""
    sources = [s for s, _ in pairs]
    t0 = time.time()
    hyps = system(sources)
    ms = round(1000 * (time.time() - t0) / max(len(pairs), 1), 2)  # the system alone, not the scoring
    return {**scoring.score(sources, [r for _, r in pairs], hyps), "ms_per_sentence": ms, "hypotheses": hyps}


def _within_budget(grid: list[dict]) -> dict:
    """The best dev F0.5 among settings within both false-alarm budgets (else the fewest false alarms)."""
    ok = [
        g
        for g in grid
        if g["false_alarm_rate"] <= MAX_FALSE_ALARMS
        and g["synthetic_false_alarm_rate"] <= MAX_SYNTHETIC_FALSE_ALARMS
    ]
    if not ok:
        fewest = min(g["false_alarm_rate"] + g["synthetic_false_alarm_rate"] for g in grid)
        ok = [g for g in grid if g["false_alarm_rate"] + g["synthetic_false_alarm_rate"] == fewest]
    return max(ok, key=lambda g: (g["f0.5"], -g["false_alarm_rate"]))


def _log(setting: str, r: dict) -> None:
    print(
        f"  dev {setting}: F0.5 {r['f0.5']:.3f} P {r['precision']:.3f} R {r['recall']:.3f} "
        f"false alarms {r['false_alarm_rate']:.3f} (synthetic {r['synthetic_false_alarm_rate']:.3f})",
        file=sys.stderr,
        flush=True,
    )


def tune(bundle: Path) -> tuple[dict, list[dict]]:
    """Case bias and one bar on the dev pairs, then each error type's own bar in turn (coordinate ascent)."""
    from slm_web.tasks.grammar_guards import KINDS

    sets, grid = dev_sets(), []
    for bias in CASE_BIASES:
        for t in THRESHOLDS:
            r = dev_score(student(bundle, t, bias, {}), sets)
            grid.append(
                {"case_bias": bias, "min_confidence": t, "by_kind": {}, **{k: r[k] for k in TUNE_COLUMNS}}
            )
            _log(f"case_bias {bias} min_confidence {t}", r)
    best = _within_budget(grid)
    for kind in KINDS:
        trials = [best]
        for t in THRESHOLDS:
            if t == best["by_kind"].get(kind, best["min_confidence"]):
                continue
            by_kind = {**best["by_kind"], kind: t}
            r = dev_score(student(bundle, best["min_confidence"], best["case_bias"], by_kind), sets)
            trials.append({**best, "by_kind": by_kind, **{k: r[k] for k in TUNE_COLUMNS}})
            _log(f"{kind} {t}", r)
        grid += trials[1:]
        best = _within_budget(trials)
    chosen = {
        "case_bias": best["case_bias"],
        "min_confidence": best["min_confidence"],
        "min_confidence_by_kind": best["by_kind"],
    }
    return chosen, grid


def by_kind(pairs: list[evalset.EvalPair], hyps: list[str]) -> dict[str, dict]:
    """Per annotated kind: how many of its pairs were fixed exactly, and ERRANT edit recall over them."""
    counts: dict[str, Counter] = {}
    for pair, hyp in zip(pairs, hyps, strict=True):
        r = scoring.score([pair.source], [pair.target], [hyp])
        for kind in pair.kinds:
            c = counts.setdefault(kind, Counter())
            c.update(pairs=1, fixed=hyp.strip() == pair.target.strip(), tp=r["tp"], fn=r["fn"], fp=r["fp"])
    return {
        k: {
            "pairs": c["pairs"],
            "fixed": c["fixed"],
            "edit_recall": round(c["tp"] / max(c["tp"] + c["fn"], 1), 3),
            "false_edits": c["fp"],
        }
        for k, c in sorted(counts.items())
    }


def misses(system: Callable[[list[str]], list[str]], pairs: Pairs) -> str:
    """One line per sentence the system gets wrong: missed (left as is), wrong fix, or false alarm."""
    lines = []
    for (src, ref), hyp in zip(pairs, system([s for s, _ in pairs]), strict=True):
        if hyp != ref:
            kind = "false alarm" if src == ref else "missed" if hyp == src else "wrong fix"
            lines.append(f"{kind:<11}  {src}  ->  {hyp}" + ("" if src == ref else f"  (want: {ref})"))
    return "\n".join(sorted(lines))


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
    ap.add_argument(
        "--tune",
        type=Path,
        metavar="OUT",
        help="pick the bias and bars on dev and write them here (for export --tuned)",
    )
    ap.add_argument("--no-harper", action="store_true", help="skip the harper.js baseline")
    ap.add_argument("--json", type=Path, help="write the metrics here")
    ap.add_argument(
        "--misses",
        action="store_true",
        help="also list the hand-written dev sentences the int8 student does not get exactly right",
    )
    args = ap.parse_args(argv)
    data.build()
    if args.tune:
        chosen, grid = tune(args.bundle)
        args.tune.write_text(json.dumps({**chosen, "dev_grid": grid}, indent=1) + "\n")
        print(f"chosen on dev: {chosen} -> {args.tune}", file=sys.stderr)
        return 0
    systems = {"student_int8": student(args.bundle)}
    if args.fp32:
        systems["student_fp32"] = student(args.fp32)
    why_not = harper.available()
    if not args.no_harper and why_not is None:
        systems["harper.js"] = harper.correct
    elif not args.no_harper:
        print(f"harper.js baseline skipped: {why_not}", file=sys.stderr)
    test_pairs = evalset.load("test")
    sets = {"test": [(p.source, p.target) for p in test_pairs], "synthetic": synthetic("test")}
    results = {s: {n: run(f, pairs) for n, f in systems.items()} for s, pairs in sets.items()}
    kinds = {n: by_kind(test_pairs, r.pop("hypotheses")) for n, r in results["test"].items()}
    for r in results["synthetic"].values():
        r.pop("hypotheses")
    print(table(results))
    print(kind_table(kinds))
    if args.misses:
        print(misses(systems["student_int8"], handwritten("dev")))
    if args.json:
        from slm_web.bundle import read_bundle

        config = read_bundle(args.bundle).manifest["task_config"]
        report = {
            "bundle": args.bundle.name,
            "test_sha256": evalset.sha256("test"),
            "min_confidence": config.get("min_confidence"),
            "min_confidence_by_kind": config.get("min_confidence_by_kind", {}),
            "results": results,
            "test_by_kind": kinds,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def kind_table(kinds: dict[str, dict[str, dict]]) -> str:
    """Per annotated kind of the test split: pairs fixed exactly and edit recall, one column per system."""
    names = list(kinds)
    lines = [f"{'kind':<16} {'pairs':>6} " + " ".join(f"{n + ' fixed/recall':>28}" for n in names)]
    for kind, first in next(iter(kinds.values())).items():
        cells = " ".join(f"{kinds[n][kind]['fixed']:>16} / {kinds[n][kind]['edit_recall']:<9}" for n in names)
        lines.append(f"{kind:<16} {first['pairs']:>6} {cells}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
