"""The public bridge API in Chromium (slm.js → worker → Python → onnxruntime-web) on the site's bundles.

One browser and one loaded `SLM` serve the whole module; every test also fails on off-origin requests
and console errors (see conftest.py).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import slm_web
from slm_web.serve import CSP

from .conftest import launched, served_links
from .engines import AUTOCOMPLETE_SCORE_TOLERANCE, TOLERANCE
from .helpers import call, cpython_results, open_bridge, utf16_offset

TEXTS = {
    "sentiment": [
        "I absolutely loved this movie, the acting was wonderful.",
        "Worst purchase ever. It broke after two days.",
        "The package arrived on Tuesday.",
        "Café crème, naïve façade: très bien 👍",
    ],
    "autocomplete": ["I would li", "Thank you for your", "See you tomor", "The United St", "How are y"],
    "grammar": [
        "She go to school every day.",
        "Their is a problem with the the car.",
        "i dont know what to do",
        "He have two cat and 🐈 they is happy.",
        "This sentence is correct.",
    ],
}
METHODS = {"sentiment": "classify", "autocomplete": "complete", "grammar": "correct"}


@pytest.fixture(scope="module")
def page(module_browser):
    return open_bridge(module_browser)


@pytest.fixture(scope="module")
def bundles(built_site: Path) -> dict[str, Path]:
    manifest = json.loads((built_site / "build-manifest.json").read_text())
    # The bridge fetches the .slm4 wire form and rebuilds this .slm from it (webbuild/wire.py).
    return {task: (built_site / e["path"]).with_suffix(".slm") for task, e in manifest["bundles"].items()}


def test_info_threads_and_isolation(page):
    info = page.evaluate("() => slm.info")
    assert info["crossOriginIsolated"] is True  # COOP/COEP from serve.py: ORT may use threads
    assert sorted(info["tasks"]) == ["autocomplete", "grammar", "sentiment"]
    assert info["threads"] >= 1


def test_worker_and_page_run_under_the_strict_csp(page):
    """serve.py sends the policy with every file; a violation would be a console error (conftest)."""
    for path in ("../bridge/slm-worker.js", "../pyodide/pyodide.asm.wasm", "bridge.html"):
        policy = page.evaluate("p => fetch(p).then((r) => r.headers.get('content-security-policy'))", path)
        assert policy == CSP, path


def _same_scores(browser: dict[str, float], native: dict[str, float]) -> bool:
    return browser.keys() == native.keys() and all(abs(browser[k] - native[k]) <= TOLERANCE for k in native)


def test_sentiment_matches_cpython(page, bundles):
    # --task: on a site that ships a shared bundle, the sentiment head of grammar+sentiment.slm.
    native = cpython_results(bundles["sentiment"], TEXTS["sentiment"], "--task", "sentiment")
    for text, expected in zip(TEXTS["sentiment"], native, strict=True):
        got = call(page, "classify", text)["value"]
        assert got["label"] == expected["label"], text
        assert abs(got["score"] - expected["score"]) <= TOLERANCE, text
        assert _same_scores(got["scores"], expected["scores"]), text


def test_autocomplete_matches_cpython(page, bundles):
    native = cpython_results(bundles["autocomplete"], TEXTS["autocomplete"], "-k", "3")
    for text, expected in zip(TEXTS["autocomplete"], native, strict=True):
        got = call(page, "complete", text, k=3)["value"]
        assert [(s["text"], s["insert"]) for s in got] == [
            (s["text"], s["insert"]) for s in expected["suggestions"]
        ], text
        for g, e in zip(got, expected["suggestions"], strict=True):
            assert abs(g["score"] - e["score"]) <= AUTOCOMPLETE_SCORE_TOLERANCE, text


def test_grammar_matches_cpython(page, bundles):
    native = cpython_results(bundles["grammar"], TEXTS["grammar"])
    for text, expected in zip(TEXTS["grammar"], native, strict=True):
        got = call(page, "correct", text)["value"]
        assert got["text"] == expected["text"], text
        # The bridge reports UTF-16 offsets (JS string indices); CPython reports code points.
        want = [
            {**e, "start": utf16_offset(text, e["start"]), "end": utf16_offset(text, e["end"])}
            for e in expected["edits"]
        ]
        assert got["edits"] == want, text


def test_correct_takes_a_min_confidence(page, bundles):
    # The grammar student tags "go" → "goes" here with a probability between 0.5 and its default bar.
    text = "She go to school."
    default, lower = cpython_results(bundles["grammar"], [text]), cpython_results(
        bundles["grammar"], [text], "--min-confidence", "0.5"
    )
    assert call(page, "correct", text)["value"]["text"] == default[0]["text"] == text
    assert call(page, "correct", text, minConfidence=0.5)["value"]["text"] == lower[0]["text"]
    assert lower[0]["text"] == "She goes to school."
    wrong = call(page, "correct", text, minConfidence="high")["error"]
    message = "min_confidence must be a number from 0 to 1, not 'high'"
    assert wrong == {"name": "InputTextError", "message": message}


PAGE_METHODS_JS = """async () => ({
  classify: typeof slm.classify,
  made: Object.hasOwn(slm, "classify") && !("classify" in Object.getPrototypeOf(slm)),
  behind: [slm.addWords, slm.removeWords, slm.exportMemory, slm.importMemory].map((m) => typeof m),
  info: Object.keys(slm.info).sort(),
  notAnObject: await slm.classify("Fine.", 5).catch((e) => [e.name, e.message]),
})"""


def test_plain_methods_are_made_from_the_manifest(page):
    """slm.js writes out only the methods that need page-side work: classify is made from the tasks of
    build-manifest.json (so a new task's method needs no code there), and the Python methods slm.js calls
    behind other names (the dictionary's, the personal words' storage) get no page method."""
    got = page.evaluate(PAGE_METHODS_JS)
    assert got == {"classify": "function", "made": True, "behind": ["undefined"] * 4,
                   "info": ["crossOriginIsolated", "tasks", "threads"],
                   "notAnObject": ["InputTextError", "classify() options must be an object, not number"]}


BAD_OPTIONS_JS = """async () => {
  const outcome = async (promise) => {
    try { const v = await promise; return ["resolved", Array.isArray(v) ? v.length : typeof v]; }
    catch (e) { return [e.name, e.message]; }
  };
  const text = "I would li";
  return {
    fraction: await outcome(slm.complete(text, { k: 2.7 })),
    string: await outcome(slm.complete(text, { k: "3" })),
    nan: await outcome(slm.complete(text, { k: NaN })),
    nul: await outcome(slm.complete(text, { k: null })),
    list: await outcome(slm.complete(text, { k: [3] })),
    defaults: await outcome(slm.complete(text, null)),
    number: await outcome(slm.complete(text, 5)),
    infinite: await outcome(slm.correct("She go to school.", { minConfidence: Infinity })),
    nanConfidence: await outcome(slm.correct("She go to school.", { minConfidence: NaN })),
  };
}"""


def _python_error(bundle: Path, method: str, text: str, **options) -> list[str]:
    """What a Python caller of the same bundle gets: [error class, message]."""
    with slm_web.load_sync(bundle) as model:
        try:
            getattr(model, f"{method}_sync")(text, **options)
        except slm_web.SLMError as error:
            return [type(error).__name__, str(error)]
    raise AssertionError(f"{method}({options}) was accepted in Python")


def test_bad_options_reject_like_python_does(page, bundles):
    """The same bad option value gives the same one-line error from JS as from Python (the registry's check,
    run by the model either way): no coercion of 2.7 or "3" on the way."""
    got = page.evaluate(BAD_OPTIONS_JS)
    complete, correct = bundles["autocomplete"], bundles["grammar"]
    python = {
        "fraction": _python_error(complete, "complete", "I would li", k=2.7),
        "string": _python_error(complete, "complete", "I would li", k="3"),
        "nan": _python_error(complete, "complete", "I would li", k=float("nan")),
        "list": _python_error(complete, "complete", "I would li", k=[3]),
        "nul": _python_error(complete, "complete", "I would li", k=None),
        "infinite": _python_error(correct, "correct", "She go to school.", min_confidence=float("inf")),
        "nanConfidence": _python_error(correct, "correct", "She go to school.", min_confidence=float("nan")),
    }
    assert {case: got[case] for case in python} == python
    assert python["fraction"] == ["InputTextError", "k must be an int between 1 and 256, not 2.7"]
    assert got["defaults"] == ["resolved", 3]
    assert got["number"] == ["InputTextError", "complete() options must be an object, not number"]


ATTACHED_CORRECTION_JS = """async ([text, minConfidence]) => {
  const textarea = document.createElement("textarea");
  document.body.append(textarea);
  const attached = slm.attach(textarea, { autocomplete: false, sentiment: false, minConfidence });
  const corrected = new Promise((resolve) => textarea.addEventListener(
    "slm:grammar", (e) => resolve(e.detail.result.text), { once: true }));
  textarea.value = text;
  attached.refresh();
  const result = await corrected;
  attached.detach();
  textarea.remove();
  return result;
}"""


def test_attach_passes_min_confidence_to_correct(page):
    text = "She go to school."
    assert page.evaluate(ATTACHED_CORRECTION_JS, [text, None]) == text
    assert page.evaluate(ATTACHED_CORRECTION_JS, [text, 0.5]) == "She goes to school."


def test_wrong_task_and_wrong_type_reject_with_clear_messages(module_browser):
    page = open_bridge(module_browser, "?tasks=sentiment&threads=2")
    assert page.evaluate("() => slm.info.threads") == 2  # isolated: ORT really gets its two threads
    missing = call(page, "complete", "I would li")["error"]
    assert missing["name"] == "TaskMismatchError"
    assert "autocomplete" in missing["message"] and "SLM.create" in missing["message"]
    wrong_type = page.evaluate(
        "async () => { try { await slm.classify(42); } catch (e) { return [e.name, e.message]; } }"
    )
    assert wrong_type == ["InputTextError", "classify() needs a string, got number"]
    assert call(page, "classify", "still serving")["value"]["label"]
    after_dispose = page.evaluate("""async () => {
      const pending = slm.classify("never answered");
      slm.dispose();
      const names = [];
      for (const p of [pending, slm.classify("too late")]) {
        try { await p; names.push("resolved"); } catch (e) { names.push(e.name); }
      }
      return names;
    }""")
    assert after_dispose == ["Disposed", "Disposed"]
    page.close()


def test_create_rejects_for_a_task_the_site_lacks(module_browser):
    page = module_browser.new_page("tests/bridge.html?tasks=translation")
    page.wait_for_function("() => document.title !== 'loading'", timeout=60_000)
    assert page.title() == 'failed: Error: this site has no bundle for task "translation" ' + (
        "(has: autocomplete, grammar, sentiment)"
    )
    page.close()


BAD_INPUTS_JS = """async () => {
  const lone = "broken " + String.fromCharCode(0xD800) + " text " + String.fromCharCode(0xDC00) + "!";
  const inputs = { empty: "", huge: "All work and no play. ".repeat(48_000), lone };
  const out = {};
  for (const [name, text] of Object.entries(inputs)) {
    for (const method of ["classify", "complete", "correct"]) {
      const t0 = performance.now();
      try { out[`${name}/${method}`] = { value: await slm[method](text) }; }
      catch (e) { out[`${name}/${method}`] = { error: { name: e.name, message: e.message } }; }
      out[`${name}/${method}`].ms = performance.now() - t0;
    }
  }
  return out;
}"""


def test_bad_input_gives_a_result_or_a_clear_rejection_and_the_worker_keeps_serving(page):
    outcomes = page.evaluate(BAD_INPUTS_JS)
    assert len(outcomes) == 9
    for case, outcome in outcomes.items():
        if "error" in outcome:
            error = outcome["error"]
            assert error["name"] not in ("Error", "WorkerError"), f"{case}: unexpected {error}"
            message = error["message"]
            assert message and "\n" not in message and "Traceback" not in message, case
        else:
            assert outcome["value"] is not None, case
        assert outcome["ms"] < 30_000, f"{case} took {outcome['ms']:.0f} ms"
    huge = outcomes["huge/correct"]
    if "value" in huge:  # a correction of a 1 MB text must still describe that text
        assert all(e["end"] <= 48_000 * 22 for e in huge["value"]["edits"])
    assert call(page, "classify", "Back to normal, and happy about it.")["value"]["label"]
    assert call(page, "correct", "She go home.")["value"]["text"]


def test_stale_completions_are_cancelled(page):
    results = page.evaluate("""async () => {
      const texts = ["I", "I w", "I wo", "I wou", "I would li"];
      const settled = await Promise.allSettled(texts.map((t) => slm.complete(t)));
      return settled.map((s) => s.status === "fulfilled" ? "ok" : s.reason.name);
    }""")
    assert results == ["Cancelled"] * 4 + ["ok"]


def test_a_waiting_completion_overtakes_waiting_checks(page):
    order = page.evaluate("""async () => {
      const order = [];
      const track = (name, p) => p.then(() => order.push(name));
      await Promise.all([
        track("correct", slm.correct("She go to school every day and she like it.")),  // runs first
        track("classify", slm.classify("A queued check.")),
        track("complete", slm.complete("I would li")),
      ]);
      return order;
    }""")
    assert order == ["correct", "complete", "classify"]


LATENCY_JS = """async ([method, text, n]) => {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await slm[method](text);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[n >> 1], p90: times[Math.floor(n * 0.9)] };
}"""


def test_latency_report(page):
    """Per-call latency through the whole bridge (page → worker → Python → ORT-web → page), warm."""
    cases = {
        "classify": "I absolutely loved this movie, the acting was wonderful.",
        "complete": "Thank you so much for your",
        "correct": "She go to school every day and she like their teacher.",
    }
    ready_ms = page.evaluate("() => readyMs")
    print(f"\nbridge page: SLM.create ready after {ready_ms:.0f} ms (fresh profile, no cache)")
    for method, text in cases.items():
        stats = page.evaluate(LATENCY_JS, [method, text, 30])
        print(f"{method:9s} median {stats['median']:6.1f} ms   p90 {stats['p90']:6.1f} ms")
        assert stats["median"] < 2_000, (method, stats)


def test_two_thousand_calls_do_not_grow_worker_memory(playwright_instance, tiny_base_url):
    """The machinery under 2,000 calls (tiny models: the subject is leaks, not the students)."""
    # Every method and both of WebSession's paths (copied outputs, kept KV-cache tensors) run in each
    # round of ten: one completion (alone: a newer one would cancel it), then nine checks sent together so
    # the worker never waits for the page between calls (mostly classify, the cheapest).
    burst = """async (n) => {
      const texts = ["I love it", "She go to school.", "See you tomor", "Terrible service, never again."];
      for (let i = 0; i < n; i += 10) {
        await slm.complete(texts[(i / 10) % texts.length]);
        const checks = [];
        for (let j = 1; j < 10; j++) {
          const text = texts[(i + j) % texts.length];
          checks.push(j === 5 ? slm.correct(text) : slm.classify(text));
        }
        await Promise.all(checks);
      }
      return await slm.stats();
    }"""
    with launched(playwright_instance, tiny_base_url) as browser:
        page = open_bridge(browser, "?threads=1")
        before = page.evaluate(burst, 200)  # warm up: caches, interned strings, first-call allocations
        after = page.evaluate(burst, 2000)
    assert after["calls"] - before["calls"] == 2000
    assert after["gc_objects"] - before["gc_objects"] < 2000, (before, after)
    if before["wasm_heap_bytes"] is not None:
        grown = after["wasm_heap_bytes"] - before["wasm_heap_bytes"]
        assert grown <= 16 << 20, f"Pyodide's heap grew by {grown >> 20} MiB over 2,000 calls"


@contextmanager
def tampered_site(site: Path, tasks: tuple[str, ...]) -> Iterator[str]:
    """Serve a copy of ``site`` whose bundles of ``tasks`` have one bit flipped; yields the base URL."""
    tampered = site.parent / f"tampered-{'-'.join(tasks)}"
    tampered.mkdir(exist_ok=True)
    for entry in site.iterdir():
        if not (tampered / entry.name).exists():
            (tampered / entry.name).symlink_to(entry.resolve())
    (tampered / "bundles").unlink()
    (tampered / "bundles").mkdir()
    # No precompressed copies: the files below are what is served (the .slm4 wire forms are what the bridge
    # fetches). A bit flipped in a .br copy can make the stream undecodable: a network error, not a mismatch.
    for bundle in (site / "bundles").glob("*.slm*"):
        if bundle.suffix not in (".gz", ".br"):
            data = bundle.read_bytes()
            flip = bundle.name.split(".")[0] in tasks
            (tampered / "bundles" / bundle.name).write_bytes(data[:-1] + bytes([data[-1] ^ flip]))
    try:
        with served_links(tampered) as url:
            yield url
    finally:
        shutil.rmtree(tampered)


def _mismatch(site: Path, task: str) -> str:
    """The bridge's message for a tampered bundle of ``task``: it names the file the page fetched."""
    path = json.loads((site / "build-manifest.json").read_text())["bundles"][task]["path"]
    return f"{path} does not match build-manifest.json (stale or corrupt download)"


