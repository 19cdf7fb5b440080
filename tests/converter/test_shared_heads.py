"""One encoder, two heads: ``--head TASK=CKPT`` packs a checkpoint trained on another's frozen encoder into
the same bundle (converter/shared.py), and refuses, in one line, what cannot share it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from fixtures.checkpoints import encoder_checkpoint, head_on_encoder
from onnx import TensorProto, helper

from converter.__main__ import main
from converter.errors import ConvertError
from converter.pipeline import Options, convert
from converter.postprocess import Head, add_heads
from converter.shared import raw_output
from converter.validate import session
from slm_web.bundle import read_bundle


def test_shared_bundle_carries_both_heads(shared_bundle: Path, grammar_bundle: Path) -> None:
    shared, single = read_bundle(shared_bundle).manifest, read_bundle(grammar_bundle).manifest
    assert shared["task"] == "grammar" and shared["task_config"] == single["task_config"]
    assert shared["tokenizer"] == single["tokenizer"]
    assert shared["heads"] == {"sentiment": {"task_config": {"labels": ["negative", "positive"]}}}
    assert shared["model"]["outputs"] == ["tag_probs", "tag_ids", "logits", "probs"]
    head = shared["validation"]["heads"]["sentiment"]
    assert head["shared_layers"] == 1 and head["fp32_vs_int8"]["agreement"] >= 0.8


def _outputs(bundle: Path, ids: list[int]) -> dict[str, np.ndarray]:
    sess = session(read_bundle(bundle).model_bytes)
    feeds = {"input_ids": np.array([ids], np.int64), "attention_mask": np.ones((1, len(ids)), np.int64)}
    return dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds), strict=True))


def test_each_head_computes_what_its_own_bundle_does(
    tmp_path: Path, grammar_checkpoint: Path, shared_sentiment_checkpoint: Path
) -> None:
    """fp32: the shared graph's grammar outputs are the grammar bundle's, its sentiment outputs the
    sentiment checkpoint's own bundle's (whose last layer computes every row, not [CLS] only)."""
    paths = {name: tmp_path / f"{name}.slm" for name in ("shared", "grammar", "sentiment")}
    fp32 = {"quantize": "fp32", "min_agreement": 0.0}
    convert(grammar_checkpoint, Options(task="grammar", out=paths["shared"], **fp32,
                                        heads={"sentiment": shared_sentiment_checkpoint}))
    convert(grammar_checkpoint, Options(task="grammar", out=paths["grammar"], **fp32))
    convert(shared_sentiment_checkpoint, Options(task="sentiment", out=paths["sentiment"], **fp32))
    ids = [2, 40, 41, 42, 43, 3]
    shared, grammar, sentiment = (_outputs(paths[n], ids) for n in ("shared", "grammar", "sentiment"))
    assert np.array_equal(shared["tag_ids"], grammar["tag_ids"])
    np.testing.assert_allclose(shared["tag_probs"], grammar["tag_probs"], atol=1e-5)
    np.testing.assert_allclose(shared["probs"], sentiment["probs"], atol=1e-5)
    np.testing.assert_allclose(shared["logits"], sentiment["logits"], atol=1e-4)
    # One copy of the shared weights: the shared graph is far smaller than the two graphs together.
    sizes = {n: len(read_bundle(p).model_bytes) for n, p in paths.items()}
    assert sizes["shared"] < 0.8 * (sizes["grammar"] + sizes["sentiment"]), sizes


def test_two_private_layers_share_only_the_embeddings_and_the_rest_follows(
    tmp_path: Path, grammar_checkpoint: Path
) -> None:
    head = head_on_encoder(tmp_path / "head", grammar_checkpoint, shared=0, seed=2)
    report = convert(grammar_checkpoint, Options(task="grammar", out=tmp_path / "s.slm", min_agreement=0.0,
                                                 heads={"sentiment": head}, quantize="fp32"))
    assert report["validation"]["heads"]["sentiment"]["shared_layers"] == 0


def _other_tokenizer(tmp_path: Path, head: Path) -> Path:
    copy = Path(shutil.copytree(head, tmp_path / "other-tokenizer"))
    spec = json.loads((copy / "tokenizer.json").read_text())
    spec["normalizer"]["lowercase"] = False
    (copy / "tokenizer.json").write_text(json.dumps(spec))
    return copy


@pytest.mark.parametrize("case, pattern", [
    ("unrelated", "the sentiment head's embeddings differ from the main model's"),
    ("tokenizer", "the sentiment head's tokenizer.json differs from the grammar checkpoint's"),
    ("hidden", "the sentiment head's hidden is 32, the main model's 64"),
    ("same task", "--head grammar is the main task already"),
    ("decoder", "--head needs encoder tasks; grammar\\+autocomplete cannot share an encoder"),
    ("unknown", "unknown head task 'summary'"),
    ("vocab", "--head does not combine with --vocab-corpus"),
])
def test_what_cannot_share_is_refused_in_one_line(
    case: str, pattern: str, tmp_path: Path, grammar_checkpoint: Path, shared_sentiment_checkpoint: Path
) -> None:
    tokenizer = grammar_checkpoint / "tokenizer.json"
    heads = {
        "unrelated": lambda: {"sentiment": encoder_checkpoint(
            tmp_path / "other", "sentiment", seed=3, tokenizer_file=tokenizer)},
        "tokenizer": lambda: {"sentiment": _other_tokenizer(tmp_path, shared_sentiment_checkpoint)},
        "hidden": lambda: {"sentiment": encoder_checkpoint(
            tmp_path / "narrow", "sentiment", hidden=32, tokenizer_file=tokenizer)},
        "same task": lambda: {"grammar": shared_sentiment_checkpoint},
        "decoder": lambda: {"autocomplete": shared_sentiment_checkpoint},
        "unknown": lambda: {"summary": shared_sentiment_checkpoint},
        "vocab": lambda: {"sentiment": shared_sentiment_checkpoint},
    }[case]()
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("some text\n")
    opts = Options(task="grammar", out=tmp_path / "x.slm", heads=heads,
                   vocab_corpus=[corpus] if case == "vocab" else [])
    with pytest.raises(ConvertError, match=pattern) as error:
        convert(grammar_checkpoint, opts)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "x.slm").exists()


def test_head_bits_without_a_head_are_refused_in_one_line(
    tmp_path: Path, grammar_checkpoint: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "x.slm"
    with pytest.raises(ConvertError, match="--head-matmul-bits needs --head"):
        convert(grammar_checkpoint, Options(task="grammar", out=out, head_matmul_bits=8))
    args = [str(grammar_checkpoint), "--task", "grammar", "--out", str(out), "--head-matmul-bits", "4"]
    assert main(args) == 1
    assert "--head-matmul-bits needs --head" in capsys.readouterr().err
    assert not out.exists()


def test_a_heads_renaming_node_is_named_after_its_task() -> None:
    raw = raw_output("sentiment")
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], [raw])], "raw",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 2])],
        [helper.make_tensor_value_info(raw, TensorProto.FLOAT, ["batch", 2])],
    )
    model = add_heads(helper.make_model(graph), [Head("sentiment", logits=raw)])
    renamed = next(n for n in model.graph.node if n.output == ["logits"])
    assert renamed.name == "slm_sentiment_to_logits"


def test_cli_head_option(
    tmp_path: Path, grammar_checkpoint: Path, shared_sentiment_checkpoint: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "shared.slm"
    args = [str(grammar_checkpoint), "--task", "grammar", "--out", str(out), "--min-agreement", "0",
            "--quiet"]
    assert main([*args, "--head", f"sentiment={shared_sentiment_checkpoint}"]) == 0
    assert read_bundle(out).tasks == ("grammar", "sentiment")
    assert main(["inspect", str(out)]) == 0
    assert "head sentiment: labels: negative, positive" in capsys.readouterr().out
    twice = [*args, "--head", f"sentiment={shared_sentiment_checkpoint}", "--head", "sentiment=x"]
    assert main(twice) == 1
    assert "names the same task twice" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*args, "--head", "sentiment"])
    assert "expected TASK=CHECKPOINT" in capsys.readouterr().err


def test_the_heads_own_weights_take_their_own_bits(
    tmp_path: Path, grammar_checkpoint: Path, shared_sentiment_checkpoint: Path
) -> None:
    """An 8-bit encoder (the grammar student's choice) with a 4-bit sentiment branch: only the branch's
    MatMul weights are 4-bit-representable, so only they travel at 4 bits in the site's .slm4 form."""
    from webbuild import wire

    runs = {}
    for bits in (4, 8):
        out = tmp_path / f"head{bits}.slm"
        report = convert(grammar_checkpoint, Options(
            task="grammar", out=out, matmul_bits=8, head_matmul_bits=bits, min_agreement=0.0,
            heads={"sentiment": shared_sentiment_checkpoint}))
        assert report["model"]["weight_bits"] == {"matmul": 8, "embedding": 4, "head_matmul": bits}
        encoded = wire.encode(out.read_bytes())
        runs[bits] = 0 if encoded is None else len(json.loads(encoded[8: 8 + int.from_bytes(
            encoded[4:8], "little")])["runs"])
    # Layer 1 of the fixture is the branch's own: q, k, v, attention out, feed-forward in and out; then its
    # pooler and classifier.
    assert runs == {4: 8, 8: 0}
