"""The hand-written, frozen three-label sentiment evaluation set in ``students/sentiment/eval/`` (issue 17).

Written by hand on 2026-12-06 before that day's training: polar sentences (reviews, e-mails and chat
messages) and plainly neutral ones (instructions, schedules, notes, news-style facts). ``load("dev")`` and
``load("test")`` return :class:`LabelledText` items in file order and reject a malformed file. Tune only on
dev; test is scored once per model version, and its sha256 is pinned in ``eval/FROZEN``
(``students.frozen_sets``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from students import frozen_sets
from students.frozen_sets import SPLITS  # noqa: F401  (part of this module's interface)

EVAL_DIR = Path(__file__).resolve().parent / "eval"
FILES = frozen_sets.FrozenSet(EVAL_DIR)
LABELS = ("negative", "neutral", "positive")
POLAR_LABELS = ("negative", "positive")
REGISTERS = ("review", "email", "chat", "news", "note")


@dataclass(frozen=True)
class LabelledText:
    label: str  # one of LABELS
    text: str
    register: str  # one of REGISTERS


def load(split: str) -> list[LabelledText]:
    """The items of ``dev`` or ``test``, validated (see :func:`parse`)."""
    lines, source = FILES.lines(split)
    return parse(lines, source)


def parse(lines: Iterable[str], source: str = "<lines>") -> list[LabelledText]:
    """``label<TAB>text<TAB>register`` lines after ``#`` comments; ValueError naming the line otherwise.

    Checked: exactly three columns, a known label and register, a non-empty ASCII text without surrounding
    whitespace, and no text twice."""
    items: list[LabelledText] = []
    texts = frozen_sets.UniqueTexts("text")
    for row in frozen_sets.rows(lines, source, 3):
        label, text, register = row.columns
        if label not in LABELS:
            raise ValueError(f"{row.where}: unknown label {label!r}")
        if register not in REGISTERS:
            raise ValueError(f"{row.where}: unknown register {register!r}")
        texts.check(text, row.where)
        items.append(LabelledText(label, text, register))
    return items


def assign_splits(items: Iterable[LabelledText]) -> dict[str, str]:
    """text -> "dev" | "test" by the split rule, stratified by label (how the committed files were cut)."""
    by_label: dict[str, list[str]] = {}
    for item in items:
        by_label.setdefault(item.label, []).append(item.text)
    return frozen_sets.assign_splits(by_label)


file_sha256 = FILES.file_sha256
frozen_sha256 = FILES.frozen_sha256
