"""``python -m converter`` / ``slm-convert``: convert, inspect and prune (see ``--help``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from slm_web.errors import BundleError
from slm_web.registry import TASKS

from . import __version__
from .errors import ConvertError
from .optimize import LEVELS

EXAMPLES = """\
examples:
  # HF checkpoint folder -> int8 bundle, with a JSON report
  python -m converter students/checkpoints/sentiment --task sentiment --out sentiment.slm --report report.json
  # shrink first: keep 2 layers and only the vocabulary a corpus uses; check accuracy on labeled data
  python -m converter ckpt --task sentiment --out s.slm --keep-layers 2 \
      --vocab-corpus train.txt --eval dev.jsonl
  # an existing ONNX export (input_ids, attention_mask -> logits) plus its tokenizer and labels
  python -m converter model.onnx --tokenizer tokenizer.json --task-config labels.json \
      --task sentiment --out s.slm
  # one bundle, two heads: the sentiment checkpoint holds copies of grammar's embeddings and lower layers
  python -m converter students/checkpoints/grammar --task grammar \
      --head sentiment=students/runs/sentiment/on_grammar_t2_p1 --out shared.slm
  # look inside a bundle; prune a checkpoint's vocabulary without converting
  python -m converter inspect sentiment.slm
  python -m converter prune ckpt --corpus train.txt --out ckpt-pruned

