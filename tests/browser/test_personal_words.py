"""Personal words in Chromium: learn, suggest, survive a reload (IndexedDB), forget (nothing left), caps.

The site's own autocomplete student runs here: it never suggests the made-up name, so a suggestion of it
can only come from the memory.
"""

from __future__ import annotations

from . import stored
from .helpers import call, open_bridge, reload_bridge

QUERY = "?tasks=autocomplete&personal=1"
TEXT = "Lunch with Zorblat on Friday. Zorblat says hi."
DATABASE = stored.MEMORY[0]


def _texts(page, text: str) -> list[str]:
    """The words suggested for ``text``; five, so that a learned word's place does not hang on the model."""
    return [c["text"] for c in call(page, "complete", text, k=5)["value"]]


def test_learn_reload_forget(browser):
    page = open_bridge(browser, QUERY)
    assert "Zorblat" not in _texts(page, "Lunch with Zor")
    assert call(page, "learn", TEXT) == {"value": 7}
    assert "Zorblat" in _texts(page, "Lunch with Zor")
    page.evaluate("() => slm.saveMemory()")
    assert DATABASE in stored.databases(page)

    reload_bridge(page)  # a new worker: the words come back from IndexedDB
    assert page.evaluate("() => slm.learnedWords") == 7
    assert "Zorblat" in _texts(page, "Lunch with Zor")

    page.evaluate("() => slm.forget()")
    assert page.evaluate("() => slm.learnedWords") == 0
    assert "Zorblat" not in _texts(page, "Lunch with Zor")
    assert DATABASE not in stored.databases(page)  # the origin's store is gone
    reload_bridge(page)
    assert page.evaluate("() => slm.learnedWords") == 0
    assert DATABASE not in stored.databases(page)


def test_attach_learns_what_is_written_and_caps_hold(browser):
    page = open_bridge(browser, QUERY)
    learned = page.evaluate("""async () => {
      const area = document.body.appendChild(document.createElement("textarea"));
      slm.attach(area, { grammar: false, sentiment: false });
      const event = new Promise((resolve) => area.addEventListener("slm:learned", (e) => resolve(e.detail)));
      area.focus();
      area.value = "Ping Quixalot about the release. ";
      area.dispatchEvent(new Event("input", { bubbles: true }));
      area.blur();
      return event;
    }""")
    assert learned == {"learnedWords": 5}
    assert "Quixalot" in _texts(page, "Ping Qui")
    page.evaluate("() => slm.forget()")  # also cancels the save learn() scheduled

    # slm-memory.js stores nothing over its cap, whatever the worker hands it, and says so.
    refused = page.evaluate("""async () => {
      const { StoredDocument, MAX_CHARS } = await import("../bridge/slm-memory.js");
      const spec = { name: "slm-web-personal", key: "autocomplete", what: "personal words",
                     importer: "import", exporter: "export", eraser: "erase", saveDelayMs: 0 };
      const call = async (method) => (method === "export" ? "x".repeat(MAX_CHARS + 1) : 1);
      const kept = new StoredDocument(spec, { active: true, call, failed: (message) => new Error(message) });
      try { await kept.change("learn", "a"); } catch (e) { return e.message; } finally { kept.close(); }
    }""")
    assert refused.startswith("the personal words were changed in this page but not stored: over ")
    assert DATABASE not in stored.databases(page)
    stored.write(page, '{"format": "not a memory"}', stored.MEMORY)  # erased at start: the worker refuses it
    reload_bridge(page)
    assert page.evaluate("() => slm.learnedWords") == 0
    assert DATABASE not in stored.databases(page)
    assert call(page, "learn", 42)["error"]["name"] == "InputTextError"


def test_two_tabs_keep_the_words_each_learned(browser):
    first, second = open_bridge(browser, QUERY), open_bridge(browser, QUERY)
    assert call(first, "learn", TEXT) == {"value": 7}  # its save waits for a quiet moment
    assert call(second, "learn", "Ping Quixalot about the release.") == {"value": 5}
    second.evaluate("() => slm.saveMemory()")
    # The first tab takes the second's memory in and learns its own unsaved sentence again on top of it.
    first.evaluate("() => slm.saveMemory()")
    assert "Quixalot" in _texts(first, "Ping Qui")
    reload_bridge(second)
    assert "Zorblat" in _texts(second, "Lunch with Zor") and "Quixalot" in _texts(second, "Ping Qui")
    first.evaluate("() => slm.forget()")
    second.wait_for_function("() => slm.learnedWords === 0", polling=100, timeout=10_000)
    reload_bridge(second)
    assert DATABASE not in stored.databases(second)
