"""What the Firefox and WebKit tests check, whatever drives the browser (firefox_driver, webkit_driver).

An engine is any object with ``goto(url)``, ``evaluate(fn, arg)`` (``fn``: a JS function's source, called
in the page and awaited), ``wait_for(fn, timeout_s)``, ``click(x, y)`` (viewport pixels),
``type_text(text)`` and ``press("Tab" | "Escape" | "Control+z")`` (real input events, into the focused
element), ``off_origin()`` and ``console_errors()``. Chromium runs the same checks through Playwright in
test_demo.py and test_bridge.py; these are the subset that keeps the product working in every engine.
"""

from __future__ import annotations

import contextlib
import functools
import json
import time
from pathlib import Path
from typing import Any, Protocol

from .helpers import cpython_results, one_fix_applied, utf16_offset


class Engine(Protocol):
    name: str

    def goto(self, url: str) -> None: ...
    def evaluate(self, fn: str, arg: Any = None, timeout_s: float = 180) -> Any: ...
    def wait_for(self, fn: str, timeout_s: float) -> None: ...
    def click(self, x: float, y: float) -> None: ...
    def type_text(self, text: str) -> None: ...
    def press(self, key: str) -> None: ...
    def off_origin(self) -> list[str]: ...
    def console_errors(self) -> list[str]: ...


TEXTS = {
    "sentiment": [
        "I absolutely loved this movie, the acting was wonderful.",
        "Worst purchase ever. It broke after two days.",
        "Café crème, naïve façade: très bien 👍",
    ],
    "autocomplete": ["I would li", "See you tomor", "Thank you for your"],
    "grammar": [
        "She go to school every day.",
        "Their is a problem with the the car.",
        "He have two cat and 🐈 they is happy.",
    ],
}
# As in test_bridge.py: scores agree to 1e-3; an autocomplete score (a product of 1-3 steps' probabilities
# on the 4-bit-snapped weights) may move by up to 5e-3.
# How far a probability from onnxruntime-web may be from native onnxruntime's on the same int8 graph. With
# 8-bit MatMul weights the two agree exactly, but with the snapped 4-bit weights (converter/matmul4.py) some
# logits differ by up to 0.04 (both equally far from fp32). That moves a mid-range probability by up to
# p(1-p)·0.04 ≈ 0.01: calibrated sentiment scores sit mid-range, and an autocomplete score multiplies the
# probabilities of 1-3 decoding steps. Labels, tags and texts must still match exactly.
TOLERANCE = 1e-2
AUTOCOMPLETE_SCORE_TOLERANCE = 1e-2
ELSEWHERE = "http://slm-web-watch-check.invalid/"
GRAMMAR_TEXT = "i dont know. She go to school every day. Their is a problem with the the car."
ATTACH_GRAMMAR_TEXT = "Their is a problem with the the car."

CALL_JS = """async ([method, text, options]) => {
  try { return { value: await slm[method](text, options) }; }
  catch (e) { return { error: { name: e.name, message: e.message } }; }
}"""

# Records the latest result of each feature from the events attach() dispatches (public API).
RECORD_EVENTS_JS = """() => {
  window.latest = {};
  const editor = document.getElementById("editor");
  for (const name of ["sentiment", "completion", "grammar"]) {
    editor.addEventListener(`slm:${name}`, (e) => { window.latest[name] = e.detail.result; });
  }
}"""

# What a paste does: new text, caret at its end, one input event.
SET_TEXT_JS = """(text) => {
  window.latest = {};
  const editor = document.getElementById("editor");
  editor.focus();
  editor.value = text;
  editor.setSelectionRange(text.length, text.length);
  editor.dispatchEvent(new Event("input", { bubbles: true }));
}"""

# A fresh editor of `kind` (#editor), attached; the latest result of each feature in window.latest.
MAKE_EDITOR_JS = """(kind) => {
  window.attached?.detach();
  document.getElementById("editor")?.remove();
  const editor = document.createElement(kind === "contenteditable" ? "div" : kind);
  if (kind === "contenteditable") editor.contentEditable = "true";
  editor.id = "editor";
  editor.style.cssText = "width: 380px; font: 16px/1.5 sans-serif; padding: 6px; border: 1px solid #888;"
    + (kind === "input" ? "" : "height: 72px; overflow: auto; white-space: pre-wrap;");
  document.body.append(editor);
  window.latest = {};
  for (const name of ["sentiment", "completion", "grammar"]) {
    editor.addEventListener(`slm:${name}`, (e) => { window.latest[name] = e.detail.result; });
  }
  window.attached = slm.attach(editor);
  editor.focus();
}"""

# The editor's text as a user sees it (a contenteditable types a trailing space as a no-break space).
EDITOR_TEXT_JS = """() => {
  const editor = document.getElementById("editor");
  return (editor.value ?? editor.innerText).replaceAll("\\u00a0", " ");
}"""


CENTER_JS = """(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return [box.x + box.width / 2, box.y + box.height / 2, box.width, box.height];
}"""

