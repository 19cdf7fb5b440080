"""The CodeMirror 6 extension (bridge/slm-codemirror.js), the worked example of the EditorAdapter
interface, in a real CodeMirror editor through the keyboard and the mouse: ghost text accepted with Tab
and undone with Ctrl+Z (CodeMirror's own history), an underline's fix applied from the popover and
undone, the ``slm:*`` events on the editor's content element, and nothing left behind when the editor
is destroyed. The page (pages/codemirror.js) is bundled with esbuild from the pinned devDependencies;
CodeMirror is served from the site's own origin like everything else (conftest fails any other request).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import PAGES
from .engines import ATTACH_GRAMMAR_TEXT
from .helpers import ESBUILD, bundle_page_module, one_fix_applied

RECORD_EVENTS_JS = """() => {
  window.latest = {};
  for (const name of ["sentiment", "completion", "grammar"]) {
    view.contentDOM.addEventListener(`slm:${name}`, (e) => { window.latest[name] = e.detail.result; });
  }
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: "" } });
  view.focus();
}"""


@pytest.fixture(scope="module")
def page(module_browser, site: Path):
    if not ESBUILD.exists():
        pytest.skip("esbuild is not in node_modules (npm ci --ignore-scripts)")
    bundle_page_module((PAGES / "codemirror.js").read_text(), site / "tests" / "codemirror.bundle.js")
    page = module_browser.new_page("tests/codemirror.html", wait_title="ready", timeout_ms=120_000)
    # Playwright's selectors pierce the shadow root the editor lives in.
    page.wait_for_selector(".cm-editor .slm-layer", timeout=10_000)
    return page


@pytest.fixture
def editor(page):
    page.evaluate(RECORD_EVENTS_JS)
    return page


def _text(page) -> str:
    return page.evaluate("() => view.state.doc.toString()")


def test_ghost_text_tab_accepts_and_ctrl_z_undoes(editor):
    editor.keyboard.type("I would li", delay=20)
    ghost = editor.locator(".cm-editor .slm-ghost")
    ghost.wait_for(timeout=30_000)
    suggestion = ghost.text_content()
    assert suggestion
    assert editor.evaluate("() => window.latest.completion.length") > 0  # the event, on view.contentDOM
    editor.keyboard.press("Tab")
    assert _text(editor) == "I would li" + suggestion
    assert editor.evaluate("() => view.hasFocus")  # Tab did not move the focus out of the editor
    editor.keyboard.press("Control+z")
    assert _text(editor) == "I would li"
    editor.keyboard.type(" and th", delay=20)
    ghost.wait_for(timeout=30_000)
    editor.keyboard.press("Escape")
    assert ghost.count() == 0
    assert _text(editor) == "I would li and th"


def test_underline_fix_applies_from_the_popover_and_undoes(editor):
    editor.keyboard.type(ATTACH_GRAMMAR_TEXT)
    editor.evaluate("() => { window.latest = {}; }")
    editor.wait_for_function("() => window.latest.grammar", timeout=30_000)
    edits = editor.evaluate("() => window.latest.grammar.edits")
    assert edits, "the grammar model finds nothing to fix in the test text"
    issue = editor.locator(".cm-editor .slm-issue").first
    issue.wait_for(timeout=5_000)
    first = min(edits, key=lambda e: e["start"])
    assert issue.text_content() == ATTACH_GRAMMAR_TEXT[first["start"]:first["end"]]
    box = issue.bounding_box()
    # Drawn where CodeMirror shows that text.
    left, top = editor.evaluate("(at) => { const c = view.coordsAtPos(at, 1); return [c.left, c.top]; }",
                                first["start"])
    assert box["x"] == pytest.approx(left, abs=1) and box["y"] == pytest.approx(top, abs=1)
    editor.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    apply = editor.locator(".cm-editor .slm-popover .slm-apply")
    apply.wait_for(timeout=5_000)
    apply.click()
    assert _text(editor) in one_fix_applied(ATTACH_GRAMMAR_TEXT, edits)
    editor.keyboard.press("Control+z")
    assert _text(editor) == ATTACH_GRAMMAR_TEXT
    editor.wait_for_function("() => window.latest.sentiment", timeout=30_000)
    assert editor.locator(".cm-editor .slm-badge").is_visible()


def test_destroying_the_editor_detaches(page):
    left = page.evaluate("""() => {
      view.destroy();
      return view.root.querySelectorAll(".slm-layer, .slm-popover").length;
    }""")
    assert left == 0