def test_a_tampered_file_is_refused_not_run(site: Path, playwright_instance):
    """A bundle whose bytes differ from build-manifest.json (stale cache, corrupt CDN) fails SLM.create."""
    with tampered_site(site, ("sentiment",)) as base_url, launched(playwright_instance, base_url) as browser:
        page = browser.new_page("tests/bridge.html?tasks=sentiment")
        page.wait_for_function("() => document.title !== 'loading'", timeout=120_000)
        assert page.title() == f"failed: Error: {_mismatch(site, 'sentiment')}"


def test_when_ready_first_serves_the_first_task_while_the_others_load(module_browser, bundles):
    """On a site with a bundle per task (test_shared_bundle.py has the shared bundle's case)."""
    assert bundles["sentiment"] != bundles["grammar"], "this test needs a site built with a bundle per task"
    page = open_bridge(module_browser, "?tasks=sentiment,grammar&ready=first")
    # The grammar model loads after create() resolved: a call for it waits for it, then answers.
    [expected] = cpython_results(bundles["grammar"], ["It go well."])
    got = call(page, "correct", "It go well.")["value"]["text"]
    assert got == expected["text"] == "It goes well."
    assert "error" not in page.evaluate("allReady")
    steps = [(p["step"], p.get("task"), p["created"]) for p in page.evaluate("progress")]
    assert ("model", "sentiment", False) in steps and ("model", "grammar", True) in steps
    assert steps[-1] == ("ready", None, True)
    assert call(page, "classify", "What a lovely day.")["value"]["label"] == "positive"
    page.close()


