"""The npm package (npm/) as a web developer meets it: packed, installed, bundled, served, run.

``npm pack`` (its prepack step copies the built site's runtime files into the package) gives a tarball;
a fresh app folder installs it offline, esbuild (a pinned devDependency) bundles a small app importing
``slm-web`` by name, the package's bin copies the runtime files into the app's public folder, and
headless Chromium runs all three features from there with no request to any other origin (conftest).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from slm_web.serve import served

from .conftest import ROOT, launched
from .helpers import call

PACKAGE = ROOT / "npm"
APP = Path(__file__).parent / "npm_app"
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"
# A tarball that grows past this has picked up something it should not ship (the .br/.gz copies, the demo).
MAX_TARBALL_BYTES = 40_000_000


def _run(args: list[str | Path], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, check=True, capture_output=True, text=True,
        env={**os.environ, **env}, timeout=600,
    )


@pytest.fixture(scope="module")
def packed(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``npm pack`` of a copy of npm/ (prepack reads SLM_SITE): ``{"tarball": Path, "files": [...]}``."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    work = tmp_path_factory.mktemp("npm-pack")
    package = work / "package"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("site", "*.tgz"))
    t0 = time.perf_counter()
    out = _run(["npm", "pack", "--json", "--pack-destination", work], package, SLM_SITE=str(built_site))
    info = json.loads(out.stdout)[0]
    tarball = work / info["filename"]
    print(f"\nnpm pack: {tarball.stat().st_size / 1e6:.1f} MB tarball, {info['unpackedSize'] / 1e6:.1f} MB "
          f"unpacked, {len(info['files'])} files, {time.perf_counter() - t0:.1f} s")
    return {"tarball": tarball, "files": sorted(f["path"] for f in info["files"])}


@pytest.fixture(scope="module")
def app(packed: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh app folder: the tarball installed offline, main.js bundled by esbuild, assets copied."""
    if not ESBUILD.exists():
        pytest.skip("esbuild is not in node_modules (npm ci --ignore-scripts)")
    app = tmp_path_factory.mktemp("npm-app")
    (app / "package.json").write_text(json.dumps({"name": "app", "private": True, "type": "module"}))
    for name in ("main.js", "node_import.mjs"):
        shutil.copy(APP / name, app / name)
    (app / "public").mkdir()
    shutil.copy(APP / "index.html", app / "public" / "index.html")
    _run(["npm", "install", "--offline", "--no-audit", "--no-fund", packed["tarball"]], app)
    _run([ESBUILD, "main.js", "--bundle", "--format=esm", "--outfile=public/app.js", "--log-level=warning"],
         app)
    _run([app / "node_modules" / ".bin" / "slm-web", "assets", "public/slm"], app)
    return app


@pytest.fixture(scope="module")
def app_url(app: Path) -> Iterator[str]:
    with served(app / "public") as url:
        yield url


def test_tarball_holds_the_runtime_and_nothing_else(packed: dict):
    files = packed["files"]
    assert {"package.json", "README.md", "index.js", "index.d.ts", "codemirror.js", "codemirror.d.ts",
            "bin/slm-web.js", "site/build-manifest.json", "site/bridge/slm.js", "site/bridge/slm-worker.js",
            "site/bridge/slm.d.ts", "site/bridge/slm-codemirror.js",
            "site/bridge/slm-codemirror.d.ts"} <= set(files)
    assert any(f.startswith("site/pyodide/slm_web-") and f.endswith(".whl") for f in files)
    assert not [f for f in files if f.endswith((".br", ".gz")) or f.startswith(("site/demo/", "scripts/"))]
    assert packed["tarball"].stat().st_size < MAX_TARBALL_BYTES


def test_manifest_lists_exactly_the_shipped_files(app: Path):
    assets = app / "public" / "slm"
    manifest = json.loads((assets / "build-manifest.json").read_text())
    on_disk = sorted(p.relative_to(assets).as_posix() for p in assets.rglob("*") if p.is_file())
    assert on_disk == sorted([*manifest["files"], "build-manifest.json"])
    assert {b["path"] for b in manifest["bundles"].values()} <= set(manifest["files"])


