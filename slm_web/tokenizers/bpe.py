"""BPE (GPT-2 family): merges applied lowest rank first, leftmost first among equal ranks.

This follows HF's ``Word::merge_all``: a heap of candidate merges keyed by (rank, position), stale
entries skipped, so the result is HF's even for merge tables that are not in training order, and a
long word costs O(n log n) rather than O(n^2).
"""

from __future__ import annotations

import heapq
from itertools import pairwise
from typing import Any

from .models import WordMemo, WordToken, invert


def _merge_pairs(raw: list[Any]) -> list[tuple[str, str]]:
    """Merges as pairs; tokenizer.json stores either ``"a b"`` strings (older) or ``[a, b]`` lists."""
    return [tuple(m.split(" ", 1)) if isinstance(m, str) else (m[0], m[1]) for m in raw]


class BPE:
    """HF's ``BPE`` model without dropout and byte fallback (``ValueError`` if a file asks for them)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        if spec.get("dropout") not in (None, 0.0):
            raise ValueError("unsupported tokenizer component: BPE dropout (not deterministic)")
        if spec.get("byte_fallback"):
            raise ValueError("unsupported tokenizer component: BPE byte_fallback")
        self.vocab: dict[str, int] = spec["vocab"]
        self.unk_token: str | None = spec.get("unk_token")
        self.prefix: str = spec.get("continuing_subword_prefix") or ""
        self.suffix: str = spec.get("end_of_word_suffix") or ""
        self.fuse_unk: bool = bool(spec.get("fuse_unk"))
        self.ignore_merges: bool = bool(spec.get("ignore_merges"))
        self.merges: dict[tuple[int, int], tuple[int, int]] = {}
        for rank, (a, b) in enumerate(_merge_pairs(spec.get("merges", []))):
            new = a + b[len(self.prefix):]
            missing = [t for t in (a, b, new) if t not in self.vocab]
            if missing:
                raise ValueError(f"BPE merge {a!r} {b!r} uses {missing[0]!r}, which is not in the vocabulary")
            self.merges[(self.vocab[a], self.vocab[b])] = (rank, self.vocab[new])
        self._vocab_r = invert(self.vocab)
        self._memo = WordMemo(self._tokenize)

    def tokenize(self, word: str) -> list[WordToken]:
        """Tokens of ``word`` with character positions in it."""
        if not word:
            return []
        if self.ignore_merges and word in self.vocab:
            return [(self.vocab[word], word, 0, len(word))]
        return self._memo(word)

    def _symbols(self, word: str) -> tuple[list[int], list[int], list[int]]:
        """Initial symbols (ids, first character, length in characters). An unknown character becomes
        the unknown token (a run of them one token when ``fuse_unk``), or is dropped without one, as in HF."""
        ids: list[int] = []
        starts: list[int] = []
        lens: list[int] = []
        unk_id = self.vocab.get(self.unk_token) if self.unk_token is not None else None
        last, after_unknown = len(word) - 1, False
        for i, char in enumerate(word):
            found = self.vocab.get((self.prefix if i else "") + char + (self.suffix if i == last else ""))
            unknown = found is None
            if unknown:
                if unk_id is None:
                    continue
                if after_unknown and self.fuse_unk:
                    lens[-1] += 1
                    continue
                found = unk_id
            ids.append(found)
            starts.append(i)
            lens.append(1)
            after_unknown = unknown
        return ids, starts, lens

    def _tokenize(self, word: str) -> list[WordToken]:
        ids, starts, lens = self._symbols(word)
        n = len(ids)
        nxt = [*range(1, n), -1]
        prev = list(range(-1, n - 1))
        merges = self.merges
        heap = [(merges[p][0], i, merges[p][1]) for i, p in enumerate(pairwise(ids)) if p in merges]
        heapq.heapify(heap)
        while heap:
            _, pos, new = heapq.heappop(heap)
            right = nxt[pos]
            if lens[pos] == 0 or right == -1 or merges.get((ids[pos], ids[right]), (0, -1))[1] != new:
                continue  # stale entry: one side was merged away since it was queued
            ids[pos] = new
            lens[pos] += lens[right]
            lens[right] = 0
            nxt[pos] = nxt[right]
            if nxt[right] != -1:
                prev[nxt[right]] = pos
            for left, here in ((prev[pos], pos), (pos, nxt[pos])):
                if left >= 0 and here != -1 and (ids[left], ids[here]) in merges:
                    rank, made = merges[(ids[left], ids[here])]
                    heapq.heappush(heap, (rank, left, made))
        return [(ids[i], self._vocab_r[ids[i]], starts[i], starts[i] + lens[i]) for i in range(n) if lens[i]]
