"""The hand-written grammar evaluation set in ``students/grammar/eval/`` (see its README.md).

``load("dev")`` / ``load("test")`` read and validate one split: every non-comment line has exactly four
tab-separated columns ``erroneous<TAB>corrected<TAB>kinds<TAB>register``; kinds come from ``KINDS``; a
correct sentence has both sides equal and the single kind ``correct``; an erroneous pair has two different
sides and no ``correct`` kind. Tune only on dev; test is frozen (its sha256 is in ``eval/FROZEN``) and
scored once per model version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parent / "eval"
SPLITS = ("dev", "test")
KINDS = (
    "preposition", "article", "tense", "verb_form", "agreement", "noun_number", "pronoun", "word_order",
    "confusable", "spelling", "capitalization", "punctuation", "correct",
)
ERROR_KINDS = KINDS[:-1]
REGISTERS = ("email", "review", "chat", "forum", "note")


@dataclass(frozen=True)
class EvalPair:
    source: str  # the text as written
    target: str  # its minimal correction (== source for a correct sentence)
    kinds: tuple[str, ...]  # error kinds, or ("correct",)
    register: str  # email, review, chat, forum or note

    @property
    def is_correct(self) -> bool:
        return self.kinds == ("correct",)


class EvalSetError(ValueError):
    """A line of an evaluation split breaks the format."""


def path(split: str) -> Path:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    return EVAL_DIR / f"{split}.tsv"


def sha256(split: str) -> str:
    return hashlib.sha256(path(split).read_bytes()).hexdigest()


def frozen_sha256() -> str:
    """The recorded digest of the frozen test split."""
    return (EVAL_DIR / "FROZEN").read_text(encoding="ascii").strip()


def parse_line(line: str, where: str = "") -> EvalPair:
    cols = line.split("\t")
    if len(cols) != 4:
        raise EvalSetError(f"{where}: expected 4 tab-separated columns, got {len(cols)}")
    source, target, kinds_text, register = cols
    for name, text in (("erroneous", source), ("corrected", target)):
        if not text or text != text.strip() or "  " in text:
            raise EvalSetError(f"{where}: {name} side is empty or has stray spaces")
        if not text.isascii():
            raise EvalSetError(f"{where}: {name} side is not plain ASCII")
    kinds = tuple(kinds_text.split(","))
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise EvalSetError(f"{where}: unknown kind(s) {unknown}")
    if len(set(kinds)) != len(kinds):
        raise EvalSetError(f"{where}: repeated kind in {kinds_text!r}")
    if register not in REGISTERS:
        raise EvalSetError(f"{where}: unknown register {register!r}")
    if "correct" in kinds:
        if kinds != ("correct",):
            raise EvalSetError(f"{where}: 'correct' cannot be combined with error kinds")
        if source != target:
            raise EvalSetError(f"{where}: a correct sentence must have equal columns")
    elif source == target:
        raise EvalSetError(f"{where}: an erroneous pair must differ (or be marked 'correct')")
    return EvalPair(source, target, kinds, register)


def load(split: str) -> list[EvalPair]:
    """The validated pairs of one split, in file order."""
    file = path(split)
    pairs = []
    for number, raw in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        pairs.append(parse_line(raw, f"{file.name}:{number}"))
    return pairs
