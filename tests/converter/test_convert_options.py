"""Conversion options: sizes, --eval, --report, .onnx sources, --keep-layers, CLI help and inspect."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from fixtures.checkpoints import SENTIMENT_LABELS, encoder_checkpoint

from converter.__main__ import main
from converter.build import build_module
from converter.checkpoint import load_checkpoint
from converter.pipeline import Options, convert
from converter.validate import session
from slm_web.bundle import FORMAT_VERSION, read_bundle


def test_int8_bundles_are_a_fraction_of_fp32_for_a_vocab_dominated_model(tmp_path: Path) -> None:
    ckpt = encoder_checkpoint(
        tmp_path / "ckpt", "sentiment", hidden=128, layers=1, vocab_size=4000, filler=3000
    )
    sizes, reports = {}, {}
    for name, bits in (("fp32", 8), ("int8", 8), ("int4", 4)):
        out = tmp_path / f"{name}.slm"
        opts = Options(task="sentiment", out=out, quantize="fp32" if name == "fp32" else "int8",
                       embedding_bits=bits, matmul_bits=8, min_agreement=0.0)
        reports[name] = convert(ckpt, opts)["validation"]["fp32_vs_int8"]
        sizes[name] = out.stat().st_size
    assert read_bundle(tmp_path / "int8.slm").manifest["tokenizer"]["vocab_size"] > 3000
    assert sizes["int8"] <= 0.30 * sizes["fp32"], sizes
    assert sizes["int4"] <= 0.22 * sizes["fp32"], sizes
    assert reports["int8"]["top1_agreement"] >= 0.98
    # This random model's two logits differ by less than the 4-bit table's error, so its top-1 flips;
    # the logits themselves stay close (the default students' agreement is in converter/int4.py).
    assert reports["int4"]["max_abs_diff"] < 0.02


EVAL_LINES = {
    "sentiment": [{"text": "I loved it", "label": "positive"}, {"text": "awful film", "label": "negative"}],
    "grammar": [{"text": "she go home .", "tags": ["$KEEP", "$TRANSFORM_VERB_VB_VBZ", "$KEEP", "$KEEP"]}],
    "autocomplete": ["I like this movie a lot.", "Thanks for your help yesterday."],
}
METRICS = {"sentiment": "accuracy", "grammar": "tag_accuracy", "autocomplete": "next_token_accuracy"}


@pytest.mark.parametrize("task", sorted(EVAL_LINES))
def test_eval_and_report(request: pytest.FixtureRequest, tmp_path: Path, task: str) -> None:
    ckpt = request.getfixturevalue(f"{task}_checkpoint")
    eval_file = tmp_path / "eval.jsonl"
    eval_file.write_text(
        "\n".join(json.dumps(x) if isinstance(x, dict) else x for x in EVAL_LINES[task]) + "\n"
    )
    out, report_file = tmp_path / "m.slm", tmp_path / "report.json"
    opts = Options(task=task, out=out, eval_file=eval_file, report=report_file, min_agreement=0.9)
    report = convert(ckpt, opts)
    saved = json.loads(report_file.read_text())
    assert saved == json.loads(json.dumps(report))
    evaluation = saved["validation"]["eval"]
    assert evaluation["metric"] == METRICS[task] and evaluation["examples"] == len(EVAL_LINES[task])
    assert 0.0 <= evaluation["fp32"] <= 1.0 and 0.0 <= evaluation["int8"] <= 1.0
    sizes = saved["validation"]["sizes"]
    assert (
        sizes["bundle_bytes"] == out.stat().st_size and sizes["int8_model_bytes"] < sizes["fp32_model_bytes"]
    )
    assert saved["validation"]["tokenizer_parity"]["status"] == "ok"
    # The bundle carries the same validation, minus the bundle's own size (unknown while writing it).
    assert read_bundle(out).manifest["validation"]["fp32_vs_int8"] == saved["validation"]["fp32_vs_int8"]


def _export(
    module: torch.nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str], axes
) -> None:
    with torch.no_grad():
        torch.onnx.export(
            module,
            args,
            path,
            dynamo=False,
            opset_version=17,
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=axes,
        )


def _fp32_outputs(bundle: Path, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    return session(read_bundle(bundle).model_bytes).run(None, feeds)


def test_onnx_source_with_token_type_ids(
    sentiment_checkpoint: Path, sentiment_bundle_fp32: Path, tmp_path
) -> None:
    """An HF-style export (token_type_ids input) converts to the same graph I/O and the same numbers."""
    import transformers

    model = transformers.BertForSequenceClassification.from_pretrained(sentiment_checkpoint).eval()

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model  # registered, so the tracer sees parameters rather than constants

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).logits

    ids = torch.tensor([[2, 40, 41, 3]])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    _export(
        Logits(),
        (ids, ids * 0 + 1, ids * 0),
        tmp_path / "m.onnx",
        names,
        ["logits"],
        {n: {0: "b", 1: "s"} for n in names},
    )
    (tmp_path / "labels.json").write_text(json.dumps({"labels": SENTIMENT_LABELS}))
    out = tmp_path / "m.slm"
    code = main(
        [
            str(tmp_path / "m.onnx"),
            "--tokenizer",
            str(sentiment_checkpoint / "tokenizer.json"),
            "--task-config",
            str(tmp_path / "labels.json"),
            "--task",
            "sentiment",
            "--out",
            str(out),
            "--quantize",
            "fp32",
            "--quiet",
        ]
    )
    assert code == 0
    bundle = read_bundle(out)
    assert bundle.manifest["model"]["inputs"] == ["input_ids", "attention_mask"]
    assert bundle.manifest["task_config"]["labels"] == SENTIMENT_LABELS
    feeds = {"input_ids": np.array([[2, 40, 41, 42, 3, 0]]), "attention_mask": np.array([[1, 1, 1, 1, 1, 0]])}
    for a, b in zip(_fp32_outputs(out, feeds), _fp32_outputs(sentiment_bundle_fp32, feeds), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.parametrize("dynamic_batch", [False, True])
def test_onnx_decoder_with_position_ids_and_mask(
    autocomplete_checkpoint: Path, autocomplete_bundle_fp32: Path, tmp_path: Path, dynamic_batch: bool
) -> None:
    """A decoder export that takes attention_mask and position_ids gets them computed in the graph. With a
    symbolic batch axis its hypotheses are decoded in batches; with batch fixed to 1, one per run."""
    import slm_web

    dec, _ = build_module(load_checkpoint(autocomplete_checkpoint), "autocomplete")
    c = dec.config

    class Foreign(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.dec = dec

        def forward(self, input_ids, attention_mask, position_ids, *past):
            p, t = past[0].shape[2], input_ids.shape[1]
            x = dec.tok_emb(input_ids) + dec.pos_emb(position_ids)
            q_pos, k_pos = torch.arange(t) + p, torch.arange(p + t)
            mask = attention_mask.view(input_ids.shape[0], -1)  # as in HF's GPT-2: one mask row per batch row
            visible = (k_pos[None, :] <= q_pos[:, None]) & mask[:, None, None, :].bool()
            bias = torch.where(visible, 0.0, torch.finfo(x.dtype).min)
            presents = []
            for i, layer in enumerate(dec.layers):
                x, k, v = layer(x, past[2 * i], past[2 * i + 1], bias)
                presents += [k, v]
            return (torch.matmul(dec.ln_f(x), dec.tok_emb.weight.t()), *presents)

    kv = [f"{i}.{kind}" for i in range(c.n_layer) for kind in ("key", "value")]
    batch = 2 if dynamic_batch else 1
    past = [torch.zeros(batch, c.n_head, 2, c.hidden // c.n_head)] * len(kv)
    ids = torch.tensor([[5, 6, 7]] * batch)
    inputs = ["input_ids", "attention_mask", "position_ids", *(f"past_key_values.{n}" for n in kv)]
    outputs = ["logits", *(f"present.{n}" for n in kv)]
    bx = {0: "b"} if dynamic_batch else {}  # the batch axis
    axes = {"input_ids": bx | {1: "t"}, "attention_mask": bx | {1: "a"}, "position_ids": {1: "t"}}
    axes |= {"logits": bx | {1: "t"}} | {n: bx | {2: "p"} for n in inputs[3:]}
    axes |= {n: bx | {2: "a"} for n in outputs[1:]}
    _export(
        Foreign(),
        (ids, torch.ones(batch, 5, dtype=torch.long), torch.tensor([[2, 3, 4]]), *past),
        tmp_path / "lm.onnx",
        inputs,
        outputs,
        axes,
    )
    (tmp_path / "meta.json").write_text(json.dumps({"max_positions": 64}))
    out = tmp_path / "lm.slm"
    opts = Options(
        task="autocomplete",
        out=out,
        quantize="fp32",
        tokenizer=autocomplete_checkpoint / "tokenizer.json",
        task_config=tmp_path / "meta.json",
    )
    convert(tmp_path / "lm.onnx", opts)
    ours, theirs = read_bundle(out).manifest, read_bundle(autocomplete_bundle_fp32).manifest
    assert ours["model"]["inputs"] == theirs["model"]["inputs"]
    assert ours["model"]["outputs"] == theirs["model"]["outputs"]
    assert ours["task_config"] == theirs["task_config"] | {"dynamic_batch": dynamic_batch}
    empty = {n: np.zeros((1, c.n_head, 0, c.hidden // c.n_head), np.float32) for n in inputs[3:]}
    rows = [[5, 80, 81, 200, 7], [9, 10, 11, 12, 13]]
    single = [_fp32_outputs(out, {"input_ids": np.array([row]), **empty}) for row in rows]
    for row, got in zip(rows, single, strict=True):
        want = _fp32_outputs(autocomplete_bundle_fp32, {"input_ids": np.array([row]), **empty})
        for a, b in zip(got, want, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-5)
    if dynamic_batch:  # the attention mask computed in the graph covers every row
        feeds = {"input_ids": np.array(rows), **{n: np.concatenate([e, e]) for n, e in empty.items()}}
        for got, first, second in zip(_fp32_outputs(out, feeds), *single, strict=True):
            np.testing.assert_allclose(got, np.concatenate([first, second]), atol=1e-5)
    with slm_web.load_sync(out, threads=1) as model:  # a batch of several rows fails on a fixed-batch graph
        assert model.dynamic_batch == dynamic_batch
        assert model.complete_sync("I would li", k=3)


def test_keep_layers_shrinks_the_bundle(
    sentiment_checkpoint: Path, sentiment_bundle: Path, tmp_path: Path
) -> None:
    out = tmp_path / "one.slm"
    convert(sentiment_checkpoint, Options(task="sentiment", out=out, keep_layers=1, min_agreement=0.9))
    assert out.stat().st_size < sentiment_bundle.stat().st_size
    model = read_bundle(out).model_bytes
    assert model.count(b"MatMulInteger") < read_bundle(sentiment_bundle).model_bytes.count(b"MatMulInteger")


def test_help_documents_every_option(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in (
        "--task",
        "--out",
        "--quantize",
        "--per-channel",
        "--keep-layers",
        "--vocab-corpus",
        "--max-length",
        "--top-k",
        "--tag-top-k",
        "--eval",
        "--report",
        "--min-agreement",
        "--tokenizer",
        "--task-config",
        "examples:",
        "inspect",
        "prune",
    ):
        assert option in text


def test_inspect(grammar_bundle: Path, capsys) -> None:
    assert main(["inspect", str(grammar_bundle)]) == 0
    text = capsys.readouterr().out
    assert f"grammar bundle, format {FORMAT_VERSION}" in text and "10 tags, top 4 per token" in text
    assert main(["inspect", str(grammar_bundle), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["task_config"]["tags"][0] == "$KEEP"


@pytest.mark.parametrize("task", ["sentiment", "grammar"])
def test_distilbert_converts_with_per_channel_int8(tmp_path: Path, task: str) -> None:
    import onnx
    from onnx import numpy_helper

    ckpt = encoder_checkpoint(tmp_path / "ckpt", task, model_type="distilbert")
    out = tmp_path / "d.slm"
    report = convert(ckpt, Options(task=task, out=out, per_channel="on", min_agreement=0.9))
    assert report["model"]["architecture"] == "bert"
    graph = onnx.load_from_string(read_bundle(out).model_bytes).graph
    names = [t.name for t in graph.initializer if t.name.endswith("_scale") and "_row_" not in t.name]
    scales = [numpy_helper.to_array(t) for t in graph.initializer if t.name in names]
    assert scales and all(s.size > 1 for s in scales)  # one scale per output channel


def test_optimized_graph_fuses_and_matches_plain_ops(
    grammar_checkpoint: Path, grammar_bundle: Path, tmp_path
) -> None:
    """The default bundle has onnxruntime's fused int8 ops; --optimize none plain ONNX ops, same numbers."""
    import onnx

    plain = tmp_path / "plain.slm"
    convert(grammar_checkpoint, Options(task="grammar", out=plain, optimize="none", min_agreement=0.9))
    domains = {
        path: {n.domain for n in onnx.load_from_string(read_bundle(path).model_bytes).graph.node}
        for path in (plain, grammar_bundle)
    }
    assert domains[plain] <= {"", "ai.onnx"} and "com.microsoft" in domains[grammar_bundle]
    assert read_bundle(grammar_bundle).manifest["model"]["optimization"] == "extended"
    feeds = {"input_ids": np.array([[2, 40, 41, 42, 43, 3]]), "attention_mask": np.ones((1, 6), np.int64)}
    fused, unfused = _fp32_outputs(grammar_bundle, feeds), _fp32_outputs(plain, feeds)
    np.testing.assert_allclose(fused[0], unfused[0], atol=1e-3)
    assert (fused[1][..., 0] == unfused[1][..., 0]).all()


def test_slm_task_labels_replace_placeholder_id2label(sentiment_checkpoint: Path, tmp_path: Path) -> None:
    import shutil

    ckpt = Path(shutil.copytree(sentiment_checkpoint, tmp_path / "ckpt"))
    config = json.loads((ckpt / "config.json").read_text())
    config["id2label"] = {"0": "LABEL_0", "1": "LABEL_1"}
    (ckpt / "config.json").write_text(json.dumps(config))
    (ckpt / "slm_task.json").write_text(json.dumps({"labels": ["sad", "glad"]}))
    report = convert(ckpt, Options(task="sentiment", out=tmp_path / "m.slm", min_agreement=0.9))
    assert report["task_config"]["labels"] == ["sad", "glad"]
