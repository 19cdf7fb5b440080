#!/usr/bin/env bash
# Set up everything slm-web needs on a fresh Debian machine with Python 3.11 and Node:
# Debian chromium (browser tests), the .venv with every Python extra, the pinned npm packages, and the
# static site in dist/site (build_wasm.sh). Idempotent: re-running skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v chromium >/dev/null 2>&1; then
    step "installing Debian chromium (headless browser for the tests and the benchmark)"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
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