def test_a_later_model_that_fails_to_load_rejects_its_calls_only(site: Path, playwright_instance):
    with tampered_site(site, ("grammar",)) as base_url, launched(playwright_instance, base_url) as browser:
        page = open_bridge(browser, "?tasks=sentiment,grammar&ready=first")
        expected = _mismatch(site, "grammar")
        assert page.evaluate("allReady") == {"error": {"name": "Error", "message": expected}}
        assert call(page, "correct", "She go to school.") == {"error": {"name": "Error", "message": expected}}
        assert call(page, "classify", "What a lovely day.")["value"]["label"] == "positive"
        bad_option = page.evaluate("""async () => {
          try { await (await import("../bridge/slm.js")).SLM.create({ whenReady: "some" }); }
          catch (e) { return e.message; }
        }""")
        assert bad_option == 'whenReady must be one of all, first, got "some"'


SNAPSHOT_KEY_JS = """async () => {
  const cache = await caches.open("slm-web-v1");
  const key = (await cache.keys()).find((r) => r.url.includes("pyodide.snapshot"));
  return key ? key.url : null;
}"""
SPOIL_SNAPSHOT_JS = """async (url) => {
  const body = new Blob([new Uint8Array(4096).fill(7)]).stream().pipeThrough(new CompressionStream("gzip"));
  await (await caches.open("slm-web-v1")).put(url, new Response(body));
}"""


