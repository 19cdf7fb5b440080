"""The harper.js baseline: correct sentences with ``harper_fix.mjs`` in Node (harper.js in node_modules)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("harper_fix.mjs")


def available() -> str | None:
    """None if the baseline can run, else why not."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (ROOT / "node_modules" / "harper.js" / "package.json").exists():
        return "harper.js is not in node_modules (npm install)"
    return None


def correct(sentences: list[str]) -> list[str]:
    """harper's correction of each sentence (first suggestion of every lint applied)."""
    feed = "".join(json.dumps(s) + "\n" for s in sentences)
    out = subprocess.run(["node", str(SCRIPT)], input=feed, capture_output=True, text=True, cwd=ROOT,
                         check=True)
    fixed = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    if len(fixed) != len(sentences):
        raise RuntimeError(f"harper returned {len(fixed)} lines for {len(sentences)}: {out.stderr[-500:]}")
    return fixed
