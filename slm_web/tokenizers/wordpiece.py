"""WordPiece (BERT): greedy longest-match-first sub-words with a continuing prefix, and its decoder."""

from __future__ import annotations

from typing import Any

from .models import WordMemo, WordToken


class WordPiece:
    """HF's ``WordPiece`` model: a word longer than ``max_input_chars_per_word`` or with a part that
    is in no vocabulary entry becomes the single unknown token."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.vocab: dict[str, int] = spec["vocab"]
        self.unk_token: str = spec.get("unk_token", "[UNK]")
        self.prefix: str = spec.get("continuing_subword_prefix", "##")
        self.max_chars: int = spec.get("max_input_chars_per_word", 100)
        if self.unk_token not in self.vocab:
            raise ValueError(f"WordPiece unknown token {self.unk_token!r} is not in the vocabulary")
        self._memo = WordMemo(self._tokenize)

    def tokenize(self, word: str) -> list[WordToken]:
        """Sub-word tokens of ``word`` with character positions in it."""
        return self._memo(word)

    def _tokenize(self, word: str) -> list[WordToken]:
        vocab, n = self.vocab, len(word)
        unknown = [(vocab[self.unk_token], self.unk_token, 0, n)]
        if n > self.max_chars:
            return unknown
        out: list[WordToken] = []
        start = 0
        while start < n:
            end = n
            while start < end:
                sub = word[start:end] if start == 0 else self.prefix + word[start:end]
                if sub in vocab:
                    break
                end -= 1
            else:
                return unknown
            out.append((vocab[sub], sub, start, end))
            start = end
        return out


# HF's WordPiece decoder clean-up, applied to each token after its joining space is added.
_CLEANUP = (
    (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
    (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
)


def decode(tokens: list[str], prefix: str = "##", cleanup: bool = True) -> str:
    """HF's WordPiece decoder: drop the continuing prefix, else join with a space; optional clean-up."""
    out = []
    for i, token in enumerate(tokens):
        if i:
            token = token.replace(prefix, "", 1) if token.startswith(prefix) else " " + token
        if cleanup:
            for dirty, clean in _CLEANUP:
                token = token.replace(dirty, clean)
        out.append(token)
    return "".join(out)
