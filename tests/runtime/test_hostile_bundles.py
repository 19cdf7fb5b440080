"""Hostile bundles (issue 19): refused by the reader with one line naming what and where, before any engine.

The corpus is generated here from the session's fixture bundles (tests/fixtures/hostile.py packs it with
valid hashes, as an attacker would); nothing binary is committed. Every case goes through ``read_bundle``
and through ``python -m slm_web inspect`` and ``run``, none of which may print a traceback.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fixtures import hostile
from fixtures.hostile import DELETE, HOSTILE_MODELS, set_path

import slm_web
from slm_web import bundle as B
from slm_web import bundle_schema
from slm_web.__main__ import main
from slm_web.model_check import check_model

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: object, cwd: Path, timeout: float = 60, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "slm_web", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
        **kwargs,
    )


def _assert_one_line_error(stderr: str, pattern: str) -> None:
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr and "\x1b[" not in stderr, stderr
    assert len(lines) == 1 and lines[0].startswith("slm_web: error: "), stderr
    assert re.search(pattern, lines[0]), lines[0]


class SpyBackend:
    """A backend that records whether an engine was ever handed the model."""

    def __init__(self) -> None:
        self.loaded = False

    async def load(self, model_bytes: bytes) -> Any:
        self.loaded = True
        raise AssertionError("the engine saw a hostile model")


# -- the model: external data anywhere, unknown domains, functions, nesting -------------------------------


@pytest.mark.parametrize("case", sorted(HOSTILE_MODELS))
def test_hostile_model_is_refused_before_any_engine(
    sentiment_bundle: Path, tmp_path: Path, case: str
) -> None:
    make, pattern = HOSTILE_MODELS[case]
    data = hostile.variant(sentiment_bundle, model=make())
    with pytest.raises(slm_web.BundleError, match=pattern) as refused:
        B.read_bundle(data)
    assert "\n" not in str(refused.value)
    spy = SpyBackend()
    with pytest.raises(slm_web.BundleError, match=pattern):
        slm_web.load_sync(data, backend=spy)
    assert not spy.loaded


@pytest.fixture
def attack(sentiment_bundle: Path, tmp_path: Path) -> Path:
    """A folder holding a secret file and a sentiment bundle whose If subgraph would read it as its scores."""
    (tmp_path / hostile.SECRET_FILE).write_bytes(hostile.SECRET_BYTES)
    (tmp_path / "if.slm").write_bytes(
        hostile.variant(sentiment_bundle, model=hostile.if_subgraph_external_data())
    )
    return tmp_path


@pytest.mark.parametrize(
    "command",
    [["inspect", "if.slm"], ["run", "if.slm", "hello there"], ["run", "if.slm", "hello there", "--json"]],
)
def test_subgraph_external_data_is_refused_by_the_cli(attack: Path, command: list[str]) -> None:
    done = _cli(*command, cwd=attack)
    assert done.returncode == 1 and done.stdout == ""
    _assert_one_line_error(done.stderr, r"model\.onnx is refused: external data .* node 'If_0' .* 'secret'$")


def test_subgraph_external_data_is_refused_by_load_sync(
    attack: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(attack)  # where onnxruntime would resolve the relative location
    with pytest.raises(slm_web.BundleError, match="external data"):
        slm_web.load_sync(attack / "if.slm")


def test_model_check_limits_and_what_it_accepts(sentiment_bundle: Path) -> None:
    check_model(hostile.deep_ifs(7))  # 8 graphs: the limit, no external data
    check_model(hostile.failing_at_run())
    check_model(B.read_bundle(sentiment_bundle).model_bytes)


# -- manifest.json and tokenizer.json: every field the runtime reads ---------------------------------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda doc: set_path(doc, path, value)


# name -> (fixture bundle, manifest edit, what the one-line error says)
MANIFEST_CASES: dict[str, tuple[str, Callable[[dict[str, Any]], None], str]] = {
    "one label": (
        "sentiment",
        _set("task_config.labels", ["only"]),
        r"task_config\.labels must be a list of 2",
    ),
    "labels a string": ("sentiment", _set("task_config.labels", "negative positive"), r"task_config\.labels"),
    "labels missing": ("sentiment", _set("task_config.labels", DELETE), r"lacks task_config\.labels"),
    "labels repeated": ("sentiment", _set("task_config.labels", ["a", "a"]), r"distinct"),
    "labels not strings": (
        "sentiment",
        _set("task_config.labels", [0, 1]),
        r"task_config\.labels .* not \[0, 1\]",
    ),
    "task_config a list": ("sentiment", _set("task_config", ["labels"]), r"task_config must be an object"),
    "model missing": ("sentiment", _set("model", DELETE), r"lacks model \(an object\)"),
    "model inputs a string": (
        "sentiment",
        _set("model.inputs", "input_ids"),
        r"model\.inputs must be a list",
    ),
    "validation a string": ("sentiment", _set("validation", "ok"), r"validation must be an object"),
    "source a list": ("sentiment", _set("source", []), r"source must be an object"),
    "name a number": ("sentiment", _set("name", 5), r"name must be a string"),
    "tokenizer a list": ("sentiment", _set("tokenizer", []), r"tokenizer must be an object"),
    "tokenizer kind": ("sentiment", _set("tokenizer.kind", "unigram"), r"tokenizer\.kind must be one of"),
    "max_length a string": ("sentiment", _set("tokenizer.max_length", "128"), r"tokenizer\.max_length"),
    "max_length 0": (
        "sentiment",
        _set("tokenizer.max_length", 0),
        r"tokenizer\.max_length must be an integer",
    ),
    "vocab_size missing": ("sentiment", _set("tokenizer.vocab_size", DELETE), r"lacks tokenizer\.vocab_size"),
    "vocab_size a bool": (
        "sentiment",
        _set("tokenizer.vocab_size", True),
        r"tokenizer\.vocab_size .* not true",
    ),
    "special id a string": (
        "sentiment",
        _set("tokenizer.special_ids.pad", "0"),
        r'tokenizer\.special_ids\["pad"\] must be an integer',
    ),
    "special id too big": (
        "sentiment",
        _set("tokenizer.special_ids.pad", 10**6),
        r'tokenizer\.special_ids\["pad"\] must be an integer',
    ),
    "max_positions 0": (
        "autocomplete",
        _set("task_config.max_positions", 0),
        r"task_config\.max_positions must be an integer from 2",
    ),
    "top_k 0": (
        "autocomplete",
        _set("task_config.top_k", 0),
        r"task_config\.top_k must be an integer from 1 to",
    ),
    "top_k a string": ("autocomplete", _set("task_config.top_k", "256"), r"task_config\.top_k"),
    "top_k over the vocabulary": ("autocomplete", _set("task_config.top_k", 10**6), r"task_config\.top_k"),
    "n_layer missing": ("autocomplete", _set("task_config.n_layer", DELETE), r"lacks task_config\.n_layer"),
    "n_layer 100,000": ("autocomplete", _set("task_config.n_layer", 100_000), r"task_config\.n_layer"),
    "n_head negative": ("autocomplete", _set("task_config.n_head", -1), r"task_config\.n_head"),
    "head_dim a float": ("autocomplete", _set("task_config.head_dim", 2.5), r"task_config\.head_dim"),
    "eos_id outside": ("autocomplete", _set("task_config.eos_id", 10**6), r"task_config\.eos_id"),
    "dynamic_batch a string": (
        "autocomplete",
        _set("task_config.dynamic_batch", "yes"),
        r"task_config\.dynamic_batch must be true or false",
    ),
    "one tag": ("grammar", _set("task_config.tags", ["$KEEP"]), r"task_config\.tags must be a list of 2"),
    "tag_top_k 0": ("grammar", _set("task_config.tag_top_k", 0), r"task_config\.tag_top_k"),
    "min_confidence 2": ("grammar", _set("task_config.min_confidence", 2), r"task_config\.min_confidence"),
    "min_confidence a string": ("grammar", _set("task_config.min_confidence", "high"), r"min_confidence"),
    "max_passes negative": ("grammar", _set("task_config.max_passes", -1), r"task_config\.max_passes"),
    "spellings a list": ("grammar", _set("task_config.spellings", [["a", "b"]]), r"task_config\.spellings"),
    "transforms of numbers": (
        "grammar",
        _set("task_config.transforms", {"V": {"go": 1}}),
        r"task_config\.transforms",
    ),
}
# name -> (fixture bundle, tokenizer.json edit, what the one-line error says)
TOKENIZER_CASES: dict[str, tuple[str, Callable[[dict[str, Any]], None], str]] = {
    "model missing": ("sentiment", _set("model", DELETE), r"tokenizer\.json lacks model"),
    "model type": ("sentiment", _set("model.type", "Unigram"), r"tokenizer\.json model\.type must be one of"),
    "kind mismatch": (
        "sentiment",
        _set("model.type", "BPE"),
        r"model\.type is 'BPE' but manifest\.json tokenizer\.kind is 'wordpiece'",
    ),
    "vocab a list": ("sentiment", _set("model.vocab", ["a", "b"]), r"model\.vocab must be an object"),
    "vocab id a string": (
        "sentiment",
        _set("model.vocab.a", "1"),
        r'model\.vocab\["a"\] must be an integer .* not "1"',
    ),
    "vocab id outside": (
        "sentiment",
        _set("model.vocab.a", 10**7),
        r'model\.vocab\["a"\] must be an integer from 0 to \d+, not 10000000$',
    ),
    "added token id": ("sentiment", _set("added_tokens", [{"id": "1", "content": "x"}]), r"added_tokens"),
    "normalizer a string": (
        "sentiment",
        _set("normalizer", "lowercase"),
        r"normalizer must be null or an object",
    ),
    "normalizers not objects": (
        "sentiment",
        _set("normalizer", {"type": "Sequence", "normalizers": [5]}),
        r"tokenizer\.json is not a tokenizer slm_web can run",
    ),
    "merges of numbers": ("autocomplete", _set("model.merges", [[1, 2]]), r"model\.merges"),
    "not an object": ("sentiment", lambda doc: doc.clear(), r"lacks model"),
}
# name -> (which member, its raw bytes, what the one-line error says); the manifest ones are not hashable.
RAW_CASES: dict[str, tuple[str, bytes, str]] = {
    "manifest 100,000 deep": (
        "manifest",
        hostile.nested(100_000),
        r"manifest\.json nests JSON deeper than 32",
    ),
    "manifest bad UTF-8": (
        "manifest",
        b'{"format": "slm-bundle\xff"}',
        r"manifest\.json is not valid UTF-8 \(byte",
    ),
    "manifest NaN": ("manifest", b'{"format": NaN}', r"manifest\.json is not valid JSON \(NaN is not"),
    "manifest 5000 digits": (
        "manifest",
        b'{"format_version": ' + b"7" * 5000 + b"}",
        r"manifest\.json is not valid",
    ),
    "tokenizer 100,000 deep": (
        "tokenizer",
        hostile.nested(100_000),
        r"tokenizer\.json nests JSON deeper than 32",
    ),
    "tokenizer bad UTF-8": ("tokenizer", b'{"model": "\xc3\x28"}', r"tokenizer\.json is not valid UTF-8"),
    "tokenizer not an object": ("tokenizer", b"[1, 2]", r"tokenizer\.json is not a JSON object"),
    "tokenizer Infinity": ("tokenizer", b'{"model": Infinity}', r"tokenizer\.json is not valid JSON"),
}


def _corpus(request: pytest.FixtureRequest) -> dict[str, tuple[bytes, str]]:
    """Every manifest/tokenizer case as (bundle bytes, pattern), packed with valid hashes."""
    out = {}
    for group, cases, member in (
        ("manifest", MANIFEST_CASES, "manifest"),
        ("tokenizer", TOKENIZER_CASES, "tokenizer"),
    ):
        for name, (task, edit, pattern) in cases.items():
            bundle = request.getfixturevalue(f"{task}_bundle")
            out[f"{group}: {name}"] = (hostile.variant(bundle, **{member: edit}), pattern)
    sentiment = request.getfixturevalue("sentiment_bundle")
    for name, (member, raw, pattern) in RAW_CASES.items():
        out[f"raw: {name}"] = (hostile.variant(sentiment, **{member: raw}), pattern)
    return out


# Settings inside a tokenizer component are checked by building the tokenizer (at load, not by the reader).
BUILD_TIME = {"tokenizer: normalizers not objects"}
CASE_NAMES = sorted(
    [
        *(f"manifest: {n}" for n in MANIFEST_CASES),
        *(f"tokenizer: {n}" for n in TOKENIZER_CASES),
        *(f"raw: {n}" for n in RAW_CASES),
    ]
)


@pytest.fixture(scope="module")
def corpus(request: pytest.FixtureRequest) -> dict[str, tuple[bytes, str]]:
    return _corpus(request)


@pytest.mark.parametrize("case", CASE_NAMES)
def test_malformed_json_member_is_one_line(
    corpus, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    data, pattern = corpus[case]
    path = tmp_path / "bad.slm"
    path.write_bytes(data)
    with pytest.raises(slm_web.BundleError, match=pattern) as refused:
        slm_web.load_sync(path)
    assert "\n" not in str(refused.value)
    refused_by = ["run"] if case in BUILD_TIME else ["inspect", "run"]
    for command in refused_by:
        assert main([command, str(path), *(["some text"] if command == "run" else [])]) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        _assert_one_line_error(captured.err, pattern)
    if case in BUILD_TIME:  # inspect shows the manifest without building the tokenizer
        assert main(["inspect", str(path)]) == 0


def test_manifest_edited_after_packing_is_refused(sentiment_bundle: Path) -> None:
    """Labels swapped in manifest.json without recomputing the id: the id covers the manifest."""
    src, buf = zipfile.ZipFile(sentiment_bundle), io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for name in src.namelist():
            blob = src.read(name)
            if name == B.MANIFEST:
                manifest = json.loads(blob)
                manifest["task_config"]["labels"].reverse()
                blob = json.dumps(manifest).encode()
            dst.writestr(name, blob)
    with pytest.raises(slm_web.BundleError, match="bundle_sha256 does not match"):
        B.read_bundle(buf.getvalue())


def test_json_depth_limit_is_exact() -> None:
    assert bundle_schema.parse_json(hostile.nested(32), "m") is not None
    with pytest.raises(slm_web.BundleError, match="deeper than 32"):
        bundle_schema.parse_json(hostile.nested(33), "m")
    # Brackets and escaped quotes inside strings are text, not nesting.
    deep_text = json.dumps({"a": "[" * 100 + '\\"{' * 50, "b": ["\\", "{{{"]}).encode()
    assert bundle_schema.parse_json(deep_text, "m")["b"] == ["\\", "{{{"]


# -- endless input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_inspect_on_a_device_is_refused_at_once(tmp_path: Path, device: str) -> None:
    done = _cli("inspect", device, cwd=tmp_path, timeout=10)
    assert done.returncode == 1
    _assert_one_line_error(done.stderr, r"not a ZIP archive")


def test_inspect_on_an_endless_pipe_is_refused(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", "import sys\nwhile True: sys.stdout.write('y\\n' * 4096)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as yes:
        done = _cli("inspect", "/dev/stdin", cwd=tmp_path, timeout=30, stdin=yes.stdout)
        yes.kill()
    assert done.returncode == 1
    _assert_one_line_error(done.stderr, r"not a ZIP archive")


def test_an_endless_zip_like_stream_is_read_up_to_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(B, "MAX_BUNDLE_BYTES", 4 * 1024 * 1024)  # the real limit is 553 MB
    read_end, write_end = os.pipe()

    def flood() -> None:  # endless for the reader; stops at 16 times its limit so that no reader fills memory
        with open(write_end, "wb") as sink:
            try:
                sink.write(b"PK\x03\x04")
                for _ in range(16 * B.MAX_BUNDLE_BYTES // 65536):
                    sink.write(bytes(65536))
            except BrokenPipeError:
                pass

    writer = threading.Thread(target=flood, daemon=True)
    writer.start()
    try:
        with pytest.raises(slm_web.BundleError, match=r"over the 4194304-byte limit"):
            B.read_bundle(f"/dev/fd/{read_end}")
    finally:
        os.close(read_end)
        writer.join(timeout=10)


# -- engine errors ---------------------------------------------------------------------------------------


def test_backend_error_is_one_line_without_onnxruntime_log(sentiment_bundle: Path, tmp_path: Path) -> None:
    (tmp_path / "fails.slm").write_bytes(hostile.variant(sentiment_bundle, model=hostile.failing_at_run()))
    done = _cli("run", "fails.slm", "a text of some length", cwd=tmp_path)
    assert done.returncode == 1
    _assert_one_line_error(done.stderr, r"onnxruntime failed to run the model")
