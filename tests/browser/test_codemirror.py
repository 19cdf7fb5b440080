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

from . import editing
from .conftest import PAGES
from .helpers import ESBUILD, bundle_page_module

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


TEXT_JS = "() => view.state.doc.toString()"
# Where CodeMirror shows the character at `at`.
POINT_JS = "(at) => { const c = view.coordsAtPos(at, 1); return [c.left, c.top]; }"


def test_ghost_text_tab_accepts_and_ctrl_z_undoes(editor):
    editing.ghost_accepted_undone_and_dismissed(editor, TEXT_JS, POINT_JS)
    assert editor.evaluate("() => view.hasFocus")  # Tab did not move the focus out of the editor
    assert editor.evaluate("() => window.latest.completion.length") > 0  # the events, on view.contentDOM


def test_underline_fix_applies_from_the_popover_and_undoes(editor):
    editing.fix_applied_and_undone(editor, TEXT_JS, POINT_JS)


def test_an_underline_waits_for_codemirror_to_render_its_line(editor):
    """Far below the viewport a line is a placeholder, and CodeMirror's DOM positions there are no place
    to draw at: the underline comes once scrolling renders the line."""
    text = "\n" * 300 + "I recieved it."
    insert = "(text) => view.dispatch({ changes: { from: 0, insert: text }, selection: { anchor: 0 } })"
    editor.evaluate(insert, text)
    editor.wait_for_function("() => window.latest.grammar?.edits.length", timeout=30_000)
    issues = editor.locator(".slm-issue")
    assert issues.count() == 0
    start = text.index("recieved")
    scroll = "(at) => view.dispatch({ effects: view.constructor.scrollIntoView(at, { y: 'center' }) })"
    editor.evaluate(scroll, start)
    # Scrolling redraws more than once (the line is rendered, then scrolled to): wait for the underline to
    # lie on its word, where CodeMirror shows it.
    editor.wait_for_function("""(at) => {
      const issue = view.root.querySelector(".slm-issue");
      const box = issue?.getBoundingClientRect();
      const word = view.coordsAtPos(at, 1);
      return issue?.textContent === "recieved" && Math.abs(box.left - word.left) <= 1
        && Math.abs(box.top - word.top) <= 1;
    }""", arg=start, timeout=5_000)


def test_destroying_the_editor_detaches(page):
    left = page.evaluate("""() => {
      view.destroy();
      return view.root.querySelectorAll(".slm-layer, .slm-popover").length;
    }""")
    assert left == 0
