"""Word-bigram baseline (Witten-Bell interpolated with a unigram) built from the LM's training text.

Words and punctuation marks are both tokens of the history (so "you ." differs from "you"), but only
words are ever suggested.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)*|[^\sA-Za-z0-9]")
WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)*")
START = "<s>"


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


class WordBigram:
    """P(w | v) = (c(v, w) + T(v) · P1(w)) / (c(v) + T(v)); P1 is add-one smoothed with an <unk> slot."""

    def __init__(self, docs: Iterable[str]) -> None:
        self.pairs: dict[str, Counter[str]] = defaultdict(Counter)
        self.unigram: Counter[str] = Counter()
        for doc in docs:
            toks = [START, *tokens(doc)]
            self.unigram.update(toks[1:])
            for v, w in itertools.pairwise(toks):
                self.pairs[v][w] += 1
        self.total = sum(self.unigram.values())
        self.vocab = len(self.unigram) + 1  # + <unk>
        # Suggestion lists: words only, most frequent first (ties broken alphabetically for determinism).
        self.ranked_unigram = sorted((w for w in self.unigram if WORD.fullmatch(w)),
                                     key=lambda w: (-self.unigram[w], w))
        self._ranked: dict[str, list[str]] = {}

    def p_unigram(self, w: str) -> float:
        return (self.unigram.get(w, 0) + 1) / (self.total + self.vocab)

    def prob(self, v: str, w: str) -> float:
        follow = self.pairs.get(v)
        if not follow:
            return self.p_unigram(w)
        n, types = sum(follow.values()), len(follow)
        return (follow.get(w, 0) + types * self.p_unigram(w)) / (n + types)

    def _followers(self, v: str) -> list[str]:
        if v not in self._ranked:
            follow = self.pairs.get(v, Counter())
            self._ranked[v] = sorted((w for w in follow if WORD.fullmatch(w)), key=lambda w: (-follow[w], w))
        return self._ranked[v]

    def predict(self, context: str, prefix: str, k: int = 3) -> list[str]:
        """Top-k words starting with ``prefix`` after ``context``: seen followers first, then unigram."""
        toks = tokens(context)
        prev = toks[-1] if toks else START
        out: list[str] = []
        for ranked in (self._followers(prev), self.ranked_unigram):
            for w in ranked:
                if w.startswith(prefix) and w not in out:
                    out.append(w)
                    if len(out) == k:
                        return out
        return out

    def nll(self, text: str) -> tuple[float, int]:
        """(total negative log-likelihood in nats, token count) of a document."""
        toks = [START, *tokens(text)]
        return -sum(math.log(self.prob(v, w)) for v, w in itertools.pairwise(toks)), len(toks) - 1
