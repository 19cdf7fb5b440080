"""A sentence as a list of editable tokens, and the small edits the error generators make on it.

``tokenize`` splits a sentence into ``Tok`` (text + the whitespace after it) so that an edit keeps the
rest of the sentence byte for byte; ``detokenize`` joins them again.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Tok:
    """One token of a sentence and the whitespace that follows it."""

    text: str
    ws: str = " "


_TOKEN = re.compile(r"(\w+(?:'\w+)*|\S)(\s*)")


def tokenize(sentence: str) -> list[Tok]:
    return [Tok(m.group(1), m.group(2)) for m in _TOKEN.finditer(sentence.strip())]


def detokenize(toks: list[Tok]) -> str:
    return "".join(t.text + t.ws for t in toks).strip()


# --- small helpers ----------------------------------------------------------------------------------
def keep_case(src: str, dst: str) -> str:
    """``dst`` with ``src``'s leading capital (errors keep the writer's capitalisation)."""
    return dst[:1].upper() + dst[1:] if src[:1].isupper() else dst


def where(toks: list[Tok], ok: Callable[[int], bool]) -> list[int]:
    return [i for i in range(len(toks)) if ok(i)]


def set_word(toks: list[Tok], i: int, text: str) -> None:
    toks[i].text = keep_case(toks[i].text, text)


def delete_at(toks: list[Tok], i: int) -> None:
    if i > 0:
        toks[i - 1].ws = toks[i - 1].ws or toks[i].ws
    del toks[i]


def insert_at(toks: list[Tok], i: int, text: str) -> None:
    """Insert the word ``text`` before position ``i``."""
    toks.insert(i, Tok(text, " "))


def lower_at(toks: list[Tok], i: int) -> str:
    return toks[i].text.lower()


def pair_at(toks: list[Tok], i: int) -> str:
    return f"{lower_at(toks, i)} {lower_at(toks, i + 1)}" if i + 1 < len(toks) else ""


def replace_from_table(toks: list[Tok], rng: random.Random, table: dict[str, list[str]]) -> bool:
    """Replace one word (or a two-word key such as "a lot") by one of its confusions in ``table``."""
    spots = [(i, 1, lower_at(toks, i)) for i in range(len(toks)) if lower_at(toks, i) in table]
    spots += [(i, 2, pair_at(toks, i)) for i in range(len(toks) - 1) if pair_at(toks, i) in table]
    if not spots:
        return False
    i, n, key = rng.choice(spots)
    if n == 2:
        toks[i].ws = toks[i + 1].ws
        del toks[i + 1]
    set_word(toks, i, rng.choice(table[key]))
    return True


def near(toks: list[Tok], i: int, words: set[str], before: int = 2) -> bool:
    """Is one of ``words`` among the ``before`` words ahead of position ``i``?"""
    return any(lower_at(toks, j) in words for j in range(max(0, i - before), i))


def next_in(toks: list[Tok], i: int, words: set[str]) -> bool:
    return i + 1 < len(toks) and lower_at(toks, i + 1) in words
