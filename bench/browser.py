"""Headless Debian Chromium through Playwright (webbuild.chromium: DESIGN.md §2 flags), one fresh profile per
:class:`Browser`.

Every request is recorded with its transferred body size, and any request that leaves the local origin is
aborted and reported: a benchmark of an offline product must not touch the network either.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from typing import Any

from webbuild import chromium

PAGE = "bench/bench.html"


@dataclass
class Transfer:
    """Requests seen by one browser: URL path -> bytes received (body, as sent: compressed if gzipped)."""

    origin: str
    bytes: dict[str, int] = field(default_factory=dict)
    off_origin: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def finished(self, request: Any) -> None:
        if request.url.startswith(self.origin):
            path = request.url[len(self.origin) :].split("?")[0]
            self.bytes[path] = self.bytes.get(path, 0) + request.sizes()["responseBodySize"]


class Browser:
    """A Chromium with a fresh profile; ``open(query)`` loads the harness page and waits until it is ready."""

    def __init__(self, playwright: Any, origin: str) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="bench-chromium-")
        self.context = chromium.launch(playwright, self._profile.name)
        self.origin = origin.rstrip("/")
        self.transfer = Transfer(self.origin + "/")
        self.context.route("**/*", self._guard)
        self.context.on("requestfinished", self.transfer.finished)

    def _guard(self, route: Any) -> None:
        url = route.request.url
        if url.startswith((self.origin + "/", "blob:", "data:")):
            route.continue_()
        else:
            self.transfer.off_origin.append(url)
            route.abort()

    def open(self, query: str = "", timeout_s: float = 180) -> Any:
        page = self.context.new_page()
        page.on("console", lambda m: m.type == "error" and self.transfer.errors.append(m.text))
        page.on("pageerror", lambda e: self.transfer.errors.append(f"uncaught: {e}"))
        page.goto(f"{self.origin}/{PAGE}{'?' + query if query else ''}")
        page.wait_for_function("() => document.title !== 'loading'", timeout=timeout_s * 1000)
        if page.title() != "ready":
            raise RuntimeError(f"bench page {query!r}: {page.title()}")
        return page

    def close(self) -> None:
        self.context.close()
        self._profile.cleanup()
