"""Training labels: (erroneous text, correct text) -> one GECToR tag per word (docs/bundle-format.md).

This is the inverse of the runtime's tag application (``slm_web/tasks/grammar.py``). Words are the BERT
pre-tokenizer's words; position 0 is the virtual word before the sentence (``[CLS]``).

The encoder is uncased, so it cannot see whether a word already has its capital. Case tags are therefore
*canonical*: every word whose correct form starts with a capital gets ``$CASE_CAPITAL`` (all-caps words
``$CASE_UPPER``) whether or not the input already has it; on a word already right the tag changes nothing.
Words to insert or replace are lower-cased in the tag (a smaller tag vocabulary); the next pass restores
a capital where one is due.
"""

from __future__ import annotations

import difflib

from tokenizers.pre_tokenizers import BertPreTokenizer

from students.grammar import lexicon

KEEP, DELETE, MERGE = "$KEEP", "$DELETE", "$MERGE_SPACE"
_PRE = BertPreTokenizer()


def words(text: str) -> list[tuple[str, int, int]]:
    """The pre-tokenizer's words with their character offsets."""
    return [(w, a, b) for w, (a, b) in _PRE.pre_tokenize_str(text)]


def case_tag(word: str) -> str | None:
    """The canonical case tag of a correct word, or None for a lower-case one."""
    if len(word) > 1 and word.isupper():
        return "$CASE_UPPER"
    return "$CASE_CAPITAL" if word[:1].isupper() else None


def _pair_tag(wrong: str, right: str) -> str:
    """Tag turning one word into another of the same position."""
    if wrong.lower() == right.lower():
        return case_tag(right) or KEEP
    name = lexicon.transform_index().get((wrong.lower(), right.lower()))
    return f"$TRANSFORM_{name}" if name else f"$REPLACE_{right.lower()}"


def word_tags(wrong: str, right: str) -> list[str]:
    """One tag per word of ``wrong``, plus the ``[CLS]`` tag in front (``len(words(wrong)) + 1`` tags)."""
    ew, cw = words(wrong), words(right)
    tags: list[str | None] = [None] * (len(ew) + 1)
    weak: list[str | None] = [None] * (len(ew) + 1)  # canonical case tags yield to real edits

    def span(j1: int, j2: int) -> str:
        return right[cw[j1][1]:cw[j2 - 1][2]].lower()

    def put(pos: int, tag: str) -> None:
        if tags[pos] is None:  # one tag per word: the first edit wins, the next pass does the rest
            tags[pos] = tag

    sm = difflib.SequenceMatcher(None, [w.lower() for w, _, _ in ew], [w.lower() for w, _, _ in cw],
                                 autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                weak[i1 + k + 1] = case_tag(cw[j1 + k][0])
        elif op == "delete":
            for i in range(i1, i2):
                put(i + 1, DELETE)
        elif op == "insert":
            put(i1, f"$APPEND_{span(j1, j2)}")
        elif i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                tag = _pair_tag(ew[i1 + k][0], cw[j1 + k][0])
                (weak if tag.startswith("$CASE") or tag == KEEP else tags)[i1 + k + 1] = tag
        elif i2 - i1 == 2 and j2 - j1 == 1 and ew[i1][0] + ew[i1 + 1][0] == cw[j1][0]:
            put(i1 + 1, MERGE)
        else:
            put(i1 + 1, f"$REPLACE_{span(j1, j2)}")
            for i in range(i1 + 1, i2):
                put(i + 1, DELETE)
    return [t or w or KEEP for t, w in zip(tags, weak, strict=True)]
