"""Precision guards, per-kind thresholds and explanations of the grammar task, each on its own.

Guards are tested on hand-made tags (as in test_gector_tags.py); thresholds, the missed-article fix and
explanations through ``GrammarModel.correct`` on a scripted tagger (every word's tag and probability are
set by the test), so no trained model is needed.
"""

from __future__ import annotations

import doctest
import json
import re
from array import array
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest

import slm_web
from slm_web.__main__ import main
from slm_web.backends.base import Tensor
from slm_web.tasks import article_sounds, explanations, grammar_guards
from slm_web.tasks.article_sounds import BUILT_IN, ArticleSounds
from slm_web.tasks.explanations import TEMPLATES, explain
from slm_web.tasks.gector import apply_edits, apply_tags
from slm_web.tasks.grammar import GrammarModel
from slm_web.tasks.grammar_guards import (
    KINDS,
    Sentence,
    Thresholds,
    article_by_sound,
    keep_content_words,
    keep_possessive_subject,
    keep_sentence_capital,
    missed_articles,
    review,
)
from slm_web.tasks.results import Edit

TRANSFORMS = {"VERB_VB_VBZ": {"go": "goes"}, "VERB_VBD_VB": {"bought": "buy", "went": "go"},
              "AGREEMENT_SINGULAR": {"children": "child"}, "AGREEMENT_PLURAL": {"cat": "cats"}}


def words(text: str) -> list[tuple[str, tuple[int, int]]]:
    """A BERT-like pre-tokenizer: words and single punctuation marks."""
    return [(m.group(), m.span()) for m in re.finditer(r"\w+|[^\w\s]", text)]


def guarded(text: str, tags: dict[int, str], start_tag: str = "$KEEP", guards=None,
            sounds: ArticleSounds = BUILT_IN) -> str:
    """``text`` after ``tags`` (word index -> tag), through one guard or (default) all of them."""
    ws = words(text)
    sentence = Sentence(text, ws, sounds)
    check = partial(review, sentence) if guards is None else partial(guards, sentence)
    corrected, edits = apply_tags(text, ws, [tags.get(i, "$KEEP") for i in range(len(ws))],
                                  start_tag=start_tag, transforms=TRANSFORMS, review=check)
    assert apply_edits(text, edits) == corrected
    assert all(text[e.start : e.end] == e.original for e in edits)
    return corrected


# -- each guard on its own ----------------------------------------------------------------------------


@pytest.mark.parametrize("text, tags, expected", [
    ("An honest review.", {0: "$REPLACE_a"}, "A honest review."),  # the article guard drops it (below)
    ("Their is a cat.", {0: "$REPLACE_there"}, "There is a cat."),
    ("So we went home.", {0: "$DELETE"}, "We went home."),
    ("\"Their cat\" is here.", {1: "$REPLACE_there"}, "\"There cat\" is here."),  # after an opening quote
    ("The cat sat.", {0: "$CASE_LOWER"}, "the cat sat."),  # a case fix is the model's call
    ("I met Their friend.", {2: "$REPLACE_their"}, "I met their friend."),  # not the sentence's start
])
def test_sentence_start_keeps_its_capital(text: str, tags: dict, expected: str) -> None:
    assert guarded(text, tags, guards=keep_sentence_capital) == expected


@pytest.mark.parametrize("text, tags, start_tag, expected", [
    ("An hour ago.", {0: "$REPLACE_a"}, "$KEEP", "An hour ago."),  # the original was right: dropped
    ("A hour ago.", {0: "$REPLACE_an"}, "$KEEP", "an hour ago."),  # the model was right: kept
    ("He has a university degree.", {2: "$REPLACE_an"}, "$KEEP", "He has a university degree."),
    ("He took an MRI scan.", {2: "$REPLACE_a"}, "$KEEP", "He took an MRI scan."),
    ("I bought apple.", {1: "$APPEND_a"}, "$KEEP", "I bought an apple."),  # an inserted article's form
    ("I bought the apple.", {2: "$REPLACE_a"}, "$KEEP", "I bought an apple."),
    ("hour passed.", {}, "$APPEND_A", "An hour passed."),  # inserted before the first word
    ("He works an 8-hour shift.", {2: "$REPLACE_a"}, "$KEEP", "He works a 8-hour shift."),  # sound unknown
])
def test_articles_follow_the_next_sound(text: str, tags: dict, start_tag: str, expected: str) -> None:
    assert guarded(text, tags, start_tag, guards=article_by_sound) == expected


