"""``python -m students.evaluate sentiment BUNDLE``: three-label sentiment on held-out text.

Two sets, each scored for the bundle through ``slm_web`` (what users run) and VADER 3.3.2 (its documented
bands: compound ≥ 0.05 positive, ≤ -0.05 negative, neutral between) in the same run, plus any
``--baseline`` bundle (e.g. the previous two-label default, which can never say neutral):

- ``handwritten``: the frozen hand-written test split (``students/sentiment/eval/test.tsv``, written
  before training; ``--split dev`` for the dev half). Polar accuracy counts a neutral answer on a polar
  sentence as wrong; neutral recall is the share of plainly neutral sentences labelled neutral.
- ``polar``: the balanced polar test split of ``students.sentiment.data`` (reviews, tweets, editorials;
  no normalized text shared with training), where every answer but the gold polar label is wrong.

The bundle's calibration on the hand-written split is reported as expected calibration error (10 bins of
the top score). Prints a table and writes JSON (``--json``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from students.sentiment import data, evalset

Scorer = Callable[[list[str]], list[dict[str, float]]]  # texts -> each text's label probabilities
VADER_BAND = 0.05  # VADER's own neutral band on the compound score
CALIBRATION_BINS = 10


def bundle_scorer(path: Path) -> Scorer:
    import slm_web

    model = slm_web.load_sync(str(path))
    return lambda texts: [r.scores for r in model.classify_batch_sync(texts)]


def vader_scorer() -> Scorer:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()

    def label(text: str) -> dict[str, float]:
        compound = analyzer.polarity_scores(text)["compound"]
        best = "positive" if compound >= VADER_BAND else "negative" if compound <= -VADER_BAND else "neutral"
        return {best: 1.0}

    return lambda texts: [label(t) for t in texts]


def top(scores: dict[str, float]) -> str:
    return max(scores, key=scores.__getitem__)


def calibration_error(scores: Sequence[dict[str, float]], gold: Sequence[str]) -> float:
    """Expected calibration error of the top label: |accuracy - mean confidence| weighted over bins."""
    bins: list[list[tuple[float, bool]]] = [[] for _ in range(CALIBRATION_BINS)]
    for s, g in zip(scores, gold, strict=True):
        confidence = max(s.values())
        bins[min(int(confidence * CALIBRATION_BINS), CALIBRATION_BINS - 1)].append((confidence, top(s) == g))
    total = sum(len(b) for b in bins)
    return sum(abs(sum(c for c, _ in b) / len(b) - sum(h for _, h in b) / len(b)) * len(b) / total
               for b in bins if b)


def score_handwritten(scores: list[dict[str, float]], items: list[evalset.LabelledText]) -> dict:
    predicted = [top(s) for s in scores]
    polar = [(p, i) for p, i in zip(predicted, items, strict=True) if i.label in evalset.POLAR_LABELS]
    neutral = [p for p, i in zip(predicted, items, strict=True) if i.label == "neutral"]
    by_register = {}
    for register in evalset.REGISTERS:
        hits = [p == i.label for p, i in zip(predicted, items, strict=True) if i.register == register]
        if hits:
            by_register[register] = round(sum(hits) / len(hits), 4)
    return {
        "n": len(items),
        "accuracy": round(sum(p == i.label for p, i in zip(predicted, items, strict=True)) / len(items), 4),
        "polar_accuracy": round(sum(p == i.label for p, i in polar) / len(polar), 4),
        "polar_called_neutral": round(sum(p == "neutral" for p, _ in polar) / len(polar), 4),
        "neutral_recall": round(neutral.count("neutral") / len(neutral), 4),
        "by_register": by_register,
        "calibration_error": round(calibration_error(scores, [i.label for i in items]), 4),
    }


def score_polar(scores: list[dict[str, float]], examples: list[data.Example]) -> dict:
    predicted = [top(s) for s in scores]
    by_source: dict[str, list[bool]] = {}
    for p, e in zip(predicted, examples, strict=True):
        by_source.setdefault(e.source, []).append(p == e.label)
    hits = [h for source_hits in by_source.values() for h in source_hits]
    return {
        "n": len(examples),
        "accuracy": round(sum(hits) / len(hits), 4),
        "called_neutral": round(predicted.count("neutral") / len(predicted), 4),
        "by_source": {k: round(sum(v) / len(v), 4) for k, v in sorted(by_source.items())},
    }


def table(results: dict[str, dict[str, dict]]) -> str:
    columns = (("handwritten", "polar_accuracy"), ("handwritten", "neutral_recall"),
               ("handwritten", "accuracy"), ("handwritten", "calibration_error"),
               ("polar", "accuracy"), ("polar", "called_neutral"))
    head = ["system", *(f"{s}:{c}" for s, c in columns)]
    rows = [head] + [[name, *(f"{r[s][c]:.4f}" for s, c in columns)] for name, r in results.items()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m students.evaluate sentiment",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("bundle", type=Path, help="the .slm bundle to measure through slm_web")
    ap.add_argument("--baseline", type=Path, action="append", default=[],
                    help="another bundle scored in the same run (repeatable)")
    ap.add_argument("--split", default="test", choices=evalset.SPLITS,
                    help="the hand-written split (test: once per model version)")
    ap.add_argument("--json", type=Path, help="write the metrics here")
    args = ap.parse_args(argv)

    data.prepare()
    items = evalset.load(args.split)
    polar = data.read_split(args.split)
    scorers: dict[str, Callable[[], Scorer]] = {
        f"bundle:{args.bundle.name}": lambda: bundle_scorer(args.bundle),
        **{f"baseline:{b.name}": (lambda b=b: bundle_scorer(b)) for b in args.baseline},
        "vader": vader_scorer,
    }
    results = {}
    for name, make in scorers.items():
        scorer = make()
        results[name] = {"handwritten": score_handwritten(scorer([i.text for i in items]), items),
                         "polar": score_polar(scorer([e.text for e in polar]), polar)}
    print(f"{args.split} splits: {len(items)} hand-written, {len(polar)} polar")
    print(table(results))
    if args.json:
        report = {"split": args.split, "handwritten_sha256": evalset.file_sha256(args.split),
                  "bundle_bytes": args.bundle.stat().st_size, "results": results}
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
