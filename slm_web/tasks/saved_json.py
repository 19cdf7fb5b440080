"""Reading the JSON documents a user's data is kept in (personal words, grammar preferences).

Each is a versioned object ``{"format": NAME, "version": N, ...}`` that the caller stores where it likes and
hands back later, possibly edited by hand or by something hostile: :func:`read` refuses anything that is not
such an object with a one-line :class:`~slm_web.errors.InputTextError`, and the document's own module checks
the rest.

>>> read('{"format": "notes", "version": 1, "notes": []}', "notes", 1, 100)["notes"]
[]
>>> read('{"format": "notes", "version": 2}', "notes", 1, 100)
Traceback (most recent call last):
...
slm_web.errors.InputTextError: notes version 2 is not 1
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InputTextError, short_repr


def read(document: Any, what: str, version: int, max_chars: int, name: str | None = None) -> dict[str, Any]:
    """The object of ``document``, whose ``format`` is ``name`` (default: ``what``) and ``version`` is
    ``version``; ``what`` names it in the errors ("personal words")."""
    name = name or what
    if not isinstance(document, str):
        raise InputTextError(f"{what} must be a JSON str, not {type(document).__name__}")
    if len(document) > max_chars:
        raise InputTextError(f"{what} JSON is larger than {max_chars} characters")
    try:
        data = json.loads(document)
    except (ValueError, RecursionError) as e:
        raise InputTextError(f"{what} are not valid JSON ({one_line(e)})") from None
    if not isinstance(data, dict) or data.get("format") != name:
        raise InputTextError(f"{what} JSON must be an object with format {name!r}")
    if data.get("version") != version:
        raise InputTextError(f"{what} version {short_repr(data.get('version'))} is not {version}")
    return data


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:200]
