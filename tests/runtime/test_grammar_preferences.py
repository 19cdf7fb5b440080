"""The user's say over grammar (slm_web.tasks.grammar_preferences) on the fixture grammar bundle, and the
Proofreader-API-shaped result, through the model, the worker the bridge calls, and hostile input.

The fixture model is random; at ``min_confidence=1.0`` its tagger changes nothing, so every edit comes from
the bundle's table of known spellings ("recieved", "becuase", "friday": tests/fixtures/checkpoints.py).
"""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest

import slm_web
from slm_web import worker
from slm_web.blocking import run_blocking
from slm_web.tasks import grammar_preferences, results, saved_json
from slm_web.tasks.grammar_preferences import MAX_IGNORED, GrammarPreferences

TEXT = "Recieved it on friday. I came becuase it rained."
SURE = {"min_confidence": 1.0}  # the tagger makes no edit: only the table's


@pytest.fixture
def model(grammar_bundle: Path):
    with slm_web.load_sync(grammar_bundle, threads=1) as loaded:
        yield loaded


def _found(model, text: str = TEXT, **options) -> list[tuple[str, str, str]]:
    return [(e.original, e.replacement, e.type) for e in model.correct_sync(text, **SURE, **options).edits]


@pytest.mark.parametrize("module", [grammar_preferences, saved_json, results])
def test_docstring_examples(module) -> None:
    outcome = doctest.testmod(module)
    assert outcome.failed == 0 and outcome.attempted > 0


def test_without_preferences_the_table_fixes_all_three(model) -> None:
    assert _found(model) == [("Recieved", "Received", "spelling"), ("friday", "Friday", "capitalization"),
                             ("becuase", "because", "spelling")]


def test_dictionary_words_are_never_respelled_in_any_case(model) -> None:
    assert model.add_words(["recieved"]) == 1
    assert model.dictionary() == ["recieved"]
    assert _found(model) == [("friday", "Friday", "capitalization"), ("becuase", "because", "spelling")]
    # A capitalization edit still gives a dictionary word the case it is written with there.
    assert model.add_words(["Friday", "friday"]) == 3
    assert _found(model) == [("becuase", "because", "spelling")]
    assert model.remove_words(["friday", "unknown"]) == 2
    assert _found(model)[0] == ("friday", "Friday", "capitalization")
    assert model.correct_sync(TEXT, **SURE).text == "Recieved it on Friday. I came because it rained."


def test_an_ignored_suggestion_stays_away_between_the_same_words_only(model) -> None:
    edit = next(e for e in model.correct_sync(TEXT, **SURE).edits if e.original == "becuase")
    assert model.ignore(TEXT, edit) is None
    assert ("becuase", "because", "spelling") not in _found(model)
    assert ("becuase", "because", "spelling") not in _found(model, "Hello there. " + TEXT)  # moved
    assert ("becuase", "because", "spelling") in _found(model, "I left becuase it rained.")  # other words
    # Only a hash is kept: nothing of the text is in the stored preferences.
    stored = model.export_preferences()
    assert "becuase" not in stored and "rained" not in stored


def test_an_edit_as_the_page_sends_it_can_be_ignored(model) -> None:
    edit = model.correct_sync(TEXT, **SURE).edits[0].to_dict()
    model.ignore(TEXT, edit)
    assert ("Recieved", "Received", "spelling") not in _found(model)


def test_types_switched_off_per_call_and_for_good(model) -> None:
    assert _found(model, disable=["spelling"]) == [("friday", "Friday", "capitalization")]
    assert _found(model, disable=[]) == _found(model)
    assert model.disable(["capitalization", "verb form"]) == ["capitalization", "verb form"]
    assert [t for _, _, t in _found(model)] == ["spelling", "spelling"]
    assert _found(model, disable=["spelling"]) == []
    assert model.enable(["capitalization"]) == ["verb form"]
    assert len(_found(model)) == 3


def test_preferences_survive_export_and_import_and_erase_forgets_them(model, grammar_bundle: Path) -> None:
    model.add_words(["Ksenia", "becuase"])
    model.disable(["capitalization"])
    model.ignore(TEXT, model.correct_sync(TEXT, **SURE).edits[0])
    document = model.export_preferences()
    with slm_web.load_sync(grammar_bundle, threads=1) as other:
        other.import_preferences(document)
        assert other.dictionary() == ["Ksenia", "becuase"] and _found(other) == []
        assert other.export_preferences() == document
        other.erase_preferences()
        assert other.dictionary() == [] and len(_found(other)) == 3


def test_proofread_is_correct_in_the_proofreader_apis_shape(model) -> None:
    found = model.correct_sync(TEXT, **SURE)
    shaped = model.proofread_sync(TEXT, **SURE)
    assert shaped == found.to_proofreader()
    assert shaped["correctedInput"] == found.text
    assert [(c["startIndex"], c["endIndex"], c["correction"], c["types"]) for c in shaped["corrections"]] == [
        (0, 8, "Received", ["spelling"]), (15, 21, "Friday", ["capitalization"]),
        (30, 37, "because", ["spelling"])]
    assert all(c["explanation"] for c in shaped["corrections"])
    assert model.proofread_sync(TEXT, disable=["spelling"], **SURE)["correctedInput"] == (
        "Recieved it on Friday. I came becuase it rained.")


