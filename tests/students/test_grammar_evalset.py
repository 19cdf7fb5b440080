"""The hand-written grammar evaluation set parses, meets its minimums, is disjoint, and test is frozen."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from students.grammar import evalset

ROOT = Path(__file__).resolve().parents[2]
OLD_SET = ROOT / "students" / "grammar" / "handwritten.tsv"

MIN_PAIRS = 330
MIN_CORRECT = 110
MIN_PER_KIND = 20
# Fixed-case sentences named in issue 15: they belong to the fixed-case tests, not to this set.
FIXED_CASES = {
    "She go to school yesterday and buyed a apple.",
    "She went to school yesterday and bought an apple.",
    "An honest answer is better than a polite lie.",
    "It took an hour to reach a one-way street.",
    "Whose car is parked outside?",
}


@pytest.fixture(scope="module")
def splits() -> dict[str, list[evalset.EvalPair]]:
    return {split: evalset.load(split) for split in evalset.SPLITS}


def sentences(pairs: list[evalset.EvalPair]) -> set[str]:
    return {text for pair in pairs for text in (pair.source, pair.target)}


def test_test_split_is_frozen() -> None:
    recorded = evalset.frozen_sha256()
    assert len(recorded) == 64 and all(c in "0123456789abcdef" for c in recorded)
    assert evalset.sha256("test") == recorded, (
        "students/grammar/eval/test.tsv changed: the test split is frozen (see eval/README.md)"
    )


def test_files_parse_with_header(splits: dict[str, list[evalset.EvalPair]]) -> None:
    for split in evalset.SPLITS:
        lines = evalset.path(split).read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("#"), f"{split}.tsv has no header comment"
        assert splits[split], f"{split}.tsv is empty"


def test_minimum_counts(splits: dict[str, list[evalset.EvalPair]]) -> None:
    pairs = splits["dev"] + splits["test"]
    assert len(pairs) >= MIN_PAIRS
    assert sum(p.is_correct for p in pairs) >= MIN_CORRECT
    kinds = Counter(k for p in pairs for k in p.kinds)
    short = {k: kinds[k] for k in evalset.ERROR_KINDS if kinds[k] < MIN_PER_KIND}
    assert not short, f"kinds under {MIN_PER_KIND} pairs: {short}"
    assert sum(len(p.kinds) >= 2 for p in pairs) >= 10  # some sentences with several errors


def test_every_kind_in_both_splits(splits: dict[str, list[evalset.EvalPair]]) -> None:
    for split, pairs in splits.items():
        first = Counter(p.kinds[0] for p in pairs)
        missing = [k for k in evalset.KINDS if first[k] == 0]
        assert not missing, f"{split} split lacks {missing}"
        assert {p.register for p in pairs} == set(evalset.REGISTERS)
    # about 40 % dev / 60 % test
    share = len(splits["dev"]) / (len(splits["dev"]) + len(splits["test"]))
    assert 0.35 <= share <= 0.45


def test_no_duplicates_and_no_overlap(splits: dict[str, list[evalset.EvalPair]]) -> None:
    for split, pairs in splits.items():
        sources = Counter(p.source for p in pairs)
        assert not [s for s, n in sources.items() if n > 1], f"repeated sentence in {split}"
    dev, test = sentences(splits["dev"]), sentences(splits["test"])
    assert not dev & test, f"dev and test share {sorted(dev & test)}"
    old = {
        column.strip()
        for line in OLD_SET.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
        for column in line.split("\t")[:2]
    }
    assert not (dev | test) & old, f"shared with handwritten.tsv: {sorted((dev | test) & old)}"
    assert not (dev | test) & FIXED_CASES


@pytest.mark.parametrize(
    "line",
    [
        "a\tb\tarticle",  # three columns
        "a\tb\tarticle\tchat\textra",  # five columns
        "a b\tc d\tgrammar\tchat",  # unknown kind
        "a b\tc d\tarticle\tletter",  # unknown register
        "a b\ta b\tarticle\tchat",  # an erroneous pair that does not differ
        "a b\tc d\tcorrect\tchat",  # a correct row with different columns
        "a b\ta b\tcorrect,article\tchat",  # correct mixed with an error kind
        "a  b\ta b c\tspelling\tchat",  # double space
    ],
)
def test_parse_rejects_malformed_lines(line: str) -> None:
    with pytest.raises(evalset.EvalSetError):
        evalset.parse_line(line, "t")


def test_parse_line_fields() -> None:
    pair = evalset.parse_line("I has a car.\tI have a car.\tagreement,article\tchat")
    assert pair == evalset.EvalPair("I has a car.", "I have a car.", ("agreement", "article"), "chat")
    assert not pair.is_correct
    assert evalset.parse_line("Hi there.\tHi there.\tcorrect\tnote").is_correct
    with pytest.raises(ValueError):
        evalset.load("train")
