#!/usr/bin/env bash
# Set up everything slm-web needs on a fresh Debian machine with Python 3.11 and Node: the browsers of
# the tests (Debian chromium, firefox-esr, WebKitGTK), the .venv with every Python extra, the pinned npm
# packages, and the static site in dist/site (build_wasm.sh). Idempotent: re-running skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# The browsers the tests drive (Debian's builds work offline; Playwright's own cannot be downloaded here):
# chromium through Playwright, firefox-esr through puppeteer-core (WebDriver BiDi), and WebKitGTK's
# MiniBrowser (in libwebkit2gtk-4.1-0) through WebKitWebDriver and selenium under xvfb-run.
MISSING=()
command -v chromium >/dev/null 2>&1 || MISSING+=(chromium)
command -v firefox-esr >/dev/null 2>&1 || MISSING+=(firefox-esr)
command -v WebKitWebDriver >/dev/null 2>&1 || MISSING+=(webkit2gtk-driver)
command -v xvfb-run >/dev/null 2>&1 || MISSING+=(xvfb)
dpkg -s libwebkit2gtk-4.1-0 >/dev/null 2>&1 || MISSING+=(libwebkit2gtk-4.1-0)
if [ ${#MISSING[@]} -gt 0 ]; then
    step "installing Debian ${MISSING[*]} (browsers for the tests and the benchmark)"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${MISSING[@]}"
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    step "creating .venv"
    "$PYTHON" -m venv .venv
fi
step "installing Python packages into .venv"
.venv/bin/python -m pip install -q --upgrade pip
# torch is pinned to the CPU build; installing it first keeps any later range from pulling another build.
.venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".[native,converter,torch,dev,site]"

step "installing pinned npm packages (package-lock.json)"
# --ignore-scripts: onnxruntime-node's install script (pulled in by transformers.js, used only by bench/)
# would try to download binaries.
npm ci --ignore-scripts --no-audit --no-fund

if [ "${SLM_SKIP_BUILD:-0}" != 1 ]; then
    step "building the static site (build_wasm.sh)"
    bash build_wasm.sh
fi
