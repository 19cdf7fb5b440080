"""slm_web.bundle: round trip, atomic writes, and a one-line BundleError for every bad bundle in the doc."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from slm_web import bundle as B
from slm_web.errors import BundleError


def tiny_onnx(external_dir: Path | None = None) -> bytes:
    """A one-node ONNX model (Add of a constant); with ``external_dir``, its weight goes to external data."""
    weight = numpy_helper.from_array(np.arange(64, dtype=np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [64])],
        [weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    if external_dir is None:
        return model.SerializeToString()
    path = external_dir / "m.onnx"
    onnx.save_model(model, path, save_as_external_data=True, location="m.data", size_threshold=0)
    return path.read_bytes()


MANIFEST = {
    "task": "sentiment",
    "name": "tiny",
    "tokenizer": {"kind": "wordpiece", "max_length": 8, "vocab_size": 5, "special_ids": {}},
    "model": {"architecture": "bert", "opset": 17, "quantization": "fp32"},
    "task_config": {"labels": ["negative", "positive"]},
}
VOCAB = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "a": 4}
TOKENIZER = {"model": {"type": "WordPiece", "vocab": VOCAB}}
MEMBERS = {"model.onnx": tiny_onnx(), "tokenizer.json": json.dumps(TOKENIZER).encode()}


def zip_bytes(entries: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def good_entries(manifest: dict | None = None, members: dict | None = None) -> list[tuple[str, bytes]]:
    """The (name, bytes) entries of a valid bundle, optionally with a doctored manifest or members."""
    members = dict(MEMBERS if members is None else members)
    if manifest is None:
        entries = {n: B.member_entry(members[n]) for n in B.PAYLOAD_MEMBERS}
        manifest = {"format": B.FORMAT, "format_version": B.FORMAT_VERSION, **MANIFEST, "members": entries}
        manifest["bundle_sha256"] = B.bundle_sha256(manifest)
    return [("manifest.json", json.dumps(manifest).encode()), *members.items()]


def valid_manifest() -> dict:
    return json.loads(good_entries()[0][1])


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "m.slm"
    written = B.write_bundle(path, MANIFEST, MEMBERS)
    bundle = B.read_bundle(path)
    assert bundle.manifest == written
    assert bundle.members == MEMBERS
    assert bundle.task == "sentiment"
    assert bundle.sha256 == B.bundle_sha256(written)
    assert B.read_bundle(path.read_bytes()).manifest == written
    assert B.read_bundle(str(path)).model_bytes == MEMBERS["model.onnx"]
    assert json.loads(bundle.tokenizer_json)["model"]["type"] == "WordPiece"
    assert written["members"]["model.onnx"]["size"] == len(MEMBERS["model.onnx"])


def test_write_is_reproducible_and_leaves_no_temp_files(tmp_path: Path) -> None:
    B.write_bundle(tmp_path / "a.slm", MANIFEST, MEMBERS)
    B.write_bundle(tmp_path / "b.slm", MANIFEST, MEMBERS)
    assert (tmp_path / "a.slm").read_bytes() == (tmp_path / "b.slm").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.slm", "b.slm"]
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "a.slm").stat().st_mode & 0o777 == 0o666 & ~umask  # like any file the user writes


def test_bundle_sha256_is_canonical_and_covers_the_manifest() -> None:
    a = {"task": "x", "members": {"model.onnx": {"sha256": "ab", "size": 1}}, "labels": ["n", "p"]}
    b = {"labels": ["n", "p"], "members": {"model.onnx": {"size": 1, "sha256": "ab"}}, "task": "x"}
    assert B.bundle_sha256(a) == B.bundle_sha256(b) == B.bundle_sha256({**b, "bundle_sha256": "ignored"})
    assert len(B.bundle_sha256(a)) == 64
    assert B.bundle_sha256({**a, "labels": ["p", "n"]}) != B.bundle_sha256(a)  # e.g. labels swapped


@pytest.mark.parametrize(
    ("members", "manifest", "message"),
    [
        ({"model.onnx": b"x"}, MANIFEST, "exactly"),
        (MEMBERS, {**MANIFEST, "task": "translate"}, "unknown task"),
        (MEMBERS, {k: v for k, v in MANIFEST.items() if k != "tokenizer"}, "lacks tokenizer"),
        (MEMBERS, {**MANIFEST, "task_config": {"labels": ["only"]}}, "task_config.labels must be"),
    ],
)
def test_write_refuses_bad_input_and_leaves_nothing(tmp_path: Path, members, manifest, message) -> None:
    with pytest.raises(BundleError, match=message):
        B.write_bundle(tmp_path / "m.slm", manifest, members)
    assert list(tmp_path.iterdir()) == []


def test_write_refuses_external_data_onnx_and_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    members = {**MEMBERS, "model.onnx": tiny_onnx(tmp_path / "src")}
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(BundleError, match=r"external data .*'w'"):
        B.write_bundle(out / "m.slm", MANIFEST, members)
    assert list(out.iterdir()) == []


def test_write_to_unwritable_path_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        B.write_bundle(tmp_path / "no" / "such" / "dir" / "m.slm", MANIFEST, MEMBERS)


def _doctor(rehash: bool = True, **changes) -> bytes:
    """The valid bundle with manifest keys changed; its bundle id is recomputed unless ``rehash`` is false."""
    manifest = valid_manifest()
    manifest.update(changes)
    if rehash and "bundle_sha256" not in changes:
        manifest["bundle_sha256"] = B.bundle_sha256(manifest)
    return zip_bytes(good_entries(manifest))


def _tampered_model() -> bytes:
    entries = good_entries()
    model = bytearray(entries[1][1])
    model[-1] ^= 1
    return zip_bytes([entries[0], ("model.onnx", bytes(model)), entries[2]])


def _truncated() -> bytes:
    data = zip_bytes(good_entries())
    return data[: len(data) // 2]


def _oversized() -> bytes:
    data = bytearray(zip_bytes(good_entries()))
    # Patch the central directory's uncompressed size of model.onnx to just over the limit.
    patched = False
    start = data.find(b"PK\x01\x02")
    while start != -1:
        name_len = int.from_bytes(data[start + 28 : start + 30], "little")
        if data[start + 46 : start + 46 + name_len] == b"model.onnx":
            data[start + 24 : start + 28] = (B.MAX_MEMBER_BYTES + 1).to_bytes(4, "little")
            patched = True
        start = data.find(b"PK\x01\x02", start + 4)
    assert patched
    return bytes(data)


def _external_data_bundle(tmp: Path) -> bytes:
    members = {**MEMBERS, "model.onnx": tiny_onnx(tmp)}
    return zip_bytes(good_entries(members=members))


BAD_BUNDLES = {
    "not a zip": (lambda t: b"hello, I am not a zip file", "not a ZIP"),
    "empty": (lambda t: b"", "not a ZIP"),
    "truncated": (lambda t: _truncated(), "not a ZIP|truncated"),
    "path traversal": (lambda t: zip_bytes([*good_entries(), ("../x", b"x")]), "unexpected member '../x'"),
    "absolute path": (lambda t: zip_bytes([*good_entries(), ("/etc/x", b"x")]), "unexpected member '/etc/x'"),
    "folder": (lambda t: zip_bytes([*good_entries(), ("sub/", b"")]), "unexpected member 'sub/'"),
    "extra member": (lambda t: zip_bytes([*good_entries(), ("README", b"x")]), "unexpected member 'README'"),
    "duplicate": (lambda t: zip_bytes([*good_entries(), good_entries()[1]]), "duplicated member 'model"),
    "missing member": (lambda t: zip_bytes(good_entries()[:2]), "missing member 'tokenizer.json'"),
    "missing manifest": (lambda t: zip_bytes(good_entries()[1:]), "missing member 'manifest.json'"),
    "oversized member": (lambda t: _oversized(), "over the .*-byte limit"),
    "manifest not json": (
        lambda t: zip_bytes([("manifest.json", b"{nope"), *good_entries()[1:]]),
        "manifest.json is not valid JSON",
    ),
    "manifest not object": (lambda t: zip_bytes([("manifest.json", b"[1]"), *good_entries()[1:]]), "object"),
    "wrong format": (lambda t: _doctor(format="zip"), "manifest format is 'zip'"),
    "newer version": (lambda t: _doctor(format_version=B.FORMAT_VERSION + 1), "newer converter.*upgrade"),
    "version 1": (lambda t: _doctor(format_version=1), "predates hashing the manifest: convert .* again"),
    "bogus version": (lambda t: _doctor(format_version="1"), "unknown bundle format_version '1'"),
    "unknown task": (lambda t: _doctor(task="summarise"), "unknown task 'summarise'"),
    "missing section": (lambda t: _doctor(task_config=None), "task_config must be an object, not null"),
    "hash mismatch": (lambda t: _tampered_model(), "'model.onnx' fails its sha256 check"),
    "size mismatch": (
        lambda t: _doctor(
            members={**valid_manifest()["members"], "tokenizer.json": {"sha256": "00" * 32, "size": 1}}
        ),
        "'tokenizer.json' is .* bytes but the manifest says 1",
    ),
    "members incomplete": (
        lambda t: _doctor(members={"model.onnx": valid_manifest()["members"]["model.onnx"]}),
        "must list exactly",
    ),
    "bundle id mismatch": (lambda t: _doctor(bundle_sha256="ff" * 32), "bundle_sha256 does not match"),
    "manifest edited": (
        lambda t: _doctor(rehash=False, task_config={"labels": ["positive", "negative"]}),
        "bundle_sha256 does not match",
    ),
    "external data": (_external_data_bundle, "external data"),
}


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize("case", sorted(BAD_BUNDLES))
def test_bad_bundle_is_refused_with_one_line(tmp_path: Path, case: str) -> None:
    make, message = BAD_BUNDLES[case]
    data = make(tmp_path)
    with pytest.raises(BundleError, match=message) as info:
        B.read_bundle(data)
    assert "\n" not in str(info.value)
    path = tmp_path / "bad.slm"
    path.write_bytes(data)
    with pytest.raises(BundleError, match=message):
        B.read_bundle(path)


def test_missing_file_is_a_bundle_error(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match=r"cannot read bundle .*nope\.slm"):
        B.read_bundle(tmp_path / "nope.slm")


def test_unknown_manifest_keys_are_ignored() -> None:
    manifest = valid_manifest()
    manifest["future_feature"] = {"x": 1}
    manifest["bundle_sha256"] = B.bundle_sha256(manifest)
    assert B.read_bundle(zip_bytes(good_entries(manifest))).manifest["future_feature"] == {"x": 1}
