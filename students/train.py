"""``python -m students.train TASK [options]``: train one default student (resumable)."""

from students.cli import dispatch

if __name__ == "__main__":
    raise SystemExit(dispatch("train"))
