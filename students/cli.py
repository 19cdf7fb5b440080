"""Shared entry point of ``python -m students.train`` and ``python -m students.evaluate``.

Each task has a package ``students/<task>/`` whose ``train`` and ``evaluate`` modules expose
``main(argv) -> int``; this only picks the module.
"""

from __future__ import annotations

import importlib
import sys

TASKS = ("sentiment", "autocomplete", "grammar")
USAGE = {"train": "TASK [options]", "evaluate": "TASK BUNDLE [options]"}


def dispatch(verb: str, argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in TASKS:
        print(f"usage: python -m students.{verb} {{{','.join(TASKS)}}} {USAGE[verb].split(' ', 1)[1]}",
              file=sys.stderr)
        return 2
    return importlib.import_module(f"students.{argv[0]}.{verb}").main(argv[1:]) or 0
