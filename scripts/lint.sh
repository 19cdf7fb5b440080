#!/usr/bin/env bash
# The static checks scripts/test.sh runs before pytest: ruff on the Python, tsc (tsconfig.json: JSDoc
# types of bridge/*.js against slm.d.ts and slm-messages.d.ts) and eslint (eslint.config.mjs) on the JS.
# Any finding fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
printf '\n==> ruff\n'
.venv/bin/ruff check .
printf '\n==> tsc (bridge types)\n'
node_modules/.bin/tsc -p tsconfig.json
printf '\n==> eslint (bridge)\n'
node_modules/.bin/eslint bridge
