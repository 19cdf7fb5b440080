"""Read, verify and write ``.slm`` bundles (format: docs/bundle-format.md). Pure standard library.

Both sides use this module: the converter writes bundles with :func:`write_bundle`, the runtime (CPython and
Pyodide) loads them with :func:`read_bundle`, which checks the container, the manifest and every member's size
and sha256 before anything is handed to a tokenizer or an inference engine.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BundleError

FORMAT = "slm-bundle"
FORMAT_VERSION = 1
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MANIFEST = "manifest.json"
MODEL = "model.onnx"
TOKENIZER = "tokenizer.json"
# The members the manifest names and hashes (everything except the manifest itself).
PAYLOAD_MEMBERS = (MODEL, TOKENIZER)
TASKS = ("sentiment", "autocomplete", "grammar")
# Manifest sections the runtime reads; each must be a JSON object.
REQUIRED_SECTIONS = ("tokenizer", "model", "task_config")

# A fixed timestamp makes bundles byte-for-byte reproducible from the same inputs.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# model.onnx is stored, not deflated: inflating megabytes in Python (Pyodide) costs startup time, while
# HTTP compression of the whole bundle (the site serves .slm gzipped) gives the same transfer size and is
# decoded natively by the browser. The small JSON members are deflated.
_COMPRESSION = {MANIFEST: zipfile.ZIP_DEFLATED, MODEL: zipfile.ZIP_STORED, TOKENIZER: zipfile.ZIP_DEFLATED}


@dataclass(frozen=True)
class Bundle:
    """A verified bundle: the manifest and the payload members' bytes (``model.onnx``, ``tokenizer.json``)."""

    manifest: dict[str, Any]
    members: dict[str, bytes]

    @property
    def task(self) -> str:
        return self.manifest["task"]

    @property
    def sha256(self) -> str:
        """The bundle's short id (see :func:`bundle_sha256`)."""
        return self.manifest["bundle_sha256"]

    @property
    def model_bytes(self) -> bytes:
        return self.members[MODEL]

    @property
    def tokenizer_json(self) -> str:
        return self.members[TOKENIZER].decode("utf-8")


def member_entry(data: bytes) -> dict[str, Any]:
    """The manifest entry of one member: its sha256 (hex) and size in bytes."""
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def bundle_sha256(members: Mapping[str, Mapping[str, Any]]) -> str:
    """sha256 of the manifest's ``members`` object serialised canonically (the bundle's cache key)."""
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def read_bundle(source: str | os.PathLike[str] | bytes | bytearray | memoryview) -> Bundle:
    """Open a bundle from a path or its bytes and verify it; a :class:`BundleError` names any problem."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as e:
            raise BundleError(f"cannot read bundle {os.fspath(source)}: {e.strerror or e}") from None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as e:
        raise BundleError(f"not a .slm bundle: not a ZIP archive, or a truncated one ({e})") from None
    with archive:
        infos = _check_entries(archive)
        raw = {name: _read_member(archive, info) for name, info in infos.items()}
    manifest = _parse_manifest(raw.pop(MANIFEST))
    _check_payload(manifest, raw)
    return Bundle(manifest, raw)


def write_bundle(
    path: str | os.PathLike[str], manifest: Mapping[str, Any], members: Mapping[str, bytes]
) -> dict:
    """Write a bundle atomically (temp file + rename) and return the manifest as written.

    ``manifest`` holds everything but the computed keys: ``format``, ``format_version``, ``members`` and
    ``bundle_sha256`` are filled in here. ``members`` maps each of ``model.onnx`` and ``tokenizer.json`` to
    its bytes. Nothing is left at ``path`` (or beside it) if writing fails; OS errors propagate.
    """
    if set(members) != set(PAYLOAD_MEMBERS):
        raise BundleError(
            f"a bundle holds exactly {', '.join(PAYLOAD_MEMBERS)}; got {', '.join(sorted(members))}"
        )
    entries = {name: member_entry(members[name]) for name in PAYLOAD_MEMBERS}
    for name, entry in entries.items():
        if entry["size"] > MAX_MEMBER_BYTES:
            raise BundleError(
                f"member {name} is {entry['size']} bytes, over the {MAX_MEMBER_BYTES}-byte limit"
            )
    full = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **{k: v for k, v in manifest.items() if k not in ("format", "format_version")},
        "members": entries,
        "bundle_sha256": bundle_sha256(entries),
    }
    _check_manifest_fields(full)
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w") as archive:
            blobs = {MANIFEST: json.dumps(full, indent=2, ensure_ascii=False).encode("utf-8"), **members}
            for name in (MANIFEST, *PAYLOAD_MEMBERS):
                info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                info.compress_type = _COMPRESSION[name]
                archive.writestr(info, blobs[name])
        read_bundle(tmp)  # never publish a bundle the reader would refuse (e.g. external-data ONNX)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private; a bundle is meant to be served
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return full


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_entries(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The archive must hold exactly the known members, once each, unencrypted and of sane size."""
    infos: dict[str, zipfile.ZipInfo] = {}
    allowed = (MANIFEST, *PAYLOAD_MEMBERS)
    for info in archive.infolist():
        if info.filename not in allowed:
            raise BundleError(
                f"unexpected member {info.filename!r} (a bundle holds only {', '.join(allowed)})"
            )
        if info.filename in infos:
            raise BundleError(f"duplicated member {info.filename!r}")
        if info.flag_bits & 0x1:
            raise BundleError(f"member {info.filename!r} is encrypted")
        if info.file_size > MAX_MEMBER_BYTES:
            raise BundleError(
                f"member {info.filename!r} is {info.file_size} bytes, over the {MAX_MEMBER_BYTES}-byte limit"
            )
        infos[info.filename] = info
    missing = [name for name in allowed if name not in infos]
    if missing:
        raise BundleError(f"missing member {missing[0]!r}")
    return infos


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    # zipfile stops at the declared size and checks the CRC, so a lying header cannot inflate memory use.
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as e:
        raise BundleError(f"member {info.filename!r} is corrupt or truncated ({e})") from None


