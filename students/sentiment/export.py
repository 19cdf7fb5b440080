"""Prune the student's vocabulary and write the committed checkpoint (fp16, HF layout).

``python -m students.sentiment.export prune SRC OUT``
    Keep only the word pieces of training words seen at least ``MIN_WORD_COUNT`` times (plus what
    ``converter.prune`` always keeps: special tokens and single characters, so every word still
    tokenizes). Rarer words then split into smaller pieces; ``python -m students.train sentiment
    --tune-from OUT`` lets the student adapt to that.
``python -m students.sentiment.export final SRC [--dest DIR] [--temperature T] [--neutral-bias B]``
    Write SRC as fp16 safetensors + tokenizer.json (no padding/truncation) + slm_task.json (its labels)
    into ``students/checkpoints/sentiment/`` (the model card and metrics.json are written beside it),
    with the dev-fitted neutral bias and temperature baked into the classifier
    (``students.sentiment.calibrate``; ``python -m students.train sentiment --on-grammar ...`` prints them).

Size arithmetic (int8 ≈ 1 byte per parameter; the converter's 4-bit vocabulary table ≈ 0.62 bytes per
value with its scales): 3 layers × 1.77M + pooler 0.15M + 128 positions 0.05M ≈ 5.5 MB, so an 8 MB
bundle leaves ≈ 2.5 MB for the token embeddings: ≲ 10k rows of 384 (8,716 kept: a 7.82 MB bundle).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from students.sentiment import data
from students.sentiment.model import load_tokenizer

CHECKPOINT = Path(__file__).resolve().parents[1] / "checkpoints" / "sentiment"
MIN_WORD_COUNT = 5


def pruning_corpus(src: Path, out: Path) -> Path:
    """Training texts with words seen fewer than MIN_WORD_COUNT times removed (one text per line)."""
    tok = load_tokenizer(src)
    split_words = [[w for w, _ in tok.pre_tokenizer.pre_tokenize_str(tok.normalizer.normalize_str(e.text))]
                   for e in data.read_split("train")]
    counts = Counter(w for words in split_words for w in words)
    out.write_text("".join(" ".join(w for w in words if counts[w] >= MIN_WORD_COUNT) + "\n"
                           for words in split_words), encoding="utf-8")
    return out


def prune(src: Path, out: Path) -> dict:
    from converter.prune import prune_checkpoint

    corpus = pruning_corpus(src, out.parent / "prune_corpus.txt")
    return prune_checkpoint(src, [corpus], out)


def final(src: Path, dest: Path = CHECKPOINT, temperature: float = 1.0, neutral_bias: float = 0.0) -> None:
    """Write ``src`` as the committed checkpoint: fp16, its own labels, the dev calibration baked in."""
    from transformers import BertForSequenceClassification

    from students.sentiment.calibrate import bake, bias_vector

    model = BertForSequenceClassification.from_pretrained(src)
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    bias = bias_vector(len(labels), labels.index("neutral"), neutral_bias) if neutral_bias else None
    bake(model, temperature, bias)
    model = model.half()
    dest.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(dest, safe_serialization=True)
    tok = json.loads((src / "tokenizer.json").read_text(encoding="utf-8"))
    tok["padding"] = tok["truncation"] = None  # the runtime pads and truncates itself
    (dest / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False), encoding="utf-8")
    (dest / "slm_task.json").write_text(json.dumps({"labels": labels}) + "\n")


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("prune", "final"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "prune":
        print(json.dumps(prune(Path(argv[1]), Path(argv[2])), indent=2, default=str))
        return 0
    ap = argparse.ArgumentParser(prog="python -m students.sentiment.export final")
    ap.add_argument("src", type=Path)
    ap.add_argument("--dest", type=Path, default=CHECKPOINT)
    ap.add_argument("--temperature", type=float, default=1.0, help="divide the logits by this (dev)")
    ap.add_argument("--neutral-bias", type=float, default=0.0, help="add this to the neutral logit (dev)")
    args = ap.parse_args(argv[1:])
    final(args.src, args.dest, args.temperature, args.neutral_bias)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
