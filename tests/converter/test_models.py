"""Our torch modules reproduce transformers, and the exported KV-cache graph equals full-sequence decoding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from fixtures.checkpoints import encoder_checkpoint
from onnx import numpy_helper

from converter.build import build_module
from converter.checkpoint import load_checkpoint
from converter.export import export_module
from converter.postprocess import add_head
from converter.quantize import MATMUL_QMAX, quantize_int8, smoothing_scales
from converter.validate import decode_steps, empty_past, session
from slm_web.bundle import read_bundle

ENCODER_CLASSES = {
    ("bert", "sentiment"): "BertForSequenceClassification",
    ("bert", "grammar"): "BertForTokenClassification",
    ("distilbert", "sentiment"): "DistilBertForSequenceClassification",
    ("distilbert", "grammar"): "DistilBertForTokenClassification",
}


def _ids() -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.tensor([[2, 40, 41, 42, 43, 3], [2, 50, 51, 3, 0, 0]])
    return ids, (ids != 0).long()


@pytest.mark.parametrize(("model_type", "task"), sorted(ENCODER_CLASSES))
def test_encoder_matches_transformers(tmp_path: Path, model_type: str, task: str) -> None:
    import transformers

    ckpt = encoder_checkpoint(tmp_path / "ckpt", task, model_type=model_type, hidden=32)
    reference = getattr(transformers, ENCODER_CLASSES[model_type, task]).from_pretrained(ckpt).eval()
    ours, _ = build_module(load_checkpoint(ckpt), task)
    ids, mask = _ids()
    with torch.no_grad():
        expected, got = reference(input_ids=ids, attention_mask=mask).logits, ours(ids, mask)
    real = mask.bool() if task == "grammar" else slice(None)  # padded positions of a tagger are don't-care
    torch.testing.assert_close(got[real], expected[real], atol=1e-5, rtol=1e-4)


def test_keep_layers_equals_a_shallower_transformers_model(tmp_path: Path) -> None:
    import transformers

    ckpt = encoder_checkpoint(tmp_path / "ckpt", "sentiment", layers=3, hidden=32)
    reference = transformers.BertForSequenceClassification.from_pretrained(ckpt, num_hidden_layers=1).eval()
    ours, _ = build_module(load_checkpoint(ckpt), "sentiment", keep_layers=1)
    assert len(ours.layers) == 1
    ids, mask = _ids()
    with torch.no_grad():
        torch.testing.assert_close(ours(ids, mask), reference(input_ids=ids, attention_mask=mask).logits)


def test_encoder_keeps_only_the_positions_it_is_fed(tmp_path: Path, autocomplete_checkpoint: Path) -> None:
    ckpt = load_checkpoint(encoder_checkpoint(tmp_path / "ckpt", "grammar", hidden=32, max_positions=128))
    full, _ = build_module(ckpt, "grammar")
    trimmed, _ = build_module(ckpt, "grammar", max_length=16)
    assert (full.pos_emb.num_embeddings, trimmed.pos_emb.num_embeddings) == (128, 16)
    ids, mask = _ids()
    with torch.no_grad():
        torch.testing.assert_close(trimmed(ids, mask), full(ids, mask))
    decoder, _ = build_module(load_checkpoint(autocomplete_checkpoint), "autocomplete", max_length=16)
    assert decoder.pos_emb.num_embeddings > 16  # a decoder's positions bound its KV cache: all kept


def test_decoder_matches_transformers(autocomplete_checkpoint: Path) -> None:
    import transformers

    reference = transformers.GPT2LMHeadModel.from_pretrained(autocomplete_checkpoint).eval()
    ours, _ = build_module(load_checkpoint(autocomplete_checkpoint), "autocomplete")
    c = ours.config
    ids = torch.tensor([[5, 80, 81, 200, 7, 9, 11]])
    empty = [torch.zeros(1, c.n_head, 0, c.hidden // c.n_head)] * (2 * c.n_layer)
    with torch.no_grad():
        torch.testing.assert_close(
            ours(ids, *empty)[0], reference(input_ids=ids).logits, atol=1e-5, rtol=1e-4
        )


@pytest.mark.parametrize("quantized", [False, True])
def test_kv_cache_decoding_equals_full_sequence(autocomplete_checkpoint: Path, quantized: bool) -> None:
    """Token by token through the cache (and in chunks) gives the full-sequence top-k at every prefix.

    int8 quantizes activations with one scale per call, so there only the top-1 must match exactly.
    """
    module, _ = build_module(load_checkpoint(autocomplete_checkpoint), "autocomplete")
    model = add_head(export_module(module), "autocomplete", 8)
    if quantized:
        model = quantize_int8(model)
    sess = session(model.SerializeToString())
    c = module.config
    config = {"n_head": c.n_head, "head_dim": c.hidden // c.n_head}
    ids = [5, 80, 81, 200, 7, 9, 11, 300, 12]
    stepwise = decode_steps(sess, ids, config)
    chunked = {3 * (i + 1): out for i, out in enumerate(decode_steps(sess, ids, config, step=3))}
    for end in range(1, len(ids) + 1):
        (full_logits, full_ids), *_ = decode_steps(sess, ids[:end], config, step=len(ids))
        for logits, top in [stepwise[end - 1], *([chunked[end]] if end in chunked else [])]:
            if quantized:
                assert top[0] == full_ids[0]
                np.testing.assert_allclose(logits, full_logits, atol=0.05)
            else:
                assert list(top) == list(full_ids)
                np.testing.assert_allclose(logits, full_logits, atol=1e-4)


def _decoder_run(sess, ids: list[list[int]], past: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    outputs = sess.run(None, {"input_ids": np.array(ids), **past})
    return dict(zip([o.name for o in sess.get_outputs()], outputs, strict=True))


@pytest.mark.parametrize("batch", [1, 3])
def test_autocomplete_bundle_cache_shapes(autocomplete_bundle: Path, batch: int) -> None:
    bundle = read_bundle(autocomplete_bundle)
    c = bundle.manifest["task_config"]
    assert c["dynamic_batch"] is True
    sess = session(bundle.model_bytes)
    shape = (batch, c["n_head"], 0, c["head_dim"])
    empty = {i.name: np.zeros(shape, np.float32) for i in sess.get_inputs()[1:]}
    out = _decoder_run(sess, [[5, 6, 7]] * batch, empty)
    assert out["top_logits"].shape == out["top_ids"].shape == (batch, c["top_k"])
    assert (np.diff(out["top_logits"], axis=1) <= 0).all()
    assert out["present.0.key"].shape == (batch, c["n_head"], 3, c["head_dim"])
    assert c["eos_id"] == bundle.manifest["tokenizer"]["special_ids"]["eos"] == 0


def test_batched_rows_equal_single_rows(autocomplete_bundle_fp32: Path) -> None:
    """Each row of a batch (one hypothesis of a decoding step) gets exactly the outputs it gets alone, after
    a past with a row per row or with one row for all."""
    bundle = read_bundle(autocomplete_bundle_fp32)
    sess = session(bundle.model_bytes)
    prompt = _decoder_run(sess, [[5, 80, 81, 200]], empty_past(sess, bundle.manifest["task_config"]))
    past = {n.replace("present", "past_key_values"): v for n, v in prompt.items() if n.startswith("present")}
    tokens = [7, 9, 300]
    single = [_decoder_run(sess, [[token]], past) for token in tokens]
    for batch_past in ({n: np.repeat(v, 3, axis=0) for n, v in past.items()}, past):
        batched = _decoder_run(sess, [[t] for t in tokens], batch_past)
        for row, alone in enumerate(single):
            for name, value in alone.items():
                np.testing.assert_allclose(batched[name][row : row + 1], value, atol=1e-5, err_msg=name)


def test_tied_lm_head_shares_one_int8_matrix(
    autocomplete_bundle: Path, autocomplete_bundle_fp32: Path
) -> None:
    """GPT-2's tied embedding/LM head is stored once in int8 (the fp32 graph keeps a folded copy)."""
    import onnx

    vocab = read_bundle(autocomplete_bundle).manifest["tokenizer"]["vocab_size"]

    def vocab_matrices(path: Path) -> list[int]:
        graph = onnx.load_from_string(read_bundle(path).model_bytes).graph
        return sorted(t.data_type for t in graph.initializer if len(t.dims) == 2 and vocab in t.dims)

    assert vocab_matrices(autocomplete_bundle) == [onnx.TensorProto.INT8]
    assert vocab_matrices(autocomplete_bundle_fp32) == [onnx.TensorProto.FLOAT] * 2