--eval FILE holds JSON lines: sentiment {"text": ..., "label": ...}; grammar {"text": ..., "tags": [one per
word]}; autocomplete {"text": ...} or plain text lines (next-token accuracy).
"""


# int8 bundles: the weights that can be stored at 4 or 8 bits (both default to 4).
BITS_OPTIONS = {
    "--embedding-bits": "int8 bundles: bits of the vocabulary embedding table (default 4: half of 8's "
    "bytes, with a scale per 16 values; a tied LM head stays 8)",
    "--matmul-bits": "int8 bundles: MatMul weights rounded to int8 values that 4 bits carry (default 4: a "
    "signed nibble times an integer multiplier per 16 values; the site ships them in 9/16 of the bytes and "
    "the int8 kernels run as before) or plain int8 (8)",
    "--head-matmul-bits": "with --head: the same for the other heads' own layers, pooler and classifier "
    "(default 4, whatever --matmul-bits says for the shared encoder and the main head)",
}


def convert_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m converter",
        description="Convert an HF-layout student checkpoint (or an .onnx file) into a verified .slm bundle.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "src", type=Path, help="checkpoint folder (config.json, model.safetensors, tokenizer.json) or .onnx"
    )
    p.add_argument("--task", required=True, choices=list(TASKS), help="what the model does")
    p.add_argument("--out", required=True, type=Path, help="the .slm file to write (written atomically)")
    p.add_argument(
        "--quantize", choices=["int8", "fp32"], default="int8", help="weights in the bundle (default int8)"
    )
    p.add_argument(
        "--optimize",
        choices=LEVELS,
        default="extended",
        help="onnxruntime graph optimization baked into the bundle (default extended: fusions that "
        "onnxruntime-web's wasm build runs; none keeps plain ONNX ops)",
    )
    p.add_argument(
        "--per-channel",
        choices=["auto", "on", "off"],
        default="auto",
        help="int8 MatMul weight scales per output channel; auto (default) builds both and keeps the one "
        "that agrees better with fp32",
    )
    for flag, what in BITS_OPTIONS.items():
        # Not given: Options' own default (head bits are refused without --head, so "not given" must show).
        p.add_argument(flag, type=int, choices=[4, 8], default=argparse.SUPPRESS, help=what)
    p.add_argument("--keep-layers", type=int, metavar="N", help="keep only the lowest N transformer layers")
    p.add_argument(
        "--vocab-corpus",
        type=Path,
        nargs="+",
        default=[],
        metavar="FILE",
        help="prune the vocabulary to the tokens these text files use (WordPiece only)",
    )
    p.add_argument(
        "--max-length", type=int, default=128, help="tokens per model call for encoders (default 128)"
    )
    p.add_argument("--top-k", type=int, help="autocomplete: candidates returned by the graph (default 256)")
    p.add_argument("--tag-top-k", type=int, help="grammar: tags returned per token (default 4)")
    p.add_argument(
        "--eval", dest="eval_file", type=Path, metavar="FILE", help="labeled JSON lines: task metric"
    )
    p.add_argument("--report", type=Path, metavar="FILE", help="write the validation report as JSON")
    p.add_argument(
        "--min-agreement",
        type=float,
        default=0.98,
        help="fail if int8's agreement with fp32 on the sample texts is lower (default 0.98): the same "
        "top-1 for sentiment and grammar, fp32's top-1 among int8's top 3 for autocomplete",
    )
    p.add_argument("--name", help="bundle name shown by inspect (default: TASK-SRC)")
    p.add_argument("--tokenizer", type=Path, help=".onnx sources: the tokenizer.json")
    p.add_argument(
        "--task-config",
        type=Path,
        metavar="FILE",
        help=".onnx sources: JSON merged into task_config (labels, tags, transforms, max_positions...)",
    )
    p.add_argument(
        "--head",
        dest="heads",
        type=_head,
        action="append",
        default=[],
        metavar="TASK=CKPT",
        help="pack another task's checkpoint as a second head of the same bundle: it must hold copies of "
        "SRC's embeddings and lowest layers (frozen while it trained) and SRC's tokenizer; both run in one "
        "graph, the shared layers once (repeatable, one per task)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no table")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def _head(value: str) -> tuple[str, Path]:
    task, sep, path = value.partition("=")
    if not sep or not task or not path:
        raise argparse.ArgumentTypeError(f"expected TASK=CHECKPOINT, not {value!r}")
    return task, Path(path)


def run_convert(argv: list[str]) -> int:
    from .pipeline import Options, convert
    from .report import format_report

    args = vars(convert_parser().parse_args(argv))
    src, quiet = args.pop("src"), args.pop("quiet")
    pairs = args.pop("heads")
    heads = dict(pairs)
    if len(heads) < len(pairs):
        raise ConvertError("--head names the same task twice: one checkpoint per task")
    report = convert(src, Options(**args, heads=heads, progress=not quiet))
    if not quiet:
        print(format_report(report, str(args["out"])))
    return 0


def run_inspect(argv: list[str]) -> int:
    from slm_web.bundle import read_bundle

    from .report import format_manifest

    p = argparse.ArgumentParser(
        prog="python -m converter inspect", description="Verify a bundle and summarise it."
    )
    p.add_argument("bundle", type=Path)
    p.add_argument("--json", action="store_true", help="print the whole manifest as JSON")
    args = p.parse_args(argv)
    bundle = read_bundle(args.bundle)
    if args.json:
        print(json.dumps(bundle.manifest, indent=2, ensure_ascii=False))
    else:
        print(format_manifest(bundle.manifest, args.bundle.stat().st_size))
    return 0


def run_prune(argv: list[str]) -> int:
    from .prune import prune_checkpoint

    p = argparse.ArgumentParser(
        prog="python -m converter prune",
        description="Copy a WordPiece checkpoint with a corpus-pruned vocabulary.",
    )
    p.add_argument("src", type=Path)
    p.add_argument("--corpus", type=Path, nargs="+", required=True, metavar="FILE")
    p.add_argument("--out", type=Path, required=True, help="folder for the pruned checkpoint")
    args = p.parse_args(argv)
    stats = prune_checkpoint(args.src, args.corpus, args.out)
    print(
        f"vocabulary {stats['old_vocab']} -> {stats['new_vocab']} tokens "
        f"({stats['corpus_tokens']} used by the corpus)"
    )
    return 0


COMMANDS = {"inspect": run_inspect, "prune": run_prune}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = COMMANDS.get(argv[0]) if argv else None
    try:
        return command(argv[1:]) if command else run_convert(argv)
    except (ConvertError, BundleError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
