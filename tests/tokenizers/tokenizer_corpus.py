"""Test texts for tokenizer parity: real prose found offline on any CPython install, plus the nasty set.

Prose comes from the docstrings of the Python standard library's own source files (always present)
and, where the system has them, Debian's /usr/share/common-licenses. The selection is deterministic.
"""

from __future__ import annotations

import json
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


def all_texts() -> list[str]:
    """Everything the parity tests run: prose lines, paragraphs and the nasty set."""
    return [*prose_lines(), *prose_paragraphs(), *nasty_lines()]
