"""Personal words: the memory (learn, suggest, cap, forget, JSON), its mixing into autocomplete, and the
worker methods the bridge calls."""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from runtime_fakes import make_model

import slm_web
from slm_web import worker
from slm_web.blocking import run_blocking
from slm_web.tasks import personal
from slm_web.tasks.personal import START, PersonalWords, personalize
from slm_web.tasks.results import Completion

MAIL = "Hi Ksenia, the build is green. Thanks Ksenia! See you at the Zorblat standup."


def test_docstring_examples() -> None:
    assert doctest.testmod(personal).failed == 0


def test_learn_counts_words_after_their_contexts() -> None:
    memory = PersonalWords()
    assert memory.learn(MAIL) == 14 and memory.words == 12
    rows = {tuple(r[2:]): r[0] for r in json.loads(memory.to_json())["entries"]}
    assert rows[("Ksenia",)] == 2 and rows[(START, "Thanks")] == 1
    assert rows[("hi", "Ksenia")] == 1 and rows[(START, "hi", "Ksenia")] == 1
    assert ("ksenia", "Thanks") not in rows  # a sentence end starts a new context
    assert memory.learn("") == 0 and memory.learn("?! ...") == 0


def test_suggest_completes_the_typed_word_with_backoff() -> None:
    memory = PersonalWords()
    memory.learn(MAIL)
    guess = memory.suggest("Thanks ", "Kse")
    assert list(guess.words) == ["Ksenia"] and guess.words["Ksenia"] == pytest.approx(1.0)
    assert memory.suggest("the ", "Zor").words.keys() == {"Zorblat"}  # from the unigrams: backoff
    assert memory.suggest("Thanks ", "kse").words == {}  # the typed part is kept as typed
    assert memory.suggest("Thanks ", "Ksenia").words == {}  # nothing left to complete
    after_thanks = memory.suggest("Thanks ", "")
    assert next(iter(after_thanks.words)) == "Ksenia"
    assert sum(after_thanks.words.values()) <= 1.0 + 1e-9
    # The weight grows with what the memory has seen after this context.
    assert memory.suggest("I met ", "Kse").weight < memory.suggest("Hi ", "Kse").weight
    memory.learn("Hi Ksenia. " * 5)
    assert memory.suggest("Hi ", "Kse").weight > memory.suggest("Thanks ", "Kse").weight
    assert PersonalWords().suggest("Hi ", "K") == personal.Guess({}, 0.0)


def test_a_whole_next_word_gets_less_weight_than_a_typed_one() -> None:
    memory = PersonalWords()
    memory.learn("Thanks Ksenia. Thanks Ksenia. Thanks Ksenia.")
    whole, rest = memory.suggest("Thanks ", ""), memory.suggest("Thanks ", "K")
    assert next(iter(whole.words)) == next(iter(rest.words)) == "Ksenia"
    assert 0 < whole.weight <= memory.mixing.next_word_weight < rest.weight <= memory.mixing.max_weight


def test_a_prefix_prefers_the_word_written_last() -> None:
    memory = PersonalWords(mixing=personal.Mixing(recency=0.0, sentence=0.0))
    memory.learn("zebra. zulu. zinc.")  # equal counts, no shared context: equal probabilities
    assert list(memory.suggest("", "z").words) == ["zinc", "zulu", "zebra"]  # ties go to the latest
    memory.learn("zebra zebra. " + "filler words here. " * 20 + "zulu.")
    alone = memory.suggest("", "z").words
    recent = PersonalWords.from_json(memory.to_json())
    recent.mixing = personal.Mixing(sentence=0.0)
    assert alone["zebra"] > alone["zulu"] and recent.suggest("", "z").words["zulu"] > alone["zulu"]


def test_the_sentence_being_typed_is_offered_before_it_is_learned() -> None:
    memory = PersonalWords()
    memory.learn("Hello there.")
    guess = memory.suggest("I met Zorblat today and ", "Zo")
    assert list(guess.words) == ["Zorblat"] and guess.weight > 0
    assert memory.suggest("I met Zorblat today. And ", "Zo").words == {}  # only this sentence's words
    plain = PersonalWords(mixing=personal.Mixing(sentence=0.0))
    plain.learn("Hello there.")
    assert plain.suggest("I met Zorblat today and ", "Zo").words == {}


