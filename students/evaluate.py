"""``python -m students.evaluate TASK BUNDLE [options]``: metrics of a converted student (table + JSON)."""

from students.cli import dispatch

if __name__ == "__main__":
    raise SystemExit(dispatch("evaluate"))