@pytest.mark.parametrize("text, tags, expected", [
    ("She builds apps for restaurants.", {2: "$DELETE"}, "She builds apps for restaurants."),
    ("She builds apps for restaurants.", {3: "$DELETE"}, "She builds apps restaurants."),  # a preposition
    ("It is very very good.", {2: "$DELETE"}, "It is very good."),
    ("We need need it.", {1: "$DELETE"}, "We need it."),  # a repeated content word may go
    ("I came home I saw.", {2: "$REPLACE_,"}, "I came home I saw."),  # replaced by punctuation: a deletion
    ("I came and I saw.", {2: "$REPLACE_,"}, "I came, I saw."),
    ("it's tail", {0: "$REPLACE_its", 1: "$DELETE"}, "its tail"),  # parts of a written word are not words
    ("Stop , now.", {1: "$DELETE"}, "Stop now."),  # punctuation
])
def test_only_function_words_and_repeats_are_deleted(text: str, tags: dict, expected: str) -> None:
    assert guarded(text, tags, guards=keep_content_words) == expected


@pytest.mark.parametrize("text, tags, expected", [
    ("Whose umbrella is this?", {0: "$REPLACE_Who's"}, "Whose umbrella is this?"),
    ("Whose car is parked outside?", {0: "$REPLACE_who's"}, "Whose car is parked outside?"),
    ("Whose coming tonight?", {0: "$REPLACE_who's"}, "who's coming tonight?"),
    ("Their going home.", {0: "$REPLACE_they're"}, "they're going home."),
    ("The dog wagged it's tail.", {3: "$REPLACE_its", 4: "$DELETE"}, "The dog wagged its tail."),
])
def test_a_possessive_before_a_noun_and_verb_stays(text: str, tags: dict, expected: str) -> None:
    assert guarded(text, tags, guards=keep_possessive_subject) == expected


def test_all_guards_together_leave_correct_sentences_alone() -> None:
    assert guarded("An honest review is useful.", {0: "$REPLACE_a"}) == "An honest review is useful."
    assert guarded("Whose umbrella is this?", {0: "$REPLACE_who's"}) == "Whose umbrella is this?"
    assert guarded("A hour ago.", {0: "$REPLACE_an"}) == "An hour ago."
    assert guarded("Then we went home.", {0: "$DELETE"}) == "We went home."


# -- a/an by pronunciation ---------------------------------------------------------------------------

AN_WORDS = ["hour", "honest", "MRI", "FBI", "heir", "apple", "X-ray", "honour", "NBA", "HTML"]
A_WORDS = ["university", "one-way", "European", "USB", "unicorn", "user", "once-in-a-lifetime", "dog", "URL",
           "UFO", "house"]


@pytest.mark.parametrize("word", AN_WORDS)
def test_an_before_a_vowel_sound(word: str) -> None:
    assert BUILT_IN.article_for(word) == "an"


@pytest.mark.parametrize("word", A_WORDS)
def test_a_before_a_consonant_sound(word: str) -> None:
    assert BUILT_IN.article_for(word) == "a"


@pytest.mark.parametrize("word", ["8-hour", "herb", "a", "NASA", "MAN", "umlaut", "", "-"])
def test_unknown_sounds_have_no_answer(word: str) -> None:
    assert BUILT_IN.article_for(word) is None


def test_a_bundle_table_replaces_the_built_in_one() -> None:
    table = {"consonant": ["ukulele"], "vowel": [], "either": [], "consonant_prefixes": [],
             "unsure_letters": "", "initialism_vowel_letters": "aefhilmnorsx"}
    sounds = ArticleSounds.from_config(table)
    assert sounds.article_for("ukulele") == "a" and BUILT_IN.article_for("ukulele") is None
    assert sounds.article_for("hour") == "a"  # only the table's exceptions: the letter rule otherwise
    assert ArticleSounds.from_config(None) is BUILT_IN
    assert article_sounds.check_table(table) and not article_sounds.check_table({"consonant": "x"})


@pytest.mark.parametrize("text, fixed", [
    ("I ate a apple.", "I ate an apple."),
    ("A hour later.", "An hour later."),
    ("She has an university degree.", "She has a university degree."),
    ("It is a FBI case.", "It is an FBI case."),
    ("Plan A is better.", "Plan A is better."),  # a capital inside a sentence: a name, not an article
    ("Take plan a or b.", "Take plan a or b."),  # before a function word: not an article
    ("We met at 9 a.m. today.", "We met at 9 a.m. today."),
    ("It was a umbrella.", "It was a umbrella."),  # "u" words outside the table: sound unknown
    ("An hour, an MRI, a one-way street.", "An hour, an MRI, a one-way street."),
])
def test_missed_articles(text: str, fixed: str) -> None:
    assert apply_edits(text, missed_articles(text, BUILT_IN)) == fixed


# -- per-kind thresholds -----------------------------------------------------------------------------


