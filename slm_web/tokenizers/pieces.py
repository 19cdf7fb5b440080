"""The unit every pipeline stage works on: a piece of (normalized) text that remembers where it came from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Piece:
    """A run of text plus, for each of its characters, the index of the input character it came from.

    HF ``tokenizers`` keeps byte alignments; in every stage supported here each output character comes
    from exactly one input character, so one index per character is enough and offsets are
    ``(origin(first), origin(last) + 1)``. ``src`` is ``None`` while the mapping is still the identity
    shifted by ``start`` (the common case: no list per character is built). ``token_id`` is set when
    the whole piece is an added token.
    """

    text: str
    src: list[int] | None = None
    start: int = 0
    token_id: int | None = None

    def origin(self, i: int) -> int:
        """Index in the input of character ``i``."""
        return self.start + i if self.src is None else self.src[i]

    def sources(self) -> list[int]:
        """Index in the input of every character."""
        return list(range(self.start, self.start + len(self.text))) if self.src is None else self.src

    def sub(self, start: int, end: int) -> Piece:
        """The characters ``start:end`` of this piece."""
        if self.src is None:
            return Piece(self.text[start:end], None, self.start + start)
        return Piece(self.text[start:end], self.src[start:end])

    def span(self, start: int = 0, end: int | None = None) -> tuple[int, int]:
        """Offsets in the input of the characters ``start:end`` (all by default); (0, 0) when empty."""
        end = len(self.text) if end is None else end
        if end <= start:
            return (0, 0)
        return (self.origin(start), self.origin(end - 1) + 1)
