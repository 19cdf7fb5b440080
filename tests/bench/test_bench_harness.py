"""Smoke tests of the benchmark harness's own logic (bench/): no browser, no timing assertions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench import breakdown
from bench.stats import downloads, phases, summary
from bench.suites import TEXTS, quality
from bench.tjs_export import QUANTIZED, export_tjs


def test_summary_median_and_nearest_rank_p95() -> None:
    s = summary([float(v) for v in range(1, 101)])
    assert (s["median"], s["p95"], s["min"], s["n"]) == (50.5, 95.0, 1.0, 100)


def test_phases_cut_a_bridge_timeline_and_add_up_to_the_first_result() -> None:
    events = [
        {"t": 100.0, "step": "create"},
        {"t": 110.0, "step": "manifest"},
        {"t": 120.0, "step": "runtime", "detail": "pyodide + onnxruntime-web"},
        {"t": 130.0, "step": "download", "file": "bundles/sentiment.slm", "loaded": 0, "total": 9},
        {"t": 140.0, "step": "download", "file": "ort/ort-wasm-simd-threaded.wasm", "loaded": 0, "total": 9},
        {"t": 180.0, "step": "download", "file": "bundles/sentiment.slm", "loaded": 9, "total": 9},
        {"t": 900.0, "step": "download", "file": "ort/ort-wasm-simd-threaded.wasm", "loaded": 9, "total": 9},
        {
            "t": 1200.0,
            "step": "download",
            "file": "pyodide/slm_web-0.1.0-py3-none-any.whl",
            "loaded": 0,
            "total": 9,
        },
        {
            "t": 1210.0,
            "step": "download",
            "file": "pyodide/slm_web-0.1.0-py3-none-any.whl",
            "loaded": 9,
            "total": 9,
        },
        {"t": 1400.0, "step": "python", "detail": "slm_web install + import"},
        {"t": 1550.0, "step": "model", "task": "sentiment"},
        {"t": 1800.0, "step": "ready"},
        {"t": 1830.0, "step": "first-result"},
    ]
    got = phases(events)
    assert got["page load (HTML + scripts)"] == 100.0
    assert got["worker start + manifest"] == 20.0
    assert got["runtime fetch + Pyodide boot or snapshot restore (onnxruntime-web in parallel)"] == 1280.0
    assert got["slm_web wheel install + import (+ wait for onnxruntime-web)"] == 150.0
    assert got["session create sentiment (verify, tokenizer, ORT)"] == 250.0
    assert got["first call"] == 30.0
    total = got.pop("total to first result")
    assert total == 1830.0 == sum(got.values())
    assert downloads(events) == {
        "bundles/sentiment.slm (from 130 ms)": 50.0,
        "ort/ort-wasm-simd-threaded.wasm (from 140 ms)": 760.0,
        "pyodide/slm_web-0.1.0-py3-none-any.whl (from 1200 ms)": 10.0,
    }


def test_phases_stop_at_the_first_result_and_report_models_loaded_after_it() -> None:
    events = [
        {"t": 100.0, "step": "create"},
        {"t": 120.0, "step": "runtime"},
        {"t": 400.0, "step": "python"},
        {"t": 410.0, "step": "model", "task": "sentiment"},
        {"t": 500.0, "step": "ready"},
        {"t": 530.0, "step": "first-result"},
        {"t": 560.0, "step": "model", "task": "grammar"},
        {"t": 700.0, "step": "ready"},
        {"t": 701.0, "step": "all-ready"},
    ]
    got = phases(events)
    assert got.pop("all models loaded") == 701.0
    assert got["first call"] == 30.0 and "session create grammar (verify, tokenizer, ORT)" not in got
    assert got.pop("total to first result") == 530.0 == sum(got.values())
    everything_first = [*events[:6], {"t": 531.0, "step": "all-ready"}]
    assert "all models loaded" not in phases(everything_first)


def test_breakdown_table_has_a_row_per_step_and_the_ratio_to_the_ort_run() -> None:
    samples = {
        "sentiment": {
            "Python: ORT run, awaited": [2.0, 4.0, 3.0],
            "of which: ORT's promise, awaited in the worker": [1.5, 3.0, 3.0],
            "total": [3.0, 6.0, 6.0],
        },
        "autocomplete": {"Python: task code": [1.0, 1.0, 1.0], "total": [5.0, 5.0, 5.0]},
    }
    got = breakdown.summarize(samples)
    assert got["sentiment"]["total ÷ ORT run, awaited"] == 1.5
    assert got["sentiment"]["total ÷ ORT's promise"] == 2.0
    assert "total ÷ ORT run, awaited" not in got["autocomplete"]
    lines = breakdown.table(got)
    assert lines[0] == "| step | sentiment | autocomplete |"
    assert "| Python: task code | – | 1.00 |" in lines
    assert "| total ÷ ORT run, awaited | 1.50× | – |" in lines


def test_quality_counts_exact_corrections_and_false_alarms() -> None:
    pairs = TEXTS["grammar_quality"]
    perfect = quality({"oracle": [p["tgt"] for p in pairs], "noop": [p["src"] for p in pairs]})
    assert perfect["oracle"]["fully corrected"] == 1.0 and perfect["oracle"]["false alarms on clean"] == 0.0
    assert perfect["noop"]["fully corrected"] == 0.0 and perfect["noop"]["changed (any edit)"] == 0.0


def test_texts_have_what_the_suites_need() -> None:
    assert all(len(t.split()) == 20 for t in TEXTS["grammar_20_words"])
    assert len(TEXTS["grammar_quality"]) == 100 and TEXTS["sentiment"] and TEXTS["autocomplete"]


def test_transformers_js_export_runs_and_matches_the_fp32_bundle(
    sentiment_checkpoint: Path, sentiment_bundle_fp32: Path, tmp_path: Path
) -> None:
    ort = pytest.importorskip("onnxruntime")
    import slm_web

    out = export_tjs(sentiment_checkpoint, "sentiment", tmp_path / "sentiment")
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", QUANTIZED):
        assert (out / name).is_file(), name
    assert json.loads((out / "tokenizer.json").read_text())["padding"] is None
    session = ort.InferenceSession(str(out / QUANTIZED), providers=["CPUExecutionProvider"])
    model = slm_web.load_sync(sentiment_bundle_fp32)
    text = "What a lovely day."
    ids = model.tokenizer.encode(text).ids
    feeds = {"input_ids": np.array([ids], dtype=np.int64), "attention_mask": np.ones((1, len(ids)), np.int64)}
    (logits,) = session.run(["logits"], feeds)
    probs = np.exp(logits[0]) / np.exp(logits[0]).sum()
    expected = model.classify_sync(text).scores
    # int8 (standard dynamic) vs fp32 of the same weights: close, not equal
    assert np.allclose(probs, [expected[label] for label in model.labels], atol=0.05), (probs, expected)
