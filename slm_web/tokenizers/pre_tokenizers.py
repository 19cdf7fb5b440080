"""Pre-tokenizers: split a normalized :class:`Piece` into words (HF ``BertPreTokenizer``, ``ByteLevel``).

Empty words are dropped, as HF drops empty splits. Words come lazily, so a caller that needs only
the first tokens of a long text (truncation) does not pay for the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any, Protocol

from . import byte_level
from .charclass import ranges
from .pieces import Piece


class PreTokenizer(Protocol):
    """Splits one piece into its words (pieces of the same text, in order)."""

    def split(self, piece: Piece) -> Iterator[Piece]: ...


def _isolate(piece: Piece, pattern: re.Pattern[str]) -> Iterator[Piece]:
    """Matches and the text between them, each its own piece (HF's ``Isolated`` behaviour)."""
    last = 0
    for m in pattern.finditer(piece.text):
        if m.start() > last:
            yield piece.sub(last, m.start())
        if m.end() > m.start():
            yield piece.sub(m.start(), m.end())
        last = m.end()
    if last < len(piece.text):
        yield piece.sub(last, len(piece.text))


@cache
def bert_pattern() -> re.Pattern[str]:
    punct = ranges("BERT_PUNCTUATION").regex_body()
    space = ranges("BERT_WHITESPACE").regex_body()
    return re.compile(f"[{punct}]|[^{space}{punct}]+")


class BertPreTokenizer:
    """Split on whitespace (dropped) and on every punctuation character (kept as a word of its own)."""

    def split(self, piece: Piece) -> Iterator[Piece]:
        return (piece.sub(m.start(), m.end()) for m in bert_pattern().finditer(piece.text))


class ByteLevel:
    """GPT-2 pre-tokenization: optional prefix space, the GPT-2 split pattern, then bytes as characters.

    Every byte of a character is aligned to that character, as in HF, so a token holding part of a
    multi-byte character gets the whole character's offsets.
    """

    def __init__(self, add_prefix_space: bool = True, use_regex: bool = True) -> None:
        self.add_prefix_space = add_prefix_space
        self.use_regex = use_regex
        self._memo: dict[str, str] = {}

    def _bytes(self, char: str) -> str:
        table = byte_level.byte_to_char()
        out = self._memo[char] = "".join(table[b] for b in char.encode("utf-8"))
        return out

    def _to_bytes(self, piece: Piece) -> Piece:
        memo = self._memo
        parts = [memo[c] if c in memo else self._bytes(c) for c in piece.text]
        text = "".join(parts)
        if len(text) == len(parts):  # all ASCII: one byte each
            return Piece(text, piece.src, piece.start)
        return Piece(text, [s for part, s in zip(parts, piece.sources(), strict=True) for _ in part])

    def split(self, piece: Piece) -> Iterator[Piece]:
        if self.add_prefix_space and piece.text and not piece.text.startswith(" "):
            # HF prepends by replacing the first character, so the space is aligned to it.
            piece = Piece(" " + piece.text, [piece.origin(0), *piece.sources()])
        words = _isolate(piece, byte_level.split_pattern()) if self.use_regex else iter([piece])
        return (self._to_bytes(w) for w in words if w.text)


class Sequence:
    """Several pre-tokenizers, each splitting the words of the one before."""

    def __init__(self, parts: list[PreTokenizer]) -> None:
        self.parts = parts

    def split(self, piece: Piece) -> Iterator[Piece]:
        words: Iterator[Piece] = iter([piece])
        for part in self.parts:
            words = _split_all(part, words)
        return words


def _split_all(part: PreTokenizer, words: Iterator[Piece]) -> Iterator[Piece]:
    for word in words:
        yield from part.split(word)


class WholePiece:
    """No pre-tokenizer: the whole (non-empty) piece is one word."""

    def split(self, piece: Piece) -> Iterator[Piece]:
        return iter([piece] if piece.text else [])


_BUILDERS: dict[str, Callable[[dict[str, Any]], PreTokenizer]] = {
    "BertPreTokenizer": lambda spec: BertPreTokenizer(),
    "ByteLevel": lambda spec: ByteLevel(spec.get("add_prefix_space", True), spec.get("use_regex", True)),
    "Sequence": lambda spec: Sequence([build_pre_tokenizer(sub) for sub in spec["pretokenizers"]]),
}


def build_pre_tokenizer(spec: dict[str, Any] | None) -> PreTokenizer:
    """The pre-tokenizer a tokenizer.json ``pre_tokenizer`` entry describes; ``ValueError`` if unsupported."""
    if spec is None:
        return WholePiece()
    kind = spec.get("type")
    if kind not in _BUILDERS:
        raise ValueError(f"unsupported tokenizer component: pre_tokenizer {kind!r}")
    return _BUILDERS[kind](spec)
