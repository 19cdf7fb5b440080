"""The user's say over grammar in Chromium (dictionary, ignore, types switched off: across a reload, then
erased), proofread() against CPython, hostile arguments, the popover's buttons and the documented examples.

The site's own grammar student runs here; "I recieved it becuase of you on friday." gets two spelling
fixes from its table of known spellings and a capitalization fix, whatever the model's thresholds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import slm_web

from .helpers import ROOT, call, doc_examples, open_bridge, reload_bridge, utf16_offset

QUERY = "?tasks=grammar"
TEXT = "I recieved it becuase of you on friday."
DATABASES = "() => indexedDB.databases().then((dbs) => dbs.map((db) => db.name))"
DATABASE = "slm-web-grammar"
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
    assert DATABASE not in page.evaluate(DATABASES)  # reading at create() made no database

    assert say(page, "dictionary.add", ["Recieved"]) == {"value": 1}  # any case: never respelled
    becuase = page.evaluate("async (text) => (await slm.correct(text)).edits[0]", TEXT)
    assert becuase["original"] == "becuase"
    assert page.evaluate("async (text) => { const { edits } = await slm.correct(text); "
                         "return slm.ignore(edits[0]); }", TEXT) is None
    assert say(page, "disable", ["capitalization"]) == {"value": ["capitalization"]}
    assert _found(page) == []
    assert _found(page, "He said it becuase of you.") == [("becuase", "spelling")]  # other words around it
    assert DATABASE in page.evaluate(DATABASES)

    reload_bridge(page)  # a new worker: the preferences come back from IndexedDB
    assert _found(page) == []
    assert say(page, "dictionary.words") == {"value": ["Recieved"]}
    assert say(page, "enable", ["capitalization"]) == {"value": []}
    assert _found(page) == [("friday", "capitalization")]
    assert _found(page, disable=["capitalization"]) == []  # one call's own types to leave out
    stored = page.evaluate("""() => new Promise((resolve) => {
      const open = indexedDB.open("slm-web-grammar");
      open.onsuccess = () => {
        const get = open.result.transaction("memory").objectStore("memory").get("grammar");
        get.onsuccess = () => { open.result.close(); resolve(get.result); };
      };
    })""")
    assert "becuase" not in stored and "you on" not in stored  # a hash of the ignored one, not the text

    assert say(page, "erasePreferences") == {"value": None}
    assert _found(page) == everything
    assert DATABASE not in page.evaluate(DATABASES)
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
