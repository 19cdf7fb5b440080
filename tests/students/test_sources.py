"""students.sources: unpacking a fetched archive into the cache (no downloads)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from students import sources


def _archive(tmp_path: Path) -> Path:
    archive = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("pkg/data.txt", "hello")
    return archive


def test_unpack_puts_the_whole_folder_in_place(tmp_path: Path) -> None:
    dest = sources._unpack(_archive(tmp_path), tmp_path / "cache" / "pkg-1.0")
    assert (dest / "pkg" / "data.txt").read_text() == "hello"
    assert [p.name for p in dest.parent.iterdir()] == ["pkg-1.0"]


def test_unpack_keeps_the_copy_another_process_finished_first(tmp_path: Path) -> None:
    # Two evaluations fetching the same package at once: the second rename finds the folder there.
    archive, dest = _archive(tmp_path), tmp_path / "cache" / "pkg-1.0"
    sources._unpack(archive, dest)
    assert sources._unpack(archive, dest) == dest
    assert (dest / "pkg" / "data.txt").read_text() == "hello"
    assert [p.name for p in dest.parent.iterdir()] == ["pkg-1.0"]  # no half-unpacked folder left behind
