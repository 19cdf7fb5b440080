#!/usr/bin/env bash
# Set everything up (scripts/setup.sh) and run the whole test suite, browser tests included.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k tokenizer -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/lint.sh
printf '\n==> pytest\n'
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
    echo "pytest collected no tests: that is a failure here" >&2
    exit 1
fi
exit "$status"
