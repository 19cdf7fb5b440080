"""students.grammar.errors: the synthetic errors are wrong English, never another correct sentence.

Needs the students extra (lemminflect, codespell, wordfreq, spaCy's stop words): skipped without it.
"""

from __future__ import annotations

import random

import pytest

pytest.importorskip("lemminflect")
pytest.importorskip("codespell_lib")
pytest.importorskip("wordfreq")
pytest.importorskip("spacy")

from students.grammar import errors  # after the skips: it imports those packages

TRIES = 200


def outcomes(kind: str, sentence: str) -> set[str]:
    """Every sentence one error of ``kind`` makes of ``sentence`` over TRIES seeds (unchanged when none)."""
    made = set()
    for seed in range(TRIES):
        toks = errors.tokenize(sentence)
        errors.ERROR_KINDS[kind][1](toks, random.Random(seed))
        made.add(errors.detokenize(toks))
    return made


@pytest.mark.parametrize(("kind", "sentence", "correct_rewrites"), [
    # present <-> past of a finite verb stays correct English
    ("verb_form", "She is happy with her new job.", {"She was happy with her new job."}),
    ("verb_form", "He went to school by bus.", {"He go to school by bus.", "He goes to school by bus."}),
    ("verb_form", "They walked home after the game.", {"They walk home after the game."}),
    ("verb_form", "We were late again.", {"We are late again."}),
    # noun number without a word that fixes it
    ("noun_number", "It is too late to change the plan now.", {"It is too late to change the plans now."}),
    ("noun_number", "I like the songs on this album.", {"I like the song on this album."}),
    # an article for another one that fits as well
    ("article", "I saw a dog in the park.", {"I saw the dog in the park.", "I saw a dog in a park."}),
    # tense needs a time word that rules the new tense out; agreement a subject of the other number
    ("tense", "She went to school by bus.", {"She goes to school by bus.", "She go to school by bus."}),
    ("distant_agreement", "The man in the car was angry.", {"The man in the car were angry."}),
    ("pronoun", "Tell me about it.", {"Tell I about it."}),
    ("adjective_order", "It was a nice hotel room.", {"It was a hotel nice room."}),
])
def test_no_error_is_correct_english(kind: str, sentence: str, correct_rewrites: set[str]) -> None:
    assert not outcomes(kind, sentence) & correct_rewrites


@pytest.mark.parametrize(("kind", "sentence", "expected"), [
    ("verb_form", "He goes to school every day.", "He go to school every day."),
    ("verb_form", "She has written three books.", "She has wrote three books."),
    ("verb_form", "Did you take the bus?", "Did you took the bus?"),
    ("verb_form", "We were planning to leave.", "We was planning to leave."),
    ("noun_number", "I bought three new books.", "I bought three new book."),
    ("noun_number", "The movie was boring.", "The movies was boring."),
    ("article", "She is an honest person.", "She is a honest person."),
    ("article", "I saw a dog in the park.", "I saw dog in the park."),
    # learner kinds (students.grammar.learner_errors)
    ("tense", "She went to school yesterday.", "She goes to school yesterday."),
    ("tense", "I saw him yesterday.", "I have seen him yesterday."),
    ("tense", "I have lived here since 2019.", "I live here since 2019."),
    ("irregular_past", "I bought a new phone.", "I buyed a new phone."),
    ("pronoun", "She gave it to me.", "She gave it to I."),
    ("pronoun", "My wife and I are going to Spain.", "My wife and me are going to Spain."),
    ("pronoun", "The man who called was rude.", "The man which called was rude."),
    ("word_order", "I always go to work by bus.", "I go always to work by bus."),
    ("word_order", "Can you tell me where the station is?", "Can you tell me where is the station?"),
    ("collocation", "It depends on the weather.", "It depends of the weather."),
    ("collocation", "See you on Monday.", "See you in Monday."),
    ("quantified_number", "One of my friends lives in Paris.", "One of my friend lives in Paris."),
    ("quantified_number", "We don't have much information.", "We don't have many informations."),
    ("distant_agreement", "The list of items is on the table.", "The list of items are on the table."),
    ("generic_article", "Life is too short.", "The life is too short."),
    # students.grammar.learner_errors_more
    ("infinitive_to", "She made me wait for an hour.", "She made me to wait for an hour."),
    ("extra_preposition", "We discussed the budget.", "We discussed about the budget."),
    ("fixed_phrase_article", "She plays tennis every Saturday.", "She plays the tennis every Saturday."),
    ("indirect_question_do", "I don't know where she lives.", "I don't know where does she live."),
    ("adjective_order", "We rented a small car for the week.", "We rented a car small for the week."),
    ("adjective_order", "She speaks English very well.", "She speaks very well English."),
    ("regularized_plural", "He has three children.", "He has three childs."),
    ("question_agreement", "There are two bedrooms in the flat.", "There is two bedrooms in the flat."),
])
def test_the_errors_learners_make_are_drawn(kind: str, sentence: str, expected: str) -> None:
    assert expected in outcomes(kind, sentence)


def test_regularized_pasts_are_no_real_words() -> None:
    table = errors.lexicon.transforms()["VERB_REGULARIZED"]
    assert table["buyed"] == "bought" and table["goed"] == "went" and table["teached"] == "taught"
    assert not {"seed", "singed", "costed", "wined"} & table.keys()


def test_rare_learner_kinds_get_targeted_examples() -> None:
    from students.grammar import learner_errors

    rng = random.Random(0)
    assert learner_errors.with_past_time("She went home.", rng).startswith("She went home ")
    assert learner_errors.with_past_time("It was fine yesterday.", rng) is None  # already has one
    wrong, kinds = errors.corrupt_with("I saw him yesterday.", "tense", rng)
    assert kinds[0] == "tense" and wrong != "I saw him yesterday."
    assert errors.corrupt_with("Hello there.", "tense", rng) is None


def test_present_agreement_is_the_contrast_to_tense() -> None:
    """The tense kind turns "She goes ... yesterday" into a past; its contrast keeps the present where no
    past time word is, so the model learns that the time word decides."""
    from students.grammar import data, learner_errors

    rng = random.Random(0)
    habitual = learner_errors.with_habitual_time("She walks to work.", rng)
    assert habitual.startswith("She walks to work ") and habitual[18:-1] in learner_errors.HABITUAL_PHRASES
    assert learner_errors.with_habitual_time("She walked to work.", rng) is None  # no present verb
    assert learner_errors.with_habitual_time("I read books.", rng) is None  # "read" may be a past
    assert errors.corrupt_with("She goes to school every day.", "present_agreement", random.Random(1))[0] in {
        "She go to school every day.", "She go to school every day"}
    assert errors.corrupt_with("She went to school yesterday.", "present_agreement", rng) is None
    pairs = [("test", s) for s in ["He walks to work.", "They live in Leeds.", "She likes tea."] * 20]
    rows = [r for r in data.targeted_examples(pairs, random.Random(2)) if "present_agreement" in r["kinds"]
            or r["src"] == r["tgt"]]
    kept = [r for r in rows if r["src"] == r["tgt"]]
    assert kept and len(kept) < len(rows)
    assert all(any(p in r["tgt"] for p in learner_errors.HABITUAL_PHRASES) for r in kept)
