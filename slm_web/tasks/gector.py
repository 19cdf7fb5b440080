"""GECToR-style edit tags → edits on text. Pure functions, shared by the grammar task and its evaluation.

The tag vocabulary is documented in docs/bundle-format.md. A text is a sequence of *words* (the tokenizer's
pre-tokens, with their character spans); each word carries one tag, and a virtual word before the first one
(the ``[CLS]`` position) carries ``start_tag``, whose only useful form is ``$APPEND_w``.

>>> text = "she go to school yesterday"
>>> words = [("she", (0, 3)), ("go", (4, 6)), ("to", (7, 9)), ("school", (10, 16)), ("yesterday", (17, 26))]
>>> tags = ["$CASE_CAPITAL", "$REPLACE_went", "$KEEP", "$KEEP", "$APPEND_."]
>>> corrected, edits = apply_tags(text, words, tags)
>>> corrected
'She went to school yesterday.'
>>> [(e.start, e.end, e.replacement, e.type) for e in edits]
[(0, 3, 'She', 'capitalization'), (4, 6, 'went', 'replace'), (26, 26, '.', 'missing')]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from .results import Edit

Pretoken = tuple[str, tuple[int, int]]  # what the tokenizer's pre-tokenizer gives: (text, (start, end))
Transforms = Mapping[str, Mapping[str, str]]


class Word(NamedTuple):
    """A word of the text and its character span (a pre-token, named)."""

    text: str
    span: tuple[int, int]

    @property
    def start(self) -> int:
        return self.span[0]

    @property
    def end(self) -> int:
        return self.span[1]


def as_words(words: Sequence[Pretoken]) -> Sequence[Word]:
    """``words`` as :class:`Word` records (callers may pass the tokenizer's plain tuples)."""
    return [w if isinstance(w, Word) else Word(*w) for w in words]


class _Change(NamedTuple):
    """One tag's effect on the text, before conflicts between tags are resolved."""

    start: int
    end: int
    replacement: str
    kind: str  # the edit's type ("spelling", "missing", ...)


# A look at each tag's edit before it is applied: the edit, a changed one, or None to drop it.
Review = Callable[[int, Edit], "Edit | None"]

KEEP = "$KEEP"
# Longer words are never judged misspellings (and keep the edit-distance check cheap).
MAX_SPELLING_CHARS = 40
# A whole ASCII word: letters next to other letters, digits or accents are part of a longer word.
_PLAIN_WORD = re.compile(r"\b[A-Za-z]+\b")
_APOSTROPHES = frozenset("'\u2019")


def apply_tags(
    text: str,
    words: Sequence[Pretoken],
    tags: Sequence[str],
    *,
    start_tag: str = KEEP,
    transforms: Transforms | None = None,
    review: Review | None = None,
) -> tuple[str, list[Edit]]:
    """Apply one tag per word (``tags[i]`` belongs to ``words[i]``) and return ``(corrected text, edits)``.

    Edits are sorted, do not overlap, and carry offsets into ``text``. When two tags would touch the same
    characters, the one on the earlier word wins. Unknown tags, and transforms without an entry, keep the
    word. ``review(i, edit)``, if given, sees each tag's edit first (``i``: the word, ``-1`` before the
    first) and returns it, a changed edit, or None to drop it (``slm_web.tasks.grammar_guards``).
    """
    if len(tags) != len(words):
        raise ValueError(f"{len(tags)} tags for {len(words)} words")
    words = as_words(words)
    tags = _whole_groups(words, _keep_one_of_doubled(words, tags))
    edits: list[Edit] = []
    for i, tag in [(-1, start_tag), *enumerate(tags)]:
        change = _change(text, words, i, tag, transforms or {})
        edit = None if change is None else _as_edit(text, change)
        if edit is not None and review is not None:
            edit = review(i, edit)
        if edit is not None and not any(_conflict(edit, e) for e in edits):
            edits.append(edit)
    edits.sort(key=lambda e: (e.start, e.end))
    return apply_edits(text, edits), edits


def tag_kind(text: str, words: Sequence[Pretoken], i: int, tag: str, transforms: Transforms | None = None
             ) -> str | None:
    """The error type ``tag`` on word ``i`` (``-1``: before the first) would report; None if it does nothing.

    >>> ws = [("I", (0, 1)), ("recieve", (2, 9)), ("it", (10, 12))]
    >>> tag_kind("I recieve it", ws, 1, "$REPLACE_receive"), tag_kind("I recieve it", ws, 0, "$CASE_CAPITAL")
    ('spelling', None)
    """
    change = _change(text, as_words(words), i, tag, transforms or {})
    return None if change is None else change.kind


def _as_edit(text: str, change: _Change) -> Edit:
    return Edit(change.start, change.end, text[change.start : change.end], change.replacement, change.kind)


def _keep_one_of_doubled(words: Sequence[Word], tags: Sequence[str]) -> list[str]:
    """A doubled word tagged ``$DELETE`` twice keeps one copy.

    Taggers see both copies of "the the" as the unnecessary one and tag each ``$DELETE``; applied as they
    are, the sentence would lose the word entirely ("to the the park" -> "to park").
    """
    kept = list(tags)
    for i in range(1, len(words)):
        if kept[i] == kept[i - 1] == "$DELETE" and words[i].text.lower() == words[i - 1].text.lower():
            kept[i - 1] = KEEP
    return kept


def spelling_edits(text: str, spellings: Mapping[str, str]) -> list[Edit]:
    """Edits replacing each listed word of ``text`` (``spellings``: lowercase word -> right spelling).

    >>> table = {"recieved": "received", "friday": "Friday"}
    >>> [(e.start, e.original, e.replacement, e.type) for e in spelling_edits("Recieved it friday", table)]
    [(0, 'Recieved', 'Received', 'spelling'), (12, 'friday', 'Friday', 'capitalization')]
    """
    edits = []
    for m in _PLAIN_WORD.finditer(text):
        word = m.group()
        new = _with_case_of(word, spellings.get(word.lower(), word))
        if new != word:
            kind = "capitalization" if new.lower() == word.lower() else "spelling"
            edits.append(Edit(m.start(), m.end(), word, new, kind))
    return edits


def _whole_groups(words: Sequence[Word], tags: Sequence[str]) -> list[str]:
    """Edits of a word written as several attached words ("it's" = "it", "'", "s") change it as a whole.

    Training labels "it's" -> "its" as ``$REPLACE_its`` on "it" and ``$DELETE`` on "'" and "s", so a deletion
    inside such a group belongs to a replacement. When only some of those tags pass the threshold:

    - the first part is replaced: the other parts go too (not "itss");
    - a contraction loses parts but nothing replaces them ("you're" -> "you", "who's" -> "whos"): it stays.

    Groups without an apostrophe ("word," with a stray comma) keep their tags.

    >>> ws = as_words([("it", (0, 2)), ("'", (2, 3)), ("s", (3, 4)), ("tail", (5, 9))])
    >>> _whole_groups(ws, ["$REPLACE_its", "$DELETE", "$KEEP", "$KEEP"])
    ['$REPLACE_its', '$DELETE', '$DELETE', '$KEEP']
    >>> _whole_groups(ws, ["$KEEP", "$DELETE", "$DELETE", "$KEEP"])
    ['$KEEP', '$KEEP', '$KEEP', '$KEEP']
    """
    kept = list(tags)
    i = 0
    while i < len(words):
        end = i + 1  # the group: words[i:end], each starting where the previous one ends
        while end < len(words) and words[end].start == words[end - 1].end:
            end += 1
        rest = kept[i + 1 : end]
        if kept[i].startswith("$REPLACE_") and "$DELETE" in rest:
            kept[i + 1 : end] = ["$DELETE"] * len(rest)
        elif (any(w in _APOSTROPHES for w, _ in words[i + 1 : end]) and "$DELETE" in rest
              and kept[i] != "$DELETE" and set(rest) <= {KEEP, "$DELETE"}):
            kept[i + 1 : end] = [KEEP] * len(rest)
        i = end
    return kept


def join_word_edits(text: str, edits: Sequence[Edit]) -> list[Edit]:
    """Sorted edits with those touching one written word with an apostrophe joined into one edit.

    Tags change a contraction part by part ("it's" -> "its" is "it" -> "its", "'" and "s" deleted); a reader
    wants one suggestion for the word. The joined edit keeps the first part's type.

    >>> text = "wagged it's tail"
    >>> parts = [Edit(7, 9, "it", "its", "replace"), Edit(9, 10, "'", "", "unnecessary"),
    ...          Edit(10, 11, "s", "", "unnecessary")]
    >>> join_word_edits(text, parts)
    [Edit(start=7, end=11, original="it's", replacement='its', type='replace', explanation='')]
    """
    joined: list[Edit] = []
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        last = joined[-1] if joined else None
        if last is not None and _parts_of_one_word(text, last, e):
            gap = text[last.end : e.start]
            whole = text[last.start : e.end]
            joined[-1] = Edit(last.start, e.end, whole, last.replacement + gap + e.replacement, last.type)
        else:
            joined.append(e)
    return joined


def _parts_of_one_word(text: str, a: Edit, b: Edit) -> bool:
    """``a`` and ``b`` (in order) change parts of one written word that has an apostrophe (not insertions:
    a full stop appended to the word is a suggestion of its own)."""
    span = text[a.start : b.end]
    return (a.start < a.end and b.start < b.end and not any(c.isspace() for c in span)
            and bool(_APOSTROPHES.intersection(span)))


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """``text`` with non-overlapping ``edits`` applied (insertion first at equal starts)."""
    out, pos = [], 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        out += (text[pos : e.start], e.replacement)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


class _Placed(NamedTuple):
    """An edit of either pass, placed in the current text (after the earlier pass) for merging."""

    start: int
    end: int
    insertion: bool  # it covers no original character
    edit: Edit
    later: bool  # from the later pass


def compose_edits(original: str, earlier: Sequence[Edit], later: Sequence[Edit]) -> list[Edit]:
    """Edits on ``original`` equivalent to applying ``earlier`` and then ``later``.

    ``later`` has offsets into ``apply_edits(original, earlier)`` (the next tagging pass). Edits of the two
    passes that touch the same characters merge into one edit spanning both; the merged edit keeps the earlier
    pass's type (later passes mostly finish an edit, e.g. capitalise a replaced first word), and disappears
    if the later pass undid the earlier one.
    """
    current = apply_edits(original, earlier)
    items: list[_Placed] = []
    delta = 0
    for e in sorted(earlier, key=lambda e: (e.start, e.end)):
        start = e.start + delta
        items.append(_Placed(start, start + len(e.replacement), e.start == e.end, e, False))
        delta += len(e.replacement) - (e.end - e.start)
    items += [_Placed(e.start, e.end, e.start == e.end, e, True) for e in later]
    items.sort(key=lambda it: (it.start, it.end))

    clusters: list[list[_Placed]] = []
    for item in items:
        if clusters:
            cluster = clusters[-1]
            run_end = max(it.end for it in cluster)
            # Overlapping edits merge; so do two insertions at the same point, whose order would be ambiguous.
            touching = item.start == run_end and item.insertion and _original_width(cluster) == 0
            if item.start < run_end or touching:
                cluster.append(item)
                continue
        clusters.append([item])

    result = []
    delta = 0  # how much longer the current text is than the original before this cluster
    for cluster in clusters:
        cur_start, cur_end = cluster[0].start, max(it.end for it in cluster)
        orig_start = cur_start - delta
        orig_end = orig_start + _original_width(cluster)
        delta += (cur_end - cur_start) - (orig_end - orig_start)
        later_edits = [it.edit for it in cluster if it.later]
        replacement = current[cur_start:cur_end]
        if later_edits:
            shifted = [
                Edit(e.start - cur_start, e.end - cur_start, "", e.replacement, e.type) for e in later_edits
            ]
            replacement = apply_edits(replacement, shifted)
        if replacement == original[orig_start:orig_end]:
            continue  # a later pass undid an earlier edit
        earlier_edits = [it.edit for it in cluster if not it.later]
        kind = (earlier_edits or later_edits)[0].type
        result.append(Edit(orig_start, orig_end, original[orig_start:orig_end], replacement, kind))
    return result


def _original_width(cluster: list[_Placed]) -> int:
    """How many characters of the original text a cluster of edits (in current coordinates) covers."""
    width = max(it.end for it in cluster) - cluster[0].start
    grown = sum(len(it.edit.replacement) - (it.edit.end - it.edit.start) for it in cluster if not it.later)
    return width - grown


def looks_misspelled(word: str, replacement: str) -> bool:
    """Heuristic for the error type of ``$REPLACE_w``: a small edit distance between letters-only words.

    >>> looks_misspelled("recieve", "receive"), looks_misspelled("their", "there")
    (True, False)
    >>> looks_misspelled("a", "an")
    False
    """
    a, b = word.lower(), replacement.lower()
    if a == b or not (a.isalpha() and b.isalpha()) or not 3 <= min(len(a), len(b)) <= MAX_SPELLING_CHARS:
        return False
    limit = max(1, min(len(a), len(b)) // 4)
    return abs(len(a) - len(b)) <= limit and _osa_distance(a, b, limit) <= limit


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (edits and adjacent swaps), stopping early above ``limit``."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        prev2, prev = prev, row
    return prev[-1]


def _conflict(a: Edit, b: Edit) -> bool:
    """Two edits touch the same characters (or insert at the same point)."""
    if a.start == a.end and b.start == b.end:
        return a.start == b.start
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return a.start < b.end and b.start < a.end


def _change(text: str, words: Sequence[Word], i: int, tag: str, transforms: Transforms) -> _Change | None:
    """The effect of ``tag`` on word ``i`` (``-1`` is the virtual start word), or None to keep it."""
    if tag in _WHOLE_TAGS:
        return _WHOLE_TAGS[tag](text, words, i) if i >= 0 else None
    for prefix, action in _PREFIX_TAGS.items():
        if tag.startswith(prefix) and len(tag) > len(prefix):
            return action(text, words, i, tag[len(prefix) :], transforms)
    return None


def _delete(text: str, words: Sequence[Word], i: int) -> _Change:
    start, end = words[i].span
    if i > 0:  # take the space before the word with it
        while start > words[i - 1].end and text[start - 1].isspace():
            start -= 1
    else:  # the first word has none: take the space after it
        while end < len(text) and text[end].isspace():
            end += 1
    return _Change(start, end, "", "unnecessary")


def _merge_space(text: str, words: Sequence[Word], i: int) -> _Change | None:
    if i + 1 >= len(words):
        return None
    start, end = words[i].end, words[i + 1].start
    if start == end or not text[start:end].isspace():
        return None
    return _Change(start, end, "", "spelling")


def _append(text: str, words: Sequence[Word], i: int, word: str, _: Transforms) -> _Change:
    if i < 0:  # before the first word
        at = words[0].start if words else len(text)
        return _Change(at, at, word + (" " if words and not _attaches(word) else ""), "missing")
    at = words[i].end
    return _Change(at, at, word if _attaches(word) else " " + word, "missing")


def _replace(text: str, words: Sequence[Word], i: int, word: str, _: Transforms) -> _Change | None:
    if i < 0:
        return None
    start, end = words[i].span
    kind = "spelling" if looks_misspelled(text[start:end], word) else "replace"
    if _attaches(word) and i > 0 and text[words[i - 1].end : start].isspace():
        start = words[i - 1].end  # as appended punctuation does: "There are" -> "There's", "a and" -> "a,"
    return _substitute(text, start, end, word, kind)


def _case(text: str, words: Sequence[Word], i: int, name: str, _: Transforms) -> _Change | None:
    convert = _CASES.get(name)
    if i < 0 or convert is None:
        return None
    start, end = words[i].span
    return _substitute(text, start, end, convert(text[start:end]), "capitalization")


def _transform(text: str, words: Sequence[Word], i: int, name: str, transforms: Transforms) -> _Change | None:
    if i < 0:
        return None
    start, end = words[i].span
    word = text[start:end]
    new = transforms.get(name, {}).get(word.lower())
    if new is None:
        return None
    new = _with_case_of(word, new)
    kind = next((k for p, k in _TRANSFORM_TYPES.items() if name.startswith(p)), "replace")
    return _substitute(text, start, end, new, kind)


def _with_case_of(word: str, new: str) -> str:
    """``new`` written like ``word``: all capitals, or a leading capital (a capital in ``new`` stays)."""
    if len(word) > 1 and word.isupper():
        return new.upper()
    return new[:1].upper() + new[1:] if word[:1].isupper() else new


def _substitute(text: str, start: int, end: int, new: str, kind: str) -> _Change | None:
    return None if new == text[start:end] else _Change(start, end, new, kind)


def _attaches(word: str) -> bool:
    """Punctuation such as ``.`` or ``,`` follows a word without a space; opening brackets/quotes do not."""
    return bool(word) and unicodedata.category(word[0]) in ("Po", "Pe", "Pf", "Pd")


_WHOLE_TAGS: dict[str, Callable[[str, Sequence[Word], int], _Change | None]] = {
    "$DELETE": _delete,
    "$MERGE_SPACE": _merge_space,
}
_PREFIX_TAGS = {"$APPEND_": _append, "$REPLACE_": _replace, "$CASE_": _case, "$TRANSFORM_": _transform}
_CASES: dict[str, Callable[[str], str]] = {
    "CAPITAL": lambda w: w[:1].upper() + w[1:],
    "LOWER": str.lower,
    "UPPER": str.upper,
}
_TRANSFORM_TYPES = {"VERB_": "verb form", "AGREEMENT_": "noun number"}
