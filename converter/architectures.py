"""Per-architecture rules as data: config keys, HF weight names, and the head each HF class carries.

Adding an architecture of an existing family means adding one table entry, not code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from slm_web.registry import TASKS

from .errors import ConvertError

# task -> the encoder head it needs; the other tasks run a decoder (the registry says which)
ENCODER_TASKS = {name: spec.head for name, spec in TASKS.items() if spec.head is not None}
DECODER_TASKS = tuple(name for name, spec in TASKS.items() if spec.head is None)


@dataclass(frozen=True)
class Architecture:
    family: str  # the manifest's model.architecture: "bert" (encoder) or "gpt2" (decoder)
    tokenizer_kind: str  # "wordpiece" or "bpe"
    config_keys: dict[str, str]  # our config field -> HF config.json key
    renames: tuple[tuple[str, str], ...]  # (regex matched at the start of an HF weight name, our prefix)
    # HF class in config "architectures" -> the head it carries, as the registry names a task's (None: a
    # language model's), so a checkpoint fits every task with that head
    heads: dict[str, str | None]
    fixed: dict[str, Any] = field(default_factory=dict)  # config fields that are constant for the model type
    transposed: str = r"$^"  # our weight names stored [in, out] in HF (GPT-2's Conv1D)
    config_defaults: dict[str, Any] = field(default_factory=dict)  # for HF keys config.json may omit


def _bert_renames(prefix: str) -> tuple[tuple[str, str], ...]:
    p, layer = f"(?:{prefix}\\.)?", f"(?:{prefix}\\.)?encoder\\.layer\\.(\\d+)\\."
    return (
        (p + r"embeddings\.word_embeddings\.", "tok_emb."),
        (p + r"embeddings\.position_embeddings\.", "pos_emb."),
        (p + r"embeddings\.token_type_embeddings\.", "type_emb."),
        (p + r"embeddings\.LayerNorm\.", "emb_ln."),
        (layer + r"attention\.self\.query\.", r"layers.\1.q."),
        (layer + r"attention\.self\.key\.", r"layers.\1.k."),
        (layer + r"attention\.self\.value\.", r"layers.\1.v."),
        (layer + r"attention\.output\.dense\.", r"layers.\1.attn_out."),
        (layer + r"attention\.output\.LayerNorm\.", r"layers.\1.ln1."),
        (layer + r"intermediate\.dense\.", r"layers.\1.ff_in."),
        (layer + r"output\.dense\.", r"layers.\1.ff_out."),
        (layer + r"output\.LayerNorm\.", r"layers.\1.ln2."),
        (p + r"pooler\.dense\.", "pooler."),
        (r"classifier\.", "classifier."),
    )


_DISTIL_LAYER = r"(?:distilbert\.)?transformer\.layer\.(\d+)\."

ARCHITECTURES: dict[str, Architecture] = {
    # BERT and MiniLM (MiniLM checkpoints are model_type "bert").
    "bert": Architecture(
        family="bert",
        tokenizer_kind="wordpiece",
        config_keys={
            "vocab_size": "vocab_size",
            "hidden": "hidden_size",
            "n_layer": "num_hidden_layers",
            "n_head": "num_attention_heads",
            "ff": "intermediate_size",
            "max_positions": "max_position_embeddings",
            "act": "hidden_act",
            "eps": "layer_norm_eps",
            "type_vocab": "type_vocab_size",
        },
        config_defaults={"hidden_act": "gelu", "layer_norm_eps": 1e-12, "type_vocab_size": 2},
        renames=_bert_renames("bert"),
        heads={"BertForSequenceClassification": "sequence", "BertForTokenClassification": "token"},
    ),
    "distilbert": Architecture(
        family="bert",
        tokenizer_kind="wordpiece",
        config_keys={
            "vocab_size": "vocab_size",
            "hidden": "dim",
            "n_layer": "n_layers",
            "n_head": "n_heads",
            "ff": "hidden_dim",
            "max_positions": "max_position_embeddings",
            "act": "activation",
        },
        config_defaults={"activation": "gelu"},
        fixed={"type_vocab": 0, "pooler_act": "relu", "eps": 1e-12},
        renames=(
            (r"(?:distilbert\.)?embeddings\.word_embeddings\.", "tok_emb."),
            (r"(?:distilbert\.)?embeddings\.position_embeddings\.", "pos_emb."),
            (r"(?:distilbert\.)?embeddings\.LayerNorm\.", "emb_ln."),
            (_DISTIL_LAYER + r"attention\.q_lin\.", r"layers.\1.q."),
            (_DISTIL_LAYER + r"attention\.k_lin\.", r"layers.\1.k."),
            (_DISTIL_LAYER + r"attention\.v_lin\.", r"layers.\1.v."),
            (_DISTIL_LAYER + r"attention\.out_lin\.", r"layers.\1.attn_out."),
            (_DISTIL_LAYER + r"sa_layer_norm\.", r"layers.\1.ln1."),
            (_DISTIL_LAYER + r"ffn\.lin1\.", r"layers.\1.ff_in."),
            (_DISTIL_LAYER + r"ffn\.lin2\.", r"layers.\1.ff_out."),
            (_DISTIL_LAYER + r"output_layer_norm\.", r"layers.\1.ln2."),
            (r"pre_classifier\.", "pooler."),
            (r"classifier\.", "classifier."),
        ),
        heads={
            "DistilBertForSequenceClassification": "sequence",
            "DistilBertForTokenClassification": "token",
        },
    ),
    "gpt2": Architecture(
        family="gpt2",
        tokenizer_kind="bpe",
        config_keys={
            "vocab_size": "vocab_size",
            "hidden": "n_embd",
            "n_layer": "n_layer",
            "n_head": "n_head",
            "ff": "n_inner",
            "max_positions": "n_positions",
            "act": "activation_function",
            "eps": "layer_norm_epsilon",
            "tied": "tie_word_embeddings",
        },
        config_defaults={
            "n_inner": None,
            "activation_function": "gelu_new",
            "layer_norm_epsilon": 1e-5,
            "tie_word_embeddings": True,
        },
        renames=(
            (r"(?:transformer\.)?wte\.", "tok_emb."),
            (r"(?:transformer\.)?wpe\.", "pos_emb."),
            (r"(?:transformer\.)?h\.(\d+)\.ln_1\.", r"layers.\1.ln1."),
            (r"(?:transformer\.)?h\.(\d+)\.attn\.c_attn\.", r"layers.\1.qkv."),
            (r"(?:transformer\.)?h\.(\d+)\.attn\.c_proj\.", r"layers.\1.attn_out."),
            (r"(?:transformer\.)?h\.(\d+)\.ln_2\.", r"layers.\1.ln2."),
            (r"(?:transformer\.)?h\.(\d+)\.mlp\.c_fc\.", r"layers.\1.ff_in."),
            (r"(?:transformer\.)?h\.(\d+)\.mlp\.c_proj\.", r"layers.\1.ff_out."),
            (r"(?:transformer\.)?ln_f\.", "ln_f."),
            (r"lm_head\.", "lm_head."),
        ),
        transposed=r"layers\.\d+\.(qkv|attn_out|ff_in|ff_out)\.weight$",
        heads={"GPT2LMHeadModel": None},
    ),
}


def architecture_for(config: dict[str, Any], task: str) -> Architecture:
    """The rules for a checkpoint's ``model_type``, after checking that its head fits ``task``."""
    model_type = config.get("model_type")
    arch = ARCHITECTURES.get(model_type)
    if arch is None:
        known = ", ".join(sorted(ARCHITECTURES))
        raise ConvertError(f"unsupported model_type {model_type!r} in config.json (supported: {known})")
    if task not in TASKS:
        raise ConvertError(f"unknown task {task!r}")
    declared = [name for name in config.get("architectures") or [] if name in arch.heads]
    if declared and arch.heads[declared[0]] != TASKS[task].head:
        fitting = [name for name, head in arch.heads.items() if head == TASKS[task].head]
        need = (
            f"a {' or '.join(fitting)} checkpoint" if fitting else f"another architecture than {model_type}"
        )
        raise ConvertError(f"task {task!r} does not fit this {declared[0]} checkpoint: it needs {need}")
    if (arch.family == "gpt2") != (task in DECODER_TASKS):
        raise ConvertError(f"task {task!r} does not fit a {model_type} model")
    return arch


def model_fields(arch: Architecture, config: dict[str, Any]) -> dict[str, Any]:
    """Our config fields read from an HF config.json through the architecture's key table."""
    values = {**arch.config_defaults, **config}
    missing = [key for key in arch.config_keys.values() if key not in values]
    if missing:
        raise ConvertError(f"config.json lacks {', '.join(missing)}")
    fields = {ours: values[theirs] for ours, theirs in arch.config_keys.items()}
    if arch.family == "gpt2" and fields["ff"] is None:
        fields["ff"] = 4 * fields["hidden"]  # GPT-2's n_inner default
    return {**fields, **arch.fixed}


def rename_weights(arch: Architecture, state: dict[str, Any]) -> dict[str, Any]:
    """HF weight names -> our module's names (weights matching no rule, such as MLM heads, are dropped)."""
    renamed = {}
    patterns = [(re.compile(pattern), target) for pattern, target in arch.renames]
    transposed = re.compile(arch.transposed)
    for name, tensor in state.items():
        for pattern, target in patterns:
            match = pattern.match(name)
            if match:
                ours = match.expand(target) + name[match.end() :]
                renamed[ours] = tensor.t() if transposed.search(ours) else tensor
                break
    return renamed
