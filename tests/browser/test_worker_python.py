"""slm_web.worker (the Python side of the JS bridge) in CPython with the native backend."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

import slm_web
from slm_web import drive, worker
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



# ---- calls driven as the bridge drives them (slm_web.drive): the test plays the worker's JS ----


class HandsOverRuns:
    """A model's session whose runs wait on "JS promises", as the web backend's do: each run is handed to
    whoever drives the call, who answers it with the real session's outputs."""

    def __init__(self, session) -> None:
        self.session = session

    def __getattr__(self, name: str):
        return getattr(self.session, name)

    async def run(self, feeds, keep=()):
        return await drive.js_promise((self.session, feeds, keep))


@contextmanager
def runs_handed_over():
    """Every loaded model's runs handed over (HandsOverRuns) while inside; their own sessions back after."""
    models = list(worker._models.values())
    for model in models:
        model.session = HandsOverRuns(model.session)
    try:
        yield
    finally:
        for model in models:
            model.session = model.session.session


def answer(promise):
    """What the worker's JS does with a handed-over run: await it (here: the native session's run)."""
    session, feeds, keep = promise
    return run(session.run(feeds, keep))


def driven(key, method: str, text, **options) -> dict:
    """A call driven to its reply, each of its runs answered at once."""
    step = worker.call_start(key, method, text, json.dumps(options))
    while not isinstance(step, str):
        step = worker.call_resume(key, answer(step))
    return json.loads(step)


def test_a_driven_call_answers_as_the_awaited_one(loaded: Path):
    plain = call("classify", "I loved it")
    assert json.loads(worker.call_start(1, "classify", "I loved it")) == plain  # native runs await nothing
    with runs_handed_over():
        assert driven(2, "classify", "I loved it") == plain
        assert driven(3, "translate", "hi")["error"]["name"] == "SLMError"  # refused before any run


def test_a_timed_driven_call_records_its_steps(loaded: Path):
    with runs_handed_over():
        step = worker.call_start(1, "classify", "I loved it", "{}", True)
        reply = worker.call_resume(1, answer(step))
    assert "value" in json.loads(reply)
    assert {"options (JSON)", "tokenize", "reply JSON"} <= json.loads(worker.last_timings())["steps"].keys()


def test_a_failed_run_is_a_one_line_error(loaded: Path):
    with runs_handed_over():
        assert not isinstance(worker.call_start(1, "classify", "I loved it"), str)
        reply = json.loads(worker.call_fail(1, RuntimeError("engine\n  failure")))
    assert reply == {"error": {"name": "Error", "message": "RuntimeError: engine failure"}}
    assert call("classify", "I loved it")["value"]  # the model still answers


def test_two_driven_calls_in_flight_get_their_own_answers(loaded: Path):
    texts = {1: "I loved it", 2: "What a dreadful film"}
    plain = {key: call("classify", text) for key, text in texts.items()}
    with runs_handed_over():
        waiting = {key: worker.call_start(key, "classify", text) for key, text in texts.items()}
        replies = {key: json.loads(worker.call_resume(key, answer(waiting[key]))) for key in (2, 1)}
    assert replies == plain and plain[1] != plain[2]


def test_a_completion_superseded_while_its_run_is_out_is_cancelled(autocomplete_bundle: Path):
    json.loads(run(worker.load("autocomplete", autocomplete_bundle.read_bytes())))
    try:
        newest = call("complete", "See you tomor")
        with runs_handed_over():
            older = worker.call_start(1, "complete", "I would li")
            assert not isinstance(older, str)
            assert driven(2, "complete", "See you tomor") == newest
            step = worker.call_resume(1, answer(older))
            while not isinstance(step, str):
                step = worker.call_resume(1, answer(step))
        assert json.loads(step)["error"]["name"] == "Cancelled"
    finally:
        worker.close()
