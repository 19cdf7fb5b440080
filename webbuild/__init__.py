"""Build helpers for ``build_wasm.sh``: the Pyodide wheel and lock file, precompression, the site manifest.

Desktop-only (CPython, stdlib); nothing here ships to the browser.
"""
