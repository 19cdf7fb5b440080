"""The user's say over grammar: a personal dictionary, ignored suggestions, and edit types switched off.

>>> prefs = GrammarPreferences()
>>> prefs.add_words(["Ksenia", "iPhone"])
2
>>> prefs.allows(Edit(3, 9, "ksenia", "Xenia", "spelling"))  # a dictionary word is never respelled
False
>>> prefs.allows(Edit(3, 9, "ksenia", "Ksenia", "capitalization"))  # but it gets the dictionary's case
True
>>> text, edit = "Its late.", Edit(0, 3, "Its", "It's", "replace")
>>> prefs.ignore(text, edit)
>>> prefs.ignores(text, edit), prefs.ignores("Its late!", edit)
(True, False)
>>> prefs.disable(["spelling"])
['spelling']
>>> GrammarPreferences.from_json(prefs.to_json()).to_json() == prefs.to_json()
True

- **Dictionary**: words without whitespace, of at most :data:`MAX_WORD_CHARS` characters, at most
  :data:`~slm_web.registry.MAX_DICTIONARY_WORDS` of them. A spelling edit never changes a dictionary word,
  whatever its case ("ksenia" neither); a capitalization edit never changes one written exactly as in the
  dictionary ("iPhone" at the start of a sentence).
- **Ignored suggestions**: each is remembered by a hash (:func:`ignore_key`) of its type, original,
  replacement and the :data:`CONTEXT_WORDS` words on either side, never by the text itself; the same
  suggestion between the same words is not made again, wherever it is in the text. At most
  :data:`MAX_IGNORED`; past that the oldest is forgotten.
- **Types switched off**: edit types (:data:`~slm_web.registry.EDIT_TYPES`) no result reports.
- **Persistence**: :meth:`GrammarPreferences.to_json` / :meth:`GrammarPreferences.from_json`, versioned;
  loading refuses anything else with a one-line :class:`~slm_web.errors.InputTextError`.

The grammar task filters its edits here (:mod:`slm_web.tasks.grammar`): the dictionary and the types
switched off before an edit is applied (so a later pass never builds on it), ignored suggestions on the
final edits (their hash needs the caller's text). Nothing here touches the network or the disk.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..errors import InputTextError, short_repr
from ..registry import EDIT_TYPES, MAX_DICTIONARY_WORDS
from . import saved_json
from .results import EDIT_FIELDS, Edit

FORMAT = "slm-web grammar preferences"
VERSION = 1
MAX_WORD_CHARS = 64
MAX_IGNORED = 10_000
CONTEXT_WORDS = 2
# Where the context words are looked for: a bounded window, so a key costs the same in any text.
CONTEXT_CHARS = 80
KEY_HEX_DIGITS = 32  # 128 bits of sha256: no two suggestions share one by chance
MAX_JSON_CHARS = 4 * 1024 * 1024
_KEY = re.compile(rf"[0-9a-f]{{{KEY_HEX_DIGITS}}}")


def ignore_key(text: str, edit: Edit) -> str:
    """The hash an ignored ``edit`` of ``text`` is remembered by.

    >>> ignore_key("Hi. So its late.", Edit(7, 10, "its", "it's", "replace")) == ignore_key(
    ...     "Oh well. Hi. So its late.", Edit(16, 19, "its", "it's", "replace"))
    True
    """
    before = text[max(0, edit.start - CONTEXT_CHARS) : edit.start].split()[-CONTEXT_WORDS:]
    after = text[edit.end : edit.end + CONTEXT_CHARS].split()[:CONTEXT_WORDS]
    material = "\x1f".join([edit.type, edit.original, edit.replacement, " ".join(before), " ".join(after)])
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:KEY_HEX_DIGITS]


class GrammarPreferences:
    """A personal dictionary, the keys of ignored suggestions and the edit types switched off."""

    def __init__(self) -> None:
        self._words: set[str] = set()
        self._folded: set[str] = set()  # the words casefolded, for spelling edits
        self._ignored: dict[str, None] = {}  # key -> None, oldest first
        self._disabled: set[str] = set()

    # ---- dictionary
    def add_words(self, words: Iterable[str]) -> int:
        """Add words to the dictionary; returns how many it holds."""
        new = {_checked_word(w) for w in words} - self._words
        if len(self._words) + len(new) > MAX_DICTIONARY_WORDS:
            raise InputTextError(f"the dictionary holds at most {MAX_DICTIONARY_WORDS} words")
        self._words |= new
        self._refold()
        return len(self._words)

    def remove_words(self, words: Iterable[str]) -> int:
        """Remove words from the dictionary (unknown ones are no error); returns how many it holds."""
        self._words -= set(words)
        self._refold()
        return len(self._words)

    def dictionary(self) -> list[str]:
        """The dictionary's words, sorted."""
        return sorted(self._words)

    def _refold(self) -> None:
        self._folded = {w.casefold() for w in self._words}

    # ---- ignored suggestions
    def ignore(self, text: str, edit: Edit | Mapping[str, Any]) -> None:
        """Never make the suggestion ``edit`` (from correcting ``text``) between the same words again."""
        edit = edit if isinstance(edit, Edit) else Edit(**{f: edit[f] for f in EDIT_FIELDS})
        if not (edit.start <= edit.end <= len(text) and text[edit.start : edit.end] == edit.original):
            raise InputTextError("ignore(): the edit's original is not at its start..end in this text")
        key = ignore_key(text, edit)
        self._ignored.pop(key, None)
        self._ignored[key] = None
        while len(self._ignored) > MAX_IGNORED:
            del self._ignored[next(iter(self._ignored))]

    def ignores(self, text: str, edit: Edit) -> bool:
        return bool(self._ignored) and ignore_key(text, edit) in self._ignored

    # ---- edit types
    def disable(self, types: Iterable[str]) -> list[str]:
        """Switch edit types off; returns the types switched off, in :data:`EDIT_TYPES` order."""
        self._disabled |= set(types)
        return self.disabled()

    def enable(self, types: Iterable[str]) -> list[str]:
        """Switch edit types back on; returns the types still off."""
        self._disabled -= set(types)
        return self.disabled()

    def disabled(self) -> list[str]:
        return [t for t in EDIT_TYPES if t in self._disabled]

    def allows(self, edit: Edit, disable: Iterable[str] = ()) -> bool:
        """Whether ``edit`` may be made: its type is on (here and in the call's ``disable``), and it does
        not change a dictionary word the way the dictionary rules out."""
        if edit.type in self._disabled or edit.type in disable:
            return False
        word = edit.original.strip()
        if edit.type == "spelling":
            return word.casefold() not in self._folded
        return edit.type != "capitalization" or word not in self._words

    # ---- all of it
    def to_json(self) -> str:
        """The preferences as a JSON document (see :meth:`from_json`)."""
        return json.dumps({"format": FORMAT, "version": VERSION, "dictionary": self.dictionary(),
                           "ignored": list(self._ignored), "disabled": self.disabled()},
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, document: str) -> GrammarPreferences:
        """Preferences from :meth:`to_json`'s output; anything else raises a one-line InputTextError."""
        data = saved_json.read(document, "grammar preferences", VERSION, MAX_JSON_CHARS, FORMAT)
        words, keys, types = data.get("dictionary"), data.get("ignored"), data.get("disabled")
        if not _list_of(words, MAX_DICTIONARY_WORDS, lambda w: isinstance(w, str)):
            raise InputTextError(f"grammar preferences: dictionary must be a list of at most "
                                 f"{MAX_DICTIONARY_WORDS} words")
        if not _list_of(keys, MAX_IGNORED, lambda k: isinstance(k, str) and _KEY.fullmatch(k) is not None):
            raise InputTextError(f"grammar preferences: ignored must be a list of at most {MAX_IGNORED} "
                                 f"keys of {KEY_HEX_DIGITS} hex digits")
        if not _list_of(types, len(EDIT_TYPES), lambda t: t in EDIT_TYPES):
            raise InputTextError(f"grammar preferences: disabled must list edit types of {EDIT_TYPES}")
        prefs = cls()
        prefs.add_words(words)
        prefs._ignored = dict.fromkeys(keys)
        prefs.disable(types)
        return prefs


def _checked_word(word: Any) -> str:
    if not (isinstance(word, str) and 0 < len(word) <= MAX_WORD_CHARS and not any(c.isspace() for c in word)):
        raise InputTextError(f"a dictionary word is one word of 1 to {MAX_WORD_CHARS} characters without "
                             f"spaces, not {short_repr(word)}")
    return word


def _list_of(value: Any, most: int, fits: Callable[[Any], bool]) -> bool:
    return isinstance(value, list) and len(value) <= most and all(fits(v) for v in value)
