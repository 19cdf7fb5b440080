"""The frozen set of modern everyday sentences (students/autocomplete/eval/) parses, holds its minimum counts,
keeps dev and test apart, and its test split is byte-for-byte the one frozen on 2026-12-06."""

from __future__ import annotations

from collections import Counter

import pytest

from students.autocomplete import evalset
from students.autocomplete.evalset import EverydaySentence

MIN_TOTAL = 240
MIN_TEST = 150  # issue 16: the frozen test set holds at least 150 sentences
MIN_WORDS, MAX_WORDS = 6, 30


@pytest.fixture(scope="module")
def splits() -> dict[str, list[EverydaySentence]]:
    return {split: evalset.load(split) for split in evalset.SPLITS}


def test_test_split_is_frozen() -> None:
    # A changed test split is a new evaluation set, not an edit: see students/autocomplete/eval/README.md.
    assert evalset.file_sha256("test") == evalset.frozen_sha256()


def test_readme_records_the_frozen_sha256() -> None:
    assert evalset.frozen_sha256() in (evalset.EVAL_DIR / "README.md").read_text(encoding="utf-8")


def test_splits_parse_into_frozen_items(splits: dict[str, list[EverydaySentence]]) -> None:
    for items in splits.values():
        assert items and all(isinstance(item, EverydaySentence) for item in items)
        with pytest.raises(AttributeError):
            items[0].text = "changed"  # type: ignore[misc]


def test_minimum_counts(splits: dict[str, list[EverydaySentence]]) -> None:
    assert len(splits["dev"]) + len(splits["test"]) >= MIN_TOTAL
    assert len(splits["test"]) >= MIN_TEST
    for items in splits.values():  # every register in both splits
        assert set(Counter(item.register for item in items)) == set(evalset.REGISTERS)


def test_dev_and_test_share_no_sentence(splits: dict[str, list[EverydaySentence]]) -> None:
    dev = {item.text.casefold() for item in splits["dev"]}
    test = {item.text.casefold() for item in splits["test"]}
    assert not dev & test


def test_split_follows_the_documented_rule(splits: dict[str, list[EverydaySentence]]) -> None:
    assigned = evalset.assign_splits(splits["dev"] + splits["test"])
    for split, items in splits.items():
        assert all(assigned[item.text] == split for item in items)
    dev_share = len(splits["dev"]) / (len(splits["dev"]) + len(splits["test"]))
    assert 0.30 <= dev_share <= 0.40


def test_sentence_lengths(splits: dict[str, list[EverydaySentence]]) -> None:
    for items in splits.values():
        for item in items:
            assert MIN_WORDS <= len(item.text.split()) <= MAX_WORDS, item


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("See you at eight tomorrow.", "2 tab-separated columns"),
        ("chat\tSee you at eight tomorrow.\textra", "2 tab-separated columns"),
        ("tweet\tSee you at eight tomorrow.", "unknown register"),
        ("chat\t", "empty sentence"),
        ("chat\tSee you at eight tomorrow. ", "surrounding whitespace"),
        ("chat\tSee you at the caf\u00e9 tomorrow.", "ASCII"),
    ],
)
def test_parse_rejects_malformed_lines(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        evalset.parse(["# comment", line], source="x.tsv")


def test_parse_rejects_duplicates_and_unknown_splits() -> None:
    line = "note\tBuy bread and milk on the way home."
    with pytest.raises(ValueError, match="duplicate of line 1"):
        evalset.parse([line, line])
    with pytest.raises(ValueError, match="unknown split"):
        evalset.load("train")