def _parse_manifest(raw: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BundleError(f"manifest.json is not valid UTF-8 JSON ({e})") from None
    if not isinstance(manifest, dict):
        raise BundleError("manifest.json is not a JSON object")
    _check_manifest_fields(manifest)
    return manifest


def _check_manifest_fields(manifest: Mapping[str, Any]) -> None:
    """Format, version, task and the sections the runtime reads."""
    if manifest.get("format") != FORMAT:
        raise BundleError(f"not a .slm bundle: manifest format is {manifest.get('format')!r}, not {FORMAT!r}")
    version = manifest.get("format_version")
    if type(version) is not int or version < 1:
        raise BundleError(f"unknown bundle format_version {version!r}")
    if version > FORMAT_VERSION:
        raise BundleError(
            f"bundle format_version {version} was made by a newer converter (this reader knows "
            f"{FORMAT_VERSION}): upgrade slm_web"
        )
    if manifest.get("task") not in TASKS:
        raise BundleError(f"unknown task {manifest.get('task')!r} (known: {', '.join(TASKS)})")
    for section in REQUIRED_SECTIONS:
        if not isinstance(manifest.get(section), dict):
            raise BundleError(f"manifest.json lacks the {section!r} object")


def _check_payload(manifest: Mapping[str, Any], raw: Mapping[str, bytes]) -> None:
    """Every payload member is listed with the right size and sha256, and the bundle id matches."""
    entries = manifest.get("members")
    if not isinstance(entries, dict) or set(entries) != set(PAYLOAD_MEMBERS):
        raise BundleError(f"manifest.json 'members' must list exactly {', '.join(PAYLOAD_MEMBERS)}")
    for name in PAYLOAD_MEMBERS:
        entry = entries[name]
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("sha256"), str)
            or type(entry.get("size")) is not int
        ):
            raise BundleError(
                f"manifest.json entry for {name!r} needs a 'sha256' string and an integer 'size'"
            )
        actual = member_entry(raw[name])
        if actual["size"] != entry["size"]:
            raise BundleError(
                f"member {name!r} is {actual['size']} bytes but the manifest says {entry['size']}"
            )
        if actual["sha256"] != entry["sha256"].lower():
            raise BundleError(f"member {name!r} fails its sha256 check (corrupt or tampered with)")
    if manifest.get("bundle_sha256") != bundle_sha256(entries):
        raise BundleError("manifest.json bundle_sha256 does not match its members")
    external = external_data_tensors(raw[MODEL])
    if external:
        raise BundleError(
            f"model.onnx uses external data (tensor {external[0]!r}); a bundle must be self-contained"
        )


def external_data_tensors(model: bytes) -> list[str]:
    """Names of the graph initializers stored outside ``model`` (ONNX external data).

    A minimal protobuf walk (ModelProto.graph -> GraphProto.initializer -> TensorProto.data_location /
    external_data) so the check needs no onnx package; it skips tensor payloads by length, so it is cheap.
    """
    try:
        names = []
        for field, value in _proto_fields(memoryview(model)):
            if field != _MODEL_GRAPH:
                continue
            for gfield, gvalue in _proto_fields(value):
                if gfield != _GRAPH_INITIALIZER:
                    continue
                tensor = dict(_proto_fields(gvalue))
                if tensor.get(_TENSOR_DATA_LOCATION) == 1 or _TENSOR_EXTERNAL_DATA in tensor:
                    names.append(bytes(tensor.get(_TENSOR_NAME, b"")).decode("utf-8", "replace"))
        return names
    except (IndexError, ValueError) as e:
        raise BundleError(f"model.onnx is not a valid ONNX protobuf ({e})") from None


# Protobuf field numbers from onnx.proto.
_MODEL_GRAPH = 7
_GRAPH_INITIALIZER = 5
_TENSOR_NAME = 8
_TENSOR_EXTERNAL_DATA = 13
_TENSOR_DATA_LOCATION = 14


def _proto_fields(buf: memoryview):
    """Yield (field number, value) of one protobuf message: ints for varints, memoryviews for the rest."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 2:
            length, pos = _varint(buf, pos)
            if pos + length > end:
                raise ValueError("truncated field")
            value, pos = buf[pos : pos + length], pos + length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, pos = buf[pos : pos + size], pos + size
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield field, value
    if pos != end:
        raise ValueError("truncated message")


def _varint(buf: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")