def test_package_declares_its_types_and_entry(app: Path):
    installed = app / "node_modules" / "slm-web"
    meta = json.loads((installed / "package.json").read_text())
    assert "private" not in meta
    assert meta["exports"]["."] == {"types": "./index.d.ts", "default": "./index.js"}
    assert meta["types"] == "./index.d.ts" and meta["bin"] == {"slm-web": "./bin/slm-web.js"}
    # The CodeMirror extension: an entry of its own; CodeMirror is an optional peer (apps without it install).
    assert meta["exports"]["./codemirror"] == {"types": "./codemirror.d.ts", "default": "./codemirror.js"}
    assert meta["peerDependenciesMeta"] == {"@codemirror/view": {"optional": True}}
    assert not (app / "node_modules" / "@codemirror").exists()
    # index.d.ts re-exports the bridge's declarations, which must be there and declare the API.
    assert 'from "./site/bridge/slm.js"' in (installed / "index.d.ts").read_text()
    declarations = (installed / "site" / "bridge" / "slm.d.ts").read_text()
    assert "export declare class SLM" in declarations and "baseURL?: string | URL" in declarations


def test_importing_in_node_has_no_side_effects(app: Path):
    out = _run(["node", "node_import.mjs"], app).stdout.strip()
    assert json.loads(out) == {"exports": ["SLM", "SLMError", "default"], "create": "function",
                               "codemirror": ["slmCodeMirror"], "added": []}


def test_bin_usage_and_refreshing_assets(app: Path):
    bin_path = app / "node_modules" / ".bin" / "slm-web"
    usage = subprocess.run([bin_path], cwd=app, capture_output=True, text=True)
    assert usage.returncode == 2 and usage.stderr.startswith("usage: slm-web assets <dir>")
    assets = app / "public" / "slm"
    # A file an older version copied (listed in its manifest) goes; a file of the app's own stays.
    manifest_path = assets / "build-manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["pyodide/slm_web-0.0.1-py3-none-any.whl"] = {"sha256": "0" * 64, "size": 1}
    manifest_path.write_text(json.dumps(manifest))
    (assets / "pyodide" / "slm_web-0.0.1-py3-none-any.whl").write_bytes(b"x")
    (assets / "mine.txt").write_text("the app's own file")
    _run([bin_path, "assets", "public/slm"], app)
    assert not (assets / "pyodide" / "slm_web-0.0.1-py3-none-any.whl").exists()
    assert (assets / "mine.txt").read_text() == "the app's own file"
    (assets / "mine.txt").unlink()


def test_bundled_app_runs_all_three_features(playwright_instance, app_url: str):
    with launched(playwright_instance, app_url) as browser:
        page = browser.new_page("index.html")
        page.wait_for_function("() => document.title !== 'loading'", timeout=120_000)
        assert page.title() == "ready"
        assert page.evaluate("() => [...document.scripts].map((s) => s.src)") == [app_url + "app.js"]
        sentiment = call(page, "classify", "I loved this movie, the acting was wonderful.")["value"]
        # The default student's labels (its manifest decides; three since issue 17).
        assert sentiment["label"] == "positive" and {"negative", "positive"} <= set(sentiment["scores"])
        completions = call(page, "complete", "See you tomor", k=3)["value"]
        assert completions and all(c["text"].startswith("tomor") for c in completions)
        correction = call(page, "correct", "He have two cat.")["value"]
        assert correction["edits"] and correction["text"] != "He have two cat."
        assert call(page, "classify", 42)["error"]["name"] == "InputTextError"
        # "slm", relative and without the slash, names the same folder.
        other = browser.new_page("index.html?base=slm")
        other.wait_for_function("() => document.title !== 'loading'", timeout=120_000)
        assert other.title() == "ready"
        assert call(other, "classify", "What a lovely day")["value"]["label"]