BAD_INPUTS_JS = """async () => {
  const lone = "broken " + String.fromCharCode(0xD800) + " text " + String.fromCharCode(0xDC00) + "!";
  const inputs = { empty: "", huge: "All work and no play. ".repeat(48_000), lone };
  const out = {};
  const settle = async (key, promise) => {
    const t0 = performance.now();
    try { out[key] = { value: await promise }; }
    catch (e) { out[key] = { error: { name: e.name, message: e.message } }; }
    out[key].ms = performance.now() - t0;
  };
  for (const [name, text] of Object.entries(inputs)) {
    for (const method of ["classify", "complete", "correct"]) {
      await settle(`${name}/${method}`, slm[method](text));
    }
  }
  await settle("number/classify", slm.classify(42));
  await settle("high/correct", slm.correct("She go to school.", { minConfidence: "high" }));
  await settle("after/classify", slm.classify("Back to normal, and happy about it."));
  return out;
}"""


def _call(engine: Engine, method: str, text: str, **options: Any) -> dict[str, Any]:
    return engine.evaluate(CALL_JS, [method, text, options])


def _set_text(engine: Engine, text: str) -> None:
    engine.evaluate(SET_TEXT_JS, text)


def _wait_latest(engine: Engine, feature: str, timeout_s: float = 60) -> Any:
    engine.wait_for(f"() => window.latest.{feature}", timeout_s)
    return engine.evaluate(f"() => window.latest.{feature}")


def _click_center(engine: Engine, selector: str) -> None:
    x, y, width, height = engine.evaluate(CENTER_JS, selector)
    assert width > 0 and height > 0, f"{selector} has no box"
    engine.click(x, y)


def check_demo(engine: Engine, base_url: str) -> None:
    """The demo through its UI: badge, ghost text (Tab, Esc), a visible underline whose fix applies."""
    t0 = time.perf_counter()
    engine.goto(base_url + "demo/")
    engine.wait_for("() => document.body.dataset.state === 'ready'", 180)
    engine.evaluate(RECORD_EVENTS_JS)
    _set_text(engine, "What a wonderful, friendly place.")
    result = _wait_latest(engine, "sentiment")
    print(f"{engine.name}: demo first visit to first sentiment {time.perf_counter() - t0:.1f} s")
    badge = f"{result['label']} · {round(result['score'] * 100)}%"
    engine.wait_for(f"() => document.querySelector('.slm-badge').textContent === {json.dumps(badge)}", 10)

    _set_text(engine, "")
    engine.type_text("I would li")
    engine.wait_for("() => document.querySelector('.slm-ghost')?.textContent", 60)
    suggestion = engine.evaluate("() => document.querySelector('.slm-ghost').textContent")
    engine.press("Tab")
    assert engine.evaluate("() => document.getElementById('editor').value") == "I would li" + suggestion
    engine.type_text(" and th")
    engine.wait_for("() => document.querySelector('.slm-ghost')?.textContent", 60)
    engine.press("Escape")
    assert engine.evaluate("() => document.querySelectorAll('.slm-ghost').length") == 0
    value = engine.evaluate("() => document.getElementById('editor').value")
    assert value == f"I would li{suggestion} and th"

    _set_text(engine, GRAMMAR_TEXT)
    _check_fix_from_the_popover(engine, GRAMMAR_TEXT)


def _check_fix_from_the_popover(engine: Engine, text: str) -> None:
    """The grammar result on `text` (the editor holds it) is drawn as a visible wavy underline; a click
    on it opens the popover, which says why, and its button applies the fix."""
    edits = _wait_latest(engine, "grammar")["edits"]
    assert edits, f"the grammar model finds nothing to fix in {text!r}"
    engine.wait_for("() => document.querySelector('.slm-issue')", 10)
    decoration = engine.evaluate("() => { const s = getComputedStyle(document.querySelector('.slm-issue')); "
                                 "return [s.textDecorationLine, s.textDecorationStyle]; }")
    assert decoration == ["underline", "wavy"], f"{engine.name} draws no wavy underline: {decoration}"
    _click_center(engine, ".slm-issue")
    engine.wait_for("() => { const p = document.querySelector('.slm-popover'); "
                    "return p && !p.hidden && p.querySelector('.slm-apply'); }", 10)
    why = engine.evaluate("() => document.querySelector('.slm-popover .slm-explanation').textContent")
    assert why in {e["explanation"] for e in edits}
    _click_center(engine, ".slm-popover .slm-apply")
    assert engine.evaluate(EDITOR_TEXT_JS) in one_fix_applied(text, edits)


def check_contenteditable(engine: Engine, base_url: str) -> None:
    """attach() on a contenteditable element: ghost text accepted with Tab, a visible underline whose fix
    applies from the popover (what check_demo does on the demo's textarea), each undone with Ctrl+Z."""
    open_bridge(engine, base_url)
    engine.evaluate(MAKE_EDITOR_JS, "contenteditable")
    engine.type_text("I would li")
    engine.wait_for("() => document.querySelector('.slm-ghost')?.textContent", 60)
    suggestion = engine.evaluate("() => document.querySelector('.slm-ghost').textContent")
    engine.press("Tab")
    assert engine.evaluate(EDITOR_TEXT_JS) == "I would li" + suggestion
    engine.press("Control+z")  # one undo step takes the whole completion back
    undone = engine.evaluate(EDITOR_TEXT_JS)
    assert undone == "I would li", undone

    engine.evaluate(MAKE_EDITOR_JS, "contenteditable")
    engine.type_text(ATTACH_GRAMMAR_TEXT)
    engine.evaluate("() => { window.latest = {}; }")  # the debounced check of all of it is still to come
    _check_fix_from_the_popover(engine, ATTACH_GRAMMAR_TEXT)
    engine.press("Control+z")
    assert engine.evaluate(EDITOR_TEXT_JS) == ATTACH_GRAMMAR_TEXT


