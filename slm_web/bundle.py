"""Read, verify and write ``.slm`` bundles (format: docs/bundle-format.md). Pure standard library.

Both sides use this module: the converter writes bundles with :func:`write_bundle`, the runtime (CPython and
Pyodide) loads them with :func:`read_bundle`, which checks the container, every member's size and sha256, the
bundle id (which covers the manifest too), the fields of the JSON members (:mod:`.bundle_schema`) and the
model's protobuf (:mod:`.model_check`) before anything is handed to a tokenizer or an inference engine.
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

from . import bundle_schema
from .errors import BundleError, short_repr
from .model_check import check_model
from .registry import TASKS as _SPECS

FORMAT = "slm-bundle"
# 2: bundle_sha256 covers the whole manifest, not only its members list. A version-1 manifest could be
# edited (labels swapped) under the same id, so readers refuse version 1: convert the checkpoint again.
FORMAT_VERSION = 2
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MANIFEST = "manifest.json"
MODEL = "model.onnx"
TOKENIZER = "tokenizer.json"
# Uncompressed size limits per member: the JSON members are parsed into Python objects, so theirs are
# far lower (the converter writes a few kB of manifest, under 1 MB of tokenizer.json for 30k tokens).
MEMBER_LIMITS = {MANIFEST: 8 * 1024 * 1024, MODEL: MAX_MEMBER_BYTES, TOKENIZER: 32 * 1024 * 1024}
# A whole bundle: its members plus the ZIP's own headers. Reading stops here, so an endless stream (a
# device file, a pipe) is refused instead of filling memory.
MAX_BUNDLE_BYTES = sum(MEMBER_LIMITS.values()) + 1024 * 1024
# A ZIP starts with a local file header (or, empty, with the end record): anything else is refused after
# 4 bytes, so /dev/zero or a text stream is not read to the limit first.
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# The members the manifest names and hashes (everything except the manifest itself).
PAYLOAD_MEMBERS = (MODEL, TOKENIZER)
TASKS = tuple(_SPECS)

# A fixed timestamp makes bundles byte-for-byte reproducible from the same inputs.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# model.onnx is stored, not deflated: inflating megabytes in Python (Pyodide) costs startup time, while
# HTTP compression of the whole bundle (the site serves .slm gzipped) gives the same transfer size and is
# decoded natively by the browser. The small JSON members are deflated.
_COMPRESSION = {MANIFEST: zipfile.ZIP_DEFLATED, MODEL: zipfile.ZIP_STORED, TOKENIZER: zipfile.ZIP_DEFLATED}


@dataclass(frozen=True)
class Bundle:
    """A verified bundle: the manifest, the payload members' bytes (``model.onnx``, ``tokenizer.json``) and
    tokenizer.json parsed (checked already, so it is not parsed twice)."""

    manifest: dict[str, Any]
    members: dict[str, bytes]
    tokenizer_spec: dict[str, Any]

    @property
    def task(self) -> str:
        """The main task (``task`` in the manifest)."""
        return self.manifest["task"]

    @property
    def tasks(self) -> tuple[str, ...]:
        """Every task the graph serves: the main one, then its other ``heads`` (a shared bundle)."""
        return (self.task, *self.manifest.get("heads", {}))

    def task_manifest(self, task: str) -> dict[str, Any]:
        """The manifest as ``task``'s model reads it: for another head, its ``task`` and ``task_config``."""
        if task == self.task:
            return self.manifest
        return {**self.manifest, "task": task, "task_config": self.manifest["heads"][task]["task_config"]}

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


