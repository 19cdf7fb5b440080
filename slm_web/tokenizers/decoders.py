"""Decoders: tokens back to text (HF ``WordPiece`` and ``ByteLevel``; none = join with spaces)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from . import byte_level, wordpiece

Decoder = Callable[[list[str]], str]


def _wordpiece(spec: dict[str, Any]) -> Decoder:
    return partial(wordpiece.decode, prefix=spec.get("prefix", "##"), cleanup=spec.get("cleanup", True))


_BUILDERS: dict[str, Callable[[dict[str, Any]], Decoder]] = {
    "WordPiece": _wordpiece,
    "ByteLevel": lambda spec: byte_level.decode,
}


def build_decoder(spec: dict[str, Any] | None) -> Decoder:
    """The decoder a tokenizer.json ``decoder`` entry describes; ``ValueError`` if unsupported."""
    if spec is None:
        return " ".join
    kind = spec.get("type")
    if kind not in _BUILDERS:
        raise ValueError(f"unsupported tokenizer component: decoder {kind!r}")
    return _BUILDERS[kind](spec)
