"""Shared shape of the tokenization models (WordPiece, BPE) and their per-word memo."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

# (id, token, start, end): start/end are character positions in the word the model was given.
WordToken = tuple[int, str, int, int]

MEMO_WORDS = 10_000  # as HF's default cache capacity; only speed depends on it


class Model(Protocol):
    """Turns one pre-tokenized word into tokens; knows the vocabulary."""

    vocab: dict[str, int]

    def tokenize(self, word: str) -> list[WordToken]: ...


class WordMemo:
    """Tokens per word, computed once for each of the first ``MEMO_WORDS`` distinct words."""

    def __init__(self, tokenize: Callable[[str], list[WordToken]]) -> None:
        self._tokenize = tokenize
        self._memo: dict[str, list[WordToken]] = {}

    def __call__(self, word: str) -> list[WordToken]:
        hit = self._memo.get(word)
        if hit is None:
            hit = self._tokenize(word)
            if len(self._memo) < MEMO_WORDS:
                self._memo[word] = hit
        return hit


def invert(vocab: dict[str, int]) -> dict[int, str]:
    """id -> token, the first token of an id winning as when HF reads the vocabulary."""
    out: dict[int, str] = {}
    for token, i in vocab.items():
        out.setdefault(i, token)
    return out
