"""The tokenizer member: check that the runtime supports it, clean it, describe it for the manifest."""

from __future__ import annotations

import copy
from typing import Any

from .errors import ConvertError

# model.type -> (manifest kind, the structure the pure-Python runtime reproduces: component -> allowed types)
SUPPORTED = {
    "WordPiece": (
        "wordpiece",
        {
            "normalizer": ("BertNormalizer",),
            "pre_tokenizer": ("BertPreTokenizer",),
            "post_processor": ("TemplateProcessing", "BertProcessing"),
        },
    ),
    "BPE": ("bpe", {"pre_tokenizer": ("ByteLevel",), "decoder": ("ByteLevel",)}),
}
# Manifest special_ids key -> candidate token strings, per kind.
SPECIAL_TOKENS = {
    "wordpiece": {"cls": ("[CLS]",), "sep": ("[SEP]",), "pad": ("[PAD]",), "unk": ("[UNK]",)},
    "bpe": {"eos": ("<|endoftext|>", "</s>", "<eos>"), "pad": ("<|pad|>", "<pad>", "<|endoftext|>", "</s>")},
}


def tokenizer_kind(tokenizer: dict[str, Any]) -> str:
    """``"wordpiece"`` or ``"bpe"``; a :class:`ConvertError` for a layout the runtime cannot reproduce."""
    model_type = (tokenizer.get("model") or {}).get("type")
    if model_type not in SUPPORTED:
        raise ConvertError(
            f"tokenizer model type {model_type!r} is not supported by the runtime (supported: WordPiece, BPE)"
        )
    kind, parts = SUPPORTED[model_type]
    for part, allowed in parts.items():
        found = (tokenizer.get(part) or {}).get("type")
        if found not in allowed:
            raise ConvertError(
                f"{model_type} tokenizer with {part} {found!r} cannot be reproduced by the runtime "
                f"(needs {' or '.join(allowed)})"
            )
    return kind


def clean_tokenizer(tokenizer: dict[str, Any]) -> dict[str, Any]:
    """A copy with padding and truncation off: the runtime pads and truncates to ``max_length`` itself."""
    cleaned = copy.deepcopy(tokenizer)
    cleaned["padding"] = None
    cleaned["truncation"] = None
    return cleaned


def vocab(tokenizer: dict[str, Any]) -> dict[str, int]:
    """Token -> id over the model vocabulary and the added tokens."""
    table = dict(tokenizer["model"].get("vocab") or {})
    table.update({t["content"]: t["id"] for t in tokenizer.get("added_tokens") or []})
    return table


def special_ids(tokenizer: dict[str, Any], kind: str, config: dict[str, Any]) -> dict[str, int]:
    """The manifest's ``special_ids`` (config.json's ``eos_token_id``/``pad_token_id`` win for BPE)."""
    table = vocab(tokenizer)
    ids = {}
    for key, candidates in SPECIAL_TOKENS[kind].items():
        found = next((table[c] for c in candidates if c in table), None)
        if kind == "bpe" and isinstance(config.get(f"{key}_token_id"), int):
            found = config[f"{key}_token_id"]
        if found is None and kind == "bpe" and key == "pad" and "eos" in ids:
            found = ids["eos"]  # GPT-2 has no pad token; the runtime never pads a decoder input anyway
        if found is None:
            raise ConvertError(f"tokenizer has no {key} token (looked for {', '.join(candidates)})")
        ids[key] = found
    return ids


def tokenizer_section(
    tokenizer: dict[str, Any], config: dict[str, Any], max_length: int, kind: str | None = None
) -> dict[str, Any]:
    """The manifest's ``tokenizer`` object."""
    kind = kind or tokenizer_kind(tokenizer)
    table = vocab(tokenizer)
    return {
        "kind": kind,
        "max_length": max_length,
        "vocab_size": max(table.values()) + 1,
        "special_ids": special_ids(tokenizer, kind, config),
    }
