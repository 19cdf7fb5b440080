"""The frozen three-label sentiment evaluation set (students/sentiment/eval/) parses, holds its minimum
counts, keeps dev and test apart, and its test split is byte-for-byte the one frozen on 2026-12-06."""

from __future__ import annotations

from collections import Counter

import pytest

from students.sentiment import evalset
from students.sentiment.evalset import LabelledText

MIN_POLAR = 150  # per polar label, dev + test
MIN_NEUTRAL = 120
MIN_TOTAL = 420
MIN_WORDS, MAX_WORDS = 4, 35


@pytest.fixture(scope="module")
def splits() -> dict[str, list[LabelledText]]:
    return {split: evalset.load(split) for split in evalset.SPLITS}


def test_test_split_is_frozen() -> None:
    # A changed test split is a new evaluation set, not an edit: see students/sentiment/eval/README.md.
    assert evalset.file_sha256("test") == evalset.frozen_sha256()


def test_readme_records_the_frozen_sha256() -> None:
    assert evalset.frozen_sha256() in (evalset.EVAL_DIR / "README.md").read_text(encoding="utf-8")


def test_splits_parse_into_frozen_items(splits: dict[str, list[LabelledText]]) -> None:
    for items in splits.values():
        assert items and all(isinstance(item, LabelledText) for item in items)
        with pytest.raises(AttributeError):
            items[0].label = "positive"  # type: ignore[misc]


def test_minimum_counts(splits: dict[str, list[LabelledText]]) -> None:
    counts = Counter(item.label for items in splits.values() for item in items)
    assert all(counts[label] >= MIN_POLAR for label in evalset.POLAR_LABELS), counts
    assert counts["neutral"] >= MIN_NEUTRAL, counts
    assert sum(counts.values()) >= MIN_TOTAL, counts
    for items in splits.values():  # every label in both splits
        assert {item.label for item in items} == set(evalset.LABELS)


def test_dev_and_test_share_no_sentence(splits: dict[str, list[LabelledText]]) -> None:
    dev = {item.text.casefold() for item in splits["dev"]}
    test = {item.text.casefold() for item in splits["test"]}
    assert not dev & test


def test_split_follows_the_documented_rule(splits: dict[str, list[LabelledText]]) -> None:
    assigned = evalset.assign_splits(splits["dev"] + splits["test"])
    for split, items in splits.items():
        assert all(assigned[item.text] == split for item in items)
    dev_share = len(splits["dev"]) / (len(splits["dev"]) + len(splits["test"]))
    assert 0.30 <= dev_share <= 0.40


def test_sentence_lengths(splits: dict[str, list[LabelledText]]) -> None:
    for items in splits.values():
        for item in items:
            assert MIN_WORDS <= len(item.text.split()) <= MAX_WORDS, item


def test_news_and_note_lines_are_neutral(splits: dict[str, list[LabelledText]]) -> None:
    # news and note lines were written as plain facts and instructions: only neutral ones carry them.
    for items in splits.values():
        assert all(item.label == "neutral" for item in items if item.register in ("news", "note"))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("positive\tGreat food.", "3 tab-separated columns"),
        ("positive\tGreat food.\treview\textra", "3 tab-separated columns"),
        ("mixed\tGreat food, slow service.\treview", "unknown label"),
        ("positive\tGreat food.\ttweet", "unknown register"),
        ("positive\t\treview", "empty text"),
        ("positive\t Great food.\treview", "surrounding whitespace"),
        ("positive\tGreat caf\u00e9 food.\treview", "ASCII"),
    ],
)
def test_parse_rejects_malformed_lines(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        evalset.parse(["# comment", line], source="x.tsv")


def test_parse_rejects_duplicates_and_unknown_splits() -> None:
    line = "neutral\tThe shop opens at nine.\tnote"
    with pytest.raises(ValueError, match="duplicate of line 1"):
        evalset.parse([line, line])
    with pytest.raises(ValueError, match="unknown split"):
        evalset.load("train")
