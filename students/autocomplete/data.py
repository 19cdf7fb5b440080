"""Training text for the autocomplete LM: documents per source, a deterministic held-out split, and
token streams cached as ``.npy`` under ``students/runs/autocomplete/data``.

The mix weights everyday register (dialogs, reviews, tweets) up against the 18th–19th-century prose
and the speeches: autocompletion is used for e-mail, chat and reviews, not for Melville.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from students import corpora
from students.autocomplete.authors import author_streams

RUNS = Path(__file__).resolve().parents[1] / "runs" / "autocomplete"
DATA = RUNS / "data"
EOS = "<|endoftext|>"
HELDOUT_PERCENT = 2  # of documents, chosen by a hash of their text (stable across runs and machines)


@dataclass(frozen=True)
class Source:
    """One corpus and how strongly batches sample it (tokens drawn ∝ weight × its size)."""

    name: str
    weight: float
    everyday: bool  # modern everyday register (evaluated separately from prose)


SOURCES: tuple[Source, ...] = (
    Source("sotu", 0.5, False),        # 1.79M words: halve, it is one register (speeches)
    Source("moby_dick", 1.0, False),   # 0.21M
    Source("austen", 1.0, False),      # 0.72M
    Source("movie_dialog", 1.5, True),  # 0.87M
    Source("reviews", 2.0, True),      # 0.41M: tweets, movie/Amazon/NYT snippets
    Source("emails", 2.0, True),       # 0.5M: the writers' own text of 4,150 non-spam e-mails
)

SOTU_CHUNK = 8  # sentences per document: a speech is one 8,000-word line in the source


def _chunks(items: list[str], size: int) -> list[str]:
    return [" ".join(items[i:i + size]) for i in range(0, len(items), size)]


def documents(name: str) -> list[str]:
    """Deduplicated documents of one source, shaped for the LM (dialog turns paired as exchanges)."""
    if name == "movie_dialog":
        docs = [f"{a}\n{b}" for a, b in corpora.dialog_pairs()]
    elif name == "emails":  # one document per message, so a held-out message is held out whole
        docs = ["\n".join(corpora.paragraphs(body)) for _, body in corpora.email_messages()]
        docs = [d for d in docs if d]
    else:
        docs = corpora.load_corpus(name)
    if name == "sotu":
        docs = [c for d in docs for c in _chunks(corpora.sentences(d), SOTU_CHUNK)]
    return list(dict.fromkeys(docs))


def is_heldout(doc: str) -> bool:
    return zlib.crc32(doc.encode("utf-8")) % 100 < HELDOUT_PERCENT


def simulated_users_mail() -> set[str]:
    """Every message of the authors whose mail simulates users in ``personal_eval``: the personal-words
    figures assume the model never read them."""
    return {text for stream in author_streams().values() for text in stream}


def split(name: str) -> tuple[list[str], list[str]]:
    """(train, held-out) documents of one source. Held-out text never enters a training stream."""
    docs = documents(name)
    held = {d for d in docs if is_heldout(d)}
    if name == "emails":
        held |= simulated_users_mail() & set(docs)
    # A dialog line can recur in another exchange; keep held-out lines out of training entirely.
    held_lines = {line for d in held for line in d.split("\n")}
    train = [d for d in docs if d not in held and not (held_lines & set(d.split("\n")))]
    return train, sorted(held)


def stream_path(name: str, part: str) -> Path:
    return DATA / f"{name}.{part}.npy"


def build_streams(tokenizer, parts: tuple[str, ...] = ("train", "heldout")) -> dict[str, dict[str, Path]]:
    """Encode every source's documents, joined by EOS, into uint16 token streams (cached)."""
    DATA.mkdir(parents=True, exist_ok=True)
    eos = tokenizer.token_to_id(EOS)
    out: dict[str, dict[str, Path]] = {}
    for src in SOURCES:
        paths = {part: stream_path(src.name, part) for part in parts}
        if not all(p.exists() for p in paths.values()):
            train, held = split(src.name)
            for part, docs in (("train", train), ("heldout", held)):
                ids: list[int] = [eos]
                for enc in tokenizer.encode_batch(docs):
                    ids += [*enc.ids, eos]
                np.save(stream_path(src.name, part), np.asarray(ids, dtype=np.uint16))
        out[src.name] = paths
    return out


def training_text() -> list[str]:
    """All training documents of all sources (tokenizer training, bigram baseline)."""
    return [d for src in SOURCES for d in split(src.name)[0]]


class Batches:
    """Random 129-token windows from the training streams, drawn per source ∝ weight × stream length.

    Batch ``step`` depends only on (seed, step), so a resumed run sees exactly the batches it would have.
    """

    def __init__(self, streams: dict[str, np.ndarray], batch: int, length: int, seed: int) -> None:
        self.names = [s.name for s in SOURCES]
        self.streams = [streams[n] for n in self.names]
        mass = np.array([s.weight * len(streams[s.name]) for s in SOURCES], dtype=np.float64)
        self.probs = mass / mass.sum()
        self.batch, self.length, self.seed = batch, length, seed

    def __call__(self, step: int) -> np.ndarray:
        rng = np.random.default_rng((self.seed, step))
        picks = rng.choice(len(self.streams), size=self.batch, p=self.probs)
        rows = []
        for k in picks:
            stream = self.streams[k]
            start = int(rng.integers(0, len(stream) - self.length - 1))
            rows.append(stream[start:start + self.length + 1])
        return np.stack(rows).astype(np.int64)
