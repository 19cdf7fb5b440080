"""GPT-2's byte-level scheme: the byte<->character alphabet, the split pattern and the decoder.

The split pattern is GPT-2's
``'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+``,
written for the standard ``re`` module: ``\\p{L}``, ``\\p{N}`` and ``\\s`` become explicit character
classes taken from the tables HF's regex engine uses, so the matches are the same (``re`` and
Oniguruma are both leftmost-first backtracking engines).
"""

from __future__ import annotations

import re
from functools import cache

from .charclass import ranges


@cache
def byte_to_char() -> tuple[str, ...]:
    """GPT-2's ``bytes_to_unicode``: printable bytes stand for themselves, the rest move to U+0100 on."""
    printable = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    table = {b: b for b in printable}
    extra = 0x100
    for b in range(256):
        if b not in table:
            table[b] = extra
            extra += 1
    return tuple(chr(table[b]) for b in range(256))


@cache
def char_to_byte() -> dict[str, int]:
    """The inverse of :func:`byte_to_char`."""
    return {c: b for b, c in enumerate(byte_to_char())}


@cache
def split_pattern() -> re.Pattern[str]:
    """GPT-2's pre-tokenization pattern, compiled for ``re``."""
    letter = ranges("REGEX_LETTER").regex_body()
    number = ranges("REGEX_NUMBER").regex_body()
    space = ranges("REGEX_WHITESPACE").regex_body()
    return re.compile(
        "'s|'t|'re|'ve|'m|'ll|'d"
        f"| ?[{letter}]+| ?[{number}]+| ?[^{space}{letter}{number}]+"
        f"|[{space}]+(?![^{space}])|[{space}]+"
    )


def decode(tokens: list[str]) -> str:
    """HF's ByteLevel decoder: characters back to bytes, then UTF-8 with U+FFFD for broken sequences.

    A token holding a character outside the byte alphabet (an added token, say) contributes its own
    UTF-8 bytes, as in HF.
    """
    table = char_to_byte()
    data = bytearray()
    for token in tokens:
        if all(c in table for c in token):
            data.extend(table[c] for c in token)
        else:
            data.extend(token.encode("utf-8"))
    return data.decode("utf-8", errors="replace")
