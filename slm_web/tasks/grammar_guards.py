"""Precision guards: rules that veto or mend a tagger's edits that would damage correct text.

Every grammar bundle's output goes through them (``slm_web.tasks.grammar``). Each guard is a small named
rule, ``guard(sentence, word, edit) -> Edit | None``: it sees one tag's edit (offsets into the sentence,
``word`` the tagged word's index, ``-1`` for the virtual word before the first) and returns it, a mended
copy, or None to drop it. They run in the order of :data:`GUARDS`, before overlapping edits are resolved.

- :func:`keep_sentence_capital`: the word that starts a sentence keeps its capital unless the edit is a
  case fix ("An honest review" is not turned into "a honest review");
- :func:`article_by_sound`: "a"/"an" follow the next word's sound (:mod:`slm_web.tasks.article_sounds`):
  a swap the pronunciation contradicts is dropped, an inserted article takes the right form;
- :func:`keep_content_words`: ``$DELETE`` removes only function words (:data:`FUNCTION_WORDS`) and a word
  repeated next to itself ("the the"), never a noun, verb or adjective;
- :func:`keep_possessive_subject`: "Whose umbrella is this?" is not turned into "Who's umbrella…";

and two that are not per-edit: :func:`missed_articles` fixes a wrong "a"/"an" the tagger left alone, and
:class:`Thresholds` gives each error type its own confidence bar (``min_confidence_by_kind``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..registry import EDIT_TYPES as KINDS  # the keys of ``min_confidence_by_kind``
from .article_sounds import ArticleSounds
from .gector import Word
from .results import Edit


def _words(text: str) -> frozenset[str]:
    """A word list written as one space-separated string (easier to read and edit than a list literal)."""
    return frozenset(text.split())


# The closed classes a deletion may remove: removing one of these can fix a sentence ("more better",
# "to discuss about"); removing a noun, verb or adjective only ever loses meaning.
FUNCTION_WORDS: Mapping[str, frozenset[str]] = {
    "articles and determiners": _words(
        "a an the this that these those some any no every each all both either neither another such much "
        "many more most few less"
    ),
    "prepositions": _words(
        "about above across after against along among around at before behind below beneath beside besides "
        "between beyond by despite down during except for from in inside into like near of off on onto out "
        "outside over past per since than through throughout till to toward towards under underneath until "
        "unto up upon via with within without"
    ),
    "auxiliaries": _words(
        "be am is are was were been being have has had having do does did will would shall should can could "
        "may might must ought"
    ),
    "pronouns": _words(
        "i me my mine myself you your yours yourself yourselves he him his himself she her hers herself it "
        "its itself we us our ours ourselves they them their theirs themselves who whom whose which what "
        "whoever whatever"
    ),
    "conjunctions": _words(
        "and or but nor so yet because although though if unless while whereas whether as once then"
    ),
    "particles": _words("not there too also just even only very really"),
}
_FUNCTION = frozenset().union(*FUNCTION_WORDS.values())
# Possessives a tagger confuses with a pronoun + "is"/"are" contraction.
POSSESSIVE_CONTRACTIONS: Mapping[str, str] = {"whose": "who's", "its": "it's", "their": "they're",
                                              "your": "you're"}
FINITE_VERBS = _words(
    "is are was were has have had does did do will would can could shall should may might must"
)
# The word after the next one: "Whose umbrella is" -> "is".
_WORD_AFTER_NEXT = re.compile(r"\s+[A-Za-z]+\s+([A-Za-z]+)\b")
_ARTICLES = frozenset({"a", "an"})
_OPENING = frozenset("\"'“‘([{")
# An article standing alone before a word: "a apple", "An hour" (not "a.m.", "Plan-a", "a-ha").
_ARTICLE_BEFORE = re.compile(r"(?<![\w'’.-])(a|an|A|An|AN)(?=\s+[A-Za-z])")


@dataclass(frozen=True)
class Sentence:
    """What a guard may look at: the sentence being tagged, its words, the bundle's pronunciation table."""

    text: str
    words: Sequence[Word]
    sounds: ArticleSounds

    def first_word(self) -> int | None:
        """Index of the word that starts the sentence (opening quotes and brackets come before it)."""
        return next((i for i, (w, _) in enumerate(self.words) if any(c.isalnum() for c in w)), None)


Guard = Callable[[Sentence, int, Edit], "Edit | None"]


def keep_sentence_capital(sentence: Sentence, word: int, edit: Edit) -> Edit | None:
    """A replacement or deletion of the sentence's first word leaves a capital at the sentence's start."""
    first = sentence.first_word()
    if first is None or word != first or edit.type == "capitalization":
        return edit
    text, (start, _) = sentence.text, sentence.words[first][1]
    if not text[start].isupper() or edit.start > start:
        return edit
    if edit.replacement[:1].islower():  # "An" -> "a": "A"
        return replace(edit, replacement=edit.replacement[0].upper() + edit.replacement[1:])
    if not edit.replacement and text[edit.end : edit.end + 1].islower():  # "So we went" -> "We went"
        end = edit.end + 1
        return Edit(edit.start, end, text[edit.start : end], text[edit.end].upper(), edit.type)
    return edit


