"""What a user does in an attached editor, through Playwright's keyboard and mouse; the editor has the
focus and reports its results into ``window.latest`` (engines.MAKE_EDITOR_JS, the CodeMirror page).
Shared by test_demo.py (the demo's textarea), test_attach.py (each element kind) and test_codemirror.py.
``text_js`` is a JS function reading the editor's text.
"""

from __future__ import annotations

from typing import Any

import pytest

from .engines import ATTACH_GRAMMAR_TEXT
from .helpers import one_fix_applied


def _assert_at(page: Any, box: dict[str, float], where_js: str, at: int) -> None:
    left, top = page.evaluate(where_js, at)
    assert box["x"] == pytest.approx(left, abs=1) and box["y"] == pytest.approx(top, abs=1), (box, left, top)


def ghost_accepted_undone_and_dismissed(page: Any, text_js: str, where_js: str | None = None) -> None:
    """Type "I would li": a ghost shows (at the caret: the viewport point ``where_js(offset)`` gives, when
    given); Tab accepts it as one undo step (Ctrl+Z takes it back whole), and the ghost of the next words
    goes on Escape, leaving the text alone."""
    page.keyboard.type("I would li", delay=20)
    ghost = page.locator(".slm-ghost")
    ghost.wait_for(timeout=30_000)
    suggestion = ghost.text_content()
    assert suggestion
    if where_js:
        _assert_at(page, ghost.bounding_box(), where_js, len("I would li"))
    page.keyboard.press("Tab")
    assert page.evaluate(text_js) == "I would li" + suggestion
    # The accepted ghost is gone; the completion for the new text may already be showing (a fast model).
    assert ghost.count() == 0 or ghost.text_content() != suggestion
    page.keyboard.press("Control+z")
    assert page.evaluate(text_js) == "I would li"
    page.keyboard.type(" and th", delay=20)
    ghost.wait_for(timeout=30_000)
    page.keyboard.press("Escape")
    assert ghost.count() == 0
    assert page.evaluate(text_js) == "I would li and th"


def fix_applied_and_undone(page: Any, text_js: str, where_js: str | None = None) -> None:
    """Type ATTACH_GRAMMAR_TEXT: the first underline lies on its edit's text (and at ``where_js(start)``,
    when given); a click opens its popover, whose fix applies and is one undo
    step; the badge shows."""
    page.keyboard.type(ATTACH_GRAMMAR_TEXT)
    page.evaluate("() => { window.latest = {}; }")  # the debounced check of all of it is still to come
    page.wait_for_function("() => window.latest.grammar", timeout=30_000)
    edits = page.evaluate("() => window.latest.grammar.edits")
    assert edits, "the grammar model finds nothing to fix in the test text"
    issue = page.locator(".slm-issue").first
    issue.wait_for(timeout=5_000)
    first = min(edits, key=lambda e: e["start"])
    assert issue.text_content() == ATTACH_GRAMMAR_TEXT[first["start"] : first["end"]]
    box = issue.bounding_box()
    if where_js:
        _assert_at(page, box, where_js, first["start"])
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    apply = page.locator(".slm-popover .slm-apply")
    apply.wait_for(timeout=5_000)
    apply.click()
    assert page.evaluate(text_js) in one_fix_applied(ATTACH_GRAMMAR_TEXT, edits)
    page.keyboard.press("Control+z")
    assert page.evaluate(text_js) == ATTACH_GRAMMAR_TEXT
    page.wait_for_function("() => window.latest.sentiment", timeout=30_000)
    assert page.locator(".slm-badge").is_visible()
