"""The hand-written, frozen set of modern everyday sentences in ``students/autocomplete/eval/`` (issue 16).

Written by hand on 2026-12-06 before that day's training: e-mails, chat messages, reviews, forum posts and
notes, the kind of text a person types in a web form. ``load("dev")`` and ``load("test")`` return
:class:`EverydaySentence` items in file order and reject a malformed file. Tune only on dev; test is scored
once per model version, and its sha256 is pinned in ``eval/FROZEN`` (``students.frozen_sets``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from students import frozen_sets
from students.frozen_sets import SPLITS  # noqa: F401  (part of this module's interface)

EVAL_DIR = Path(__file__).resolve().parent / "eval"
FILES = frozen_sets.FrozenSet(EVAL_DIR)
REGISTERS = ("email", "chat", "review", "forum", "note")


@dataclass(frozen=True)
class EverydaySentence:
    register: str  # one of REGISTERS
    text: str


def load(split: str) -> list[EverydaySentence]:
    """The sentences of ``dev`` or ``test``, validated (see :func:`parse`)."""
    lines, source = FILES.lines(split)
    return parse(lines, source)


def parse(lines: Iterable[str], source: str = "<lines>") -> list[EverydaySentence]:
    """``register<TAB>sentence`` lines after ``#`` comments; ValueError naming the line otherwise.

    Checked: exactly two columns, a known register, a non-empty ASCII sentence without surrounding
    whitespace, and no sentence twice."""
    items: list[EverydaySentence] = []
    texts = frozen_sets.UniqueTexts("sentence")
    for row in frozen_sets.rows(lines, source, 2):
        register, text = row.columns
        if register not in REGISTERS:
            raise ValueError(f"{row.where}: unknown register {register!r}")
        texts.check(text, row.where)
        items.append(EverydaySentence(register, text))
    return items


def assign_splits(items: Iterable[EverydaySentence]) -> dict[str, str]:
    """text -> "dev" | "test" by the split rule, stratified by register (how the committed files were cut)."""
    by_register: dict[str, list[str]] = {}
    for item in items:
        by_register.setdefault(item.register, []).append(item.text)
    return frozen_sets.assign_splits(by_register)


file_sha256 = FILES.file_sha256
frozen_sha256 = FILES.frozen_sha256
