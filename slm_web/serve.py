"""``python -m slm_web serve [DIR] [--port N]``: serve the built site (``dist/site``) on 127.0.0.1.

A static server with what the browser path needs (see docs/hosting.md for production hosts):
- cross-origin isolation (COOP ``same-origin`` + COEP ``require-corp``, CORP ``same-origin``) so
  onnxruntime-web may use threads (SharedArrayBuffer);
- a strict Content-Security-Policy, so every run proves the site needs nothing looser;
- correct MIME types for ``.wasm`` (streaming compilation) and ``.mjs`` (module scripts and workers);
- precompressed copies (``NAME.br``, ``NAME.gz``: :data:`PRECOMPRESSED`) sent as ``NAME`` with their
  ``Content-Encoding``, the first one the client accepts.

It serves files and nothing else: only what lies inside the folder it was given once symlinks are
resolved (or inside a folder passed as ``link_roots``, for test sites made of symlinks), no directory
listings, a 400 with a status line and the headers above for a malformed request or path, and a one-line
error for bad arguments.
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


def inside(path: str | os.PathLike, roots: tuple[str, ...]) -> bool:
    """Whether ``path``, symlinks resolved, is one of ``roots`` (resolved folders) or lies under one."""
    real = os.path.realpath(path)
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def link_targets(directory: str | os.PathLike) -> tuple[str, ...]:
    """The resolved targets of every symlink under ``directory``, through linked folders too: the
    ``link_roots`` of a site one made oneself out of symlinks (a test site), never of a folder from
    elsewhere."""
    targets = []
    for folder, dirs, files in os.walk(directory, followlinks=True):
        targets += [os.path.realpath(os.path.join(folder, name)) for name in (*dirs, *files)
                    if os.path.islink(os.path.join(folder, name))]
    return tuple(targets)


def _bad_path_character(text: str) -> bool:
    """NUL and other control characters: no file of a built site has them, and ``open`` refuses NUL."""
    return any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text)


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files with isolation headers, strict MIME types and precompressed variants."""

    extensions_map: ClassVar[dict[str, str]] = {**SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    quiet: ClassVar[bool] = False
    # Resolved folders a served file may lie in (make_server sets them).
    roots: ClassVar[tuple[str, ...]] = ()
    # Errors found before the request line's version is known are answered as HTTP/1.0, with a status line
    # and headers; the base class would answer them as HTTP/0.9: a bare body.
    default_request_version = "HTTP/1.0"

    def end_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if len(self.requestline.split()) != 3:  # HTTP/0.9's "GET /": no headers could be sent back
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad request line (a method, a path and a version)")
            return False
        return True

    def send_head(self):  # type: ignore[override]  # same contract as the base class
        local = self.translate_path(self.path)
        if _bad_path_character(local):
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad path")
            return None
        path = Path(local)
        # A folder is served as its index.html (by the base class), which must stay inside too.
        if not self._servable(local) or (path.is_dir() and not self._servable(path / "index.html")):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        if path.is_file():
            accepted = accepted_encodings(self.headers.get("Accept-Encoding", ""))
            for encoding, suffix in PRECOMPRESSED:
                copy = fresh_copy(path, suffix) if encoding in accepted else None
                if copy is not None and self._servable(copy):
                    return self._send_file(copy, content_type=self.guess_type(str(path)), encoding=encoding)
        return super().send_head()

    def _servable(self, local: str | os.PathLike) -> bool:
        """Inside the roots and readable by ``stat`` (a name too long for the file system is not)."""
        try:
            os.stat(local)
        except FileNotFoundError:
            return True  # the base class answers 404, or redirects a folder without its trailing slash
        except (OSError, ValueError):
            return False
        return inside(local, self.roots)

    def list_directory(self, path):  # type: ignore[override]  # a folder without index.html
        self.send_error(HTTPStatus.NOT_FOUND, "File not found")
        return None

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


def make_server(
    directory: str | os.PathLike,
    port: int = 0,
    quiet: bool = False,
    link_roots: tuple[str | os.PathLike, ...] = (),
) -> ThreadingHTTPServer:
    """A server for ``directory`` on 127.0.0.1 (``port=0`` picks a free port: ``server.server_port``).

    Symlinks in ``directory`` are followed only to files inside it or inside one of ``link_roots``.
    """
    root = Path(directory)
    if not (root / "index.html").is_file():
        raise FileNotFoundError(f"{root} has no index.html: run ./build_wasm.sh first")
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be 0-65535, got {port}")
    roots = tuple(os.path.realpath(folder) for folder in (root, *link_roots))
    handler = type("Handler", (SiteHandler,), {"quiet": quiet, "roots": roots})
    return ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(root)))


def serve_in_thread(
    directory: str | os.PathLike, port: int = 0, link_roots: tuple[str | os.PathLike, ...] = ()
) -> ThreadingHTTPServer:
    """Start a quiet server in a daemon thread (tests); stop it with ``server.shutdown()``."""
    server = make_server(directory, port, quiet=True, link_roots=link_roots)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextmanager
def served(
    directory: str | os.PathLike, port: int = 0, link_roots: tuple[str | os.PathLike, ...] = ()
) -> Iterator[str]:
    """:func:`serve_in_thread` for a ``with`` block: yields the base URL, stops the server on exit."""
    server = serve_in_thread(directory, port, link_roots)
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


class _OneLineErrors(argparse.ArgumentParser):
    def error(self, message: str):  # type: ignore[override]  # the base prints the usage block first
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def main(argv: list[str] | None = None) -> int:
    parser = _OneLineErrors(
        prog="python -m slm_web serve",
        description="Serve a built site (build_wasm.sh) on 127.0.0.1 with the headers the browser needs.",
    )
    parser.add_argument("directory", nargs="?", default="dist/site", help="built site (default: dist/site)")
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1, 0-65535 (default: 8000)")
    parser.add_argument(
        "--allow-links-into", metavar="DIR", action="append", default=[],
        help="also follow symlinks to files inside DIR (repeatable; default: only inside the site's folder)",
    )
    args = parser.parse_args(argv)
    try:
        server = make_server(args.directory, args.port, link_roots=tuple(args.allow_links_into))
    except (OSError, ValueError) as exc:
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
