"""The converted int8 (and fp32) graphs run in onnxruntime-web's wasm build and match native onnxruntime."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from fixtures.graphs import lookup_graph

from converter.quantize import INT4_MIN_ROWS, quantize_embeddings
from converter.validate import empty_past, session
from slm_web.bundle import read_bundle

DIST = Path(__file__).resolve().parents[2] / "node_modules" / "onnxruntime-web" / "dist"
pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (DIST / "ort.wasm.min.mjs").is_file(),
    reason="needs node and node_modules/onnxruntime-web",
)
BUNDLES = ["sentiment_bundle", "grammar_bundle", "autocomplete_bundle", "sentiment_bundle_fp32"]


def test_bundles_run_in_onnxruntime_web(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    jobs, expected = [], []
    for i, fixture in enumerate(BUNDLES):
        bundle = read_bundle(request.getfixturevalue(fixture))
        model = tmp_path / f"{i}.onnx"
        model.write_bytes(bundle.model_bytes)
        sess = session(bundle.model_bytes)
        ids = np.array([[2, 40, 41, 42, 43, 3]], dtype=np.int64)
        feeds = {"input_ids": ids}
        if bundle.task == "autocomplete":
            feeds |= empty_past(sess, bundle.manifest["task_config"])
        else:
            feeds["attention_mask"] = np.ones_like(ids)
        jobs.append(
            {
                "model": str(model),
                "feeds": {n: [str(a.dtype), list(a.shape), a.ravel().tolist()] for n, a in feeds.items()},
            }
        )
        names = [o.name for o in sess.get_outputs()]
        expected.append(dict(zip(names, sess.run(None, feeds), strict=True)))
    _assert_ort_web_matches(jobs, expected, tmp_path)


def test_4_bit_embedding_lookup_runs_in_onnxruntime_web(tmp_path: Path) -> None:
    """The default students' vocabulary tables are 4-bit; the fixtures' 1,000-row ones stay int8."""
    import onnx
    from onnx import TensorProto

    table = np.random.default_rng(0).normal(0, 0.05, (INT4_MIN_ROWS, 64)).astype(np.float32)
    model = quantize_embeddings(lookup_graph(table, 2, ids="input_ids"), bits=4)
    assert any(t.data_type == TensorProto.UINT8 for t in model.graph.initializer)
    path = tmp_path / "lookup.onnx"
    onnx.save_model(model, path)
    ids = np.array([[0, 5, 2047], [17, 1024, 3]], dtype=np.int64)
    job = {"model": str(path), "feeds": {"input_ids": ["int64", [2, 3], ids.ravel().tolist()]}}
    expected = {"emb": session(model.SerializeToString()).run(["emb"], {"input_ids": ids})[0]}
    _assert_ort_web_matches([job], [expected], tmp_path)


def _assert_ort_web_matches(jobs: list[dict], expected: list[dict], tmp_path: Path) -> None:
    """Run each job's model on its feeds in onnxruntime-web (Node) and compare with native outputs."""
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    script = Path(__file__).with_name("ort_web_run.mjs")
    run = subprocess.run(
        ["node", str(script), str(DIST), str(tmp_path / "jobs.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    for got, want in zip(json.loads(run.stdout), expected, strict=True):
        assert set(got) == set(want)
        for name, values in want.items():
            np.testing.assert_allclose(
                np.array(got[name]), values.ravel(), atol=1e-4, rtol=1e-4, err_msg=name
            )
