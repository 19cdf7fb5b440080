"""Training recipes for the default students (sentiment, autocomplete, grammar).

Run ``python -m students.train TASK`` and ``python -m students.evaluate TASK BUNDLE``.
Downloaded sources live in ``students/.cache/`` (git-ignored); every one is fetched by name
from the package registries by :mod:`students.sources`, so nothing a command can fetch is committed.
"""
