"""The demo page through its UI: it loads, and each feature works the way a user meets it.

The demo uses only the public bridge API (``SLM.create`` and ``attach``), so these tests also cover
``attach``: ghost text (Tab accepts, Esc dismisses), underlines with click-to-apply, the sentiment badge.
"""

from __future__ import annotations

import time

import pytest

from . import editing
from .conftest import ROOT
from .engines import EDITOR_TEXT_JS, RECORD_EVENTS_JS
from .helpers import one_fix_applied

# The attached badge's background per sentiment label (bridge/slm-overlay.js); neutral keeps its own grey.
BADGE_COLORS = {"positive": "rgb(220, 245, 231)", "negative": "rgb(253, 226, 226)",
                "neutral": "rgb(238, 240, 243)"}
BADGE_COLOR_IS = "c => getComputedStyle(document.querySelector('.slm-badge')).backgroundColor === c"

SHOTS = ROOT / "test-results"



@pytest.fixture(scope="module")
def demo(module_browser):
    t0 = time.perf_counter()
    page = module_browser.new_page("demo/")
    page.wait_for_selector("body[data-state=ready]", timeout=120_000)
    page.evaluate(RECORD_EVENTS_JS)
    page.fill("#editor", "What a wonderful, friendly place.")
    page.wait_for_function("() => window.latest.sentiment", timeout=30_000)
    cold_start = time.perf_counter() - t0
    print(f"\ndemo cold start (navigation → first sentiment shown): {cold_start:.2f} s")
    return page


def _set_text(page, text: str) -> None:
    page.evaluate("() => { window.latest = {}; }")
    page.fill("#editor", text)


def test_loads_with_offline_promise_and_no_horizontal_overflow(demo):
    assert "nothing leaves this page" in demo.inner_text("#offline")
    assert demo.is_hidden("#loader")
    SHOTS.mkdir(exist_ok=True)
    demo.screenshot(path=str(SHOTS / "demo-1280x800.png"))
    demo.set_viewport_size({"width": 390, "height": 844})
    try:
        width = demo.evaluate("() => document.scrollingElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px phone"
        demo.screenshot(path=str(SHOTS / "demo-390.png"), full_page=True)
    finally:
        demo.set_viewport_size({"width": 1280, "height": 800})


def test_sentiment_badge_follows_the_text(demo):
    shown = {}
    badge_colors = {}
    for text in ("I love this, it is wonderful and kind.", "This is awful, I hate it and want a refund.",
                 "The train to Hamburg leaves from platform 7."):
        _set_text(demo, text)
        demo.wait_for_function("() => window.latest.sentiment", timeout=30_000)
        result = demo.evaluate("() => window.latest.sentiment")
        badge = demo.locator(".slm-badge")
        expected = f"{result['label']} · {round(result['score'] * 100)}%"
        demo.wait_for_function(
            "text => document.querySelector('.slm-badge').textContent === text", arg=expected, timeout=5_000
        )
        assert badge.is_visible()
        assert demo.inner_text("#sentiment-label").lower() == result["label"]
        shown[text] = result["label"]
        # The badge's colour is the label's once its transition has ended (one per label, grey for neutral).
        expected_color = BADGE_COLORS.get(result["label"], BADGE_COLORS["neutral"])
        demo.wait_for_function(BADGE_COLOR_IS, arg=expected_color, timeout=5_000)
        badge_colors[result["label"]] = expected_color
    manifest = demo.evaluate("() => fetch('../build-manifest.json').then((r) => r.json())")
    if not manifest["bundles"]["sentiment"]["name"].startswith("tiny-"):  # a trained student tells them apart
        assert list(shown.values()) == ["positive", "negative", "neutral"]
        assert len(set(badge_colors.values())) == 3


def test_ghost_completion_tab_accepts_and_escape_dismisses(demo):
    _set_text(demo, "")
    demo.focus("#editor")
    editing.ghost_accepted_undone_and_dismissed(demo, EDITOR_TEXT_JS)


def test_grammar_underline_click_applies_the_fix(demo):
    text = "i dont know. She go to school every day. Their is a problem with the the car."
    _set_text(demo, text)
    demo.wait_for_function("() => window.latest.grammar", timeout=30_000)
    edits = demo.evaluate("() => window.latest.grammar.edits")
    if not edits:
        pytest.skip("the grammar model finds nothing to fix in the test text")
    issue = demo.locator(".slm-issue").first
    issue.wait_for(timeout=5_000)
    # Drawn from the text-decoration longhands (WebKit drops the shorthand when it holds a var()).
    decoration = issue.evaluate("(el) => { const s = getComputedStyle(el); "
                                "return [s.textDecorationLine, s.textDecorationStyle]; }")
    assert decoration == ["underline", "wavy"]
    box = issue.bounding_box()
    demo.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    apply = demo.locator(".slm-popover .slm-apply")
    apply.wait_for(timeout=5_000)
    # The popover says why under the suggestion, as text.
    why = demo.locator(".slm-popover .slm-explanation")
    assert why.text_content() in {e["explanation"] for e in edits}
    assert demo.locator(".issues .issue-why").count() == len(edits)
    apply.click()
    assert demo.input_value("#editor") in one_fix_applied(text, edits)


def test_panels_show_latency(demo):
    for feature in ("sentiment", "autocomplete", "grammar"):
        assert demo.inner_text(f"#ms-{feature}").endswith("ms"), feature


def test_model_output_is_inserted_as_text_never_html(demo):
    """Markup typed by the user (and echoed by models) must stay text in every widget attach() draws."""
    _set_text(demo, "<img src=x onerror=alert(1)> <b>bold</b> I would li")
    demo.wait_for_function("() => window.latest.sentiment", timeout=30_000)
    assert demo.locator(".slm-wrap img, .slm-wrap b, .panels img, .panels b").count() == 0


def test_revisit_downloads_nothing(caching_browser, base_url: str):
    """A second visit reads runtime and bundles from the Cache API, module scripts from the HTTP cache (304s).

    Playwright shows a revalidated response as a 200 with its cached headers; ``sizes()`` tells the bytes
    that really came over the wire.
    """
    first = caching_browser.new_page("demo/")
    first.wait_for_selector("body[data-state=ready]", timeout=120_000)
    first.close()
    bodies: list[tuple[str, int]] = []
    page = caching_browser.context.new_page()
    page.on("requestfinished", lambda r: bodies.append((r.url, r.sizes()["responseBodySize"])))
    page.goto(base_url + "demo/")
    page.wait_for_selector("body[data-state=ready]", timeout=120_000)
    assert bodies, "no request seen"
    downloaded = [(url, size) for url, size in bodies if size > 0]
    assert not downloaded, f"downloaded again on a revisit: {downloaded}"
    page.close()

