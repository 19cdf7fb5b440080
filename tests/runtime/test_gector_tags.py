"""Tag application and edit composition (slm_web.tasks.gector): pure functions, no model."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from slm_web.tasks.gector import apply_edits, apply_tags, compose_edits, looks_misspelled
from slm_web.tasks.results import Edit

TRANSFORMS = {"VERB_VB_VBZ": {"go": "goes", "have": "has"}, "AGREEMENT_PLURAL": {"cat": "cats"}}


def words(text: str) -> list[tuple[str, tuple[int, int]]]:
    """A BERT-like pre-tokenizer: words and single punctuation marks."""
    return [(m.group(), m.span()) for m in re.finditer(r"\w+|[^\w\s]", text)]


def tag(text: str, tags: dict[int, str], start_tag: str = "$KEEP") -> tuple[str, list[tuple]]:
    ws = words(text)
    corrected, edits = apply_tags(
        text, ws, [tags.get(i, "$KEEP") for i in range(len(ws))], start_tag=start_tag, transforms=TRANSFORMS
    )
    assert apply_edits(text, edits) == corrected
    assert all(text[e.start : e.end] == e.original for e in edits)
    return corrected, [(e.start, e.end, e.replacement, e.type) for e in edits]


@pytest.mark.parametrize(
    "text, tags, start_tag, expected, types",
    [
        ("he go home", {1: "$TRANSFORM_VERB_VB_VBZ"}, "$KEEP", "he goes home", ["verb form"]),
        ("He GO home", {1: "$TRANSFORM_VERB_VB_VBZ"}, "$KEEP", "He GOES home", ["verb form"]),
        ("Go home", {0: "$TRANSFORM_VERB_VB_VBZ"}, "$KEEP", "Goes home", ["verb form"]),
        ("two cat", {1: "$TRANSFORM_AGREEMENT_PLURAL"}, "$KEEP", "two cats", ["noun number"]),
        ("he run home", {1: "$TRANSFORM_VERB_VB_VBZ"}, "$KEEP", "he run home", []),  # no table entry
        ("the the cat", {1: "$DELETE"}, "$KEEP", "the cat", ["unnecessary"]),
        ("the the cat", {0: "$DELETE"}, "$KEEP", "the cat", ["unnecessary"]),
        ("cat sat", {0: "$APPEND_has"}, "$KEEP", "cat has sat", ["missing"]),
        ("cat sat", {1: "$APPEND_."}, "$KEEP", "cat sat.", ["missing"]),
        ("cat sat", {}, "$APPEND_The", "The cat sat", ["missing"]),
        ("I recieve it", {1: "$REPLACE_receive"}, "$KEEP", "I receive it", ["spelling"]),
        ("their is", {0: "$REPLACE_there"}, "$KEEP", "there is", ["replace"]),
        ("There are a lot", {1: "$REPLACE_'s"}, "$KEEP", "There's a lot", ["replace"]),  # joins "There"
        ("I came and I saw", {2: "$REPLACE_,"}, "$KEEP", "I came, I saw", ["replace"]),  # as $APPEND_, does
        ("it's tail", {0: "$REPLACE_its", 1: "$DELETE"}, "$KEEP", "its tail", ["replace", "unnecessary",
                                                                          "unnecessary"]),
        ("you're late", {1: "$DELETE", 2: "$DELETE"}, "$KEEP", "you're late", []),  # no half contraction
        ("paris is nice", {0: "$CASE_CAPITAL"}, "$KEEP", "Paris is nice", ["capitalization"]),
        ("The Cat", {1: "$CASE_LOWER"}, "$KEEP", "The cat", ["capitalization"]),
        ("an nasa probe", {1: "$CASE_UPPER"}, "$KEEP", "an NASA probe", ["capitalization"]),
        ("some where", {0: "$MERGE_SPACE"}, "$KEEP", "somewhere", ["spelling"]),
        ("cat sat", {1: "$MERGE_SPACE"}, "$KEEP", "cat sat", []),  # no next word
        ("cat sat", {0: "$UNKNOWN_TAG", 1: "$KEEP"}, "$DELETE", "cat sat", []),
        ("Paris", {0: "$CASE_CAPITAL"}, "$KEEP", "Paris", []),  # already capitalised: no edit
    ],
)
def test_each_tag(text: str, tags: dict, start_tag: str, expected: str, types: list[str]) -> None:
    corrected, edits = tag(text, tags, start_tag)
    assert corrected == expected
    assert [e[3] for e in edits] == types


def test_the_example_sentence() -> None:
    text = "she go to school yesterday"
    corrected, edits = tag(text, {0: "$CASE_CAPITAL", 1: "$REPLACE_went", 4: "$APPEND_."})
    assert corrected == "She went to school yesterday."
    assert edits == [(0, 3, "She", "capitalization"), (4, 6, "went", "replace"), (26, 26, ".", "missing")]


def test_conflicting_tags_earlier_word_wins() -> None:
    # MERGE_SPACE on "some" removes the space that DELETE on "where" would also remove.
    corrected, edits = tag("some where else", {0: "$MERGE_SPACE", 1: "$DELETE"})
    assert corrected == "somewhere else"
    assert len(edits) == 1
    # Neighbouring deletions do not conflict.
    assert tag("a b c d", {1: "$DELETE", 2: "$DELETE"})[0] == "a d"
    # Appending after a word and deleting the next one both apply.
    assert tag("a the cat", {0: "$APPEND_big", 1: "$DELETE"})[0] == "a big cat"


def test_a_doubled_word_deleted_twice_keeps_one_copy() -> None:
    corrected, edits = tag("to the the park", {1: "$DELETE", 2: "$DELETE"})
    assert (corrected, edits) == ("to the park", [(6, 10, "", "unnecessary")])
    assert tag("The the cat", {0: "$DELETE", 1: "$DELETE"})[0] == "The cat"
    # Different neighbouring words are both deleted as tagged.
    assert tag("a b c d", {1: "$DELETE", 2: "$DELETE"})[0] == "a d"


def test_tags_on_odd_text() -> None:
    text = "e\u0301t\u00e9 😀 \u05e9\u05dc\u05d5\u05dd x\x00y"
    ws = words(text)
    corrected, edits = apply_tags(text, ws, ["$DELETE"] * len(ws))
    assert apply_edits(text, edits) == corrected
    assert apply_tags("", [], [])[0] == ""
    assert apply_tags("", [], [], start_tag="$APPEND_Hi") == ("Hi", [Edit(0, 0, "", "Hi", "missing")])
    with pytest.raises(ValueError, match="tags for"):
        apply_tags("a b", words("a b"), ["$KEEP"])


def test_misspelling_heuristic() -> None:
    assert looks_misspelled("definately", "definitely")
    assert looks_misspelled("teh", "the")
    assert not looks_misspelled("go", "went")
    assert not looks_misspelled("cat", "cats!")
    assert not looks_misspelled("x" * 10_000, "y" * 10_000)  # bounded: stops at the limit


def test_passes_compose_into_edits_on_the_original() -> None:
    original = "she go to school"
    first, e1 = apply_tags(original, words(original), ["$KEEP", "$REPLACE_goes", "$KEEP", "$KEEP"])
    second, e2 = apply_tags(first, words(first), ["$CASE_CAPITAL", "$REPLACE_went", "$KEEP", "$APPEND_."])
    composed = compose_edits(original, e1, e2)
    assert apply_edits(original, composed) == second == "She went to school."
    assert [(e.start, e.end, e.original, e.replacement, e.type) for e in composed] == [
        (0, 3, "she", "She", "capitalization"),
        (4, 6, "go", "went", "replace"),
        (16, 16, "", ".", "missing"),
    ]


def test_a_later_pass_undoing_an_edit_removes_it() -> None:
    original = "a cat"
    first, e1 = apply_tags(original, words(original), ["$KEEP", "$REPLACE_dog"])
    _, e2 = apply_tags(first, words(first), ["$KEEP", "$REPLACE_cat"])
    assert compose_edits(original, e1, e2) == []


def _random_edits(text: str, rng: random.Random) -> list[Edit]:
    points = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, rng.randint(0, 6))))
    edits = []
    for s, e in zip(points[::2], points[1::2], strict=False):
        e = s if rng.random() < 0.3 else e
        replacement = "".join(rng.choice("xy ") for _ in range(rng.randint(0, 3)))
        if s != e or replacement:
            edits.append(Edit(s, e, text[s:e], replacement, "t"))
    return edits


def test_compose_edits_fuzz() -> None:
    rng = random.Random(1234)
    for _ in range(3000):
        original = "".join(rng.choice("ab ") for _ in range(rng.randint(0, 12)))
        e1 = _random_edits(original, rng)
        current = apply_edits(original, e1)
        e2 = _random_edits(current, rng)
        composed = compose_edits(original, e1, e2)
        assert apply_edits(original, composed) == apply_edits(current, e2)
        ordered = sorted(composed, key=lambda e: (e.start, e.end))
        for a, b in itertools.pairwise(ordered):
            assert a.end <= b.start and not (a.start == a.end == b.start == b.end)
        assert all(original[e.start : e.end] == e.original for e in composed)


def test_a_merged_edit_keeps_the_first_pass_type() -> None:
    original = "Teh cat"
    first, e1 = apply_tags(original, words(original), ["$REPLACE_the", "$KEEP"])  # lower-cased, as trained
    second, e2 = apply_tags(first, words(first), ["$CASE_CAPITAL", "$KEEP"])
    assert second == "The cat"
    assert [(e.original, e.replacement, e.type) for e in compose_edits(original, e1, e2)] == [
        ("Teh", "The", "spelling")
    ]
