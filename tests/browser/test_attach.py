"""``slm.attach()`` on each kind of editor a page has: ``<textarea>``, ``<input type=text>`` and a
contenteditable element, through the keyboard and the mouse as a user meets them: typing, ghost text
accepted with Tab and undone with Ctrl+Z, an underline whose fix applies from the popover and is undone,
underlines that follow the text when it scrolls, the badge, the ``slm:*`` events.

test_demo.py covers the textarea through the demo page; test_codemirror.py the CodeMirror extension.
The attach() examples of README.md and docs/js-api.md run here too, each on a page of its own.
"""

from __future__ import annotations

import pytest

from . import editing
from .conftest import ROOT
from .engines import ATTACH_GRAMMAR_TEXT, EDITOR_TEXT_JS, MAKE_EDITOR_JS
from .helpers import ESBUILD, bundle_page_module, doc_examples, open_bridge

KINDS = ["textarea", "input", "contenteditable"]


@pytest.fixture(scope="module")
def page(module_browser):
    return open_bridge(module_browser)


def _editor(page, kind: str) -> None:
    page.evaluate(MAKE_EDITOR_JS, kind)


def _type_and_wait(page, text: str, feature: str) -> dict:
    """Type `text`, then wait for `feature`'s result on all of it (the checks are debounced: none has
    started when typing ends, and a result for older text is dropped as stale)."""
    page.keyboard.type(text)
    page.evaluate("() => { window.latest = {}; }")
    page.wait_for_function(f"() => window.latest.{feature}", timeout=30_000)
    return page.evaluate(f"() => window.latest.{feature}")


# Where a contenteditable shows the character at `at` (typed: one text node).
CONTENTEDITABLE_POINT_JS = """(at) => {
  const range = document.createRange();
  range.setStart(document.getElementById("editor").firstChild, at);
  const box = range.getClientRects()[0];
  return [box.left, box.top];
}"""


@pytest.mark.parametrize("kind", KINDS)
def test_ghost_text_tab_accepts_and_ctrl_z_undoes(page, kind: str):
    _editor(page, kind)
    where = CONTENTEDITABLE_POINT_JS if kind == "contenteditable" else None
    editing.ghost_accepted_undone_and_dismissed(page, EDITOR_TEXT_JS, where)
    assert page.evaluate("() => document.activeElement.id") == "editor"  # Tab did not move the focus


@pytest.mark.parametrize("kind", KINDS)
def test_underline_fix_applies_from_the_popover_and_undoes(page, kind: str):
    _editor(page, kind)
    where = CONTENTEDITABLE_POINT_JS if kind == "contenteditable" else None
    editing.fix_applied_and_undone(page, EDITOR_TEXT_JS, where)


@pytest.mark.parametrize("kind", KINDS)
def test_underlines_follow_the_text_when_it_wraps_and_scrolls(page, kind: str):
    _editor(page, kind)
    # Enough text to scroll the 72px box (an input: sideways); the error is at the end.
    text = "A fine line of text that wraps. " * 5 + ATTACH_GRAMMAR_TEXT
    edits = _type_and_wait(page, text, "grammar")["edits"]
    assert edits
    issue = page.locator(".slm-issue").last
    issue.wait_for(timeout=5_000)
    before = issue.bounding_box()
    axis, position = ("x", "scrollLeft") if kind == "input" else ("y", "scrollTop")
    scrolled = page.evaluate("""(position) => {
      const editor = document.getElementById("editor");
      const by = Math.min(30, editor[position]);
      editor[position] -= by;
      return by;
    }""", position)
    assert scrolled > 0, "the text did not scroll"
    page.wait_for_function("([axis, was]) => [...document.querySelectorAll('.slm-issue')].at(-1)"
                           ".getBoundingClientRect()[axis] !== was", arg=[axis, before[axis]], timeout=5_000)
    after = issue.bounding_box()
    other = "y" if axis == "x" else "x"
    assert after[axis] == pytest.approx(before[axis] + scrolled, abs=1)
    assert after[other] == pytest.approx(before[other], abs=1)


def test_contenteditable_lines_map_to_newlines(page):
    """Enter in a contenteditable makes <div>s or <br>s; the text the models see has newlines there."""
    _editor(page, "contenteditable")
    page.keyboard.type("First line.")
    page.keyboard.press("Enter")
    page.keyboard.type("Second line.")
    seen = page.evaluate("""async () => {
      const correct = slm.correct;
      const asked = new Promise((resolve) => {
        slm.correct = (text, options) => (resolve(text), correct.call(slm, text, options));
      });
      window.attached.refresh();
      const text = await asked;
      delete slm.correct;
      return text;
    }""")
    assert seen == "First line.\nSecond line."


def test_attach_refuses_what_it_cannot_edit(page):
    message = page.evaluate("""() => {
      try { slm.attach(Object.assign(document.createElement("input"), { type: "number" })); }
      catch (e) { return `${e.name}: ${e.message}`; }
    }""")
    assert message.startswith("TypeError: attach() needs a <textarea>") and "<input type=number>" in message


def test_a_replacement_the_field_cut_short_is_not_typed_twice(page):
    """The browser's own editing ran but honoured maxlength: the field stays as the browser made it."""
    value = page.evaluate("""async () => {
      const { fieldAdapter } = await import("../bridge/slm-adapter-field.js");
      const field = document.body.appendChild(Object.assign(document.createElement("input"),
                                                            { type: "text", maxLength: 5, value: "abc" }));
      const adapter = fieldAdapter(field);
      adapter.replace(3, 3, "defgh");
      adapter.dispose();
      field.remove();
      return field.value;
    }""")
    assert value == "abcde"


# document -> how many marked examples it has at least (guards against a marker that silently finds none)
DOCS = {ROOT / "README.md": 1, ROOT / "docs" / "js-api.md": 2}

# The editors an example attached to, wherever they are (Playwright's selectors pierce shadow roots).
ATTACHED_JS = "(el) => !!el.closest('.slm-wrap, .cm-editor')?.querySelector(':scope > .slm-layer')"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_documented_examples_run(browser, site, doc):
    """Each example, bundled as written (esbuild: CodeMirror from node_modules), runs on a page holding a
    textarea, a text input, a contenteditable element and #editor; every editor it attached shows a ghost."""
    if not ESBUILD.exists():
        pytest.skip("esbuild is not in node_modules (npm ci --ignore-scripts)")
    examples = doc_examples(doc, "test_attach.py")
    assert len(examples) >= DOCS[doc]
    for example in examples:
        bundle_page_module(example, site / "tests" / "attach-example.bundle.js")
        page = browser.new_page("tests/attach-example.html")
        page.locator(".slm-layer").first.wait_for(state="attached", timeout=120_000)
        candidates = page.locator("textarea, input, [contenteditable=true]").all()
        editors = [e for e in candidates if e.evaluate(ATTACHED_JS)]
        assert editors, example
        for editor in editors:
            editor.click()
            page.keyboard.type("I would li", delay=20)
            page.wait_for_function("(el) => el.closest('.slm-wrap, .cm-editor').querySelector('.slm-ghost')",
                                   arg=editor.element_handle(), timeout=30_000)
        page.close()
