"""Write the committed grammar checkpoint: pruned vocabulary, fp16 weights, slm_task.json.

``python -m students.grammar.export [SRC] [--tuned TUNED.json | --min-confidence X --case-bias B]`` (SRC
defaults to ``runs/grammar/final``; ``TUNED.json`` is what ``python -m students.evaluate grammar BUNDLE
--tune TUNED.json`` picked on dev: the case bias, ``min_confidence`` and ``min_confidence_by_kind``)

The vocabulary is pruned with ``converter.prune`` to exactly the WordPiece set training used
(``students.grammar.wordpieces``): its corpus is the list of words built from those pieces, and the
result is checked piece by piece. Size arithmetic (int8 ≈ 1 byte per parameter): 3 layers × 1.77M +
positions 0.2M ≈ 5.5M; 8.9k pieces + 0.8k tags × 384 ≈ 3.7M; ≈ 9.2M in all, under the 10 MB target.
``--case-bias`` lowers the ``$CASE_CAPITAL`` logit in the classifier bias (see ``students.grammar.tag_bias``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from students.grammar import train

CHECKPOINT = Path(__file__).resolve().parents[1] / "checkpoints" / "grammar"


def export(
    src: Path, min_confidence: float, case_bias: float = 0.0, dest: Path = CHECKPOINT,
    by_kind: dict[str, float] | None = None,
) -> dict:
    from safetensors.torch import load_file, save_file

    from converter.prune import prune_checkpoint

    vocab = json.loads((train.RUNS / "vocab.json").read_text())
    corpus = train.RUNS / "prune_corpus.txt"
    corpus.write_text("\n".join(vocab["corpus_words"]) + "\n", encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        report = prune_checkpoint(src, [corpus], tmp)
        tok = json.loads((Path(tmp) / "tokenizer.json").read_text(encoding="utf-8"))
        if set(tok["model"]["vocab"]) != set(vocab["pieces"]):
            raise RuntimeError("pruned vocabulary differs from the training vocabulary")
        tok["padding"] = tok["truncation"] = None  # the runtime pads and truncates itself
        dest.mkdir(parents=True, exist_ok=True)
        state = load_file(Path(tmp) / "model.safetensors")
        state["classifier.bias"][vocab["tags"].index("$CASE_CAPITAL")] -= case_bias
        state = {k: v.half().contiguous() for k, v in state.items()}
        save_file(state, dest / "model.safetensors", metadata={"format": "pt"})
        (dest / "config.json").write_text((Path(tmp) / "config.json").read_text())
    (dest / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False), encoding="utf-8")
    config = train.task_config(vocab["tags"], min_confidence)
    if by_kind:
        config["min_confidence_by_kind"] = by_kind
    (dest / "slm_task.json").write_text(json.dumps(config, sort_keys=True) + "\n")
    return report


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m students.grammar.export")
    ap.add_argument("src", type=Path, nargs="?", default=train.RUNS / "final")
    ap.add_argument("--min-confidence", type=float, default=0.5)
    ap.add_argument("--case-bias", type=float, default=0.0)
    ap.add_argument("--tuned", type=Path, help="the JSON evaluate --tune wrote (overrides the two above)")
    ap.add_argument("--dest", type=Path, default=CHECKPOINT,
                    help="where to write (default: the committed checkpoint)")
    args = ap.parse_args(argv)
    if args.tuned:
        tuned = json.loads(args.tuned.read_text())
        report = export(args.src, tuned["min_confidence"], tuned["case_bias"], args.dest,
                        by_kind=tuned["min_confidence_by_kind"])
    else:
        report = export(args.src, args.min_confidence, args.case_bias, args.dest)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
