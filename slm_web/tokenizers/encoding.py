"""The result of encoding one text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Encoding:
    """Tokens of one text, parallel lists as HF's ``Encoding`` has them.

    ``offsets[i]`` are Python character offsets ``(start, end)`` into the text given to ``encode`` (what
    HF's Python binding returns); special tokens added by the template have ``(0, 0)``.
    ``word_ids[i]`` is the index of the word (see ``Tokenizer.pre_tokenize``) token ``i`` belongs to,
    ``None`` for template special tokens.
    """

    ids: list[int] = field(default_factory=list)
    offsets: list[tuple[int, int]] = field(default_factory=list)
    word_ids: list[int | None] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (offsets as lists)."""
        return asdict(self)