def test_thresholds_by_kind_fall_back_to_min_confidence() -> None:
    config = {"min_confidence": 0.8, "min_confidence_by_kind": {"spelling": 0.6, "unnecessary": 0.95}}
    bars = Thresholds.from_config(config, None)
    assert (bars.of("spelling"), bars.of("unnecessary"), bars.of("missing")) == (0.6, 0.95, 0.8)
    assert Thresholds.from_config(config, 0.3).of("unnecessary") == 0.3  # the caller's bar is for every kind
    assert Thresholds.from_config({}, None).of("replace") == 0.5
    assert grammar_guards.check_thresholds(config["min_confidence_by_kind"])
    assert not grammar_guards.check_thresholds({"spelling mistake": 0.5})
    assert not grammar_guards.check_thresholds({"spelling": "high"})


# A scripted tagger: one token per word (after [CLS]); each word's tag and probability come from SCRIPT.
TAGS = ["$KEEP", "$DELETE", "$REPLACE_receive", "$TRANSFORM_VERB_VB_VBZ", "$REPLACE_a", "$APPEND_."]
SCRIPT = {"recieve": ("$REPLACE_receive", 0.7), "go": ("$TRANSFORM_VERB_VB_VBZ", 0.75),
          "very": ("$DELETE", 0.9), "An": ("$REPLACE_a", 0.99), "home": ("$APPEND_.", 0.55)}
CLS = 1


@dataclass
class _Encoding:
    ids: list[int] = field(default_factory=lambda: [CLS])
    word_ids: list[int | None] = field(default_factory=lambda: [None])
    offsets: list[tuple[int, int]] = field(default_factory=lambda: [(0, 0)])


class _WordTokenizer:
    def __init__(self) -> None:
        self.vocab: list[str] = ["[PAD]", "[CLS]"]

    def encode(self, text: str, max_length: int = 512) -> _Encoding:
        enc = _Encoding()
        for n, (word, span) in enumerate(words(text)):
            if word not in self.vocab:
                self.vocab.append(word)
            enc.ids.append(self.vocab.index(word))
            enc.word_ids.append(n)
            enc.offsets.append(span)
        return enc


class _ScriptedTagger:
    input_names = ("input_ids", "attention_mask")
    output_names = ("tag_probs", "tag_ids")

    def __init__(self, tokenizer: _WordTokenizer) -> None:
        self.tokenizer = tokenizer

    async def run(self, feeds, keep=()):
        batch, width = feeds["input_ids"].shape
        guesses = [SCRIPT.get(self.tokenizer.vocab[i], ("$KEEP", 0.99)) for i in feeds["input_ids"].data]
        probs, ids = array("f", [p for _, p in guesses]), array("q", [TAGS.index(t) for t, _ in guesses])
        return {"tag_probs": Tensor("float32", (batch, width, 1), probs),
                "tag_ids": Tensor("int64", (batch, width, 1), ids)}

    def close(self) -> None:
        pass


def scripted_model(**config) -> GrammarModel:
    tokenizer = _WordTokenizer()
    manifest = {"task": "grammar", "name": "scripted", "tokenizer": {"special_ids": {"cls": CLS, "pad": 0}},
                "task_config": {"tags": TAGS, "transforms": TRANSFORMS, **config}}
    return GrammarModel(manifest, tokenizer, _ScriptedTagger(tokenizer))


def test_each_kind_has_its_own_bar() -> None:
    text = "I recieve it and they go home"
    plain = scripted_model(min_confidence=0.8)
    assert plain.correct_sync(text).text == text  # 0.7 and 0.75 are below 0.8
    by_kind = scripted_model(min_confidence=0.8, min_confidence_by_kind={"spelling": 0.6})
    assert by_kind.correct_sync(text).text == "I receive it and they go home"
    both = scripted_model(min_confidence=0.8, min_confidence_by_kind={"spelling": 0.6, "verb form": 0.7})
    assert both.correct_sync(text).text == "I receive it and they goes home"
    # The caller's min_confidence is one bar for all, the bundle's map aside.
    assert both.correct_sync(text, min_confidence=0.72).text == "I recieve it and they goes home"
    # ("$APPEND_." on "home" would add one more full stop on every pass: one pass here)
    once = both.correct_sync(text, min_confidence=0.5, max_passes=1)
    assert once.text == "I receive it and they goes home."


@pytest.mark.parametrize("config", [{"min_confidence_by_kind": {"grammar": 0.5}},
                                    {"min_confidence_by_kind": [0.5]},
                                    {"article_sounds": {"consonant": ["one"]}},
                                    {"min_confidence": "high"}])
def test_bad_tables_are_refused_at_load(config: dict) -> None:
    with pytest.raises(slm_web.BundleError, match="grammar task_config"):
        scripted_model(**config)


