"""``python -m students.evaluate sentiment BUNDLE``: accuracy on the balanced held-out test split.

Measures the bundle through ``slm_web`` (what users run), VADER (compound ≥ 0 → positive) as the
lexicon baseline, and optionally HF checkpoints in torch (``--checkpoint DIR``, repeatable: teacher,
fp32 student). Prints a table (overall and per source) and writes JSON (``--json``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from students.sentiment import data

Predictor = Callable[[list[str]], list[str]]


def bundle_predictor(path: Path) -> Predictor:
    import slm_web

    model = slm_web.load_sync(str(path))
    return lambda texts: [model.classify_sync(t).label for t in texts]


def vader_predictor() -> Predictor:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return lambda texts: [data.LABELS[analyzer.polarity_scores(t)["compound"] >= 0] for t in texts]


def torch_predictor(folder: Path) -> Predictor:
    import torch

    from students.sentiment.model import classifier_from, encode, load_tokenizer, predict_logits

    torch.set_num_threads(1)
    model, tok = classifier_from(folder), load_tokenizer(folder)
    return lambda texts: [data.LABELS[i] for i in predict_logits(model, encode(tok, texts)).argmax(-1)]


def score(predicted: list[str], examples: list[data.Example]) -> dict:
    """Accuracy overall and per source."""
    hits: dict[str, list[int]] = {}
    for pred, ex in zip(predicted, examples, strict=True):
        for key in ("all", ex.source):
            hits.setdefault(key, []).append(pred == ex.label)
    return {key: {"accuracy": round(sum(h) / len(h), 4), "n": len(h)}
            for key, h in sorted(hits.items(), key=lambda kv: (kv[0] != "all", kv[0]))}


def table(results: dict[str, dict]) -> str:
    keys = list(next(iter(results.values())))
    rows = [["model", *keys]] + [[name, *(f"{r[k]['accuracy']:.4f}" for k in keys)]
                                 for name, r in results.items()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(keys) + 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m students.evaluate sentiment",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("bundle", type=Path, help="the .slm bundle (int8) to measure through slm_web")
    ap.add_argument("--checkpoint", type=Path, action="append", default=[],
                    help="HF checkpoint folder to score in torch")
    ap.add_argument("--split", default="test", choices=("test", "dev"))
    ap.add_argument("--json", type=Path, help="write the metrics here")
    args = ap.parse_args(argv)

    data.prepare()
    examples = data.read_split(args.split)
    texts = [e.text for e in examples]
    predictors: dict[str, Callable[[], Predictor]] = {
        f"bundle:{args.bundle.name}": lambda: bundle_predictor(args.bundle),
        "vader": vader_predictor,
        **{f"torch:{folder.name}": (lambda f=folder: torch_predictor(f)) for folder in args.checkpoint},
    }
    results = {name: score(make()(texts), examples) for name, make in predictors.items()}
    positives = sum(e.label == "positive" for e in examples)
    print(f"{args.split} split: {len(examples)} examples, {positives} positive")
    print(table(results))
    if args.json:
        report = {"split": args.split, "bundle_bytes": args.bundle.stat().st_size, "results": results}
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
