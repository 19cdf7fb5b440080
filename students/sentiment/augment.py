"""Perturbed copies of the training texts, for the student to match the teacher on (TinyBERT-style).

A 2-3 layer student learns the teacher's function from the points it is shown. The labeled texts are
few (18.8k), so each one also yields a few perturbed copies: words dropped, a cropped span, or its first
half spliced to another text's second half (mixed sentiment, where the teacher's soft label says the
most). The teacher labels them; they carry no hard label. No copy may normalize to a dev or test text.

>>> texts = ["a gripping , beautifully acted film", "the plot is thin and the jokes fall flat"]
>>> copies = augment(texts, copies=2, held_out=set(), seed=0)
>>> 0 < len(copies) <= 4 and not set(copies) & set(texts)
True
"""

from __future__ import annotations

import random
from collections.abc import Callable

from students.sentiment.data import normalize

MIN_WORDS = 4  # shorter texts are not perturbed (a crop of three words says little)
DROP_P = 0.15


def drop_words(words: list[str], rng: random.Random, _: list[str]) -> list[str]:
    kept = [w for w in words if rng.random() > DROP_P]
    return kept if len(kept) >= 3 else words[:3]


def crop(words: list[str], rng: random.Random, _: list[str]) -> list[str]:
    n = max(3, round(len(words) * rng.uniform(0.5, 0.9)))
    start = rng.randrange(len(words) - n + 1)
    return words[start : start + n]


def splice(words: list[str], rng: random.Random, texts: list[str]) -> list[str]:
    other = rng.choice(texts).split()
    return words[: len(words) // 2] + other[len(other) // 2 :]


PERTURBATIONS: tuple[Callable[[list[str], random.Random, list[str]], list[str]], ...] = (
    drop_words,
    crop,
    splice,
)


def augment(texts: list[str], copies: int, held_out: set[str], seed: int = 0) -> list[str]:
    """Up to ``copies`` perturbed versions of each text of ``MIN_WORDS`` words or more, deduplicated.

    ``held_out``: normalized dev/test texts that no copy may equal (nor may it equal a source text).
    """
    rng = random.Random(seed)
    seen = held_out | {normalize(t) for t in texts}
    out = []
    for text in texts:
        words = text.split()
        if len(words) < MIN_WORDS:
            continue
        for _ in range(copies):
            copy = " ".join(rng.choice(PERTURBATIONS)(words, rng, texts))
            key = normalize(copy)
            if key and key not in seen:
                seen.add(key)
                out.append(copy)
    return out
