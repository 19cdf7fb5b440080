"""Test texts for tokenizer parity: real prose found offline on any CPython install, plus the nasty set.

Prose comes from the docstrings of the Python standard library's own source files (always present)
and, where the system has them, Debian's /usr/share/common-licenses. The selection is deterministic.
"""

from __future__ import annotations

import json
import random
import re
import sysconfig
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
LICENSES = Path("/usr/share/common-licenses")
_DOCSTRING = re.compile(r'"""(.*?)"""', re.S)


@cache
def prose_lines(count: int = 4000) -> tuple[str, ...]:
    """``count`` distinct non-empty lines of English prose (docstrings, licenses), in a fixed order."""
    seen: dict[str, None] = {}
    sources = sorted(LICENSES.glob("*")) if LICENSES.is_dir() else []
    sources += sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))
    for path in sources:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        chunks = _DOCSTRING.findall(text) if path.suffix == ".py" else [text]
        for chunk in chunks:
            for line in chunk.splitlines():
                if line.strip():
                    seen.setdefault(line.strip(), None)
        if len(seen) >= count:
            break
    return tuple(seen)[:count]


@cache
def prose_paragraphs(count: int = 300) -> tuple[str, ...]:
    """Multi-line chunks (newlines, indentation, runs of spaces kept) of the same sources."""
    lines = prose_lines()
    return tuple("\n  ".join(lines[i : i + 7]) for i in range(0, 7 * count, 7))


@cache
def nasty_lines() -> tuple[str, ...]:
    """tests/data/tokenizer-nasty.json, plus what JSON cannot carry: a surrogate pair as two code points."""
    lines = json.loads((DATA / "tokenizer-nasty.json").read_text(encoding="utf-8"))
    return (*lines, "pair\ud83d\ude00split", "\ud83d\ude00")


# Building blocks for random texts: each draw takes one of these, so odd neighbours meet often.
_FUZZ_POOLS = (
    "abcXYZ", "0123456789", " ", "   ", "\t\n\r\x0b\x0c\x85\u00a0\u2000\u3000",
    ".,;:!?'\"-()[]{}<>/\\@#$%^&*_~`|",
    "'s", "'t", "'re", "'ll", "'d", "'ve", "'m", "'S", "\u0300\u0301\u0308\u0327\u094d\u093f\u20e3\ufe0f",
    "éüñçøåßİıΣςЖж", "北京大学日本語한국어ㄱ", "\u0915\u0937\u0e44\u0e17", "😀👍🏽👨\u200d👩\u200d👧🇫🇷🥰",
    "\u200b\u200c\u200d\u200e\u202e\ufeff\ufffd\x00\x07\x1b\x7f\u00ad", "مرحبا", "שלום", "½²①Ⅻ𝟘",
    "[CLS]", "[MASK]", "<|endoftext|>", "##", "Ġ", "the", "ing", "tion", "\ud800",
)


@cache
def fuzz_lines(count: int = 1500, seed: int = 20261125) -> tuple[str, ...]:
    """Random texts (fixed seed) glued from small blocks of awkward characters."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 12)):
            pool = rng.choice(_FUZZ_POOLS)
            whole = len(pool) > 1 and rng.random() < 0.3
            parts.append(pool if whole else rng.choice(pool) * rng.randint(1, 3))
        out.append("".join(parts))
    return tuple(out)


def all_texts() -> list[str]:
    """Everything the parity tests run: prose lines, paragraphs, the nasty set and random texts."""
    return [*prose_lines(), *prose_paragraphs(), *nasty_lines(), *fuzz_lines()]
