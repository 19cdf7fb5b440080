"""The user's say over grammar in Chromium (dictionary, ignore, types switched off: across a reload, then
erased), proofread() against CPython, hostile arguments, the popover's buttons and the documented examples;
the stored record around start-up (calls before the restore, a model that fails to load, dispose()), on a
page without grammar, in two tabs, and when IndexedDB refuses a write.

The site's own grammar student runs here; "I recieved it becuase of you on friday." gets two spelling
fixes from its table of known spellings and a capitalization fix, whatever the model's thresholds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import slm_web

from . import stored
from .conftest import launched
from .helpers import ROOT, call, doc_examples, open_bridge, reload_bridge, utf16_offset
from .test_bridge import tampered_site

QUERY = "?tasks=grammar"
TEXT = "I recieved it becuase of you on friday."
DATABASE = stored.PREFERENCES[0]
# Evaluated in the page: the preferences call `method` (a path such as "dictionary.add"), data or error.
SAY_JS = """async ([path, args]) => {
  const names = path.split(".");
  const owner = names.slice(0, -1).reduce((object, name) => object[name], slm);
  try { return { value: await owner[names.at(-1)](...args) }; }
  catch (e) { return { error: { name: e.name, message: e.message } }; }
}"""


def say(page, path: str, *args) -> dict:
    return page.evaluate(SAY_JS, [path, list(args)])


def _found(page, text: str = TEXT, **options) -> list[tuple[str, str]]:
    return [(e["original"], e["type"]) for e in call(page, "correct", text, **options)["value"]["edits"]]


def test_dictionary_ignore_and_disable_persist_across_a_reload_until_erased(browser):
    page = open_bridge(browser, QUERY)
    everything = [("recieved", "spelling"), ("becuase", "spelling"), ("friday", "capitalization")]
    assert _found(page) == everything
    assert DATABASE not in stored.databases(page)  # reading at create() made no database

    assert say(page, "dictionary.add", ["Recieved"]) == {"value": 1}  # any case: never respelled
    becuase = page.evaluate("async (text) => (await slm.correct(text)).edits[0]", TEXT)
    assert becuase["original"] == "becuase"
    assert page.evaluate("async (text) => { const { edits } = await slm.correct(text); "
                         "return slm.ignore(edits[0]); }", TEXT) is None
    assert say(page, "disable", ["capitalization"]) == {"value": ["capitalization"]}
    assert _found(page) == []
    assert _found(page, "He said it becuase of you.") == [("becuase", "spelling")]  # other words around it
    assert DATABASE in stored.databases(page)

    reload_bridge(page)  # a new worker: the preferences come back from IndexedDB
    assert _found(page) == []
    assert say(page, "dictionary.words") == {"value": ["Recieved"]}
    assert say(page, "enable", ["capitalization"]) == {"value": []}
    assert _found(page) == [("friday", "capitalization")]
    assert _found(page, disable=["capitalization"]) == []  # one call's own types to leave out
    record = stored.record(page)
    assert "becuase" not in record and "you on" not in record  # a fingerprint of the ignored one, no text

    assert say(page, "erasePreferences") == {"value": None}
    assert _found(page) == everything
    assert DATABASE not in stored.databases(page)
    reload_bridge(page)
    assert _found(page) == everything and say(page, "dictionary.words") == {"value": []}


def test_export_and_import_move_the_preferences(browser):
    page = open_bridge(browser, QUERY)
    say(page, "dictionary.add", ["becuase"])
    saved = say(page, "exportPreferences")["value"]
    say(page, "erasePreferences")
    assert say(page, "importPreferences", saved) == {"value": None}
    assert _found(page) == [("recieved", "spelling"), ("friday", "capitalization")]
    reload_bridge(page)  # the import is stored too
    assert say(page, "dictionary.words") == {"value": ["becuase"]}
    say(page, "erasePreferences")


def test_with_when_ready_first_the_preferences_are_in_once_ready_resolves(browser):
    page = open_bridge(browser, "?tasks=autocomplete,grammar&ready=first")
    page.evaluate("() => allReady")
    say(page, "dictionary.add", ["becuase"])
    reload_bridge(page)  # create() resolves on autocomplete; the grammar model and its preferences follow
    assert "error" not in page.evaluate("() => allReady")
    assert _found(page) == [("recieved", "spelling"), ("friday", "capitalization")]
    say(page, "erasePreferences")


# A page whose own instance does not hold the grammar preferences: the tests make theirs with stored.fresh.
WITHOUT_GRAMMAR = "?tasks=sentiment"
FIRST = {"tasks": ["sentiment", "grammar"], "whenReady": "first"}  # grammar loads after create() resolves


def test_a_change_made_before_the_restore_lands_keeps_the_stored_words(browser):
    page = open_bridge(browser, WITHOUT_GRAMMAR)
    stored.write_preferences(page, dictionary=["becuase"])
    got = stored.fresh(page, """const size = await slm.dictionary.add(["recieved"]);
                                return [size, await slm.dictionary.words()];""", **FIRST)
    assert got == [2, ["becuase", "recieved"]]
    reload_bridge(page)
    assert stored.preferences(page)["dictionary"] == ["becuase", "recieved"]


def test_an_erasure_before_the_restore_lands_sticks(browser):
    page = open_bridge(browser, WITHOUT_GRAMMAR)
    stored.write_preferences(page, dictionary=["becuase"])
    words = stored.fresh(page, """await slm.erasePreferences();
                                  await slm.ready;
                                  const words = await slm.dictionary.words();
                                  await slm.disable(["capitalization"]);
                                  return words;""", **FIRST)
    assert words == []
    reload_bridge(page)
    assert stored.preferences(page) == {**stored.PREFERENCES_FORMAT, "disabled": ["capitalization"]}


def test_dispose_during_the_restore_keeps_the_record(browser):
    page = open_bridge(browser, WITHOUT_GRAMMAR)
    stored.write_preferences(page, dictionary=["becuase"])
    page.evaluate("""async (options) => {
      const { SLM } = await import("../bridge/slm.js");
      const slm = await SLM.create(options);
      slm.dispose();
      await slm.ready.catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 1000));  // whatever the restore does after it
    }""", FIRST)
    reload_bridge(page)
    assert stored.preferences(page)["dictionary"] == ["becuase"]


def test_a_grammar_model_that_fails_to_load_keeps_the_record_and_erasing_still_works(site: Path,
                                                                                     playwright_instance):
    with tampered_site(site, ("grammar",)) as base_url, launched(playwright_instance, base_url) as browser:
        page = open_bridge(browser, WITHOUT_GRAMMAR)
        stored.write_preferences(page, dictionary=["becuase"])
        failed = stored.fresh(page, "return slm.ready.then(() => 'loaded', (e) => e.message);", **FIRST)
        assert "does not match build-manifest.json" in failed
        reload_bridge(page)
        assert stored.preferences(page)["dictionary"] == ["becuase"]
        erase = "await slm.ready.catch(() => {}); return slm.erasePreferences();"
        assert stored.fresh(page, erase, **FIRST) is None
        reload_bridge(page)
        assert stored.PREFERENCES[0] not in stored.databases(page)


def test_a_page_without_the_tasks_erases_the_stored_words(browser):
    page = open_bridge(browser, WITHOUT_GRAMMAR)
    stored.write_preferences(page, dictionary=["becuase"])
    stored.write(page, '{"format": "slm-web personal words"}', stored.MEMORY)
    assert say(page, "erasePreferences") == {"value": None}
    assert say(page, "forget") == {"value": None}
    reload_bridge(page)
    assert not {stored.PREFERENCES[0], stored.MEMORY[0]} & set(stored.databases(page))


def test_two_tabs_keep_each_others_changes(browser):
    first, second = open_bridge(browser, QUERY), open_bridge(browser, QUERY)
    assert say(first, "dictionary.add", ["alpha"]) == {"value": 1}
    assert say(second, "dictionary.add", ["beta"]) == {"value": 2}  # its worker took "alpha" in first
    assert say(first, "disable", ["capitalization"]) == {"value": ["capitalization"]}
    # The other tab hears of each write and takes the stored copy in without a change of its own.
    second.wait_for_function("async () => (await slm.exportPreferences()).includes('capitalization')",
                             polling=100, timeout=10_000)
    assert say(first, "dictionary.words") == {"value": ["alpha", "beta"]}
    reload_bridge(first)
    assert stored.preferences(first) == {**stored.PREFERENCES_FORMAT, "dictionary": ["alpha", "beta"],
                                         "disabled": ["capitalization"]}
    say(first, "erasePreferences")
    second.wait_for_function("async () => (await slm.dictionary.words()).length === 0", polling=100,
                             timeout=10_000)
    assert say(second, "dictionary.add", ["gamma"]) == {"value": 1}  # nothing erased comes back
    reload_bridge(first)
    assert stored.preferences(first)["dictionary"] == ["gamma"]
    say(first, "erasePreferences")


def test_a_change_that_could_not_be_stored_rejects_and_the_next_one_stores_it(browser):
    page = open_bridge(browser, QUERY)
    refused = page.evaluate("""async () => {
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = () => {
        throw new DOMException("the quota is full", "QuotaExceededError");
      };
      try { await slm.dictionary.add(["becuase"]); return null; }
      catch (e) { return { name: e.name, message: e.message }; }
      finally { IDBObjectStore.prototype.put = put; }
    }""")
    assert refused == {"name": "StorageError", "message": "the grammar preferences were changed in this page "
                       "but not stored: the quota is full"}
    assert say(page, "dictionary.words") == {"value": ["becuase"]}  # made in the worker all the same
    assert stored.record(page) is None
    say(page, "disable", ["capitalization"])
    reload_bridge(page)
    assert stored.preferences(page)["dictionary"] == ["becuase"]
    say(page, "erasePreferences")


def test_proofread_answers_as_cpython_with_utf16_offsets(browser, built_site: Path):
    page = open_bridge(browser, QUERY)
    text = "Hello 😀 " + TEXT  # an emoji: two UTF-16 units, one code point
    got = call(page, "proofread", text)["value"]
    with slm_web.load_sync(built_site / "bundles" / "grammar.slm") as model:
        expected = model.proofread_sync(text)
    for correction in expected["corrections"]:
        correction["startIndex"] = utf16_offset(text, correction["startIndex"])
        correction["endIndex"] = utf16_offset(text, correction["endIndex"])
    assert got == expected
    first = got["corrections"][0]
    assert page.evaluate("([t, s, e]) => t.slice(s, e)", [text, first["startIndex"], first["endIndex"]]) == (
        "recieved")
    assert [c["types"] for c in got["corrections"]] == [["spelling"], ["spelling"], ["capitalization"]]
    only = call(page, "proofread", TEXT, disable=["spelling"])["value"]
    assert only["correctedInput"] == "I recieved it becuase of you on Friday."


@pytest.mark.parametrize(("path", "args", "message"), [
    ("dictionary.add", ["Ksenia"], "words must be a list of at most 10000 strings, not 'Ksenia'"),
    ("dictionary.add", [[1, None]], "words must be a list of at most 10000 strings, not [1, None]"),
    ("dictionary.add", [[f"w{i}" for i in range(20_000)]], "words must be a list of at most 10000 strings"),
    ("dictionary.add", [["two words"]], "a dictionary word is one word of 1 to 64 characters"),
    ("dictionary.remove", [{"a": 1}], "words must be a list"),
    ("dictionary.add", [], "words must be a list of at most 10000 strings, not None"),
    ("disable", [["grammar"]], "types must be a list of at most 7 of unnecessary"),
    ("enable", ["spelling"], "types must be a list"),
    ("ignore", [{"start": 0, "end": 1}, "I"], "edit must be an edit from correct()"),
    ("ignore", [{"start": 0, "end": 1, "original": "I", "replacement": "", "type": "spelling"}],
     "ignore() needs the text the edit was found in"),
    ("ignore", [{"start": 0, "end": 9, "original": "x", "replacement": "", "type": "spelling"}, "I"],
     "ignore(): the edit's original is not at its start..end in this text"),
    ("ignore", [None, "I"], "ignore() needs an edit from correct(), not null"),
    ("importPreferences", ["{"], "grammar preferences are not valid JSON"),
    ("importPreferences", ['{"format": "slm-web grammar preferences", "version": 1, "dictionary": 3}'],
     "grammar preferences: dictionary must be a list"),
    ("importPreferences", [42], "import_preferences() needs a string, got number"),
    ("proofread", [42], "proofread() needs a string, got number"),
    ("proofread", [TEXT, "fast"], "proofread() options must be an object, not string"),
    ("correct", [TEXT, {"disable": "spelling"}], "disable must be a list of at most 7 of unnecessary"),
])
def test_hostile_arguments_reject_with_one_line(grammar_page, path: str, args: list, message: str):
    result = say(grammar_page, path, *args)
    assert result["error"]["name"] == "InputTextError", result
    assert result["error"]["message"].startswith(message) and "\n" not in result["error"]["message"]
    assert say(grammar_page, "dictionary.words") == {"value": []}  # nothing changed


def test_ignore_maps_utf16_offsets_back_to_code_points(grammar_page):
    text = "Hi 😀👍🏽 " + TEXT  # three astral code points before the edits: JS offsets are 3 units further on
    left = grammar_page.evaluate("""async (text) => {
      const { edits } = await slm.correct(text);
      await slm.ignore({ ...edits[1] }, text);  // a copy: the text must come along
      return (await slm.correct(text)).edits.map((e) => e.original);
    }""", text)
    assert left == ["recieved", "friday"]
    say(grammar_page, "erasePreferences")


@pytest.fixture(scope="module")
def grammar_page(module_browser):
    """One bridge page for the hostile cases (a page each would start a worker each)."""
    return open_bridge(module_browser, QUERY)


def test_the_popover_offers_ignore_and_add_to_dictionary(browser):
    page = open_bridge(browser, QUERY)
    page.evaluate("""() => {
      const area = document.body.appendChild(document.createElement("textarea"));
      area.style.cssText = "width: 600px; height: 120px; font: 16px monospace";
      window.attached = slm.attach(area, { autocomplete: false, sentiment: false });
      window.grammarEvents = [];
      area.addEventListener("slm:grammar", (e) => window.grammarEvents.push(e.detail.result));
      area.focus();
      area.value = "I recieved it becuase of you.";
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }""")
    page.wait_for_function("() => window.grammarEvents.length === 1", timeout=20_000)

    def open_popover(word: str) -> None:
        page.evaluate("""(word) => {
          const area = document.querySelector("textarea");
          area.setSelectionRange(area.value.indexOf(word) + 1, area.value.indexOf(word) + 1);
          area.dispatchEvent(new KeyboardEvent("keyup", { key: "ArrowRight", bubbles: true }));
        }""", word)
        page.wait_for_selector(".slm-popover:not([hidden]) .slm-ignore", timeout=5_000)

    open_popover("recieved")
    assert page.locator(".slm-popover .slm-add-word").text_content() == "Add to dictionary"
    page.click(".slm-popover .slm-add-word")
    page.wait_for_function("() => window.grammarEvents.length === 2", timeout=20_000)
    assert say(page, "dictionary.words") == {"value": ["recieved"]}
    open_popover("becuase")
    page.click(".slm-popover .slm-ignore")
    page.wait_for_function("() => window.grammarEvents.length === 3", timeout=20_000)
    assert page.evaluate("() => window.grammarEvents.at(-1).edits") == []
    assert page.locator(".slm-issue").count() == 0
    say(page, "erasePreferences")


@pytest.mark.parametrize("doc", [ROOT / "README.md", ROOT / "docs" / "js-api.md"], ids=lambda p: p.name)
def test_documented_examples_run(browser, doc: Path):
    blocks = doc_examples(doc, Path(__file__).name)
    assert blocks, f"no tested example in {doc.name}"
    page = open_bridge(browser, QUERY)
    assert page.evaluate("() => 'Proofreader' in self") is False  # so the examples take slm-web's path
    for block in blocks:
        outcome = page.evaluate("""async (code) => {
          const AsyncFunction = (async () => {}).constructor;
          try { return { value: await new AsyncFunction("slm", code)(slm) ?? null }; }
          catch (e) { return { error: `${e.name}: ${e.message}` }; }
        }""", block)
        assert outcome == {"value": None}, outcome
    say(page, "erasePreferences")
