"""Every bad input from issue 2 gives a one-line error naming the problem, exit code 1 and no output file."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import onnx
import pytest
from safetensors.torch import load_file, save_file

from converter.__main__ import main


def run_cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, pattern: str) -> None:
    lines = err.strip().splitlines()
    assert code == 1, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert re.search(pattern, lines[0]), lines[0]


def _copy(src: Path, tmp: Path) -> Path:
    return Path(shutil.copytree(src, tmp / "ckpt"))


def _edit_json(path: Path, change: Callable[[dict], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _drop_weight(ckpt: Path) -> None:
    state = load_file(ckpt / "model.safetensors")
    del state[next(k for k in state if k.endswith("attention.self.query.weight"))]
    save_file(state, ckpt / "model.safetensors")


def _poison_weights(value: float, every: bool) -> Callable[[Path], None]:
    """Set one value of the query weights (or every weight of the checkpoint) to ``value``: NaN or inf."""

    def damage(ckpt: Path) -> None:
        state = load_file(ckpt / "model.safetensors")
        for name, tensor in state.items():
            if every and tensor.is_floating_point():
                tensor.fill_(value)
            elif name.endswith("attention.self.query.weight"):
                tensor[0, 0] = value
        save_file(state, ckpt / "model.safetensors")

    return damage


# name -> (checkpoint fixture, how to damage a copy, extra CLI args, expected message pattern)
CHECKPOINT_CASES: dict[str, tuple[str, Callable[[Path], None] | None, list[str], str]] = {
    "no config": ("sentiment", lambda c: (c / "config.json").unlink(), [], r"config\.json not found"),
    "NaN weights": (
        "sentiment",
        _poison_weights(float("nan"), every=True),
        [],
        r"weight '.*' holds \d+ NaN or infinite values .*the checkpoint is broken",
    ),
    "one infinite weight": (
        "grammar",
        _poison_weights(float("inf"), every=False),
        [],
        r"weight '.*query.*' holds 1 NaN or infinite values",
    ),
    "no tokenizer": (
        "sentiment",
        lambda c: (c / "tokenizer.json").unlink(),
        [],
        r"tokenizer\.json not found",
    ),
    "no weights": ("sentiment", lambda c: (c / "model.safetensors").unlink(), [], r"has no weights"),
    "partial weights": ("sentiment", _drop_weight, [], r"partial checkpoint .*1 weights missing"),
    "corrupt weights": (
        "sentiment",
        lambda c: (c / "model.safetensors").write_bytes(b"\x00garbage"),
        [],
        r"cannot read weights",
    ),
    "config not json": (
        "sentiment",
        lambda c: (c / "config.json").write_text("{oops"),
        [],
        r"not readable JSON",
    ),
    "unknown architecture": (
        "sentiment",
        lambda c: _edit_json(c / "config.json", lambda d: d.update(model_type="t5")),
        [],
        r"unsupported model_type 't5'",
    ),
    "no labels": (
        "sentiment",
        lambda c: _edit_json(c / "config.json", lambda d: d.pop("id2label")),
        [],
        r"no id2label",
    ),
    "labels disagree": (
        "sentiment",
        lambda c: (c / "slm_task.json").write_text('{"labels": ["bad", "good"]}'),
        [],
        r"labels disagree with config\.json id2label",
    ),
    "unigram tokenizer": (
        "sentiment",
        lambda c: _edit_json(c / "tokenizer.json", lambda d: d["model"].update(type="Unigram")),
        [],
        r"tokenizer model type 'Unigram' is not supported",
    ),
    "unreproducible normalizer": (
        "sentiment",
        lambda c: _edit_json(c / "tokenizer.json", lambda d: d.update(normalizer={"type": "NFKC"})),
        [],
        r"normalizer 'NFKC' cannot be reproduced",
    ),
    "sentiment checkpoint as grammar": (
        "sentiment",
        None,
        ["--task", "grammar"],
        r"task 'grammar' does not fit this BertForSequenceClassification checkpoint",
    ),
    "bert as autocomplete": ("grammar", None, ["--task", "autocomplete"], r"does not fit"),
    "gpt2 as sentiment": ("autocomplete", None, ["--task", "sentiment"], r"does not fit"),
    "too many layers": ("sentiment", None, ["--keep-layers", "5"], r"--keep-layers must be between 1 and"),
    "bpe pruning": (
        "autocomplete",
        None,
        ["--vocab-corpus", "CORPUS"],
        r"pruning needs a WordPiece tokenizer",
    ),
    "agreement threshold": ("sentiment", None, ["--min-agreement", "1.01"], r"below --min-agreement 1\.01"),
    "missing eval file": ("sentiment", None, ["--eval", "nope.jsonl"], r"cannot read --eval file"),
    "unwritable report": (
        "sentiment",
        None,
        ["--report", "/nonexistent/dir/r.json"],
        r"/nonexistent/dir does not",
    ),
    "tokenizer flag on checkpoint": ("sentiment", None, ["--tokenizer", "t.json"], r"for \.onnx sources"),
}
DEFAULT_TASKS = {"sentiment": "sentiment", "grammar": "grammar", "autocomplete": "autocomplete"}


@pytest.mark.parametrize("case", sorted(CHECKPOINT_CASES))
def test_bad_checkpoint(request: pytest.FixtureRequest, capsys, tmp_path: Path, case: str) -> None:
    kind, damage, extra, pattern = CHECKPOINT_CASES[case]
    ckpt = _copy(request.getfixturevalue(f"{kind}_checkpoint"), tmp_path)
    if damage:
        damage(ckpt)
    (tmp_path / "corpus.txt").write_text("hello world\n")
    extra = [str(tmp_path / "corpus.txt") if a == "CORPUS" else a for a in extra]
    task = extra[extra.index("--task") + 1] if "--task" in extra else kind
    extra = [a for i, a in enumerate(extra) if a != "--task" and (i == 0 or extra[i - 1] != "--task")]
    out = tmp_path / "out" / "model.slm"
    out.parent.mkdir()
    assert_one_line_error(*_run(capsys, ckpt, "--task", task, "--out", out, "--quiet", *extra), pattern)
    assert list(out.parent.iterdir()) == []


def _run(capsys, *args: object) -> tuple[int, str]:
    code, _, err = run_cli(capsys, *args)
    return code, err


def test_missing_checkpoint_folder(capsys, tmp_path: Path) -> None:
    out = tmp_path / "m.slm"
    assert_one_line_error(
        *_run(capsys, tmp_path / "nope", "--task", "sentiment", "--out", out, "--quiet"), "folder not found"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("out", "pattern"), [("missing/dir/m.slm", r"directory .* does not exist"), (".", r"is a directory")]
)
def test_unwritable_output(
    sentiment_checkpoint: Path, capsys, tmp_path: Path, out: str, pattern: str
) -> None:
    code, err = _run(capsys, sentiment_checkpoint, "--task", "sentiment", "--out", tmp_path / out, "--quiet")
    assert_one_line_error(code, err, pattern)
    assert not (tmp_path / "missing").exists()


def test_tokenizer_the_runtime_does_not_reproduce(
    sentiment_checkpoint: Path, capsys, tmp_path, monkeypatch
) -> None:
    """If slm_web.tokenizers disagrees with HF tokenizers, the converter refuses to pack."""
    import slm_web.tokenizers

    real = slm_web.tokenizers.from_json

    class OffByOne:
        def __init__(self, tok):
            self.tok = tok

        def encode(self, text):
            enc = self.tok.encode(text)
            return type("E", (), {"ids": [i + 1 for i in enc.ids]})()

    monkeypatch.setattr(slm_web.tokenizers, "from_json", lambda j: OffByOne(real(j)))
    out = tmp_path / "m.slm"
    code, err = _run(capsys, sentiment_checkpoint, "--task", "sentiment", "--out", out, "--quiet")
    assert_one_line_error(code, err, r"runtime tokenizer differs from HF tokenizers on .*refusing to pack")
    assert not out.exists()


def test_onnx_source_errors(sentiment_checkpoint: Path, capsys, tmp_path: Path) -> None:
    out = tmp_path / "m.slm"
    tok = sentiment_checkpoint / "tokenizer.json"
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a protobuf at all \xff\xff")
    cases = [
        ([tmp_path / "nope.onnx", "--tokenizer", tok], r"ONNX file not found"),
        ([garbage], r"needs --tokenizer"),
        ([garbage, "--tokenizer", tok], r"not a readable ONNX model"),
    ]
    for args, pattern in cases:
        assert_one_line_error(*_run(capsys, *args, "--task", "sentiment", "--out", out, "--quiet"), pattern)
    assert not out.exists()


def _external_data_model(path: Path, location: str) -> None:
    """A one-Gather model whose weight lives in external data at ``location`` (relative to ``path``)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("Gather", ["w", "input_ids"], ["logits"])],
        "g",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, [1]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 2])],
        [numpy_helper.from_array(np.ones((600, 2), np.float32), "w")],
    )
    onnx.save_model(
        helper.make_model(graph), path, save_as_external_data=True, location=location, size_threshold=0
    )


