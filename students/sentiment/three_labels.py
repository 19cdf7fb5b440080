"""Three-label sentiment data: the polar splits of ``students.sentiment.data`` plus a neutral class.

``python -m students.sentiment.three_labels`` writes ``students/runs/sentiment/three/{train,dev}.jsonl``
and ``stats.json``, which records the :func:`parameters` they were built with: a build with other
parameters is redone. Neutral examples come from two places:

- the Hutto ground truth's snippets whose mean human rating is within ``data.NEUTRAL_MARGIN`` of zero
  (mixed or opinion-free reviews, tweets and editorials);
- plainly factual sentences of everyday text: e-mail sentences (SpamAssassin non-spam bodies) and
  movie-dialog lines with no strongly rated word of VADER's lexicon (mild ones such as "please", "no",
  "want" are allowed: instructions and requests use them), no exclamation mark and no emoticon
  (schedules, instructions, requests, descriptions). A sentence without rated words can still carry an
  opinion ("the bottle leaked on the first day"), which is why they are capped at ``FACTUAL_SHARE`` of
  the neutral class, and why :func:`implicit_polar` repeats the polar training texts that have no
  strongly rated word either: the model must learn sentiment from events, not from the lexicon.

Splits follow ``data.SPLIT_BUCKETS`` by the hash of the normalized text, so no neutral text shares a key
with a polar dev/test text, and the hand-written frozen evaluation set (``students/sentiment/eval``) is
not read here at all. The test bucket is left out: the three-label model is judged on the frozen set.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from students import corpora
from students.sentiment import data

OUT = data.OUT.parent / "three"
LABELS = ("negative", "neutral", "positive")  # index = class id of the three-label head
FACTUAL_SHARE = 0.6  # at most this share of the neutral class comes from lexicon-free sentences
NEUTRAL_SHARE = 0.25  # the neutral class is this share of the training split
MILD_VALENCE = 1.3  # VADER ratings up to this size ("please" 1.3, "no" -1.2) do not make a text polar
IMPLICIT_COPIES = 2  # extra copies of each polar training text without a strongly rated word
FACTUAL_WORDS = (4, 30)  # word count range of a factual sentence
_EMOTICON = re.compile(r"[:;=][-']?[()dpDP/\\|]|<3|\bx[dD]\b")


def _lexicon() -> set[str]:
    """VADER's words rated stronger than MILD_VALENCE."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return {w for w, v in SentimentIntensityAnalyzer().lexicon.items() if abs(v) > MILD_VALENCE}


def unrated(text: str, lexicon: set[str]) -> bool:
    """No strongly rated word, no '!' and no emoticon."""
    words = re.findall(r"[a-z']+", text.lower())
    return not ("!" in text or _EMOTICON.search(text) or any(w in lexicon or w.strip("'") in lexicon
                                                              for w in words))


def factual(text: str, lexicon: set[str]) -> bool:
    """An unrated sentence of ordinary length."""
    return FACTUAL_WORDS[0] <= len(re.findall(r"[a-z']+", text.lower())) <= FACTUAL_WORDS[1] and unrated(
        text, lexicon)


def implicit_polar(examples: list[data.Example]) -> list[data.Example]:
    """IMPLICIT_COPIES more of each polar example that has no strongly rated word."""
    lexicon = _lexicon()
    implicit = [e for e in examples if e.label != "neutral" and unrated(e.text, lexicon)]
    return implicit * IMPLICIT_COPIES


def _everyday_sentences() -> list[tuple[str, str]]:
    """(source, sentence) of the e-mail bodies and movie-dialog lines."""
    out = [("email_factual", s) for _, body in corpora.email_messages()
           for para in corpora.paragraphs(body) for s in corpora.sentences(para)]
    out += [("dialog_factual", s) for s in corpora.load_corpus("movie_dialog")]
    return out


def neutral_examples() -> list[data.Example]:
    """Hutto neutral-band snippets, then lexicon-free everyday sentences (deterministic order)."""
    band = [data.Example(text, "neutral", f"{name}_neutral") for name in data.SOURCES
            if name.startswith("hutto")
            for score, text in data.hutto_scored(name) if abs(score) < data.NEUTRAL_MARGIN]
    lexicon = _lexicon()
    by_source: dict[str, list[data.Example]] = {}
    for source, text in _everyday_sentences():
        if factual(text, lexicon):
            by_source.setdefault(source, []).append(data.Example(" ".join(text.split()), "neutral", source))
    # Alternate the sources so that a capped share still holds e-mail and dialog alike.
    ranked = [sorted(rows, key=lambda e: data.text_hash(e.text)) for _, rows in sorted(by_source.items())]
    facts = [ex for group in itertools.zip_longest(*ranked) for ex in group if ex is not None]
    return band + facts


def parameters() -> dict:
    """What the splits depend on besides the corpora, as JSON: stats.json keeps them."""
    return {
        "neutral_margin": data.NEUTRAL_MARGIN,
        "split_buckets": [[name, rng.start, rng.stop] for name, rng in data.SPLIT_BUCKETS],
        "factual_share": FACTUAL_SHARE,
        "neutral_share": NEUTRAL_SHARE,
        "mild_valence": MILD_VALENCE,
        "factual_words": list(FACTUAL_WORDS),
        "emoticon": _EMOTICON.pattern,
    }


def _built(stats_path: Path) -> dict | None:
    """The stats of splits already built with today's :func:`parameters`, or None."""
    if not stats_path.exists():
        return None
    stats = json.loads(stats_path.read_text())
    return stats if stats.get("parameters") == parameters() else None


def prepare(root: Path = OUT) -> dict:
    """Build train/dev unless they were built with today's parameters, and return the stats."""
    stats_path = root / "stats.json"
    built = _built(stats_path)
    if built is not None:
        return built
    data.prepare()
    polar = {name: data.read_split(name) for name in ("train", "dev", "test")}
    taken = {data.normalize(e.text) for rows in polar.values() for e in rows}
    neutral: dict[str, list[data.Example]] = {"train": [], "dev": [], "test": []}
    for ex in neutral_examples():
        key = data.normalize(ex.text)
        if not key or key in taken:
            continue
        taken.add(key)
        bucket = data.text_hash(ex.text) % 100
        neutral[next(name for name, rng in data.SPLIT_BUCKETS if bucket in rng)].append(ex)
    splits = {}
    for name in ("train", "dev"):
        want = round(len(polar[name]) * NEUTRAL_SHARE / (1 - NEUTRAL_SHARE))
        band = [e for e in neutral[name] if not e.source.endswith("_factual")]
        facts = [e for e in neutral[name] if e.source.endswith("_factual")]
        n_facts = min(len(facts), max(want - len(band), round(want * FACTUAL_SHARE)))
        chosen = band[: want - n_facts] + facts[:n_facts]
        splits[name] = sorted(polar[name] + chosen, key=lambda e: data.text_hash(e.text))
    root.mkdir(parents=True, exist_ok=True)
    for name, rows in splits.items():
        with (root / f"{name}.jsonl").open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(asdict(ex), ensure_ascii=False) + "\n" for ex in rows)
    stats = {
        "labels": LABELS,
        "splits": {name: dict(Counter(e.label for e in rows)) for name, rows in splits.items()},
        "sources": {name: dict(Counter(e.source for e in rows)) for name, rows in splits.items()},
        "parameters": parameters(),
    }
    stats_path.write_text(json.dumps(stats, indent=2))
    return stats


def read_split(name: str, root: Path = OUT) -> list[data.Example]:
    return data.read_split(name, root)


def main(argv: list[str] | None = None) -> int:
    del argv
    print(json.dumps(prepare(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
