"""A shared bundle (one graph, a grammar and a sentiment head): load(task=...), load_all over one session with
its memo of recent runs, the worker, the command line, and hostile ``heads`` sections (one-line errors)."""

from __future__ import annotations

import doctest
import json
from pathlib import Path
from typing import Any

import pytest
from fixtures import hostile

import slm_web
from slm_web import shared_session, worker
from slm_web.__main__ import main as cli
from slm_web.blocking import run_blocking
from slm_web.bundle import read_bundle

SENTENCE = "she go to school yesterday"


def test_load_picks_a_head(shared_bundle: Path) -> None:
    with slm_web.load_sync(shared_bundle) as grammar, \
            slm_web.load_sync(shared_bundle, task="sentiment") as sent:
        assert grammar.task == "grammar" and sent.task == "sentiment"
        assert sent.labels == ["negative", "positive"] and sent.manifest["task"] == "sentiment"
        assert grammar.config == read_bundle(shared_bundle).manifest["task_config"]
        assert sent.classify_sync("fine").label in sent.labels
    with pytest.raises(slm_web.TaskMismatchError, match="serves grammar, sentiment, not 'autocomplete'"):
        slm_web.load_sync(shared_bundle, task="autocomplete")


def test_a_single_task_bundle_serves_its_task_only(sentiment_bundle: Path) -> None:
    models = slm_web.load_all_sync(sentiment_bundle)
    assert list(models) == ["sentiment"]
    models["sentiment"].close()
    with pytest.raises(slm_web.TaskMismatchError, match="serves sentiment, not 'grammar'"):
        slm_web.load_sync(sentiment_bundle, task="grammar")


def test_load_all_runs_the_encoder_once_for_both_tasks(shared_bundle: Path) -> None:
    models = slm_web.load_all_sync(shared_bundle)
    grammar, sentiment = models["grammar"], models["sentiment"]
    shared = grammar.session.shared
    assert sentiment.session.shared is shared
    correction = grammar.correct_sync(SENTENCE)
    hits = shared.hits
    label = sentiment.classify_sync(SENTENCE)
    assert shared.hits == hits + 1  # the sentiment call found grammar's first pass in the memo
    sentiment.classify_sync("something else entirely")
    assert shared.hits == hits + 1
    # The same answers as models loaded on their own.
    with slm_web.load_sync(shared_bundle) as alone:
        assert alone.correct_sync(SENTENCE) == correction
    with slm_web.load_sync(shared_bundle, task="sentiment") as alone:
        assert alone.classify_sync(SENTENCE) == label
    # Closing one model leaves the session to the other; closing both closes it.
    grammar.close()
    grammar.close()
    assert sentiment.classify_sync(SENTENCE) == label
    sentiment.close()
    assert shared._open == 0


def test_worker_loads_both_tasks_from_one_bundle(shared_bundle: Path) -> None:
    try:
        reply = json.loads(run_blocking(worker.load(["grammar", "sentiment"], shared_bundle.read_bytes())))
        assert reply["value"]["tasks"] == ["grammar", "sentiment"]
        assert worker._models["grammar"].session.shared is worker._models["sentiment"].session.shared
        label = json.loads(run_blocking(worker.call("classify", SENTENCE)))["value"]["label"]
        assert label in ("negative", "positive")
        data = shared_bundle.read_bytes()
        reply = json.loads(run_blocking(worker.load(["sentiment", "autocomplete"], data)))
        assert reply["error"]["message"] == "the autocomplete bundle holds a grammar + sentiment model"
    finally:
        worker.close()


@pytest.mark.parametrize("task", [[], 7, ["grammar", 7], None, {"grammar": 1}])
def test_worker_load_refuses_a_bad_task_argument_in_one_line(task: Any, shared_bundle: Path) -> None:
    reply = json.loads(run_blocking(worker.load(task, shared_bundle.read_bytes())))
    message = "load() needs a task name or a list of them"
    assert reply == {"error": {"name": "InputTextError", "message": message}}


