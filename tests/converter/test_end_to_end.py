"""Every task converts end to end and the bundle verifies and runs in onnxruntime with the documented I/O."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from slm_web.bundle import read_bundle

IO = {
    "sentiment": (["input_ids", "attention_mask"], ["logits", "probs"]),
    "grammar": (["input_ids", "attention_mask"], ["tag_probs", "tag_ids"]),
}


@pytest.mark.parametrize("fixture", ["sentiment_bundle", "grammar_bundle", "autocomplete_bundle"])
@pytest.mark.parametrize("suffix", ["", "_fp32"])
def test_bundle_manifest_and_graph_io(request: pytest.FixtureRequest, fixture: str, suffix: str) -> None:
    bundle = read_bundle(request.getfixturevalue(fixture + suffix))
    m = bundle.manifest
    task = m["task"]
    assert m["model"]["quantization"] == ("fp32" if suffix else "int8")
    assert m["model"]["opset"] == 17
    sess = ort.InferenceSession(bundle.model_bytes)
    inputs = [i.name for i in sess.get_inputs()]
    outputs = [o.name for o in sess.get_outputs()]
    assert inputs == m["model"]["inputs"]
    assert outputs == m["model"]["outputs"]
    if task in IO:
        assert (inputs, outputs) == IO[task]
    else:
        n = m["task_config"]["n_layer"]
        assert inputs == ["input_ids"] + [
            f"past_key_values.{i}.{kv}" for i in range(n) for kv in ("key", "value")
        ]
        assert outputs == ["top_logits", "top_ids"] + [
            f"present.{i}.{kv}" for i in range(n) for kv in ("key", "value")
        ]
    validation = m["validation"]
    # 0.98 with 8-bit weights (test_convert_options); 4-bit ones flip more of a random model's near-ties.
    assert validation["fp32_vs_int8"]["top1_agreement"] >= 0.85
    assert validation["fp32_vs_int8"]["agreement"] >= validation["fp32_vs_int8"]["top1_agreement"]
    # --per-channel auto (the default) tried both scale layouts and kept the better one.
    candidates = validation["int8_candidates"]
    assert set(candidates) == {"per_tensor", "per_channel"}
    chosen = candidates["per_channel" if validation["int8_per_channel"] else "per_tensor"]
    assert chosen == validation["fp32_vs_int8"]
    assert chosen["agreement"] == max(c["agreement"] for c in candidates.values())


def test_sentiment_probs(sentiment_bundle: Path) -> None:
    bundle = read_bundle(sentiment_bundle)
    assert bundle.manifest["task_config"]["labels"] == ["negative", "positive"]
    sess = ort.InferenceSession(bundle.model_bytes)
    ids = np.array([[2, 50, 60, 70, 3], [2, 80, 3, 0, 0]], dtype=np.int64)
    mask = (ids != 0).astype(np.int64)
    logits, probs = sess.run(None, {"input_ids": ids, "attention_mask": mask})
    assert probs.shape == (2, 2)
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-5)
    e = np.exp(logits - logits.max(-1, keepdims=True))
    np.testing.assert_allclose(probs, e / e.sum(-1, keepdims=True), rtol=1e-5)


def test_grammar_top_tags(grammar_bundle: Path) -> None:
    bundle = read_bundle(grammar_bundle)
    config = bundle.manifest["task_config"]
    assert config["tags"][0] == "$KEEP" and config["tag_top_k"] == 4
    assert config["transforms"]["VERB_VB_VBZ"]["go"] == "goes"  # merged from slm_task.json
    sess = ort.InferenceSession(bundle.model_bytes)
    ids = np.array([[2, 50, 60, 70, 3]], dtype=np.int64)
    probs, tag_ids = sess.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
    assert probs.shape == tag_ids.shape == (1, 5, 4)
    assert tag_ids.dtype == np.int64 and (np.diff(probs, axis=-1) <= 0).all()
    assert ((tag_ids >= 0) & (tag_ids < len(config["tags"]))).all()


def test_bundles_load_in_slm_web(
    sentiment_bundle: Path, grammar_bundle: Path, autocomplete_bundle: Path
) -> None:
    """The contract end to end: every converted bundle loads with the native backend and answers."""
    import slm_web

    sentiment = slm_web.load_sync(sentiment_bundle)
    assert sentiment.classify_sync("I love it").label in ("negative", "positive")
    completions = slm_web.load_sync(autocomplete_bundle).complete_sync("I like th", k=3)
    assert 1 <= len(completions) <= 3
    correction = slm_web.load_sync(grammar_bundle).correct_sync("she go to the park")
    assert isinstance(correction.text, str)
