"""Normalizers: HF's ``BertNormalizer``, ``Lowercase``, ``StripAccents`` and ``Sequence`` of them.

All of them change one character at a time (BERT's clean-up, CJK spacing, accent stripping and
lowercasing), so a normalizer here is a chain of per-character steps, memoised per character.
Characters added by a step (the spaces around a CJK character, the parts of a decomposition) come
from the character they replace, which is also where HF aligns them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .charclass import lowercase, nfd, ranges
from .pieces import Piece

Step = Callable[[str], str]


def _clean_text(char: str) -> str:
    """Drop NUL, U+FFFD and control/format characters; turn whitespace into a space."""
    if char in ranges("BERT_REMOVED"):
        return ""
    return " " if char in ranges("BERT_TO_SPACE") else char


def _space_chinese(char: str) -> str:
    return f" {char} " if char in ranges("BERT_CHINESE") else char


def _strip_marks(char: str) -> str:
    """HF's StripAccents: drop every combining mark (spacing, non-spacing and enclosing)."""
    return "" if char in ranges("COMBINING_MARK") else char


def _strip_accents(char: str) -> str:
    """NFD, then drop non-spacing marks (HF: ``nfd().filter(!is_mark_nonspacing)``)."""
    return "".join(c for c in nfd(char) if c not in ranges("MARK_NONSPACING"))


def _bert_steps(spec: dict[str, Any]) -> list[Step]:
    lower = spec.get("lowercase", True)
    # HF: strip_accents = None means "follow lowercase".
    strip = spec.get("strip_accents")
    flags = [
        (spec.get("clean_text", True), _clean_text),
        (spec.get("handle_chinese_chars", True), _space_chinese),
        (lower if strip is None else strip, _strip_accents),
        (lower, lowercase),
    ]
    return [step for on, step in flags if on]


_STEPS: dict[str, Callable[[dict[str, Any]], list[Step]]] = {
    "BertNormalizer": _bert_steps,
    "Lowercase": lambda spec: [lowercase],
    "StripAccents": lambda spec: [_strip_marks],
    "Sequence": lambda spec: [step for sub in spec["normalizers"] for step in _steps(sub)],
}


def _steps(spec: dict[str, Any]) -> list[Step]:
    kind = spec.get("type")
    if kind not in _STEPS:
        raise ValueError(f"unsupported tokenizer component: normalizer {kind!r}")
    return _STEPS[kind](spec)


class Normalizer:
    """A chain of per-character steps applied to a :class:`Piece`, keeping each character's source."""

    def __init__(self, steps: list[Step]) -> None:
        self._steps = steps
        self._memo: dict[str, str] = {}
        self._resizing: set[str] = set()  # characters that become zero or several characters

    def _map(self, char: str) -> str:
        out = char
        for step in self._steps:
            out = "".join(map(step, out))
        self._memo[char] = out
        if len(out) != 1:
            self._resizing.add(char)
        return out

    def normalize(self, piece: Piece) -> Piece:
        """The normalized piece; characters that expand keep their source index for every part."""
        memo = self._memo
        parts = [memo[c] if c in memo else self._map(c) for c in piece.text]
        text = "".join(parts)
        if self._resizing.isdisjoint(piece.text):
            return Piece(text, piece.src, piece.start)
        return Piece(text, [s for part, s in zip(parts, piece.sources(), strict=True) for _ in part])


def build_normalizer(spec: dict[str, Any] | None) -> Normalizer | None:
    """The normalizer a tokenizer.json ``normalizer`` entry describes; ``ValueError`` if unsupported."""
    return None if spec is None else Normalizer(_steps(spec))
