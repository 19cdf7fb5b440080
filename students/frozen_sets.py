"""What the hand-written, frozen evaluation sets of the students share (``students/<task>/eval/``).

Each set is two tab-separated files, ``dev.tsv`` and ``test.tsv``, with ``#`` comment lines, and a one-line
``FROZEN`` file holding the sha256 of ``test.tsv`` when it was frozen. Tune only on dev; test is scored
once per model version. The files were split by one rule: within each stratum (a label, a register), the
texts in sha256 order go to dev for 7 of every 20 ranks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SPLITS = ("dev", "test")
# Of every BLOCK consecutive ranks (sha256 order within a stratum), the split rule sends DEV_PER_BLOCK to dev.
DEV_PER_BLOCK, BLOCK = 7, 20


@dataclass(frozen=True)
class Row:
    """One data line of a split: where it is (for errors) and its columns."""

    where: str
    columns: list[str]


@dataclass(frozen=True)
class FrozenSet:
    """The files of one task's set."""

    folder: Path

    def split_path(self, split: str) -> Path:
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
        return self.folder / f"{split}.tsv"

    def lines(self, split: str) -> tuple[list[str], str]:
        """The split's lines and its path as a string (the ``source`` the parsers name in errors)."""
        path = self.split_path(split)
        return path.read_text(encoding="utf-8").splitlines(), str(path)

    def file_sha256(self, split: str) -> str:
        return hashlib.sha256(self.split_path(split).read_bytes()).hexdigest()

    def frozen_sha256(self) -> str:
        """The sha256 of test.tsv recorded when the set was frozen (eval/FROZEN)."""
        return (self.folder / "FROZEN").read_text(encoding="ascii").strip()


def rows(lines: Iterable[str], source: str, width: int) -> Iterator[Row]:
    """The data lines (``#`` comments skipped), each with exactly ``width`` columns, else ValueError."""
    for number, line in enumerate(lines, 1):
        if line.startswith("#"):
            continue
        columns = line.split("\t")
        where = f"{source}:{number}"
        if len(columns) != width:
            raise ValueError(f"{where}: expected {width} tab-separated columns, found {len(columns)}")
        yield Row(where, columns)


class UniqueTexts:
    """Checks each text once: non-empty, no surrounding whitespace, plain ASCII, not seen before."""

    def __init__(self, noun: str) -> None:
        self.noun = noun  # "text", "sentence": what the errors call it
        self.seen: dict[str, str] = {}

    def check(self, text: str, where: str) -> None:
        if not text or text != text.strip():
            raise ValueError(f"{where}: empty {self.noun} or {self.noun} with surrounding whitespace")
        if not text.isascii():
            raise ValueError(f"{where}: {self.noun} is not plain ASCII")
        if text in self.seen:
            raise ValueError(f"{where}: duplicate of line {self.seen[text].rsplit(':', 1)[1]}")
        self.seen[text] = where


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_dev_rank(rank: int) -> bool:
    """The split rule: rank (from 0, in sha256 order within a stratum) goes to dev for 7 of every 20 ranks."""
    return (rank + 1) * DEV_PER_BLOCK // BLOCK > rank * DEV_PER_BLOCK // BLOCK


def assign_splits(texts_by_stratum: dict[str, list[str]]) -> dict[str, str]:
    """text -> "dev" | "test" by the split rule (how the committed files were cut)."""
    return {
        text: "dev" if is_dev_rank(rank) else "test"
        for texts in texts_by_stratum.values()
        for rank, text in enumerate(sorted(texts, key=text_sha256))
    }
