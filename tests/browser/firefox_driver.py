"""Debian's firefox-esr for the engine tests, through puppeteer-core (firefox_driver.mjs, a Node process).

Puppeteer intercepts every request of the page and of its workers over WebDriver BiDi: those to the
site's origin go on; any other is recorded (``off_origin``) and aborted.
"""

from __future__ import annotations

import json
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).parent
# Keys the engine tests press, in puppeteer's names.
KEYS = {"Tab": "Tab", "Escape": "Escape", "Control+z": "Control+z"}


class Firefox:
    """The engine interface of engines.py, answered by firefox_driver.mjs."""

    name = "firefox"

    def __init__(self, executable: str, origin: str, log: IO[str]) -> None:
        self._log = log  # the Node process's stderr, shown when it stops answering
        self._process = subprocess.Popen(
            ["node", str(HERE / "firefox_driver.mjs"), executable, origin],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True,
        )

    def _do(self, op: str, timeout_s: float = 180, **args: Any) -> Any:
        self._process.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self._process.stdin.flush()
        ready, _, _ = select.select([self._process.stdout], [], [], timeout_s)
        line = self._process.stdout.readline() if ready else ""
        if not line:
            self._log.seek(0)
            raise RuntimeError(f"firefox_driver.mjs gave no reply to {op!r}: {self._log.read()[-2000:]}")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"{op}: {reply['error']}")
        return reply["value"]

    def goto(self, url: str) -> None:
        self._do("goto", url=url)

    def evaluate(self, fn: str, arg: Any = None, timeout_s: float = 180) -> Any:
        return self._do("evaluate", timeout_s, fn=fn, arg=arg)

    def wait_for(self, fn: str, timeout_s: float) -> None:
        self._do("waitFor", timeout_s + 10, fn=fn, timeoutMs=int(timeout_s * 1000))

    def click(self, x: float, y: float) -> None:
        self._do("click", x=x, y=y)

    def type_text(self, text: str) -> None:
        self._do("type", text=text)

    def press(self, key: str) -> None:
        self._do("press", key=KEYS[key])

    def off_origin(self) -> list[str]:
        return self._do("watched")["offOrigin"]

    def console_errors(self) -> list[str]:
        return self._do("watched")["consoleErrors"]

    def close(self) -> None:
        try:
            self._process.stdin.write(json.dumps({"op": "close"}) + "\n")
            self._process.stdin.close()
            self._process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait()


def executable() -> str | None:
    return shutil.which("firefox-esr")


def missing() -> str | None:
    """What this machine lacks to run the engine, or None."""
    if executable() is None:
        return "Debian firefox-esr is not installed (bash scripts/setup.sh installs it)"
    return None


@contextmanager
def launched(origin: str) -> Iterator[Firefox]:
    t0 = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as log:
        browser = Firefox(executable() or "firefox-esr", origin.rstrip("/"), log)
        try:
            browser.evaluate("() => navigator.userAgent")  # the first reply comes once Firefox is up
            print(f"\nfirefox-esr started in {time.perf_counter() - t0:.1f} s")
            yield browser
        finally:
            browser.close()
