"""Which indefinite article a word takes: "a" before a consonant sound, "an" before a vowel sound.

The spelling is the rule ("an apple", "a dog") and a table lists the words it gets wrong ("a university",
"an hour"). Grammar bundles ship that table in ``task_config["article_sounds"]``, derived from the CMU
Pronouncing Dictionary at export time (``students/grammar/pronunciation.py``; docs/bundle-format.md); a
bundle without it gets :data:`BUILT_IN`, a short hand-made list of the common exceptions.

``article_for`` answers ``None`` when the sound is not known (a lowercase single letter, a digit, a word
said both ways, a rare word whose first letter is an unreliable guide): callers then leave the text alone.

>>> sounds = ArticleSounds.from_config(None)
>>> [sounds.article_for(w) for w in ["apple", "hour", "university", "one-way", "MRI", "USB", "X-ray", "UN"]]
['an', 'an', 'a', 'a', 'an', 'a', 'an', 'a']
>>> sounds.article_for("8-hour") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

A, AN = "a", "an"
_LEADING_LETTERS = re.compile(r"[A-Za-z]+")
VOWEL_LETTERS = "aeiou"
# Letters inside an all-capital word that make it read as a word ("NASA", "FLY") rather than letter by
# letter ("MRI", "HTML"): a vowel anywhere but at the end.
_INNER_VOWELS = frozenset("AEIOUY")


def _words(text: str) -> frozenset[str]:
    """A word list written as one space-separated string (easier to read and edit than a list literal)."""
    return frozenset(text.split())


@dataclass(frozen=True)
class ArticleSounds:
    """The exceptions to the letter rule and the rules for initialisms (all lowercase)."""

    consonant: frozenset[str]  # spelled with a vowel letter, said with a consonant sound: "a university"
    vowel: frozenset[str]  # spelled with a consonant, said with a vowel sound: "an hour"
    either: frozenset[str]  # said both ways ("herb"): no answer
    consonant_prefixes: tuple[str, ...]  # vowel-letter beginnings said with a consonant: "eu" (Europe)
    unsure_letters: str  # first letters whose words outside the table break the letter rule too often
    initialism_vowel_letters: str  # letters whose names start with a vowel sound: "an MRI", "an FBI agent"

    @classmethod
    def from_config(cls, table: Mapping[str, Any] | None) -> ArticleSounds:
        """The bundle's ``article_sounds`` table, or :data:`BUILT_IN` when the bundle has none."""
        if table is None:
            return BUILT_IN
        return cls(
            consonant=frozenset(table["consonant"]),
            vowel=frozenset(table["vowel"]),
            either=frozenset(table.get("either", ())),
            consonant_prefixes=tuple(table.get("consonant_prefixes", ())),
            unsure_letters=table.get("unsure_letters", ""),
            initialism_vowel_letters=table["initialism_vowel_letters"],
        )

    def article_for(self, following: str) -> str | None:
        """``"a"`` or ``"an"`` for the text that follows the article (its first word decides), or None."""
        match = _LEADING_LETTERS.match(following)
        if match is None:
            return None
        word = match.group()
        lower = word.lower()
        if len(word) == 1:  # a letter said by its name: "an X-ray", "a U-turn", "an F"
            return self._letter_name(word) if word.isupper() or following[1:2] == "-" else None
        if word.isupper() and not _INNER_VOWELS.intersection(word[1:-1]):
            # An initialism, before the table: the table says how the lowercase word sounds ("un", "us"),
            # while "a UN report" and "a US company" are said letter by letter.
            return self._letter_name(word)  # "an MRI", "a USB stick"
        if lower in self.either:
            return None
        if lower in self.consonant:
            return A
        if lower in self.vowel:
            return AN
        letter_name_differs = (lower[0] in self.initialism_vowel_letters) != (lower[0] in VOWEL_LETTERS)
        if word.isupper() and letter_name_differs:
            return None  # "NASA" or "N-A-S-A"? the two readings need different articles
        if lower.startswith(self.consonant_prefixes):
            return A
        if lower[0] in self.unsure_letters:
            return None
        return AN if lower[0] in VOWEL_LETTERS else A

    def _letter_name(self, word: str) -> str:
        return AN if word[0].lower() in self.initialism_vowel_letters else A


def check_table(table: Any) -> bool:
    """Whether ``table`` has the shape :meth:`ArticleSounds.from_config` reads (checked at bundle load)."""
    if not isinstance(table, dict):
        return False
    lists = [table.get(k, []) for k in ("consonant", "vowel", "either", "consonant_prefixes")]
    strings = [table.get(k, "") for k in ("unsure_letters", "initialism_vowel_letters")]
    return ({"consonant", "vowel", "initialism_vowel_letters"} <= table.keys()
            and all(isinstance(v, list) and all(isinstance(w, str) for w in v) for v in lists)
            and all(isinstance(s, str) for s in strings))


# For bundles exported before the table existed: the most frequent exceptions of the derived table.
BUILT_IN = ArticleSounds(
    consonant=_words(
        "one once ones oneself ewe use used uses using useful useless user users usual usually usage united "
        "unit units union unions unique uniquely universe universal university universities uniform "
        "uniforms unicorn unity utility utilities utilize uranium urine utah ukraine ukrainian uganda"
    ),
    vowel=_words(
        "hour hours hourly honest honestly honesty honor honors honored honorable honorary honour honoured "
        "honourable heir heirs heiress heirloom"
    ),
    either=_words("herb herbal us"),
    consonant_prefixes=("eu",),
    unsure_letters="uxy",
    initialism_vowel_letters="aefhilmnorsx",
)
