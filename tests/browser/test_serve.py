"""slm_web.serve: isolation and CSP headers, MIME types, precompressed files, conditional requests."""

from __future__ import annotations

import gzip
import os
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import brotli
import pytest

from slm_web import serve


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_text("<!doctype html><title>x</title>")
    (root / "m.wasm").write_bytes(b"\0asm\1\0\0\0")
    (root / "a.mjs").write_text("export const a = 1;\n" * 100)
    (root / "a.mjs.gz").write_bytes(gzip.compress((root / "a.mjs").read_bytes(), mtime=0))
    (root / "b.mjs").write_text("export const b = 2;\n" * 100)
    (root / "b.mjs.gz").write_bytes(gzip.compress((root / "b.mjs").read_bytes(), mtime=0))
    (root / "b.mjs.br").write_bytes(brotli.compress((root / "b.mjs").read_bytes()))
    srv = serve.serve_in_thread(root)
    yield f"http://127.0.0.1:{srv.server_port}/", root
    srv.shutdown()
    srv.server_close()


def fetch(url: str, **headers: str) -> tuple[int, Message, bytes]:
    """Status, headers (case-insensitive) and body; HTTP errors are answers here, not exceptions."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, b""


def test_every_response_is_isolated_and_under_the_strict_csp(server):
    base, _ = server
    for path in ("", "m.wasm", "a.mjs", "missing.js"):
        _, headers, _ = fetch(base + path)
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin", path
        assert headers["Cross-Origin-Embedder-Policy"] == "require-corp", path
        assert headers["Cross-Origin-Resource-Policy"] == "same-origin", path
        assert headers["Content-Security-Policy"] == serve.CSP, path


def test_mime_types(server):
    base, _ = server
    assert fetch(base + "m.wasm")[1]["Content-Type"] == "application/wasm"
    assert fetch(base + "a.mjs")[1]["Content-Type"] == "text/javascript"


def test_precompressed_file_is_sent_when_gzip_is_accepted(server):
    base, root = server
    status, headers, body = fetch(base + "a.mjs", **{"Accept-Encoding": "gzip, br"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert headers["Content-Type"] == "text/javascript" and headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == (root / "a.mjs").read_bytes()
    status, headers, body = fetch(base + "a.mjs")  # no Accept-Encoding: the plain file
    assert "Content-Encoding" not in headers and body == (root / "a.mjs").read_bytes()


def test_brotli_copy_is_preferred_when_accepted(server):
    base, root = server
    plain = (root / "b.mjs").read_bytes()
    # What Chromium sends, also over plain http to 127.0.0.1.
    status, headers, body = fetch(base + "b.mjs", **{"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert status == 200 and headers["Content-Encoding"] == "br" and brotli.decompress(body) == plain
    assert headers["Content-Type"] == "text/javascript" and headers["Vary"] == "Accept-Encoding"
    for refusing in ("gzip", "gzip, br;q=0"):
        _, headers, body = fetch(base + "b.mjs", **{"Accept-Encoding": refusing})
        assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == plain, refusing


def test_a_copy_older_than_its_file_is_not_sent(server):
    base, root = server
    (root / "c.mjs").write_text("export const c = 3;\n" * 100)
    (root / "c.mjs.br").write_bytes(brotli.compress(b"export const c = 'stale';\n"))
    os.utime(root / "c.mjs.br", (0, 0))
    _, headers, body = fetch(base + "c.mjs", **{"Accept-Encoding": "br"})
    assert "Content-Encoding" not in headers and body == (root / "c.mjs").read_bytes()


def test_unchanged_precompressed_file_answers_304(server):
    base, _ = server
    _, headers, _ = fetch(base + "a.mjs", **{"Accept-Encoding": "gzip"})
    status, _, body = fetch(
        base + "a.mjs", **{"Accept-Encoding": "gzip", "If-Modified-Since": headers["Last-Modified"]}
    )
    assert (status, body) == (304, b"")


def test_missing_file_is_404(server):
    assert fetch(server[0] + "nope.wasm")[0] == 404


def test_refuses_a_folder_that_is_not_a_built_site(tmp_path: Path, capsys):
    assert serve.main([str(tmp_path), "--port", "0"]) == 1
    assert "build_wasm.sh" in capsys.readouterr().err
