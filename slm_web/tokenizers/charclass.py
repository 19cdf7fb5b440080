"""Character classes and per-character maps of HF ``tokenizers``, read from :mod:`.unicode_data`.

The tables are parsed on first use and cached, so importing the package stays cheap.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cache

from . import unicode_data

_HANGUL_BASE, _HANGUL_COUNT = 0xAC00, 11172
_JAMO_L, _JAMO_V, _JAMO_T = 0x1100, 0x1161, 0x11A7
_V_COUNT, _T_COUNT = 21, 28


class RangeSet:
    """A set of code points given as inclusive ranges; ``char in rangeset`` tests one character."""

    def __init__(self, spec: str) -> None:
        pairs = [(int(lo, 16), int(hi or lo, 16)) for lo, _, hi in (w.partition("-") for w in spec.split())]
        self.starts = [lo for lo, _ in pairs]
        self.ends = [hi for _, hi in pairs]

    def __contains__(self, char: str) -> bool:
        cp = ord(char)
        i = bisect_right(self.starts, cp) - 1
        return i >= 0 and cp <= self.ends[i]

    def regex_body(self) -> str:
        """The ranges as the inside of a ``re`` character class (``[...]``), escaped."""
        return "".join(
            f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}"
            for lo, hi in zip(self.starts, self.ends, strict=True)
        )


@cache
def ranges(name: str) -> RangeSet:
    """The range table ``name`` of :mod:`.unicode_data` (e.g. ``"BERT_PUNCTUATION"``)."""
    return RangeSet(getattr(unicode_data, name))


@cache
def mapping(name: str) -> dict[str, str]:
    """The character map ``name`` of :mod:`.unicode_data` (``"NFD"`` or ``"LOWERCASE"``)."""
    out = {}
    for entry in getattr(unicode_data, name).split():
        key, _, value = entry.partition(":")
        out[chr(int(key, 16))] = "".join(chr(int(h, 16)) for h in value.split(","))
    return out


def nfd(char: str) -> str:
    """Canonical decomposition of one character, as HF's NFD gives it (Hangul by arithmetic)."""
    s = ord(char) - _HANGUL_BASE
    if 0 <= s < _HANGUL_COUNT:
        l_part, rest = divmod(s, _V_COUNT * _T_COUNT)
        v_part, t_part = divmod(rest, _T_COUNT)
        jamo = chr(_JAMO_L + l_part) + chr(_JAMO_V + v_part)
        return jamo + chr(_JAMO_T + t_part) if t_part else jamo
    return mapping("NFD").get(char, char)


def lowercase(char: str) -> str:
    """Lowercase of one character, as Rust's ``char::to_lowercase`` (HF's Lowercase) gives it."""
    if char.isascii():
        return char.lower()
    return mapping("LOWERCASE").get(char, char)