def open_bridge(engine: Engine, base_url: str) -> None:
    """The bridge test page with ``window.slm`` ready, unless it is already open."""
    if engine.evaluate("() => location.pathname.endsWith('/tests/bridge.html') && document.title"
                       " === 'ready'"):
        return
    engine.goto(base_url + "tests/bridge.html")
    engine.wait_for("() => document.title !== 'loading'", 180)
    assert engine.evaluate("() => document.title") == "ready"


def site_bundles(built_site: Path) -> dict[str, Path]:
    """The site's bundle of each task, as CPython reads it (the bridge fetches the .slm4 wire form and
    rebuilds this .slm from it)."""
    manifest = json.loads((built_site / "build-manifest.json").read_text())
    return {task: (built_site / e["path"]).with_suffix(".slm") for task, e in manifest["bundles"].items()}


@functools.cache
def _cpython(bundle: Path, texts: tuple[str, ...], *extra: str) -> list[dict[str, Any]]:
    return cpython_results(bundle, list(texts), *extra)


def _close(a: float, b: float, tolerance: float = TOLERANCE) -> bool:
    return abs(a - b) <= tolerance


def check_cpython_parity(engine: Engine, base_url: str, bundles: dict[str, Path]) -> None:
    """The same labels, suggestions and edits as CPython on the same bundles (scores within tolerance)."""
    open_bridge(engine, base_url)
    native = _cpython(bundles["sentiment"], tuple(TEXTS["sentiment"]))
    for text, expected in zip(TEXTS["sentiment"], native, strict=True):
        got = _call(engine, "classify", text)["value"]
        assert got["label"] == expected["label"] and _close(got["score"], expected["score"]), text
        assert got["scores"].keys() == expected["scores"].keys(), text
        assert all(_close(got["scores"][k], v) for k, v in expected["scores"].items()), text
    native = _cpython(bundles["autocomplete"], tuple(TEXTS["autocomplete"]), "-k", "3")
    for text, expected in zip(TEXTS["autocomplete"], native, strict=True):
        got = _call(engine, "complete", text, k=3)["value"]
        want = expected["suggestions"]
        assert [(s["text"], s["insert"]) for s in got] == [(s["text"], s["insert"]) for s in want], text
        for g, w in zip(got, want, strict=True):
            assert _close(g["score"], w["score"], AUTOCOMPLETE_SCORE_TOLERANCE), text
    native = _cpython(bundles["grammar"], tuple(TEXTS["grammar"]))
    for text, expected in zip(TEXTS["grammar"], native, strict=True):
        got = _call(engine, "correct", text)["value"]
        assert got["text"] == expected["text"], text
        want = [{**e, "start": utf16_offset(text, e["start"]), "end": utf16_offset(text, e["end"])}
                for e in expected["edits"]]
        assert got["edits"] == want, text


def check_bad_inputs(engine: Engine, base_url: str) -> None:
    """Empty, 1 MB and broken-UTF-16 texts, a number, a bad option: results or one-line rejections."""
    open_bridge(engine, base_url)
    outcomes = engine.evaluate(BAD_INPUTS_JS, timeout_s=300)
    for case, outcome in outcomes.items():
        if "error" in outcome:
            error = outcome["error"]
            assert error["name"] not in ("Error", "WorkerError"), f"{case}: unexpected {error}"
            assert error["message"] and "\n" not in error["message"], case
            assert "Traceback" not in error["message"], case
        else:
            assert outcome["value"] is not None, case
        assert outcome["ms"] < 30_000, f"{case} took {outcome['ms']:.0f} ms"
    assert outcomes["number/classify"]["error"] == {
        "name": "InputTextError", "message": "classify() needs a string, got number"}
    high = outcomes["high/correct"]["error"]  # the wording is test_bridge's to pin; the kind is ours
    assert high["name"] == "InputTextError" and high["message"].startswith("min_confidence must be a number")
    assert outcomes["after/classify"]["value"]["label"]


def check_watched(engine: Engine) -> None:
    """No request left the site's origin, and the pages logged no error (where the engine tells); then
    a navigation elsewhere must show up, or the watching proved nothing."""
    assert not engine.off_origin(), f"requests left the origin in {engine.name}: {engine.off_origin()}"
    assert not engine.console_errors(), f"console errors in {engine.name}: {engine.console_errors()}"
    with contextlib.suppress(RuntimeError):  # Firefox's navigation fails: the request is aborted
        engine.goto(ELSEWHERE)
    assert ELSEWHERE in engine.off_origin()
