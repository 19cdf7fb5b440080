"""slm_web.serve: isolation and CSP headers, MIME types, precompressed files, conditional requests; no
file outside the site's folder, no listings, clean 400s, one-line errors for bad arguments."""

from __future__ import annotations

import gzip
import os
import socket
import subprocess
import sys
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
    (root / "empty").mkdir()
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("not part of the site")
    (outside / "d.mjs.br").write_bytes(brotli.compress(b"export const d = 'outside';\n"))
    (root / "system").symlink_to(outside, target_is_directory=True)
    (root / "secret.txt").symlink_to(outside / "secret.txt")
    (root / "d.mjs").write_text("export const d = 4;\n")
    (root / "d.mjs.br").symlink_to(outside / "d.mjs.br")
    (root / "same.wasm").symlink_to(root / "m.wasm")
    (root / "page").mkdir()
    (root / "page" / "index.html").symlink_to(outside / "secret.txt")
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


def raw_response(base: str, request: bytes) -> bytes:
    """What the server answers to ``request`` sent as is (b"" if it drops the connection)."""
    host, port = base.removeprefix("http://").rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def assert_clean_error(response: bytes, status: int) -> None:
    """A status line, the security headers, and no traceback."""
    head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    assert head.startswith(f"HTTP/1.0 {status} "), response[:200]
    assert f"Content-Security-Policy: {serve.CSP}" in head.splitlines()
    assert "Cross-Origin-Embedder-Policy: require-corp" in head.splitlines()


def test_symlinks_out_of_the_site_are_not_followed(server):
    base, _ = server
    for path in ("system/secret.txt", "secret.txt", "system/", "system", "page/", "page/index.html"):
        status, headers, body = fetch(base + path)
        assert (status, body) == (404, b""), path
        assert headers["Content-Security-Policy"] == serve.CSP, path
    # Nor is a precompressed copy that links out: the plain file is sent instead.
    _, headers, body = fetch(base + "d.mjs", **{"Accept-Encoding": "br"})
    assert "Content-Encoding" not in headers and body == b"export const d = 4;\n"
    assert fetch(base + "same.wasm")[:1] == (200,)  # a link that stays inside is fine


def test_link_roots_let_a_site_made_of_symlinks_be_served(tmp_path: Path):
    built, site = tmp_path / "built", tmp_path / "site"
    built.mkdir()
    site.mkdir()
    (built / "index.html").write_text("<!doctype html><title>built</title>")
    (site / "index.html").symlink_to(built / "index.html")
    for link_roots, expected in (((), 404), ((built,), 200), (serve.link_targets(site), 200)):
        with serve.served(site, link_roots=link_roots) as url:
            assert fetch(url + "index.html")[0] == expected, link_roots


def test_no_directory_listings(server):
    base, _ = server
    assert fetch(base + "empty/")[0] == 404
    assert fetch(base + "")[0] == 200  # a folder with index.html serves it


@pytest.mark.parametrize("path", ["/a%00b", "/%00", "/m.wasm%00.txt", "/a%0ab", "/%7f"])
def test_control_characters_in_a_path_are_a_clean_400(server, path: str):
    response = raw_response(server[0], f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
    assert_clean_error(response, 400)


def test_a_file_name_too_long_for_the_file_system_is_a_clean_404(server):
    response = raw_response(server[0], b"GET /" + b"a" * 300 + b".js HTTP/1.0\r\n\r\n")
    assert_clean_error(response, 404)


@pytest.mark.parametrize(
    "line", [b"HELLO", b"GET /", b"GET / HTTP/9", b"GET / FOO/1.0", b"GET  / extra HTTP/1.0", b"\x00\xff GET"]
)
def test_malformed_request_lines_get_a_400_with_a_status_line_and_headers(server, line: bytes):
    assert_clean_error(raw_response(server[0], line + b"\r\n\r\n"), 400)


def run_serve(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "slm_web", "serve", *args], capture_output=True, text=True, timeout=30
    )


@pytest.mark.parametrize(
    "args", [["--port", "99999"], ["--port", "-1"], ["--port", "http"], ["--no-such-option"], ["a", "b"]]
)
def test_bad_arguments_are_one_line_errors(server, args: list[str]):
    result = run_serve(str(server[1]), *args)
    assert result.returncode != 0 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "error" in result.stderr or "port must be" in result.stderr
