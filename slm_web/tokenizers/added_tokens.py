"""Added tokens (``[CLS]``, ``<|endoftext|>``, ...): found in the text before the model sees it.

As in HF's ``AddedVocabulary``: tokens with ``normalized: false`` are matched on the raw text first,
then those with ``normalized: true`` on each normalized remainder (their content normalized the same
way); the leftmost match wins, the longest among those starting there. ``lstrip``/``rstrip`` make a
match swallow the whitespace before/after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .charclass import ranges
from .normalizers import Normalizer
from .pieces import Piece


@dataclass(frozen=True)
class AddedToken:
    """One ``added_tokens`` entry of tokenizer.json."""

    id: int
    content: str
    special: bool = False
    lstrip: bool = False
    rstrip: bool = False
    normalized: bool = False

    @classmethod
    def from_json(cls, entry: dict[str, Any]) -> AddedToken:
        if entry.get("single_word"):
            raise ValueError(f"unsupported tokenizer component: single_word added token {entry['content']!r}")
        return cls(entry["id"], entry["content"], bool(entry.get("special")), bool(entry.get("lstrip")),
                   bool(entry.get("rstrip")), bool(entry.get("normalized")))


class _Matcher:
    """Finds one group of added tokens in a piece and cuts it there."""

    def __init__(self, by_text: dict[str, AddedToken]) -> None:
        self.by_text = by_text
        alternatives = sorted((t for t in by_text if t), key=len, reverse=True)  # longest first
        self.pattern = re.compile("|".join(map(re.escape, alternatives))) if alternatives else None

    def split(self, piece: Piece) -> list[Piece]:
        if self.pattern is None:
            return [piece]
        text, out, done = piece.text, [], 0
        space = ranges("BERT_WHITESPACE")  # Rust's char::is_whitespace
        for m in self.pattern.finditer(text):
            token = self.by_text[m.group()]
            start, stop = m.start(), m.end()
            if token.lstrip:
                while start > done and text[start - 1] in space:
                    start -= 1
            if token.rstrip:
                while stop < len(text) and text[stop] in space:
                    stop += 1
            if start > done:
                out.append(piece.sub(done, start))
            matched = piece.sub(start, stop)
            matched.token_id = token.id
            out.append(matched)
            done = stop
        if done < len(text):
            out.append(piece.sub(done, len(text)))
        return out


class AddedVocabulary:
    """The added tokens of a tokenizer, and the two-stage split of a text on them."""

    def __init__(self, entries: list[dict[str, Any]], normalizer: Normalizer | None) -> None:
        tokens = [AddedToken.from_json(e) for e in entries]
        self.by_id = {t.id: t for t in tokens}
        self.by_content = {t.content: t for t in tokens}

        def form(token: AddedToken) -> str:
            """The text the token matches: its content, normalized if the token says so."""
            if token.normalized and normalizer is not None:
                return normalizer.normalize(Piece(token.content)).text
            return token.content

        # HF looks a token up by its content, but gives the matched form back for its id.
        self.text_by_id = {t.id: form(t) for t in tokens}
        self._raw = _Matcher({t.content: t for t in tokens if not t.normalized})
        self._normalized = _Matcher({form(t): t for t in tokens if t.normalized})

    def is_special(self, token_id: int) -> bool:
        token = self.by_id.get(token_id)
        return token is not None and token.special

    def split_raw(self, piece: Piece) -> list[Piece]:
        """Cut the raw text at tokens matched before normalization."""
        return self._raw.split(piece)

    def split_normalized(self, piece: Piece) -> list[Piece]:
        """Cut a normalized piece at tokens matched after normalization."""
        return self._normalized.split(piece)