def test_the_worker_serves_every_preference_method(grammar_bundle: Path) -> None:
    def call(method: str, text: str = "", **options) -> dict:
        return json.loads(run_blocking(worker.call(method, text, json.dumps(options))))

    assert "value" in json.loads(run_blocking(worker.load("grammar", grammar_bundle.read_bytes())))
    try:
        assert call("add_words", words=["becuase", "Ksenia"]) == {"value": 2}
        assert call("dictionary") == {"value": ["Ksenia", "becuase"]}
        assert call("disable", types=["capitalization"]) == {"value": ["capitalization"]}
        edit = call("correct", TEXT, **SURE)["value"]["edits"][0]
        assert call("ignore", TEXT, edit=edit) == {"value": None}
        assert call("proofread", TEXT, **SURE) == {"value": {"correctedInput": TEXT, "corrections": []}}
        document = call("export_preferences")["value"]
        assert call("erase_preferences") == {"value": None} and call("dictionary") == {"value": []}
        assert call("import_preferences", document) == {"value": None}
        assert call("remove_words", words=["Ksenia"]) == {"value": 1}
        assert call("enable", types=["capitalization"]) == {"value": []}
        for bad in (call("add_words", words="becuase")["error"], call("add_words")["error"]):
            assert bad["name"] == "InputTextError" and bad["message"].startswith("words must be a list")
        assert call("ignore", TEXT)["error"]["message"].startswith("edit must be an edit from correct()")
    finally:
        worker.close()


@pytest.mark.parametrize(("method", "args", "message"), [
    ("add_words", ("becuase",), "words must be a list of at most 10000 strings, not 'becuase'"),
    ("add_words", ([None],), "words must be a list"),
    ("add_words", (["w"] * 10_001,),
     "words must be a list of at most 10000 strings, not ['w', 'w', 'w', 'w', ...]"),
    ("add_words", (["two words"],), "a dictionary word is one word of 1 to 64 characters without spaces"),
    ("add_words", ([""],), "a dictionary word is one word"),
    ("add_words", (["x" * 65],), "a dictionary word is one word"),
    ("remove_words", ({"a": 1},), "words must be a list"),
    ("disable", (["grammar"],), "types must be a list of at most 7 of unnecessary"),
    ("disable", ("spelling",), "types must be a list"),
    ("enable", (None,), "types must be a list"),
    ("ignore", (TEXT, {"start": 0}), "edit must be an edit from correct()"),
    ("ignore", (TEXT, "Recieved"), "edit must be an edit from correct()"),
    ("ignore", (TEXT, {"start": 0, "end": 8, "original": "Received", "replacement": "", "type": "spelling"}),
     "ignore(): the edit's original is not at its start..end in this text"),
    ("ignore", (TEXT, {"start": 0, "end": 10**9, "original": "x", "replacement": "", "type": "spelling"}),
     "ignore(): the edit's original is not"),
    ("ignore", (None, {"start": 0, "end": 1, "original": "R", "replacement": "", "type": "spelling"}),
     "text must be a str, not NoneType"),
    ("correct_sync", (TEXT,), "disable must be a list"),
])
def test_hostile_arguments_are_one_line_input_errors(model, method: str, args: tuple, message: str) -> None:
    kwargs = {"disable": {"spelling": True}} if method == "correct_sync" else {}
    with pytest.raises(slm_web.InputTextError) as info:
        getattr(model, method)(*args, **kwargs)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_the_dictionary_has_a_size_cap(model) -> None:
    model.add_words([f"w{i}" for i in range(10_000)])
    with pytest.raises(slm_web.InputTextError, match="at most 10000 words"):
        model.add_words(["one-more"])
    assert len(model.dictionary()) == 10_000


def test_ignored_suggestions_forget_the_oldest_past_the_cap() -> None:
    prefs = GrammarPreferences()
    edits = [slm_web.Edit(0, 1, "a", "b", "replace"), slm_web.Edit(0, 1, "a", "c", "replace")]
    for i in range(MAX_IGNORED):
        prefs.ignore(f"a {i}", edits[0])
    prefs.ignore("a 0", edits[1])
    assert not prefs.ignores("a 0", edits[0])
    assert prefs.ignores("a 1", edits[0]) and prefs.ignores("a 0", edits[1])


def _document(**changes) -> str:
    data = {"format": grammar_preferences.FORMAT, "version": 1, "dictionary": ["Ksenia"],
            "ignored": ["0" * 32], "disabled": ["spelling"]}
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize("document", [
    None, b"{}", "", "not json", "[" * 100_000 + "]" * 100_000, "[]", json.dumps({"format": "other"}),
    _document(version=2), _document(dictionary="Ksenia"), _document(dictionary=["two words"]),
    _document(dictionary=[1]), _document(dictionary=["w"] * 10_001), _document(ignored=["xyz"]),
    _document(ignored=[None]), _document(ignored=["0" * 32] * (MAX_IGNORED + 1)),
    _document(disabled=["grammar"]), _document(disabled="spelling"), _document(dictionary=None),
    " " * (grammar_preferences.MAX_JSON_CHARS + 1),
    '{"format": "slm-web grammar preferences", "version": NaN}',
])
def test_malformed_preferences_json_is_a_one_line_input_error(model, document) -> None:
    model.add_words(["kept"])
    with pytest.raises(slm_web.InputTextError) as info:
        model.import_preferences(document)
    assert "\n" not in str(info.value) and len(str(info.value)) < 300
    assert model.dictionary() == ["kept"]  # a bad document changes nothing


def test_a_valid_hand_written_document_loads(model) -> None:
    model.import_preferences(_document())
    assert model.dictionary() == ["Ksenia"] and model.disable([]) == ["spelling"]


def test_preference_methods_on_another_task_say_so(sentiment_bundle: Path) -> None:
    with slm_web.load_sync(sentiment_bundle, threads=1) as sentiment:
        with pytest.raises(slm_web.TaskMismatchError, match="add_words\\(\\) needs a grammar bundle"):
            sentiment.add_words(["x"])
        with pytest.raises(slm_web.TaskMismatchError, match="proofread"):
            sentiment.proofread_sync("x")
