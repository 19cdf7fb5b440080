#!/usr/bin/env bash
# Build the self-contained static site in dist/site/: Pyodide core, the onnxruntime-web wasm backend,
# the slm_web wheel + a local pyodide-lock.json, the default .slm bundles, the JS bridge and the demo,
# precompressed .br and .gz copies of large files and build-manifest.json (sha256 of every file, for caching).
#
# Usage: bash build_wasm.sh [OUT_DIR]        (default dist/site; serve it with `python -m slm_web serve`)
# Env:   SLM_BUNDLES=DIR  take the bundles (<task>.slm, or a shared bundle's <name>.slm) from DIR instead of
#                         converting (tests, custom models)
#        SLM_SHARED=NAMES  ship these shared bundles (comma-separated names of webbuild/bundles.py
#                         SHARED_BUNDLES, e.g. grammar+sentiment: one encoder, both tasks' heads, fetched
#                         once) instead of the table's defaults; empty: a bundle per task. A shared
#                         bundle needs each head's checkpoint (grammar+sentiment: students/checkpoints/
#                         sentiment-on-grammar, not committed yet); without it the build stops
#        SLM_SNAPSHOT=1   also ship a Pyodide memory snapshot (made in headless Chromium, ~4 MB Brotli):
#                         a first visit restores Python instead of booting it (about 2 s sooner on 2
#                         cores) but downloads that much more; see docs/hosting.md
#        SLM_FULL_STDLIB=1  ship Pyodide's stock python_stdlib.zip (2.5 MB) instead of the trimmed one
#                         (only the stdlib a loaded worker imports, traced and then checked in Pyodide
#                         under Node, about 25 s on 2 busy cores; code of your own that imports a dropped
#                         module gets ModuleNotFoundError: see docs/hosting.md)
#        SLM_SOURCE_STDLIB=1  ship Python sources in the trimmed python_stdlib.zip and the slm_web wheel
#                         instead of sourceless .pyc (compiled inside Pyodide under Node): fewer bytes, but
#                         every start compiles every module it imports; bench/ANALYSIS.md has the figures
#                         and docs/hosting.md says when to choose it
#
# Idempotent (re-running rebuilds only what changed) and loud: any missing piece stops the build.
set -euo pipefail
cd "$(dirname "$0")"

OUT=${1:-dist/site}
PYTHON=${PYTHON:-.venv/bin/python}
PYODIDE_VERSION=314.0.7
ORT_VERSION=1.30.0

step() { printf '==> %s\n' "$*"; }
die() { printf 'build_wasm.sh: error: %s\n' "$*" >&2; exit 1; }

# cp that keeps modification times (so up-to-date .br/.gz copies are reused) and fails on a missing source.
copy() {
    local dest=${*: -1}
    for src in "${@:1:$#-1}"; do [ -f "$src" ] || die "missing $src"; done
    mkdir -p "$dest"
    cp -p "$@"
}

npm_version() {
    "$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' "node_modules/$1/package.json" \
        2>/dev/null || die "node_modules/$1 is missing: run 'npm ci --ignore-scripts'"
}

step "checking tools and npm packages"
[ -x "$PYTHON" ] || die "$PYTHON not found: create the venv first (bash scripts/setup.sh)"
"$PYTHON" -c "import brotli" 2>/dev/null \
    || die "the brotli package is missing from $PYTHON (it writes the .br copies): pip install -e '.[site]', or bash scripts/setup.sh"
[ "$(npm_version pyodide)" = "$PYODIDE_VERSION" ] || die "pyodide $PYODIDE_VERSION expected in node_modules"
[ "$(npm_version onnxruntime-web)" = "$ORT_VERSION" ] || die "onnxruntime-web $ORT_VERSION expected in node_modules"
# Every task of the registry (slm_web/registry.py) gets a default bundle: its own, or a shared one's head.
BUNDLES=$("$PYTHON" -m webbuild plan ${SLM_SHARED+--shared "$SLM_SHARED"}) || die "cannot plan the bundles"
mkdir -p "$OUT"

