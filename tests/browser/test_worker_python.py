"""slm_web.worker (the Python side of the JS bridge) in CPython with the native backend."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import slm_web
from slm_web import worker
from slm_web.blocking import run_blocking as run  # Playwright's sync API may own this loop


@pytest.fixture
def loaded(sentiment_bundle: Path):
    reply = json.loads(run(worker.load("sentiment", sentiment_bundle.read_bytes())))
    assert reply["value"]["task"] == "sentiment"
    yield sentiment_bundle
    worker.close()


def call(method: str, text, **options) -> dict:
    return json.loads(run(worker.call(method, text, json.dumps(options))))


def test_results_are_the_models_to_dict(loaded: Path):
    model = run(slm_web.load(str(loaded)))
    expected = run(model.classify("I loved it")).to_dict()
    model.close()
    assert call("classify", "I loved it") == {"value": expected}


def test_a_timed_call_answers_the_same_and_records_its_steps(loaded: Path):
    plain = call("classify", "I loved it")
    assert json.loads(run(worker.call("classify", "I loved it", "{}", True))) == plain
    timings = json.loads(worker.last_timings())
    assert {"options (JSON)", "tokenize", "task code", "reply JSON"} <= timings["steps"].keys()
    assert timings["start"] <= timings["end"]
    assert all(ms >= 0 for ms in timings["steps"].values())


def test_errors_are_one_line_with_the_python_class_name(loaded: Path):
    assert call("correct", "She go.")["error"]["name"] == "TaskMismatchError"
    assert call("classify", "")["error"]["name"] == "InputTextError"
    bogus = call("translate", "hi")["error"]
    assert bogus["name"] == "SLMError" and "translate" in bogus["message"]
    wrong = call("classify", None)["error"]
    assert wrong["message"] and "\n" not in wrong["message"]


def test_options_are_checked_by_the_model_not_coerced(autocomplete_bundle: Path):
    json.loads(run(worker.load("autocomplete", autocomplete_bundle.read_bytes())))
    try:
        for k in (2.7, "3", None, [3], {}, True):
            error = call("complete", "I would li", k=k)["error"]
            assert error["name"] == "InputTextError" and error["message"].startswith("k must be an int"), k
        nan = json.loads(run(worker.call("complete", "Hi", '{"k": {"$number": "NaN"}}')))["error"]
        assert nan["name"] == "InputTextError" and nan["message"].endswith("not nan")
        not_object = json.loads(run(worker.call("complete", "Hi", "[3]")))["error"]
        message = "complete() options must be an object, not [3]"
        assert not_object == {"name": "InputTextError", "message": message}
        assert len(call("complete", "I would li", k=2)["value"]) <= 2
    finally:
        worker.close()


def test_a_bundle_of_another_task_is_refused(sentiment_bundle: Path):
    reply = json.loads(run(worker.load("grammar", sentiment_bundle.read_bytes())))
    message = "the grammar bundle holds a sentiment model"
    assert reply["error"] == {"name": "TaskMismatchError", "message": message}


def test_corrupt_bundle_is_a_bundle_error():
    reply = json.loads(run(worker.load("sentiment", b"not a zip")))
    assert reply["error"]["name"] == "BundleError"


def test_stats_count_calls(loaded: Path):
    before = json.loads(worker.stats())["calls"]
    call("classify", "fine")
    assert json.loads(worker.stats())["calls"] == before + 1


def test_import_all_loads_every_browser_module_and_nothing_desktop_only():
    """What the bridge imports before its memory snapshot: all of slm_web but the desktop-only parts, and the
    tokenizers' lazily built tables (two character maps, the range tables, two split patterns)."""
    code = (
        "import sys, slm_web.worker as w; n = w.import_all(); "
        "from slm_web.tokenizers import byte_level as b, charclass as c, pre_tokenizers as p; "
        "print(n, ','.join(str(f.cache_info().currsize) for f in (c.mapping, c.ranges, p.bert_pattern, "
        "b.split_pattern)), "
        "sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'onnxruntime', 'http', 'slm_web')))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    count, tables, modules = out.split(" ", 2)
    assert int(count) >= 25
    mappings, range_tables, bert, byte_level = map(int, tables.split(","))
    assert (mappings, range_tables >= 10, bert, byte_level) == (2, True, 1, 1)
    for name in ("slm_web.tasks.autocomplete", "slm_web.tasks.grammar", "slm_web.backends.web"):
        assert f"'{name}'" in modules
    for name in ("numpy", "onnxruntime", "http", "slm_web.serve", "slm_web.backends.native"):
        assert f"'{name}'" not in modules


def test_correct_passes_min_confidence_on(grammar_bundle: Path):
    json.loads(run(worker.load("grammar", grammar_bundle.read_bytes())))
    try:
        model = run(slm_web.load(str(grammar_bundle)))
        text = "their is a cat in the the house"
        for threshold in (None, 0.0, 1.0):
            expected = run(model.correct(text, min_confidence=threshold)).to_dict()
            options = {} if threshold is None else {"min_confidence": threshold}
            assert call("correct", text, **options) == {"value": expected}
        assert call("correct", text, min_confidence=0.0) != call("correct", text, min_confidence=1.0)
        assert call("correct", text, min_confidence=1.01)["error"]["name"] == "InputTextError"
        assert call("correct", text, min_confidence="high")["error"]["name"] == "InputTextError"
        model.close()
    finally:
        worker.close()
