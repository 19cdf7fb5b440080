"""The hand-written, frozen three-label sentiment evaluation set in ``students/sentiment/eval/`` (issue 17).

Written by hand on 2026-12-06 before that day's training: polar sentences (reviews, e-mails and chat
messages) and plainly neutral ones (instructions, schedules, notes, news-style facts). ``load("dev")`` and
``load("test")`` return :class:`LabelledText` items in file order and reject a malformed file. Tune only on
dev; test is scored once per model version, and its sha256 is pinned in ``eval/FROZEN``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parent / "eval"
SPLITS = ("dev", "test")
LABELS = ("negative", "neutral", "positive")
POLAR_LABELS = ("negative", "positive")
REGISTERS = ("review", "email", "chat", "news", "note")
# Of every BLOCK consecutive ranks (sha256 order within a label), the split rule sends DEV_PER_BLOCK to dev.
DEV_PER_BLOCK, BLOCK = 7, 20


@dataclass(frozen=True)
class LabelledText:
    label: str  # one of LABELS
    text: str
    register: str  # one of REGISTERS


def split_path(split: str) -> Path:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    return EVAL_DIR / f"{split}.tsv"


def load(split: str) -> list[LabelledText]:
    """The items of ``dev`` or ``test``, validated (see :func:`parse`)."""
    path = split_path(split)
    return parse(path.read_text(encoding="utf-8").splitlines(), source=str(path))


def parse(lines: Iterable[str], source: str = "<lines>") -> list[LabelledText]:
    """``label<TAB>text<TAB>register`` lines after ``#`` comments; ValueError naming the line otherwise.

    Checked: exactly three columns, a known label and register, a non-empty ASCII text without surrounding
    whitespace, and no text twice."""
    items: list[LabelledText] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if line.startswith("#"):
            continue
        where = f"{source}:{number}"
        columns = line.split("\t")
        if len(columns) != 3:
            raise ValueError(f"{where}: expected 3 tab-separated columns, found {len(columns)}")
        label, text, register = columns
        if label not in LABELS:
            raise ValueError(f"{where}: unknown label {label!r}")
        if register not in REGISTERS:
            raise ValueError(f"{where}: unknown register {register!r}")
        if not text or text != text.strip():
            raise ValueError(f"{where}: empty text or text with surrounding whitespace")
        if not text.isascii():
            raise ValueError(f"{where}: text is not plain ASCII")
        if text in seen:
            raise ValueError(f"{where}: duplicate of line {seen[text]}")
        seen[text] = number
        items.append(LabelledText(label, text, register))
    return items


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_dev_rank(rank: int) -> bool:
    """The split rule: rank (from 0, in sha256 order within a label) goes to dev for 7 of every 20 ranks."""
    return (rank + 1) * DEV_PER_BLOCK // BLOCK > rank * DEV_PER_BLOCK // BLOCK


def assign_splits(items: Iterable[LabelledText]) -> dict[str, str]:
    """text -> "dev" | "test" by the split rule, stratified by label (how the committed files were cut)."""
    by_label: dict[str, list[str]] = {}
    for item in items:
        by_label.setdefault(item.label, []).append(item.text)
    return {
        text: "dev" if is_dev_rank(rank) else "test"
        for texts in by_label.values()
        for rank, text in enumerate(sorted(texts, key=text_sha256))
    }


def file_sha256(split: str) -> str:
    return hashlib.sha256(split_path(split).read_bytes()).hexdigest()


def frozen_sha256() -> str:
    """The sha256 of test.tsv recorded when the set was frozen (eval/FROZEN)."""
    return (EVAL_DIR / "FROZEN").read_text(encoding="ascii").strip()
