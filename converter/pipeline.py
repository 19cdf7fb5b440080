"""The conversion pipeline: source -> raw ONNX -> task head -> int8 -> optimize -> validate -> bundle."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import onnx
from tokenizers import Tokenizer
from tqdm import tqdm

from slm_web.bundle import MODEL, TOKENIZER, write_bundle
from slm_web.errors import BundleError
from slm_web.registry import TASKS as SPECS

from . import __version__
from .build import build_module, labels_from_config
from .checkpoint import load_checkpoint, non_finite_message, read_json
from .errors import ConvertError
from .export import OPSET, export_module
from .optimize import optimize
from .postprocess import LOGITS, Head, add_heads, normalize_inputs
from .quantize import quantize_int8
from .samples import SAMPLE_TEXTS
from .shared import HeadSource, build_shared_module, check_heads, private_weights, raw_output
from .tokenizer import clean_tokenizer, tokenizer_kind, tokenizer_section
from .validate import Context, check_parity, compare, evaluate, head_input_absmax, read_eval

TASKS = tuple(SPECS)
# --per-channel -> the int8 variants to build and validate (True: one scale per MatMul output channel).
PER_CHANNEL = {"auto": (False, True), "on": (True,), "off": (False,)}
STAGES = ("export", "quantize", "optimize", "validate", "write")
# The other heads' own layers' MatMul weight bits when --head-matmul-bits is not given.
HEAD_MATMUL_BITS = 4
# An encoder head -> the task_config key naming its outputs: a sequence's labels, or a token's tags.
NAMES_KEY = {"sequence": "labels", "token": "tags"}


@dataclass
class Options:
    """Everything the CLI can set (see ``python -m converter --help``)."""

    task: str
    out: Path
    quantize: str = "int8"
    optimize: str = "extended"
    keep_layers: int | None = None
    vocab_corpus: list[Path] = field(default_factory=list)
    max_length: int = 128
    top_k: int | None = None
    tag_top_k: int | None = None
    per_channel: str = "auto"  # MatMul weight scales: "on", "off", or "auto" (whichever agrees better)
    embedding_bits: int = 4  # vocabulary tables: 4 (per-group scales) or 8 (per-row scales)
    matmul_bits: int = 4  # MatMul weights: 4 (int8 values that 4 bits can carry, see matmul4) or 8
    head_matmul_bits: int | None = None  # the same for the other heads' own layers (only with heads; None: 4)
    eval_file: Path | None = None
    report: Path | None = None
    min_agreement: float = 0.98
    name: str | None = None
    tokenizer: Path | None = None
    task_config: Path | None = None
    # Other tasks' checkpoints sharing this one's encoder, packed as more heads (converter.shared)
    heads: dict[str, Path] = field(default_factory=dict)
    progress: bool = False


@dataclass
class Source:
    """A source brought to the raw graph contract, with what the manifest needs to know about it."""

    model: onnx.ModelProto
    tokenizer: dict[str, Any]
    config: dict[str, Any]  # HF config.json ({} for an ONNX source)
    task_meta: dict[str, Any]  # slm_task.json / --task-config
    source_bytes: int
    heads: list[HeadSource] = field(default_factory=list)  # the other heads of a shared graph


def convert(src: str | Path, opts: Options) -> dict[str, Any]:
    """Convert ``src`` (checkpoint folder or .onnx file) into the bundle ``opts.out``; returns the report.

    Raises :class:`ConvertError` (one line) for every problem; nothing is written at ``opts.out`` then.
    """
    if opts.task not in TASKS:
        raise ConvertError(f"unknown task {opts.task!r} (known: {', '.join(TASKS)})")
    check_heads(opts.task, opts.heads, opts.head_matmul_bits, {
        "--vocab-corpus": opts.vocab_corpus, "--keep-layers": opts.keep_layers,
        "--tokenizer": opts.tokenizer, "--task-config": opts.task_config,
        "an .onnx source": Path(src).suffix == ".onnx",
    })
    for path in (opts.out, opts.report):
        if path is not None:
            _check_writable(path)
    with tqdm(total=len(STAGES), disable=not opts.progress, file=sys.stderr, leave=False) as bar:
        written = _convert(Path(src), opts, _stages(bar))
    # The report adds what only exists once the bundle does: its own size.
    report = {**written, "validation": {**written["validation"]}}
    report["validation"]["sizes"] = {
        **written["validation"]["sizes"],
        "bundle_bytes": opts.out.stat().st_size,
    }
    if opts.report:
        _write_report(opts.report, report)
    return report


def _stages(bar: tqdm) -> Callable[[str], None]:
    """A callback that advances ``bar`` past the previous stage and names the next one."""
    started: list[str] = []

    def stage(name: str) -> None:
        if started:
            bar.update(1)
        started.append(name)
        bar.set_description(name)

    return stage


def _convert(src: Path, opts: Options, stage: Callable[[str], None]) -> dict[str, Any]:
    """The conversion proper; returns the manifest as written."""
    stage("export")
    source = load_source(src, opts)
    kind = tokenizer_kind(source.tokenizer)
    tokenizer = clean_tokenizer(source.tokenizer)
    task_config, max_length = build_task_config(source, opts)
    configs = {opts.task: task_config, **{
        head.task: build_task_config(dataclasses.replace(
            source, config=head.checkpoint.config, task_meta=head.checkpoint.task_meta
        ), dataclasses.replace(opts, task=head.task))[0]
        for head in source.heads
    }}
    fp32 = add_heads(source.model, [
        Head(task, config.get("tag_top_k") or config.get("top_k") or 0,
             raw_output(task) if source.heads else LOGITS)
        for task, config in configs.items()
    ])
    tokenizer_json = json.dumps(tokenizer, ensure_ascii=False)
    hf_tokenizer = Tokenizer.from_str(tokenizer_json)
    contexts = {
        task: Context(hf_tokenizer, max_length, config, keep_end=SPECS[task].head is None)
        for task, config in configs.items()
    }
    stage("quantize")
    head_absmax = head_input_absmax(fp32, contexts[opts.task])
    private = private_weights(fp32, raw_output(opts.task)) if source.heads else set()
    head_bits = HEAD_MATMUL_BITS if opts.head_matmul_bits is None else opts.head_matmul_bits
    bits_of = dict.fromkeys(private, head_bits)
    variants = {
        pc: quantize_int8(fp32, pc, head_absmax, opts.embedding_bits, opts.matmul_bits, bits_of)
        for pc in PER_CHANNEL[opts.per_channel]
    }
    stage("optimize")
    # Validation runs on exactly the graphs that ship.
    fp32_bytes = optimize(fp32.SerializeToString(), opts.optimize)
    int8 = {
        per_channel: optimize(m.SerializeToString(), opts.optimize) for per_channel, m in variants.items()
    }
    stage("validate")
    validation = validate(opts, contexts, fp32_bytes, int8, tokenizer_json, source.source_bytes)
    for head in source.heads:
        validation["heads"][head.task]["shared_layers"] = head.shared_layers
    models = {"fp32": fp32_bytes, "int8": int8[validation["int8_per_channel"]]}
    stage("write")
    inputs, outputs = io_names(models[opts.quantize])
    manifest = {
        "task": opts.task,
        "name": opts.name or f"{'+'.join(configs)}-{Path(src).stem}",
        "tokenizer": tokenizer_section(tokenizer, source.config, max_length, kind),
        "model": {
            "architecture": SPECS[opts.task].family,
            "opset": OPSET,
            "quantization": opts.quantize,
            "optimization": opts.optimize,
            **({"weight_bits": {"matmul": opts.matmul_bits, "embedding": opts.embedding_bits,
                                **({"head_matmul": head_bits} if source.heads else {})}}
               if opts.quantize == "int8" else {}),
            "inputs": inputs,
            "outputs": outputs,
        },
        "task_config": task_config,
        **({"heads": {head.task: {"task_config": configs[head.task]} for head in source.heads}}
           if source.heads else {}),
        "validation": validation,
        "source": {
            "path": str(src),
            "converter": __version__,
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    }
    members = {MODEL: models[opts.quantize], TOKENIZER: tokenizer_json.encode("utf-8")}
    try:
        return write_bundle(opts.out, manifest, members)
    except BundleError as e:
        raise ConvertError(str(e)) from None
    except OSError as e:
        raise ConvertError(f"cannot write {opts.out}: {e.strerror or e}") from None


# Initializer types whose values can be NaN or infinite (and that numpy_helper reads as numpy floats).
FLOAT_TYPES = frozenset({onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE})


def refuse_non_finite(model: onnx.ModelProto) -> None:
    """A one-line error for NaN or infinite weights of an ONNX source (checkpoints: Checkpoint.state_dict);
    quantization cannot scale them (onnxruntime's quantizer fails an assertion deep inside)."""
    import numpy as np
    from onnx import numpy_helper

    for tensor in model.graph.initializer:
        if tensor.data_type in FLOAT_TYPES:
            values = numpy_helper.to_array(tensor)
            bad = values.size - int(np.count_nonzero(np.isfinite(values)))
            if bad:
                raise ConvertError(non_finite_message(tensor.name, bad, values.size))


def io_names(model_bytes: bytes) -> tuple[list[str], list[str]]:
    """The graph's input and output names, in order."""
    graph = onnx.load_from_string(model_bytes).graph
    return [i.name for i in graph.input], [o.name for o in graph.output]


def load_source(src: Path, opts: Options) -> Source:
    """A checkpoint folder (exported through torch) or an existing .onnx file (+ --tokenizer)."""
    if src.suffix == ".onnx":
        return _onnx_source(src, opts)
    if opts.tokenizer or opts.task_config:
        raise ConvertError("--tokenizer and --task-config are for .onnx sources; a checkpoint has its own")
    original = checkpoint = load_checkpoint(src)
    if opts.heads:
        module, heads = build_shared_module(checkpoint, opts.task, opts.heads, opts.max_length)
        checkpoints = (checkpoint, *(head.checkpoint for head in heads))
        source_bytes = sum(c.weights_file.stat().st_size for c in checkpoints)
        return Source(export_module(module), checkpoint.tokenizer, checkpoint.config, checkpoint.task_meta,
                      source_bytes, heads)
    with tempfile.TemporaryDirectory() as tmp:
        if opts.vocab_corpus:
            from .prune import prune_checkpoint

            prune_checkpoint(src, opts.vocab_corpus, Path(tmp) / "pruned")
            checkpoint = load_checkpoint(Path(tmp) / "pruned")
        module, _ = build_module(checkpoint, opts.task, opts.keep_layers, opts.max_length)
        model = export_module(module)
    source_bytes = original.weights_file.stat().st_size
    return Source(model, checkpoint.tokenizer, checkpoint.config, checkpoint.task_meta, source_bytes)


def _onnx_source(src: Path, opts: Options) -> Source:
    if opts.tokenizer is None:
        raise ConvertError("an .onnx source needs --tokenizer tokenizer.json")
    if opts.vocab_corpus or opts.keep_layers:
        raise ConvertError("--vocab-corpus and --keep-layers need a checkpoint folder, not an .onnx file")
    if not src.is_file():
        raise ConvertError(f"ONNX file not found: {src}")
    try:
        model = onnx.load_model(src, load_external_data=False)
    except Exception as e:  # onnx raises DecodeError and others for a damaged file
        raise ConvertError(f"{src} is not a readable ONNX model ({type(e).__name__})") from None
    _embed_external_data(model, src.parent)
    refuse_non_finite(model)
    tokenizer = read_json(opts.tokenizer, "tokenizer")
    task_meta = read_json(opts.task_config, "--task-config") if opts.task_config else {}
    if not isinstance(tokenizer, dict) or not isinstance(task_meta, dict):
        raise ConvertError("--tokenizer and --task-config must hold JSON objects")
    model = normalize_inputs(model, opts.task)
    return Source(model, tokenizer, {}, task_meta, src.stat().st_size)


def _embed_external_data(model: onnx.ModelProto, base: Path) -> None:
    """Pull external tensor data into the model, so the bundle is self-contained; name a missing file.

    Only files inside the model's own folder: a location such as ``../../etc/passwd`` would copy any file
    the converter can read into the bundle.
    """
    from onnx.external_data_helper import _get_all_tensors, load_external_data_for_model, uses_external_data

    for tensor in _get_all_tensors(model):
        if uses_external_data(tensor):
            location = next((e.value for e in tensor.external_data if e.key == "location"), "")
            if not (base / location).resolve().is_relative_to(base.resolve()):
                raise ConvertError(
                    f"tensor {tensor.name!r} refers to external data outside the model's folder: {location!r}"
                )
            if not (base / location).is_file():
                raise ConvertError(
                    f"tensor {tensor.name!r} refers to external data that is missing: {base / location}"
                )
    load_external_data_for_model(model, str(base))


def build_task_config(source: Source, opts: Options) -> tuple[dict[str, Any], int]:
    """The manifest's task_config (defaults < checkpoint metadata < CLI) and the tokens per call."""
    config = {**copy.deepcopy(dict(SPECS[opts.task].config_defaults)), **source.task_meta}
    if opts.top_k is not None:
        config["top_k"] = opts.top_k
    if opts.tag_top_k is not None:
        config["tag_top_k"] = opts.tag_top_k
    head = SPECS[opts.task].head
    if head is None:  # a decoder
        section = tokenizer_section(source.tokenizer, source.config, 1)
        config |= _decoder_shape(source)
        config["top_k"] = min(config["top_k"], section["vocab_size"])
        config.setdefault("eos_id", section["special_ids"]["eos"])
        return config, config["max_positions"]
    key = NAMES_KEY[head]
    if source.config:
        names = labels_from_config(source.config)
        # transformers' placeholder names (LABEL_0, ...) give way to slm_task.json's real ones.
        placeholders = names == [f"LABEL_{i}" for i in range(len(names))]
        if (
            key in config
            and list(config[key]) != names
            and not (placeholders and len(config[key]) == len(names))
        ):
            raise ConvertError(f"slm_task.json {key} disagree with config.json id2label")
        config[key] = list(config.get(key, names)) if placeholders else names
    if not isinstance(config.get(key), list) or not config[key]:
        raise ConvertError(f"task {opts.task!r} needs {key!r}: give them in --task-config")
    if head == "token":
        config["tag_top_k"] = min(config["tag_top_k"], len(config["tags"]))
    limit = source.config.get("max_position_embeddings") or config.get("max_positions") or opts.max_length
    return config, min(opts.max_length, limit)


def _decoder_shape(source: Source) -> dict[str, Any]:
    """n_layer, n_head, head_dim from the graph's cache inputs; max_positions from config or metadata;
    dynamic_batch when the batch axis of the token and cache inputs is symbolic (an ONNX export with batch
    fixed to 1 is decoded one hypothesis per run)."""
    graph_inputs = {i.name: i for i in source.model.graph.input}
    pasts = [i for name, i in graph_inputs.items() if name.startswith("past_key_values.")]
    dims = [d.dim_value for d in pasts[0].type.tensor_type.shape.dim]
    if len(dims) != 4 or not dims[1] or not dims[3]:
        raise ConvertError("past_key_values inputs must have static head count and head size [B,H,P,D]")
    max_positions = source.config.get("n_positions") or source.task_meta.get("max_positions")
    if not max_positions:
        raise ConvertError("autocomplete needs max_positions (config.json n_positions or --task-config)")
    batch_dims = [i.type.tensor_type.shape.dim[:1] for i in (graph_inputs["input_ids"], *pasts)]
    return {
        "n_layer": len(pasts) // 2,
        "n_head": dims[1],
        "head_dim": dims[3],
        "max_positions": int(max_positions),
        "dynamic_batch": all(d and not d[0].HasField("dim_value") for d in batch_dims),
    }


def validate(
    opts: Options,
    contexts: dict[str, Context],
    fp32: bytes,
    int8: dict[bool, bytes],
    tokenizer_json: str,
    source_bytes: int,
) -> dict[str, Any]:
    """The manifest's ``validation`` object; raises when int8 disagrees or the tokenizer lacks parity.

    ``contexts``: one per head of the graph, the main task's first. ``int8`` maps per-channel (True/False)
    to a candidate graph; the one whose worst head agrees best with fp32 (then the better exact top-1
    agreement, then the smaller max abs diff) is chosen (``int8_per_channel``). Every head must pass
    ``--min-agreement``; the other heads' comparisons are under ``heads``.
    """
    parity = check_parity(tokenizer_json, [*SAMPLE_TEXTS, *_user_texts(opts)])
    if parity["status"] == "unsupported":
        raise ConvertError(f"the runtime cannot reproduce this tokenizer: {parity['reason']}")
    if parity["status"] == "mismatch":
        raise ConvertError(
            f"the runtime tokenizer differs from HF tokenizers on {parity['text']!r}: refusing to pack it"
        )
    per_head = {
        pc: {task: compare(task, fp32, model, ctx, opts.progress) for task, ctx in contexts.items()}
        for pc, model in int8.items()
    }
    best = max(per_head, key=lambda pc: _worst(per_head[pc].values()))
    candidates = {pc: heads[opts.task] for pc, heads in per_head.items()}
    report: dict[str, Any] = {
        "sizes": {
            "source_bytes": source_bytes,
            "fp32_model_bytes": len(fp32),
            "int8_model_bytes": len(int8[best]),
        },
        "tokenizer_parity": parity,
        "fp32_vs_int8": candidates[best],
        "int8_per_channel": best,
    }
    if len(candidates) > 1:
        report["int8_candidates"] = {
            ("per_channel" if pc else "per_tensor"): c for pc, c in candidates.items()
        }
    others = {task: {"fp32_vs_int8": c} for task, c in per_head[best].items() if task != opts.task}
    if others:
        report["heads"] = others
    if opts.eval_file:
        models = {"fp32": fp32, "int8": int8[best]}
        report["eval"] = evaluate(opts.task, models, contexts[opts.task], opts.eval_file, opts.progress)
    for task, chosen in per_head[best].items():
        if opts.quantize == "int8" and chosen["agreement"] < opts.min_agreement:
            head = f" of the {task} head" if others else ""
            raise ConvertError(
                f"int8 agreement{head} with fp32 ({chosen['agreement_rule']}) is {chosen['agreement']:.3f}, "
                f"below --min-agreement {opts.min_agreement}"
                + _fewer_bits_hint(opts)
            )
    return report


def _worst(comparisons: Any) -> tuple[float, float, float]:
    """A candidate's rank: its worst head's agreement, exact top-1 agreement and max abs diff."""
    comparisons = list(comparisons)
    return (
        min(c["agreement"] for c in comparisons),
        min(c["top1_agreement"] for c in comparisons),
        -max(c["max_abs_diff"] for c in comparisons),
    )


def _fewer_bits_hint(opts: Options) -> str:
    flags = [f"--{name}-bits 8" for name in ("matmul", "embedding") if getattr(opts, f"{name}_bits") == 4]
    return f" (try {' or '.join(flags)})" if flags else ""


def _user_texts(opts: Options, limit: int = 500) -> list[str]:
    """Up to ``limit`` lines of the user's own text (eval file, vocabulary corpus) for the parity check."""
    texts: list[str] = []
    if opts.eval_file:
        texts += [item["text"] for item in read_eval(opts.eval_file)[:limit]]
    for path in opts.vocab_corpus:
        with open(path, encoding="utf-8", errors="replace") as f:
            texts += [line.rstrip("\n") for _, line in zip(range(limit), f, strict=False)]
    return texts[: 2 * limit]


def _check_writable(out: Path) -> None:
    """Fail before the slow work if the bundle cannot be written."""
    parent = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise ConvertError(f"output {out} is a directory")
    if not parent.is_dir():
        raise ConvertError(f"cannot write {out}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise ConvertError(f"cannot write {out}: directory {parent} is not writable")


def _write_report(path: Path, report: dict[str, Any]) -> None:
    try:
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as e:
        raise ConvertError(f"cannot write report {path}: {e.strerror or e}") from None