def _boot_detail(page) -> list[str]:
    return [p.get("detail") for p in page.evaluate("() => progress") if p["step"] == "runtime"]


def test_revisit_restores_python_from_a_snapshot_and_survives_a_bad_one(caching_browser):
    first = open_bridge(caching_browser)
    first.wait_for_function(SNAPSHOT_KEY_JS, timeout=30_000)  # stored in the background after boot
    key = first.evaluate(SNAPSHOT_KEY_JS)
    calls = [
        ("classify", "What a lovely surprise."), ("complete", "Thank you for"), ("correct", "She go home."),
    ]
    expected = [call(first, method, text)["value"] for method, text in calls]
    first.close()

    # slm_web was imported before the snapshot: every task works from the restored interpreter.
    second = open_bridge(caching_browser)
    assert "pyodide (snapshot)" in _boot_detail(second)
    assert [call(second, method, text)["value"] for method, text in calls] == expected
    second.evaluate(SPOIL_SNAPSHOT_JS, key)
    second.close()

    third = open_bridge(caching_browser)  # the spoiled snapshot is dropped; Python boots the normal way
    assert call(third, *calls[0])["value"] == expected[0]
    third.wait_for_function(SNAPSHOT_KEY_JS, timeout=30_000)  # and a good snapshot replaces it
