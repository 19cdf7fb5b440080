"""WebKitGTK's MiniBrowser for the engine tests, through WebKitWebDriver and selenium, under xvfb-run.

Its ``--headless`` flag hung, so the driver runs in a virtual X display. Selenium cannot watch requests in
WebKit, so the session's WebDriver ``proxy`` capability sends every request that is not for the site's
own host and port to a recording proxy (this module's), which refuses it: ``off_origin`` lists them.
The site's requests go straight to the server (``noProxy``, host and port). A navigation elsewhere
(engines.check_watched) shows that the proxy really sees what leaves the origin.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.proxy import Proxy
from selenium.webdriver.webkitgtk.options import Options

# Debian's libwebkit2gtk-4.1-0 puts it in the library folder of its architecture (dpkg -L lists it).
MINIBROWSER = next(iter(sorted(Path("/usr/lib").glob("*/webkit2gtk-4.1/MiniBrowser"))), None)
KEYS = {"Tab": Keys.TAB, "Escape": Keys.ESCAPE}
# Runs `fn` (a JS function's source) on arguments[0] and hands back its awaited value, or the error.
ASYNC_CALL = """const done = arguments[arguments.length - 1];
Promise.resolve().then(() => (%s)(arguments[0])).then(
  (value) => done({ value: value === undefined ? null : value }),
  (error) => done({ error: String((error && error.message) || error) }));"""


def missing() -> str | None:
    """What this machine lacks to run the engine, or None."""
    for tool in ("WebKitWebDriver", "xvfb-run"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (bash scripts/setup.sh installs it)"
    if MINIBROWSER is None:
        return "WebKitGTK's MiniBrowser is missing (Debian package libwebkit2gtk-4.1-0)"
    return None


class _Refusing(BaseHTTPRequestHandler):
    """The proxy: records what it is asked for and refuses it."""

    seen: list[str]

    def _refuse(self) -> None:
        self.seen.append(self.path)
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = do_POST = do_PUT = do_OPTIONS = do_CONNECT = _refuse

    def log_message(self, format: str, *args: Any) -> None:
        pass


class WebKit:
    """The engine interface of engines.py, on a selenium session."""

    name = "webkit"

    def __init__(self, driver: webdriver.Remote, seen: list[str]) -> None:
        self.driver = driver
        self._seen = seen

    def goto(self, url: str) -> None:
        self.driver.get(url)

    def evaluate(self, fn: str, arg: Any = None, timeout_s: float = 180) -> Any:
        self.driver.set_script_timeout(timeout_s)
        reply = self.driver.execute_async_script(ASYNC_CALL % fn, arg)
        if "error" in reply:
            raise RuntimeError(f"evaluate: {reply['error']}")
        return reply["value"]

    def wait_for(self, fn: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.evaluate(fn):
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout_s} s for {fn}")
            time.sleep(0.1)

    def click(self, x: float, y: float) -> None:
        actions = ActionBuilder(self.driver)
        actions.pointer_action.move_to_location(int(x), int(y)).click()
        actions.perform()

    def type_text(self, text: str) -> None:
        self.driver.switch_to.active_element.send_keys(text)

    def press(self, key: str) -> None:
        if key == "Control+z":
            # WebKitWebDriver's Ctrl+Z never reaches GTK's undo binding (typed text is not undone either):
            # run the editing command that binding runs, on the same undo stack.
            self.evaluate("() => { document.execCommand('undo'); }")
            return
        self.driver.switch_to.active_element.send_keys(KEYS[key])

    def off_origin(self) -> list[str]:
        return list(self._seen)

    def console_errors(self) -> list[str]:
        return []  # WebKitWebDriver has no log endpoint; the page logic checks errors itself


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port: int, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


# Seconds a session start may take before the driver is restarted, and how many starts are tried: on a busy
# machine WebKitWebDriver has hung creating the session without ever starting MiniBrowser.
SESSION_START_S = 90
SESSION_STARTS = 2


def _session(port: int, options: Options) -> Any:
    """A WebDriver session on ``port``, or None when creating it did not return in SESSION_START_S."""
    made: dict[str, Any] = {}

    def create() -> None:
        with warnings.catch_warnings():  # selenium's own Remote() trips its remote_server_addr deprecation
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                made["driver"] = webdriver.Remote(f"http://127.0.0.1:{port}", options=options)
            except Exception as e:  # raised in the caller's thread below
                made["error"] = e

    thread = threading.Thread(target=create, daemon=True)
    thread.start()
    thread.join(SESSION_START_S)
    if "error" in made:
        raise made["error"]
    return made.get("driver")


def _driver_service(port: int) -> subprocess.Popen:
    # A session of its own, so that ending it ends Xvfb, the driver and the browser it started.
    return subprocess.Popen(
        ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", "WebKitWebDriver", f"--port={port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def _stop(service: subprocess.Popen) -> None:
    os.killpg(service.pid, signal.SIGTERM)
    service.wait(timeout=30)


@contextmanager
def launched(origin: str) -> Iterator[WebKit]:
    t0 = time.perf_counter()
    handler = type("Handler", (_Refusing,), {"seen": []})
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    options = Options()
    options.binary_location = str(MINIBROWSER)
    options.add_argument("--automation")
    address = f"127.0.0.1:{proxy.server_port}"
    options.proxy = Proxy({"proxyType": "manual", "httpProxy": address, "sslProxy": address,
                           "noProxy": [urlsplit(origin).netloc]})
    service, driver = None, None
    try:
        for _ in range(SESSION_STARTS):
            port = _free_port()
            service = _driver_service(port)
            _wait_listening(port)
            driver = _session(port, options)
            if driver is not None:
                break
            _stop(service)
            service = None
        if driver is None:
            raise RuntimeError(f"WebKitWebDriver did not start a session in {SESSION_START_S} s "
                               f"({SESSION_STARTS} tries)")
        try:
            driver.set_window_size(1280, 800)
            print(f"\nWebKitGTK {driver.capabilities.get('browserVersion')} started in "
                  f"{time.perf_counter() - t0:.1f} s")
            yield WebKit(driver, handler.seen)
        finally:
            driver.quit()
    finally:
        if service is not None:
            _stop(service)
        proxy.shutdown()
        proxy.server_close()