def test_the_order_does_not_depend_on_the_hash_seed() -> None:
    script = (
        "from slm_web.tasks.personal import PersonalWords\n"
        "m = PersonalWords()\n"
        "m.learn('alpha beta gamma delta. ' + ' '.join(f'w{i}' for i in range(60)))\n"
        "print(list(m.suggest('', '').words), list(m.suggest('', 'w').words))\n"
    )
    outputs = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1


def test_the_cap_evicts_lowest_count_then_oldest() -> None:
    memory = PersonalWords(max_entries=10)
    memory.learn("alpha alpha alpha")  # alpha: unigram 3, <s>->alpha 1, alpha->alpha 2, ...
    memory.learn("one. two. three. four. five.")
    assert len(memory) <= 10
    assert memory.suggest("", "al").words.keys() == {"alpha"}  # the most frequent survives
    assert memory.suggest("", "on").words == {}  # the oldest of the singletons went first
    assert memory.suggest("", "fi").words.keys() == {"five"}
    with pytest.raises(slm_web.InputTextError):
        PersonalWords(max_entries=0)


def test_forget_erases_everything() -> None:
    memory = PersonalWords()
    memory.learn(MAIL)
    memory.forget()
    assert len(memory) == 0 and memory.words == 0 and memory.clock == 0
    assert json.loads(memory.to_json())["entries"] == []
    assert memory.suggest("Hi ", "K").words == {}


def test_json_round_trip() -> None:
    memory = PersonalWords(max_entries=500)
    memory.learn(MAIL)
    memory.learn("Zorblat again, café ünïcode and émoji 😀 text")
    document = memory.to_json()
    again = PersonalWords.from_json(document)
    assert again.to_json() == document and again.max_entries == 500
    assert again.suggest("Thanks ", "K") == memory.suggest("Thanks ", "K")


def _document(**changes) -> str:
    data = {"format": personal.FORMAT, "version": personal.VERSION, "max_entries": 10, "clock": 5,
            "entries": [[2, 3, "word"], [1, 5, "<s>", "word"]]}
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    "document",
    [
        b"{}",
        "",
        "not json",
        "[" * 100_000 + "]" * 100_000,
        "[]",
        json.dumps({"format": "other"}),
        _document(version=2),
        _document(version="1"),
        _document(max_entries=0),
        _document(max_entries=10**9),
        _document(clock=-1),
        _document(clock=1.5),
        _document(entries={"a": 1}),
        _document(entries=[[1, 1, "w"]] * 11),  # more rows than max_entries
        _document(entries=[[1, 1, "w"], [2, 2, "w"]]),  # the same entry twice
        _document(entries=[[0, 1, "w"]]),
        _document(entries=[[True, 1, "w"]]),
        _document(entries=[[1.0, 1, "w"]]),
        _document(entries=[[1, 6, "w"]]),  # last after clock
        _document(entries=[[2**60, 1, "w"]]),
        _document(entries=[[1, 1]]),
        _document(entries=[[1, 1, "a", "b", "c", "w"]]),
        _document(entries=[[1, 1, "two words"]]),
        _document(entries=[[1, 1, "<s>"]]),  # a sentence start is never a word
        _document(entries=[[1, 1, "Hi", "w"]]),  # contexts are lowercase
        _document(entries=[[1, 1, "a", "<s>", "w"]]),  # a sentence start inside a context
        _document(entries=[[1, 1, "x" * 33]]),
        _document(entries=[[1, 1, None]]),
        _document(entries=["w"]),
        '{"format": "slm-web personal words", "version": 1, "max_entries": 10, "clock": NaN, "entries": []}',
        '{"format": "slm-web personal words", "version": 1, "max_entries": 1' + "0" * 5000 + "}",
    ],
)
def test_hostile_json_is_a_one_line_input_error(document) -> None:
    with pytest.raises(slm_web.InputTextError) as info:
        PersonalWords.from_json(document)
    assert "\n" not in str(info.value) and len(str(info.value)) < 300


def test_a_valid_hand_written_document_loads() -> None:
    memory = PersonalWords.from_json(_document())
    assert memory.words == 1 and memory.suggest("", "wo").words == {"word": 1.0}


