"""Input cleaning, limits and sentence splitting (slm_web.text)."""

from __future__ import annotations

import time

import pytest

from slm_web import text as textlib
from slm_web.errors import InputTextError


def test_clean_keeps_length_and_replaces_lone_surrogates() -> None:
    raw = "a\ud800b\udc00c 😀 \u202eRTL e\u0301"
    cleaned = textlib.clean(raw)
    assert len(cleaned) == len(raw)
    assert cleaned == "a\ufffdb\ufffdc 😀 \u202eRTL e\u0301"
    cleaned.encode("utf-8")  # no longer raises


@pytest.mark.parametrize("bad", [None, 3, b"bytes", ["a"]])
def test_clean_refuses_non_strings(bad: object) -> None:
    with pytest.raises(InputTextError, match="must be a str"):
        textlib.clean(bad)


@pytest.mark.parametrize("text, message", [("", "empty"), (" \n\t ", "only whitespace")])
def test_require_content(text: str, message: str) -> None:
    with pytest.raises(InputTextError, match=message):
        textlib.require_content(text)


def test_head_and_tail_are_bounded() -> None:
    big = "word " * 200_000 + "end"
    assert len(textlib.head("   " + big, 128)) == 128 * textlib.CHARS_PER_TOKEN
    start = textlib.tail_start(big + "  ", 256)
    assert big.endswith(big[start:]) and len(big) - start == 256 * textlib.CHARS_PER_TOKEN


def test_correct_length_limit() -> None:
    textlib.check_correct_length("a" * textlib.MAX_CORRECT_CHARS)
    with pytest.raises(InputTextError, match="at most"):
        textlib.check_correct_length("a" * (textlib.MAX_CORRECT_CHARS + 1))


def test_sentences_have_offsets_into_the_text() -> None:
    text = '  He said "Stop!" Then he left.\n\nNew paragraph?  Yes…  ok '
    spans = textlib.split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        'He said "Stop!"',
        "Then he left.",
        "New paragraph?",
        "Yes…",
        "ok",
    ]


def test_long_sentences_are_cut_at_whitespace() -> None:
    text = " ".join(["word"] * 300)  # 1499 characters, no punctuation
    spans = textlib.split_sentences(text, max_chars=100)
    assert all(e - s <= 100 for s, e in spans)
    assert " ".join(text[s:e] for s, e in spans) == text
    glued = "x" * 250
    assert textlib.split_sentences(glued, max_chars=100) == [(0, 100), (100, 200), (200, 250)]


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "...", "\x00\x01"])
def test_degenerate_sentences(text: str) -> None:
    assert all(text[s:e].strip() for s, e in textlib.split_sentences(text))


def test_splitting_a_megabyte_is_fast(deadline) -> None:
    text = ("This is a sentence. " * 50_000)[:1_000_000]
    started = time.perf_counter()
    with deadline(10):
        spans = textlib.split_sentences(text)
    assert len(spans) == 50_000
    assert time.perf_counter() - started < 5