def test_cli_runs_and_inspects_heads(shared_bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["run", str(shared_bundle), SENTENCE, "--task", "grammar,sentiment", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["task"] for line in lines] == ["grammar", "sentiment"]
    assert "edits" in lines[0] and lines[1]["label"] in ("negative", "positive")
    assert cli(["run", str(shared_bundle), SENTENCE, "--json"]) == 0
    assert "task" not in json.loads(capsys.readouterr().out)  # one task: the output of a single bundle
    assert cli(["run", str(shared_bundle), SENTENCE, "--task", "autocomplete"]) == 1
    assert "serves grammar, sentiment, not 'autocomplete'" in capsys.readouterr().err
    assert cli(["inspect", str(shared_bundle)]) == 0
    out = capsys.readouterr().out
    assert "heads" in out and "sentiment config labels" in out


def _heads(value: Any) -> Any:
    return lambda doc: doc.__setitem__("heads", value)


@pytest.mark.parametrize("edit, message", [
    (_heads(["sentiment"]), "manifest.json heads must be an object, not [\"sentiment\"]"),
    (_heads({"summary": {}}), "manifest.json heads names \"summary\", not another bert task than 'grammar'"),
    (_heads({"grammar": {}}), "manifest.json heads names \"grammar\", not another bert task than 'grammar'"),
    (_heads({"autocomplete": {}}), "heads names \"autocomplete\", not another bert task than 'grammar'"),
    (_heads({"sentiment": 3}), "manifest.json heads.sentiment must be an object, not 3"),
    (_heads({"sentiment": {}}), "manifest.json lacks heads.sentiment.task_config (an object)"),
    (_heads({"sentiment": {"task_config": {"labels": ["only"]}}}),
     "manifest.json heads.sentiment.task_config.labels must be a list of 2 to 65536 distinct"),
    (_heads({"sentiment": {"task_config": {"labels": ["a", 7]}}}), "heads.sentiment.task_config.labels"),
])
def test_hostile_heads_are_one_line_bundle_errors(shared_bundle: Path, edit: Any, message: str) -> None:
    data = hostile.variant(shared_bundle, manifest=edit)
    with pytest.raises(slm_web.BundleError) as error:
        slm_web.load_all_sync(data)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_head_grammar_tags_are_bounded_by_its_own_tags(shared_bundle: Path, sentiment_bundle: Path) -> None:
    """A sentiment bundle with a grammar head: tag_top_k is checked against the head's tags."""
    config = dict(read_bundle(shared_bundle).manifest["task_config"], tag_top_k=99)
    data = hostile.variant(sentiment_bundle, manifest=_heads({"grammar": {"task_config": config}}))
    with pytest.raises(slm_web.BundleError, match=r"heads\.grammar\.task_config\.tag_top_k must be an int"):
        slm_web.load_all_sync(data)


def test_shared_session_docstring_example() -> None:
    result = doctest.testmod(shared_session)
    assert result.attempted > 0 and result.failed == 0


def test_the_memo_outlasts_grammar_passes(shared_bundle: Path) -> None:
    """Grammar on a text with errors runs several passes (each on the corrected text); sentiment asked next
    about the original text still finds grammar's first run."""
    from runtime_fakes import ScriptedEncoder  # tags every token: edits on every pass

    class Counting(ScriptedEncoder):
        runs = 0

        async def run(self, feeds, keep=()):
            Counting.runs += 1
            return await super().run(feeds, keep)

    models = run_blocking(slm_web.load_all(shared_bundle, backend=Counting()))
    assert run_blocking(models["grammar"].correct(SENTENCE)).edits
    passes = Counting.runs
    assert passes > 1
    run_blocking(models["sentiment"].classify(SENTENCE))
    assert Counting.runs == passes and models["sentiment"].session.shared.hits == 1


def test_a_head_the_graph_does_not_compute_is_refused(grammar_bundle: Path) -> None:
    """A manifest may claim a head; the graph must have its outputs (checked before any text runs)."""
    labels = {"task_config": {"labels": ["negative", "positive"]}}
    data = hostile.variant(grammar_bundle, manifest=_heads({"sentiment": labels}))
    with pytest.raises(slm_web.BundleError, match="sentiment bundle lacks the output 'probs'"):
        slm_web.load_all_sync(data)
    with slm_web.load_sync(data) as grammar:  # the main head is whole
        assert grammar.task == "grammar"
