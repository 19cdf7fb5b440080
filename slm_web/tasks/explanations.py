"""One plain-English sentence per grammar edit: why the change is suggested.

:func:`explain` tries the specific rules of :data:`RULES` in order (article sound, sentence start, a
regular ending on an irregular word, agreement after a subject or number, ...) and falls back to the
template of the edit's error type in :data:`TEMPLATES`. Text only: a page shows it with ``textContent``.

>>> e = Edit(8, 9, "a", "an", "replace")
>>> explain("She ate a apple.", e, {})
"Use 'an' before a vowel sound."
>>> explain("she go home", Edit(4, 6, "go", "goes", "verb form"), {})
"After 'she', use 'goes'."
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .results import Edit

Transforms = Mapping[str, Mapping[str, str]]


def _words(text: str) -> frozenset[str]:
    """A word list written as one space-separated string (easier to read and edit than a list literal)."""
    return frozenset(text.split())

# Fallback per error type (every type the tagger and the guards report has one).
TEMPLATES: Mapping[str, str] = {
    "unnecessary": "Leave out '{original}'.",
    "missing": "Add '{replacement}' here.",
    "replace": "Use '{replacement}' here, not '{original}'.",
    "spelling": "'{original}' is misspelled: write '{replacement}'.",
    "capitalization": "Write '{replacement}' with a capital letter.",
    "verb form": "Use the verb form '{replacement}' here, not '{original}'.",
    "noun number": "Use '{replacement}' here, not '{original}'.",
}
OTHER = "Write '{replacement}' instead of '{original}'."
# Punctuation by name, for "Add a comma here." rather than "Add ',' here."
PUNCTUATION: Mapping[str, str] = {
    ",": "a comma", ".": "a full stop", "?": "a question mark", "!": "an exclamation mark",
    ":": "a colon", ";": "a semicolon", "'": "an apostrophe", "’": "an apostrophe", "-": "a hyphen",
}
# Words after which the verb or noun form is decided: "After 'she', use 'goes'.", "After 'two', use 'cats'."
GOVERNORS: Mapping[str, frozenset[str]] = {
    "verb form": _words(
        "i you he she it we they who to can could will would shall should may might must does did doesn't "
        "didn't don't not"
    ),
    "noun number": _words(
        "a an one two three four five six seven eight nine ten many several few both these those this that "
        "each every another"
    ),
}
# Spelled-out past and plural endings of regular words: "buyed" (buy + ed), "childs" (child + s).
_REGULAR_ENDINGS = {"past": ("ed", "d"), "plural": ("s", "es")}
_WORD_BEFORE = re.compile(r"([A-Za-z']+)\W*$")
_APOSTROPHES = frozenset("'’")


@dataclass(frozen=True)
class Site:
    """An edit with what the rules read around it."""

    text: str  # the whole input
    edit: Edit
    transforms: Transforms

    @property
    def original(self) -> str:
        """The words the edit changes; a part of a contraction is shown as the whole word ("don't")."""
        start, end = self._whole_word()
        return self.text[start:end] if start < end else self.edit.original.strip()

    @property
    def replacement(self) -> str:
        start, end = self._whole_word()
        if start == end:
            return self.edit.replacement.strip()
        return self.text[start : self.edit.start] + self.edit.replacement + self.text[self.edit.end : end]

    def _whole_word(self) -> tuple[int, int]:
        """The written word around an edit of part of it ("don" of "don't"), or an empty span."""
        text, start, end = self.text, self.edit.start, self.edit.end
        if start == end or not self.edit.original.isalpha():
            return (0, 0)
        while start > 0 and (text[start - 1].isalpha() or text[start - 1] in _APOSTROPHES):
            start -= 1
        while end < len(text) and (text[end].isalpha() or text[end] in _APOSTROPHES):
            end += 1
        while text[start] in _APOSTROPHES:  # quotation marks around the word are not part of it
            start += 1
        while text[end - 1] in _APOSTROPHES:
            end -= 1
        return (start, end) if (start, end) != (self.edit.start, self.edit.end) else (0, 0)

    def word_before(self) -> str:
        m = _WORD_BEFORE.search(self.text[: self.edit.start])
        return m.group(1) if m else ""


def article_sound(site: Site) -> str | None:
    words = site.replacement.split()
    if site.edit.type == "capitalization" or not words or words[-1].lower() not in ("a", "an"):
        return None
    if words[-1].lower() == "an":
        return "Use 'an' before a vowel sound."
    return "Use 'a' before a consonant sound."


def sentence_start(site: Site) -> str | None:
    before = site.text[: site.edit.start].rstrip(" \t\"'“‘([")
    starts = not before or before[-1] in ".!?\n"
    if site.edit.type == "capitalization" and starts and site.replacement[:1].isupper():
        return "Start a sentence with a capital letter."
    return None


def capital_letters(site: Site) -> str | None:
    new = site.replacement
    if site.edit.type != "capitalization" or not new:
        return None
    if new.isupper() and len(new) > 1:
        return f"Write '{new}' in capital letters."
    return None if new[:1].isupper() else f"Write '{new}' with a small letter."


def irregular_form(site: Site) -> str | None:
    """'buyed' is not a word: the past of 'buy' is 'bought'. (bases read from the bundle's transforms)"""
    old, new = site.original.lower(), site.replacement.lower()
    for name, (table, form) in {"VERB_VBD_VB": ("past", "past"), "VERB_VBN_VB": ("past", "past participle"),
                                "AGREEMENT_SINGULAR": ("plural", "plural")}.items():
        base = site.transforms.get(name, {}).get(new)
        if base and old != new and any(old == stem + end for stem in (base, base.rstrip("e"))
                                       for end in _REGULAR_ENDINGS[table]):
            return f"'{site.original}' is not a word: the {form} of '{base}' is '{site.replacement}'."
    return None


def after_governor(site: Site) -> str | None:
    governors = GOVERNORS.get(site.edit.type)
    before = site.word_before()
    if governors and (before.lower() in governors or before.isdigit()):
        return f"After '{before}', use '{site.replacement}'."
    return None


def repeated_word(site: Site) -> str | None:
    kind, old = site.edit.type, site.original
    if kind == "unnecessary" and old and site.word_before().lower() == old.lower():
        return f"'{site.original}' is repeated."
    return None


def punctuation(site: Site) -> str | None:
    kind = site.edit.type
    if kind == "missing" and site.replacement in PUNCTUATION:
        return f"Add {PUNCTUATION[site.replacement]} here."
    if kind == "unnecessary" and site.original in PUNCTUATION:
        name = PUNCTUATION[site.original].split(" ", 1)[1]  # "a comma" -> "comma"
        return f"Leave out this {name}."
    if kind == "replace" and site.replacement in PUNCTUATION and site.original.isalpha():
        return f"Use {PUNCTUATION[site.replacement]} here instead of '{site.original}'."
    return None


def ending_only(site: Site) -> str | None:
    """A "spelling" edit that only changes an ending ("advices" -> "advice") is a word form, not a typo."""
    old, new = site.original.lower(), site.replacement.lower()
    if site.edit.type == "spelling" and old and new and (old.startswith(new) or new.startswith(old)):
        return f"Use '{site.replacement}' here, not '{site.original}'."
    return None


def one_word(site: Site) -> str | None:
    if " " in site.original and site.original.replace(" ", "") == site.replacement:
        return f"Write '{site.replacement}' as one word."
    return None


Rule = Callable[[Site], "str | None"]
RULES: tuple[Rule, ...] = (article_sound, sentence_start, capital_letters, irregular_form, after_governor,
                           repeated_word, punctuation, ending_only, one_word)


def explain(text: str, edit: Edit, transforms: Transforms) -> str:
    """The explanation of ``edit`` (offsets into ``text``); ``transforms`` are the bundle's tables."""
    site = Site(text, edit, transforms)
    for rule in RULES:
        said = rule(site)
        if said:
            return said
    if not site.original:
        return f"Add '{site.replacement}' here."
    if not site.replacement:
        return f"Leave out '{site.original}'."
    return TEMPLATES.get(edit.type, OTHER).format(original=site.original, replacement=site.replacement)
