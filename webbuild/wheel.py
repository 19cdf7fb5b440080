"""A reproducible pure-Python wheel of ``slm_web`` and the Pyodide lock file that lists it.

Pyodide installs our package from a local ``pyodide-lock.json`` (no micropip, no network). The wheel is
written directly (a wheel is a zip with a ``.dist-info`` folder) instead of through ``pip wheel`` so the
same sources always give the same bytes, hence the same sha256: a rebuild that changed nothing keeps the
browser's content-hash cache valid.
"""

from __future__ import annotations

import base64
import hashlib
import json
import tomllib
import zipfile
from collections.abc import Callable
from pathlib import Path

# Fixed timestamp for every member (the earliest a zip can hold) so the archive is byte-reproducible.
_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIP_PARTS = {"__pycache__"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}
# {member name: source} -> {member name: its sourceless .pyc} (webbuild.bytecode, compiled in Pyodide)
Compiler = Callable[[dict[str, bytes]], dict[str, bytes]]


def project_version(pyproject: Path) -> str:
    return tomllib.loads(pyproject.read_text())["project"]["version"]


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _package_files(package_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in package_dir.rglob("*")
        if p.is_file() and not _SKIP_PARTS & set(p.parts) and p.suffix not in _SKIP_SUFFIXES
    )


def _sourceless(members: dict[str, bytes], compiler: Compiler) -> dict[str, bytes]:
    """``members`` with each ``.py`` replaced by its ``.pyc`` beside it (where an import finds it when
    there is no source), in the same order."""
    pycs = compiler({name: data for name, data in members.items() if name.endswith(".py")})
    return {(name + "c" if name in pycs else name): pycs.get(name, data) for name, data in members.items()}


def build_wheel(
    package_dir: Path,
    version: str,
    out_dir: Path,
    dist_name: str = "slm_web",
    compiler: Compiler | None = None,
) -> Path:
    """Write ``{dist_name}-{version}-py3-none-any.whl`` holding ``package_dir`` into ``out_dir``; with a
    ``compiler``, its modules as sourceless ``.pyc`` instead of sources. A wheel with the same bytes as
    the one there is left alone (its date too, so its precompressed copies stay fresh)."""
    members: dict[str, bytes] = {
        f"{package_dir.name}/{p.relative_to(package_dir).as_posix()}": p.read_bytes()
        for p in _package_files(package_dir)
    }
    if compiler is not None:
        members = _sourceless(members, compiler)
    info = f"{dist_name}-{version}.dist-info"
    members[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {dist_name.replace('_', '-')}\nVersion: {version}\n".encode()
    )
    members[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: webbuild\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    members[f"{info}/top_level.txt"] = f"{package_dir.name}\n".encode()
    record = [f"{name},{_record_hash(data)},{len(data)}" for name, data in members.items()]
    members[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{dist_name}-{version}-py3-none-any.whl"
    tmp = path.with_suffix(".tmp")
    # Stored members: the site sends the wheel compressed as a whole (webbuild.site), which beats deflate.
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            entry = zipfile.ZipInfo(name, date_time=_EPOCH)
            entry.external_attr = 0o644 << 16
            zf.writestr(entry, data)
    if path.is_file() and path.read_bytes() == tmp.read_bytes():
        tmp.unlink()
    else:
        tmp.replace(path)
    return path


def write_lock(stock_lock: Path, wheel: Path, import_name: str, out: Path) -> dict:
    """A ``pyodide-lock.json`` with Pyodide's ``info`` and a single package: our wheel, with its sha256.

    Only files that are really served may be listed: Pyodide's own lock names hundreds of wheels the npm
    package does not contain.
    """
    info = json.loads(stock_lock.read_text())["info"]
    name, version = wheel.name.split("-")[:2]
    lock = {
        "info": info,
        "packages": {
            name.replace("_", "-"): {
                "name": name.replace("_", "-"),
                "version": version,
                "file_name": wheel.name,
                "install_dir": "site",
                "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
                "package_type": "package",
                "imports": [import_name],
                "depends": [],
                "unvendored_tests": False,
            }
        },
    }
    out.write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
    return lock