@pytest.mark.parametrize(
    "text, insert",
    [("Thanks Kse", "nia"), ("Thanks ", "Ksenia"), ("Thanks", None), ("Thanks,", " Ksenia"), ("", "Hi")],
)
def test_personalize_inserts_like_the_model(text: str, insert: str | None) -> None:
    memory = PersonalWords()
    memory.learn("Hi Ksenia. Thanks Ksenia, Thanks Ksenia")
    mixed = personalize(memory, text, [], k=3)
    if insert is None:  # a typed word is not continued by the memory
        assert all(not c.insert.startswith(" ") for c in mixed)
    else:
        assert insert in [c.insert for c in mixed]
        assert all(c.text.endswith(c.insert.strip()) for c in mixed)


def test_personalize_mixes_scores() -> None:
    memory = PersonalWords()
    memory.learn("Hi Ksenia. Hi Kate.")
    model = [Completion("Kate", "ate", 0.6), Completion("Karl", "arl", 0.4)]
    guess = memory.suggest("Hi ", "K")
    mixed = {c.text: c.score for c in personalize(memory, "Hi K", model, k=3)}
    w = guess.weight
    assert mixed["Kate"] == pytest.approx((1 - w) * 0.6 + w * guess.words["Kate"])
    assert mixed["Ksenia"] == pytest.approx(w * guess.words["Ksenia"])
    assert mixed["Karl"] == pytest.approx((1 - w) * 0.4)


# -- autocomplete -------------------------------------------------------------------------------------


def test_complete_mixes_the_memory_after_the_model() -> None:
    model = make_model()
    alone = model.complete_sync("I would li", k=3)
    model.learn("I would lick it. I would lick it.")
    mixed = model.complete_sync("I would li", k=3)
    assert "lick" in [c.text for c in mixed] and ("lick", "ck") in [(c.text, c.insert) for c in mixed]
    assert mixed == personalize(model.memory, "I would li", alone, 3)
    model.forget()
    assert model.complete_sync("I would li", k=3) == alone and model.personal_words == 0


@pytest.fixture(scope="module")
def autocomplete_model(autocomplete_bundle: Path):
    with slm_web.load_sync(autocomplete_bundle, threads=1) as model:
        yield model


def test_a_learned_name_is_suggested_on_a_bundle(autocomplete_model) -> None:
    model = autocomplete_model
    before = model.complete_sync("Lunch with Kse", k=3)
    assert "Ksenia" not in [c.text for c in before]
    model.learn("Lunch with Ksenia on Friday. Lunch with Ksenia again.")
    assert model.personal_words == 6
    after = model.complete_sync("Lunch with Kse", k=3)
    assert ("Ksenia", "nia") in [(c.text, c.insert) for c in after]
    assert ("Ksenia", "Ksenia") in [(c.text, c.insert) for c in model.complete_sync("Lunch with ", k=3)]
    exported = model.export_memory()
    model.forget()
    assert model.personal_words == 0 and model.complete_sync("Lunch with Kse", k=3) == before
    assert model.import_memory(exported) == 6
    assert "Ksenia" in [c.text for c in model.complete_sync("Lunch with Kse", k=3)]
    with pytest.raises(slm_web.InputTextError):
        model.import_memory("{")
    assert model.personal_words == 6  # a refused document leaves the memory as it was
    model.forget()


def test_other_tasks_refuse_personal_words(sentiment_bundle: Path) -> None:
    with slm_web.load_sync(sentiment_bundle, threads=1) as model, pytest.raises(slm_web.TaskMismatchError):
        model.learn("hello")


# -- worker -------------------------------------------------------------------------------------------


def _call(method: str, text) -> dict:
    return json.loads(run_blocking(worker.call(method, text, "{}")))


def test_worker_methods(autocomplete_bundle: Path) -> None:
    assert json.loads(run_blocking(worker.load("autocomplete", autocomplete_bundle.read_bytes())))["value"]
    try:
        assert _call("learn", "Lunch with Ksenia on Friday.") == {"value": 5}
        exported = _call("export_memory", "")["value"]
        assert PersonalWords.from_json(exported).words == 5
        completions = _call("complete", "Lunch with Kse")["value"]
        assert "Ksenia" in [c["text"] for c in completions]
        assert _call("forget", "") == {"value": 0}
        assert json.loads(_call("export_memory", "")["value"])["entries"] == []
        assert _call("import_memory", exported) == {"value": 5}
        error = _call("import_memory", '{"format": 1}')["error"]
        assert error["name"] == "InputTextError" and "\n" not in error["message"]
        assert _call("learn", 42)["error"]["name"] == "InputTextError"
    finally:
        worker.close()
