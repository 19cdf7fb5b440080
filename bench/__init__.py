"""Benchmarks of slm-web against transformers.js and harper.js in one headless-Chromium run (issue 6).

``python -m bench`` builds what it needs, serves it, measures and writes ``bench/RESULTS.md``,
``bench/results.json`` and ``bench/results.png``. See docs/benchmarks.md.
"""
