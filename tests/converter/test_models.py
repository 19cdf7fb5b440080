"""Our torch modules reproduce transformers, and the exported KV-cache graph equals full-sequence decoding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from fixtures.checkpoints import encoder_checkpoint

from converter.build import build_module
from converter.checkpoint import load_checkpoint
from converter.export import export_module
from converter.postprocess import add_head
from converter.quantize import quantize_int8
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