def test_guards_and_missed_articles_run_in_correct() -> None:
    model = scripted_model(min_confidence=0.8)
    result = model.correct_sync("An apple is very very good. I ate a orange.", max_passes=1)
    assert result.text == "An apple is very good. I ate an orange."  # "An" kept, one "very" kept
    assert model.correct_sync("I ate a orange.", max_passes=0).edits == []  # no pass changes nothing
    older = scripted_model()  # no article_sounds: the built-in table
    assert older.sounds is BUILT_IN
    with_table = scripted_model(article_sounds={"consonant": ["orange"], "vowel": [],
                                                "initialism_vowel_letters": "aefhilmnorsx"})
    assert with_table.correct_sync("I ate an orange.").text == "I ate a orange."  # the table rules


# -- explanations ------------------------------------------------------------------------------------

EXAMPLES = [  # (text, edit, explanation)
    ("She ate a apple.", Edit(8, 9, "a", "an", "replace"), "Use 'an' before a vowel sound."),
    ("an university", Edit(0, 2, "an", "a", "replace"), "Use 'a' before a consonant sound."),
    ("she go home", Edit(4, 6, "go", "goes", "verb form"), "After 'she', use 'goes'."),
    ("I buyed it", Edit(2, 7, "buyed", "bought", "replace"),
     "'buyed' is not a word: the past of 'buy' is 'bought'."),
    ("two childs", Edit(4, 10, "childs", "children", "noun number"),
     "'childs' is not a word: the plural of 'child' is 'children'."),
    ("two cat", Edit(4, 7, "cat", "cats", "noun number"), "After 'two', use 'cats'."),
    ("she left. then", Edit(10, 14, "then", "Then", "capitalization"),
     "Start a sentence with a capital letter."),
    ("in paris", Edit(3, 8, "paris", "Paris", "capitalization"), "Write 'Paris' with a capital letter."),
    ("a nasa probe", Edit(2, 6, "nasa", "NASA", "capitalization"), "Write 'NASA' in capital letters."),
    ("the Cat", Edit(4, 7, "Cat", "cat", "capitalization"), "Write 'cat' with a small letter."),
    ("to the the park", Edit(6, 10, " the", "", "unnecessary"), "'the' is repeated."),
    ("discuss about it", Edit(7, 13, " about", "", "unnecessary"), "Leave out 'about'."),
    ("Stop , now", Edit(4, 6, " ,", "", "unnecessary"), "Leave out this comma."),
    ("I came home", Edit(11, 11, "", ".", "missing"), "Add a full stop here."),
    ("I home", Edit(1, 1, "", " went", "missing"), "Add 'went' here."),
    ("some where", Edit(0, 10, "some where", "somewhere", "spelling"), "Write 'somewhere' as one word."),
    ("I recieve", Edit(2, 9, "recieve", "receive", "spelling"), "'recieve' is misspelled: write 'receive'."),
    ("their is", Edit(0, 5, "their", "there", "replace"), "Use 'there' here, not 'their'."),
    ("I came and I saw", Edit(6, 10, " and", ",", "replace"), "Use a comma here instead of 'and'."),
    ("He don't", Edit(3, 6, "don", "doesn", "replace"), "Use 'doesn't' here, not 'don't'."),  # whole word
    ("good advices", Edit(5, 12, "advices", "advice", "spelling"), "Use 'advice' here, not 'advices'."),
]


@pytest.mark.parametrize("text, edit, said", EXAMPLES)
def test_explanations(text: str, edit: Edit, said: str) -> None:
    assert text[edit.start : edit.end] == edit.original
    assert explain(text, edit, TRANSFORMS) == said


@pytest.mark.parametrize("kind", KINDS)
def test_every_error_type_has_a_one_sentence_explanation(kind: str) -> None:
    assert kind in TEMPLATES
    edits = [Edit(3, 8, "thing", "stuff", kind), Edit(3, 3, "", "stuff", kind),
             Edit(2, 8, " thing", "", kind)]
    for edit in edits:
        said = explain("my thing here", edit, {})
        starts = said[:1] == "'" or said[:1].isupper()  # a quoted word may start it: "'recieve' is …"
        assert starts and said.endswith(".") and ". " not in said.rstrip("."), said


def test_correct_explains_every_edit(grammar_bundle: Path) -> None:
    with slm_web.load_sync(grammar_bundle, threads=1) as model:
        result = model.correct_sync("she go to school yesterday and buyed a apple", min_confidence=0.0)
    assert result.edits and all(e.explanation for e in result.edits)
    assert all(d["explanation"] for d in result.to_dict()["edits"])


def test_cli_json_carries_explanations(grammar_bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "she go home and ate a apple"
    assert main(["run", str(grammar_bundle), text, "--json", "--min-confidence", "0"]) == 0
    (result,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    edits = result["edits"]
    assert edits and all(isinstance(e["explanation"], str) and e["explanation"] for e in edits)


@pytest.mark.parametrize("module", [article_sounds, grammar_guards, explanations])
def test_docstring_examples(module) -> None:
    assert doctest.testmod(module).failed == 0