def test_smoothing_scales_balance_activation_and_weight_ranges() -> None:
    """SmoothQuant (alpha 0.5): after x/s and W*s, all channels: one activation/weight range ratio."""
    rng = np.random.default_rng(0)
    x_absmax = rng.uniform(0.5, 2.0, 16) * np.where(np.arange(16) < 3, 8.0, 1.0)
    weights = rng.normal(size=(50, 16)).astype(np.float32)
    s = smoothing_scales(x_absmax, weights)
    ratio = (x_absmax / s) / (np.abs(weights).max(axis=0) * s)
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-4)
    assert np.exp(np.log(s).mean()) == pytest.approx(1.0, rel=1e-5)


def _tied_head_graph(weights: np.ndarray):
    """The smallest tied GPT-2 head: emb = Gather(W, ids) and logits = x @ W.T (W.T folded, as exported)."""
    from onnx import TensorProto, helper, numpy_helper

    v, d = weights.shape
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["W", "ids"], ["emb"]),
            helper.make_node("MatMul", ["x", "Wt"], ["logits"]),
        ],
        "tied_head",
        [
            helper.make_tensor_value_info("ids", TensorProto.INT64, ["n"]),
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", d]),
        ],
        [
            helper.make_tensor_value_info("emb", TensorProto.FLOAT, ["n", d]),
            helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", v]),
        ],
        [numpy_helper.from_array(weights, "W"), numpy_helper.from_array(weights.T.copy(), "Wt")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def test_smoothed_int8_head_is_closer_to_fp32_with_outlier_channels() -> None:
    """A few head-input channels 20x wider than the rest (as after a trained GPT-2's final LayerNorm) coarsen
    the input's one int8 scale; smoothing moves that range into the weights. The embedding lookup, which
    shares the smoothed int8 table, still returns W's rows."""
    rng = np.random.default_rng(0)
    weights = rng.normal(0, 0.1, (300, 32)).astype(np.float32)
    wide = np.where(np.arange(32) < 3, 20.0, 1.0).astype(np.float32)
    x = (rng.normal(size=(64, 32)) * wide).astype(np.float32)
    ids = np.arange(0, 300, 7, dtype=np.int64)
    fp32 = _tied_head_graph(weights)

    def run(model) -> tuple[np.ndarray, np.ndarray]:
        emb, logits = session(model.SerializeToString()).run(["emb", "logits"], {"ids": ids, "x": x})
        return emb, logits

    _, reference = run(fp32)
    plain_emb, plain = run(quantize_int8(fp32))
    smooth_emb, smoothed = run(quantize_int8(fp32, head_input_absmax=np.abs(x).max(axis=0)))
    assert np.abs(smoothed - reference).max() < 0.7 * np.abs(plain - reference).max()
    # Smoothing only moves quantization error between channels; the rows stay W's within int8 precision.
    row_step = np.abs(weights[ids]).max(axis=1, keepdims=True) / MATMUL_QMAX
    assert np.all(np.abs(plain_emb - weights[ids]) <= row_step / 2 + 1e-6)
    np.testing.assert_allclose(smooth_emb, weights[ids], atol=4 * row_step.max())


@pytest.mark.parametrize("task", ["sentiment", "grammar", "autocomplete"])
def test_int8_matmul_weights_cannot_saturate_avx2(task: str, request: pytest.FixtureRequest) -> None:
    """Weights feeding an integer MatMul fit in 7 bits, so x86's u8 x s8 pair sums stay within int16."""
    import onnx

    graph = onnx.load_from_string(read_bundle(request.getfixturevalue(f"{task}_bundle")).model_bytes).graph
    inits = {t.name: t for t in graph.initializer}
    integer_matmuls = {"MatMulInteger", "DynamicQuantizeMatMul", "MatMulIntegerToFloat"}
    weights = [
        numpy_helper.to_array(inits[n.input[1]]) for n in graph.node if n.op_type in integer_matmuls
    ]
    assert weights and all(w.dtype == np.int8 and np.abs(w.astype(np.int32)).max() <= 64 for w in weights)