def bundle_sha256(manifest: Mapping[str, Any]) -> str:
    """The bundle's id and cache key: sha256 of the manifest without its ``bundle_sha256`` key, serialised
    canonically. It covers every member through the hashes in ``members``, and every manifest field."""
    content = {k: v for k, v in manifest.items() if k != "bundle_sha256"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def read_bundle(source: str | os.PathLike[str] | bytes | bytearray | memoryview) -> Bundle:
    """Open a bundle from a path or its bytes and verify it; a :class:`BundleError` names any problem."""
    data = bytes(source) if isinstance(source, bytes | bytearray | memoryview) else _read_file(source)
    if not data.startswith(ZIP_MAGIC):
        raise BundleError("not a .slm bundle: not a ZIP archive")
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleError(f"not a .slm bundle: over the {MAX_BUNDLE_BYTES}-byte limit")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as e:
        raise BundleError(f"not a .slm bundle: not a ZIP archive, or a truncated one ({e})") from None
    with archive:
        infos = _check_entries(archive)
        raw = {name: _read_member(archive, info) for name, info in infos.items()}
    manifest = _parse_manifest(raw.pop(MANIFEST))
    _check_payload(manifest, raw)
    bundle_schema.check_manifest(manifest)
    tokenizer_spec = bundle_schema.parse_json(raw[TOKENIZER], TOKENIZER)
    bundle_schema.check_tokenizer(tokenizer_spec, manifest)
    check_model(raw[MODEL])
    return Bundle(manifest, raw, tokenizer_spec)


def _read_file(path: str | os.PathLike[str]) -> bytes:
    """A file's bytes, read in blocks up to MAX_BUNDLE_BYTES + 1: a device or a pipe may never end."""
    try:
        with open(path, "rb") as f:
            blocks = [f.read(len(ZIP_MAGIC[0]))]
            if not blocks[0].startswith(ZIP_MAGIC):
                return blocks[0]  # refused by the caller, without reading on
            total = len(blocks[0])
            while total <= MAX_BUNDLE_BYTES and (block := f.read(1024 * 1024)):
                blocks.append(block)
                total += len(block)
    except OSError as e:
        raise BundleError(f"cannot read bundle {os.fspath(path)}: {e.strerror or e}") from None
    return b"".join(blocks)


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
        if entry["size"] > MEMBER_LIMITS[name]:
            raise BundleError(
                f"member {name} is {entry['size']} bytes, over the {MEMBER_LIMITS[name]}-byte limit"
            )
    computed = ("format", "format_version", "members", "bundle_sha256")
    full = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **{k: v for k, v in manifest.items() if k not in computed},
        "members": entries,
    }
    try:  # hash what readers will parse: tuples become lists, and NaN has no JSON form
        full = json.loads(json.dumps(full, allow_nan=False))
    except ValueError as e:
        raise BundleError(f"manifest is not JSON-serialisable ({e})") from None
    full["bundle_sha256"] = bundle_sha256(full)
    _check_manifest_fields(full)
    bundle_schema.check_manifest(full)
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
        limit = MEMBER_LIMITS[info.filename]
        if info.file_size > limit:
            raise BundleError(
                f"member {info.filename!r} is {info.file_size} bytes, over the {limit}-byte limit"
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
    manifest = bundle_schema.parse_json(raw, MANIFEST)
    if not isinstance(manifest, dict):
        raise BundleError("manifest.json is not a JSON object")
    _check_manifest_fields(manifest)
    return manifest


def _check_manifest_fields(manifest: Mapping[str, Any]) -> None:
    """Format, version and task: what decides how the rest is read."""
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
    if version < FORMAT_VERSION:
        raise BundleError(
            f"bundle format_version {version} predates hashing the manifest: convert the checkpoint again"
        )
    if manifest.get("task") not in TASKS:
        raise BundleError(f"unknown task {short_repr(manifest.get('task'))} (known: {', '.join(TASKS)})")


def _check_payload(manifest: Mapping[str, Any], raw: Mapping[str, bytes]) -> None:
    """The bundle id matches the manifest; every payload member is listed with the right size and sha256."""
    if manifest.get("bundle_sha256") != bundle_sha256(manifest):
        raise BundleError("manifest.json bundle_sha256 does not match it (corrupt or edited)")
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