def article_by_sound(sentence: Sentence, word: int, edit: Edit) -> Edit | None:
    """An edit that leaves "a" or "an" before a word uses the article the word's sound asks for.

    A swap the pronunciation contradicts ("An honest" -> "A honest") is dropped; an inserted or replaced
    article takes the right form ("buy apple" -> "buy an apple"). Unknown sounds leave the edit alone.
    """
    new_words = edit.replacement.split()
    if not new_words or new_words[-1].lower() not in _ARTICLES:
        return edit
    cut = edit.replacement.rfind(new_words[-1])
    before, rest = edit.replacement[:cut], edit.replacement[cut + len(new_words[-1]) :]
    after = rest + sentence.text[edit.end :]
    right = sentence.sounds.article_for(after.lstrip())
    if right is None or not after[:1].isspace():
        return edit
    if edit.original.strip().lower() == right:
        return None  # the article was right already
    return replace(edit, replacement=before + _in_case_of(new_words[-1], right) + rest)


def keep_content_words(sentence: Sentence, word: int, edit: Edit) -> Edit | None:
    """A deletion (or a replacement by punctuation) of a whole word must be of a function word or a repeat."""
    if word < 0 or any(c.isalnum() for c in edit.replacement):
        return edit
    text, words = sentence.text, sentence.words
    token, (start, end) = words[word]
    if not token.isalpha() or not _standalone(text, start) or not edit.start <= start < end <= edit.end:
        return edit  # punctuation, or part of a longer written word ("it" + "'" + "s")
    neighbours = [words[j][0].lower() for j in (word - 1, word + 1) if 0 <= j < len(words)]
    if token.lower() in _FUNCTION or token.lower() in neighbours:
        return edit
    return None


def keep_possessive_subject(sentence: Sentence, word: int, edit: Edit) -> Edit | None:
    """"Whose umbrella is this?" keeps "Whose": a possessive followed by a noun and a verb is not "who is".

    The contraction is right before a verb or adjective ("their going" -> "they're going"), wrong before
    the noun a possessive qualifies; a finite verb right after that next word shows it was a noun.
    """
    old, new = edit.original.strip().lower(), edit.replacement.strip().lower().replace("’", "'")
    if POSSESSIVE_CONTRACTIONS.get(old) != new:
        return edit
    after = _WORD_AFTER_NEXT.match(sentence.text, edit.end)
    return None if after and after.group(1).lower() in FINITE_VERBS else edit


def _standalone(text: str, start: int) -> bool:
    """The word at ``start`` is written on its own (after a space, or an opening quote or bracket that is)."""
    if start > 0 and text[start - 1] in _OPENING:
        start -= 1
    return start == 0 or text[start - 1].isspace()


GUARDS: tuple[Guard, ...] = (
    keep_sentence_capital, article_by_sound, keep_content_words, keep_possessive_subject,
)


def review(sentence: Sentence, word: int, edit: Edit) -> Edit | None:
    """``edit`` after every guard (None: dropped)."""
    for guard in GUARDS:
        kept = guard(sentence, word, edit)
        if kept is None:
            return None
        edit = kept
    return edit


def missed_articles(text: str, sounds: ArticleSounds) -> list[Edit]:
    """Fixes of "a"/"an" that contradict the next word's known sound ("a apple", "an university").

    Only where the article is surely one: lowercase, or capitalised at the start of the text (a capital
    "A" inside a sentence is often a name: "Plan A", "type A error"), and before a content word ("plan a
    or b" is left alone).

    >>> fixes = missed_articles("A hour ago I ate a apple.", ArticleSounds.from_config(None))
    >>> [(e.original, e.replacement) for e in fixes]
    [('A', 'An'), ('a', 'an')]
    """
    edits = []
    for m in _ARTICLE_BEFORE.finditer(text):
        article = m.group()
        if article[0].isupper() and text[: m.start()].strip("\"'“‘([{ "):
            continue
        following = text[m.end() :].lstrip()
        next_word = re.match(r"[A-Za-z]+", following)
        if next_word is None or next_word.group().lower() in _FUNCTION:
            continue
        right = sounds.article_for(following)
        if right is not None and right != article.lower():
            edits.append(Edit(m.start(), m.end(), article, _in_case_of(article, right), "replace"))
    return edits


def _in_case_of(article: str, right: str) -> str:
    if article.isupper() and len(article) > 1:
        return right.upper()
    return right.capitalize() if article[0].isupper() else right


@dataclass(frozen=True)
class Thresholds:
    """The confidence a tag needs, per error type: ``min_confidence_by_kind`` falling back to ``default``.

    A caller's explicit ``min_confidence`` is one bar for every kind (the bundle's map is then ignored).

    >>> t = Thresholds.from_config({"min_confidence": 0.8, "min_confidence_by_kind": {"spelling": 0.6}}, None)
    >>> t.of("spelling"), t.of("missing"), Thresholds.from_config({}, 0.3).of("spelling")
    (0.6, 0.8, 0.3)
    """

    default: float
    by_kind: Mapping[str, float]

    @classmethod
    def from_config(cls, config: Mapping[str, Any], override: float | None) -> Thresholds:
        if override is not None:
            return cls(override, {})
        return cls(config.get("min_confidence", 0.5), dict(config.get("min_confidence_by_kind", {})))

    def of(self, kind: str) -> float:
        return self.by_kind.get(kind, self.default)


def check_thresholds(by_kind: Any) -> bool:
    """Whether ``min_confidence_by_kind`` maps known error types to numbers (checked at bundle load)."""
    return isinstance(by_kind, dict) and all(
        k in KINDS and isinstance(v, int | float) and not isinstance(v, bool) for k, v in by_kind.items()
    )

