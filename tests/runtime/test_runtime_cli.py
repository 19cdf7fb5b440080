"""``python -m slm_web``: run, inspect, help, and errors as one line on stderr."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from slm_web.__main__ import main


def _json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_run_json_one_result_per_text(sentiment_bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", str(sentiment_bundle), "I loved it", "Worst film ever", "--json", "--threads", "1"]
    assert main(argv) == 0
    results = _json_lines(capsys.readouterr().out)
    assert [r["input"] for r in results] == ["I loved it", "Worst film ever"]
    assert all(r["label"] in r["scores"] for r in results)


def test_run_reads_stdin_lines(grammar_bundle: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("she go home\n\ntheir cat\n"))
    assert main(["run", str(grammar_bundle), "-", "--json"]) == 0
    results = _json_lines(capsys.readouterr().out)
    assert [r["input"] for r in results] == ["she go home", "", "their cat"]
    assert all(set(r) == {"input", "text", "edits"} for r in results)


def test_run_human_output(autocomplete_bundle: Path, grammar_bundle: Path, sentiment_bundle: Path,
                          capsys) -> None:
    """Each result's own ``line()`` (the command line knows no task's result type)."""
    assert main(["run", str(autocomplete_bundle), "I would li", "-k", "2", "--max-words", "2"]) == 0
    assert capsys.readouterr().out.startswith("I would li -> ")
    assert main(["run", str(grammar_bundle), "she go home"]) == 0
    assert capsys.readouterr().out.splitlines()[0]
    assert main(["run", str(sentiment_bundle), "I loved it"]) == 0
    label, score, text = capsys.readouterr().out.rstrip("\n").split("\t")
    assert label in ("negative", "neutral", "positive") and 0 <= float(score) <= 1 and text == "I loved it"


def test_run_min_confidence_reaches_the_grammar_model(grammar_bundle: Path, capsys) -> None:
    text = "their is a cat in the the house"  # the random fixture model tags everything at 0.0
    edits = {}
    for threshold in ("0.0", "1.0"):
        assert main(["run", str(grammar_bundle), text, "--json", "--min-confidence", threshold]) == 0
        edits[threshold] = _json_lines(capsys.readouterr().out)[0]["edits"]
    assert edits["0.0"] and edits["1.0"] == []
    # Out of range: the model's option check, one line, as from the JS bridge.
    assert main(["run", str(grammar_bundle), text, "--min-confidence", "1.01"]) == 1
    error = "slm_web: error: min_confidence must be a number from 0 to 1, not 1.01\n"
    assert capsys.readouterr().err == error


def test_run_disable_leaves_edit_types_out(grammar_bundle: Path, capsys) -> None:
    text = "Recieved it on friday."  # the fixture bundle's table of spellings fixes both words
    types = {}
    for disable in ([], ["--disable", "spelling"], ["--disable", "spelling,capitalization"]):
        assert main(["run", str(grammar_bundle), text, "--json", "--min-confidence", "1", *disable]) == 0
        types[tuple(disable)] = [e["type"] for e in _json_lines(capsys.readouterr().out)[0]["edits"]]
    assert list(types.values()) == [["spelling", "capitalization"], ["capitalization"], []]
    assert main(["run", str(grammar_bundle), text, "--disable", "grammar"]) == 1
    assert capsys.readouterr().err.startswith("slm_web: error: disable must be a list of at most 7 of ")


def test_bad_text_is_reported_and_the_rest_still_run(sentiment_bundle: Path, capsys) -> None:
    assert main(["run", str(sentiment_bundle), "", "fine", "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.err == "slm_web: error: text is empty\n"
    assert [r["input"] for r in _json_lines(captured.out)] == ["fine"]


def test_bad_bundle_is_one_line(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "broken.slm"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    for path in (broken, tmp_path / "missing.slm"):
        assert main(["run", str(path), "text"]) == 1
        err = capsys.readouterr().err
        assert err.startswith("slm_web: error: ") and err.count("\n") == 1


def test_inspect(grammar_bundle: Path, capsys) -> None:
    assert main(["inspect", str(grammar_bundle)]) == 0
    out = capsys.readouterr().out
    assert "task" in out and "grammar" in out and "config tags" in out
    assert main(["inspect", str(grammar_bundle), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["task"] == "grammar"


def test_module_entry_point_and_help(sentiment_bundle: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "slm_web", "run", "--help"], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0 and "examples:" in done.stdout and "stdin" in done.stdout
    done = subprocess.run([sys.executable, "-m", "slm_web", "run", str(sentiment_bundle), " "],
                          capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == "slm_web: error: text is only whitespace"


def test_serve_is_delegated(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--help"])
    assert exited.value.code == 0
    assert "usage" in capsys.readouterr().out.lower()


def test_top_level_help_lists_commands(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(word in out for word in ("run", "inspect", "serve", "examples:"))