def test_onnx_with_missing_external_data(capsys, tmp_path: Path, sentiment_checkpoint: Path) -> None:
    path = tmp_path / "ext.onnx"
    _external_data_model(path, "ext.data")
    (tmp_path / "ext.data").unlink()
    out = tmp_path / "m.slm"
    args = [path, "--tokenizer", sentiment_checkpoint / "tokenizer.json", "--task", "sentiment", "--out", out]
    assert_one_line_error(*_run(capsys, *args, "--quiet"), r"external data that is missing")
    assert not out.exists()


def test_onnx_external_data_outside_its_folder_is_refused(
    capsys, tmp_path: Path, sentiment_checkpoint: Path
) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    path = folder / "ext.onnx"
    _external_data_model(path, "ext.data")
    (folder / "ext.data").rename(tmp_path / "secret.data")  # same bytes, one folder up
    model = onnx.load(path, load_external_data=False)
    for tensor in model.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = "../secret.data"
    onnx.save(model, path)
    out = tmp_path / "m.slm"
    args = [path, "--tokenizer", sentiment_checkpoint / "tokenizer.json", "--task", "sentiment", "--out", out]
    assert_one_line_error(*_run(capsys, *args, "--quiet"), r"external data outside the model's folder")
    assert not out.exists()


def test_onnx_with_nan_weights(capsys, tmp_path: Path, sentiment_checkpoint: Path) -> None:
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("Gather", ["w", "input_ids"], ["logits"])],
        "g",
        [helper.make_tensor_value_info(n, TensorProto.INT64, [1]) for n in ("input_ids", "attention_mask")],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 2])],
        [numpy_helper.from_array(np.full((600, 2), np.nan, np.float32), "w")],
    )
    path = tmp_path / "nan.onnx"
    onnx.save_model(helper.make_model(graph), path)
    (tmp_path / "task.json").write_text('{"labels": ["negative", "positive"]}')
    out = tmp_path / "m.slm"
    args = [path, "--tokenizer", sentiment_checkpoint / "tokenizer.json", "--task-config",
            tmp_path / "task.json", "--task", "sentiment", "--out", out]
    assert_one_line_error(*_run(capsys, *args, "--quiet"), r"weight 'w' holds 1200 NaN or infinite values")
    assert not out.exists()


def _with_manifest(data: bytes, **changes: object) -> bytes:
    """The bundle with manifest keys changed (members untouched)."""
    src, buf = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for name in src.namelist():
            blob = src.read(name)
            if name == "manifest.json":
                blob = json.dumps({**json.loads(blob), **changes}).encode()
            dst.writestr(name, blob)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("damage", "pattern"),
    [
        (lambda b: b[: len(b) // 2], r"not a ZIP archive, or a truncated one"),
        (lambda b: b"PK" + b"\x00" * 40, r"not a ZIP"),
        (lambda b: _with_manifest(b, format_version=9), r"newer converter"),
        (lambda b: _with_manifest(b, bundle_sha256="0" * 64), r"bundle_sha256 does not match"),
    ],
)
def test_inspect_bad_bundle(sentiment_bundle: Path, capsys, tmp_path: Path, damage, pattern: str) -> None:
    bad = tmp_path / "bad.slm"
    bad.write_bytes(damage(sentiment_bundle.read_bytes()))
    assert_one_line_error(*_run(capsys, "inspect", bad), pattern)
