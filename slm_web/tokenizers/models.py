"""Shared shape of the tokenization models (WordPiece, BPE) and their per-word memo."""

from __future__ import annotations

from typing import Protocol

# (id, token, start, end): start/end are character positions in the word the model was given.
WordToken = tuple[int, str, int, int]

MEMO_WORDS = 10_000  # as HF's default cache capacity; only speed depends on it


class Model(Protocol):
    """Turns one pre-tokenized word into tokens; knows the vocabulary."""

    vocab: dict[str, int]

    def tokenize(self, word: str) -> list[WordToken]: ...


def invert(vocab: dict[str, int]) -> dict[int, str]:
    """id -> token, the first token of an id winning as when HF reads the vocabulary."""
    out: dict[int, str] = {}
    for token, i in vocab.items():
        out.setdefault(i, token)
    return out