step "Pyodide $PYODIDE_VERSION core -> $OUT/pyodide/"
copy node_modules/pyodide/{pyodide.mjs,pyodide.asm.mjs,pyodide.asm.wasm} "$OUT/pyodide"

step "onnxruntime-web $ORT_VERSION wasm backend -> $OUT/ort/"
copy node_modules/onnxruntime-web/dist/{ort.wasm.min.mjs,ort-wasm-simd-threaded.mjs,ort-wasm-simd-threaded.wasm} "$OUT/ort"
"$PYTHON" -m webbuild warmup --out "$OUT/ort/warmup.onnx"

# Sourceless .pyc (python_stdlib.zip and the wheel) unless SLM_SOURCE_STDLIB=1: compiled in Pyodide under Node.
BYTECODE=
if [ "${SLM_SOURCE_STDLIB:-}" != 1 ]; then
    command -v node >/dev/null || die "node not found: it compiles the bytecode (or set SLM_SOURCE_STDLIB=1)"
    BYTECODE=--bytecode
fi

step "slm_web wheel and pyodide-lock.json -> $OUT/pyodide/"
"$PYTHON" -m webbuild wheel slm_web --pyproject pyproject.toml \
    --stock-lock node_modules/pyodide/pyodide-lock.json --out "$OUT/pyodide" --pyodide node_modules/pyodide $BYTECODE

if [ "${SLM_FULL_STDLIB:-}" = 1 ]; then
    step "python_stdlib.zip: Pyodide's stock one (SLM_FULL_STDLIB=1)"
    copy node_modules/pyodide/python_stdlib.zip "$OUT/pyodide"
else
    step "python_stdlib.zip trimmed to what a loaded worker imports (traced in Pyodide under Node)"
    command -v node >/dev/null || die "node not found: it runs the stdlib trace (or set SLM_FULL_STDLIB=1)"
    "$PYTHON" -m webbuild stdlib slm_web --pyodide node_modules/pyodide --wheel-dir "$OUT/pyodide" \
        --out "$OUT/pyodide/python_stdlib.zip" $BYTECODE
fi

step "default bundles -> $OUT/bundles/: $BUNDLES"
mkdir -p "$OUT/bundles"
for old in "$OUT"/bundles/*.slm; do  # a bundle of an earlier plan (separate <-> shared) would serve a task twice
    [ -e "$old" ] || continue
    case " $BUNDLES " in
        *" $(basename "$old" .slm) "*) ;;
        *) rm -f "$old" "$old".{br,gz} "${old%.slm}".slm4 "${old%.slm}".slm4.{br,gz}
           echo "    removed $(basename "$old")" ;;
    esac
done
for name in $BUNDLES; do
    if [ -n "${SLM_BUNDLES:-}" ]; then
        copy "$SLM_BUNDLES/$name.slm" "$OUT/bundles"
        echo "    $name: from $SLM_BUNDLES/$name.slm"
    else
        "$PYTHON" -m webbuild bundle "$name" --out "$OUT/bundles/$name.slm"
    fi
done

chmod 644 "$OUT"/bundles/*.slm  # the converter writes private (0600) files; a web server must read them

step "JS bridge -> $OUT/bridge/, demo -> $OUT/demo/"
rm -rf "$OUT/bridge" "$OUT/demo"
copy bridge/*.js bridge/slm.d.ts bridge/slm-codemirror.d.ts "$OUT/bridge"
copy demo/* "$OUT/demo"

step "precompressing large files, writing index.html and build-manifest.json"
rm -f "$OUT"/pyodide/slm_web.snapshot{,.br,.gz}  # made anew below, or not shipped
"$PYTHON" -m webbuild finish "$OUT"

if [ "${SLM_SNAPSHOT:-}" = 1 ]; then
    step "Pyodide memory snapshot -> $OUT/pyodide/ (SLM_SNAPSHOT=1; headless Chromium)"
    "$PYTHON" -m webbuild snapshot "$OUT"
fi

step "done: $(du -sh "$OUT" | cut -f1) in $OUT; serve it with: $PYTHON -m slm_web serve $OUT"
