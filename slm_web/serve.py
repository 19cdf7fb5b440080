"""``python -m slm_web serve [DIR] [--port N]``: serve the built site (``dist/site``) on 127.0.0.1.

A static server with what the browser path needs (see docs/hosting.md for production hosts):
- cross-origin isolation (COOP ``same-origin`` + COEP ``require-corp``, CORP ``same-origin``) so
  onnxruntime-web may use threads (SharedArrayBuffer);
- a strict Content-Security-Policy, so every run proves the site needs nothing looser;
- correct MIME types for ``.wasm`` (streaming compilation) and ``.mjs`` (module scripts and workers);
- precompressed copies (``NAME.br``, ``NAME.gz``: :data:`PRECOMPRESSED`) sent as ``NAME`` with their
  ``Content-Encoding``, the first one the client accepts.
"""

from __future__ import annotations

import argparse
import email.utils
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'"

SECURITY_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # Revalidate every time (cheap 304s); big files are cached by content hash in the Cache API.
    "Cache-Control": "no-cache",
}

MIME_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".map": "application/json",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".slm": "application/octet-stream",
    ".slm4": "application/octet-stream",
    ".snapshot": "application/octet-stream",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".css": "text/css",
    ".html": "text/html; charset=utf-8",
    ".ts": "text/plain; charset=utf-8",
}


# The precompressed copies a built site holds next to a large file (webbuild.site writes them), best first:
# Brotli is 10-35 % smaller than gzip on the wasm binaries; every browser that runs the bridge accepts both.
PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))


def fresh_copy(path: Path, suffix: str) -> Path | None:
    """``path``'s precompressed copy with ``suffix``, unless it is missing or older than ``path`` (stale:
    the file was edited after the copy was made)."""
    copy = path.with_name(path.name + suffix)
    return copy if copy.is_file() and copy.stat().st_mtime >= path.stat().st_mtime else None


def accepted_encodings(header: str) -> set[str]:
    """The content codings an ``Accept-Encoding`` header accepts (``q=0`` refuses one).

    >>> sorted(accepted_encodings("gzip, deflate, br;q=0.9, zstd;q=0"))
    ['br', 'deflate', 'gzip']
    """
    accepted = set()
    for item in header.split(","):
        name, *params = (part.strip() for part in item.split(";"))
        q = next((param[2:] for param in params if param.startswith("q=")), "1")
        try:
            refused = float(q) <= 0
        except ValueError:
            refused = True  # a malformed q-value: do not guess
        if name and not refused:
            accepted.add(name.lower())
    return accepted


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files with isolation headers, strict MIME types and precompressed variants."""

    extensions_map: ClassVar[dict[str, str]] = {**SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    quiet: ClassVar[bool] = False

    def end_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def send_head(self):  # type: ignore[override]  # same contract as the base class
        path = Path(self.translate_path(self.path))
        if path.is_file():
            accepted = accepted_encodings(self.headers.get("Accept-Encoding", ""))
            for encoding, suffix in PRECOMPRESSED:
                copy = fresh_copy(path, suffix) if encoding in accepted else None
                if copy is not None:
                    return self._send_file(copy, content_type=self.guess_type(str(path)), encoding=encoding)
        return super().send_head()

    def _send_file(self, path: Path, content_type: str, encoding: str):
        """Headers for ``path`` (a precompressed variant) and its open file, or ``None`` after a 304."""
        stat = path.stat()
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                if int(stat.st_mtime) <= email.utils.parsedate_to_datetime(since).timestamp():
                    self.send_response(HTTPStatus.NOT_MODIFIED)
                    self.end_headers()
                    return None
            except (TypeError, ValueError, OverflowError):
                pass  # unparsable date: answer in full, as the base class does
        handle = path.open("rb")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Encoding", encoding)
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(stat.st_size))
        self.send_header("Last-Modified", self.date_time_string(int(stat.st_mtime)))
        self.end_headers()
        return handle

    def log_message(self, format: str, *args) -> None:  # the base class names it `format`
        if not self.quiet:
            super().log_message(format, *args)


def make_server(directory: str | os.PathLike, port: int = 0, quiet: bool = False) -> ThreadingHTTPServer:
    """A server for ``directory`` on 127.0.0.1 (``port=0`` picks a free port: ``server.server_port``)."""
    root = Path(directory)
    if not (root / "index.html").is_file():
        raise FileNotFoundError(f"{root} has no index.html: run ./build_wasm.sh first")
    handler = type("Handler", (SiteHandler,), {"quiet": quiet})
    return ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(root)))


def serve_in_thread(directory: str | os.PathLike, port: int = 0) -> ThreadingHTTPServer:
    """Start a quiet server in a daemon thread (tests); stop it with ``server.shutdown()``."""
    server = make_server(directory, port, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextmanager
def served(directory: str | os.PathLike, port: int = 0) -> Iterator[str]:
    """:func:`serve_in_thread` for a ``with`` block: yields the base URL, stops the server on exit."""
    server = serve_in_thread(directory, port)
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m slm_web serve",
        description="Serve a built site (build_wasm.sh) on 127.0.0.1 with the headers the browser needs.",
    )
    parser.add_argument("directory", nargs="?", default="dist/site", help="built site (default: dist/site)")
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000)")
    args = parser.parse_args(argv)
    try:
        server = make_server(args.directory, args.port)
    except (FileNotFoundError, OSError) as exc:
        print(f"slm_web serve: {exc}", file=sys.stderr)
        return 1
    print(f"Serving {args.directory} at http://127.0.0.1:{server.server_port}/ (Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
