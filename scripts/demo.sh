#!/usr/bin/env bash
# Set everything up (scripts/setup.sh builds dist/site with the default bundles) and serve the demo.
# Open the printed address in a browser; Ctrl-C stops the server. PORT=8000 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m slm_web serve dist/site --port "${PORT:-8000}"
