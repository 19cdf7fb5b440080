"""Clean seed sentences and the synthetic (erroneous, correct, tags) training set.

``python -m students.grammar.data`` writes ``students/runs/grammar/{train,dev,test}.jsonl``; each line is
``{"src": erroneous, "tgt": correct, "kinds": [...], "tags": [...]}``. Everyday text (reviews, movie
dialogs, e-mails) is weighted up against the older prose. The split is by a hash of the clean sentence, so the
held-out sets share no sentence with training. ``handwritten.tsv`` (evaluation only) is never read here.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path

from students import corpora
from students.grammar import errors, learner_errors, lexicon, tags

RUNS = Path(__file__).resolve().parents[1] / "runs" / "grammar"
SEED = 5
# sentences taken per source (after filtering and deduplication), everyday register first
SOURCE_CAPS = {
    "reviews": 20000, "emails": 17000, "movie_dialog": 60000, "austen": 8000, "sotu": 12000,
    "moby_dick": 3000,
}
MIN_WORDS, MAX_WORDS = 5, 40
HELD_OUT = {"test": 1000, "dev": 500}  # sentences, taken in hash order (see split)
_ASCII = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": " - ", "–": "-", "…": "..."})
_SHAPE = re.compile(r"^[\"']?[A-Z].*[.!?][\"']?$")
_NOISE = re.compile(r"https?:|www\.|@|#|\bRT\b|url_removed|\s[,.!?]|[*_~<>{}\[\]|\\^]")


def _misspelled_words() -> set[str]:
    """Every misspelling codespell knows: a seed sentence containing one is not clean."""
    return {w for ws in lexicon.misspellings().values() for w in ws}


def clean(sentence: str, bad_words: set[str]) -> str | None:
    """The sentence in plain ASCII if it looks like clean, complete text; else None."""
    s = " ".join(sentence.translate(_ASCII).split())
    if not s.isascii() or not _SHAPE.match(s) or _NOISE.search(s):
        return None
    n = len(s.split())
    if not MIN_WORDS <= n <= MAX_WORDS or any(w in bad_words for w in re.findall(r"[a-z]+", s.lower())):
        return None
    return s


def seed_sentences() -> list[tuple[str, str]]:
    """(source, sentence) pairs, deduplicated across sources, capped per source, deterministic order."""
    bad = _misspelled_words()
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for name, cap in SOURCE_CAPS.items():
        pool = []
        for doc in corpora.load_corpus(name):
            for sent in corpora.sentences(doc):
                s = clean(sent, bad)
                if s and s.lower() not in seen:
                    seen.add(s.lower())
                    pool.append(s)
        random.Random(f"{SEED}-{name}").shuffle(pool)
        out += [(name, s) for s in pool[:cap]]
        print(f"{name}: {len(pool)} clean sentences, {min(cap, len(pool))} used", file=sys.stderr)
    return out


def _hash(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


def split(pairs: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """Held-out sets = the sentences with the smallest hashes (stable when sources grow)."""
    ordered = sorted(pairs, key=lambda p: _hash(p[1]))
    out, start = {}, 0
    for name, n in HELD_OUT.items():
        out[name], start = ordered[start:start + n], start + n
    out["train"] = ordered[start:]
    random.Random(SEED).shuffle(out["train"])
    return out


def row(wrong: str, sentence: str, source: str, kinds: list[str]) -> dict:
    """One line of a split: the erroneous text, its correction and the tags between them."""
    return {"src": wrong, "tgt": sentence, "source": source, "kinds": kinds,
            "tags": tags.word_tags(wrong, sentence)}


def example(sentence: str, source: str, rng: random.Random) -> dict:
    wrong, kinds = errors.corrupt(sentence, rng)
    return row(wrong, sentence, source, kinds)


# The learner kinds need a cue word ("yesterday", "since", "tell me where"), so random corruption gives them
# few examples (the grammar model card has the shares); training sentences where one applies get an extra
# example of it, up to this many per kind.
TARGETED_PER_KIND = 2500
TARGETED_KINDS = (*errors.LEARNER_KIND_NAMES, *learner_errors.CONTRAST_KINDS)
# kind -> a rewrite of a clean sentence that gives the kind its cue word: few clean sentences say "yesterday"
# or "every day". Tense takes the rewrite only where it finds no place of its own; the contrast kind takes it
# first, since its point is a habitual phrase next to a present that stays.
PLACE_MAKERS = {
    "tense": learner_errors.with_past_time,
    "present_agreement": learner_errors.with_habitual_time,
}
CUE_FIRST = {"present_agreement"}
# kind -> share of its targeted examples left correct: "She walks to work every day." must stay as it is
KEPT_SHARE = {"present_agreement": 0.4}


def _candidates(sentence: str, kind: str, rng: random.Random) -> list[str]:
    """The sentences to try ``kind`` on, in order: as it is, and with the kind's cue word added."""
    maker = PLACE_MAKERS.get(kind)
    cued = maker(sentence, rng) if maker else None
    if cued is None:
        return [sentence]
    return [cued, sentence] if kind in CUE_FIRST else [sentence, cued]


def targeted_examples(pairs: list[tuple[str, str]], rng: random.Random) -> list[dict]:
    """Extra examples of each learner kind, on the training sentences where it finds a place."""
    counts = dict.fromkeys(TARGETED_KINDS, 0)
    out = []
    for source, sentence in pairs:
        for kind in counts:
            if counts[kind] >= TARGETED_PER_KIND:
                continue
            for used in _candidates(sentence, kind, rng):
                if made := errors.corrupt_with(used, kind, rng):
                    wrong, kinds = (used, []) if rng.random() < KEPT_SHARE.get(kind, 0.0) else made
                    counts[kind] += 1
                    out.append(row(wrong, used, source, kinds))
                    break
    print(f"targeted learner examples: {counts}", file=sys.stderr)
    return out


def build(out_dir: Path = RUNS) -> dict[str, Path]:
    """Write the three jsonl files; a split whose file exists is kept (delete train.jsonl to rebuild only
    the training data: dev and test come out the same, and keeping them keeps the figures comparable)."""
    paths = {name: out_dir / f"{name}.jsonl" for name in ("train", "dev", "test")}
    if all(p.exists() for p in paths.values()):
        return paths
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = split(seed_sentences())
    for name, pairs in parts.items():
        if paths[name].exists():
            continue
        rng = random.Random(f"{SEED}-{name}")
        tmp = paths[name].with_suffix(".partial")
        rows = [example(sent, source, rng) for source, sent in pairs]
        if name == "train":
            rows += targeted_examples(pairs, random.Random(f"{SEED}-targeted"))
            random.Random(SEED).shuffle(rows)
        with tmp.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")
        tmp.rename(paths[name])
        print(f"{name}: {len(rows)} examples -> {paths[name]}", file=sys.stderr)
    return paths


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


if __name__ == "__main__":
    build()
