"""Word completion with the torch LM (reference for the bundle's runtime, and for fp32 metrics).

A suggestion is a whole word: a beam search over tokens whose text must agree with what was typed
(the separating space plus the word prefix), then continues with word characters only; a word's
score is P(its tokens) × P(a word boundary follows).
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import torch
from tokenizers import Tokenizer
from transformers import GPT2LMHeadModel

WORD_CHARS = re.compile(r"[A-Za-z0-9']+")
MAX_CONTEXT = 96  # tokens of left context fed to the model


@dataclass
class _Beam:
    ids: list[int]
    text: str  # text generated after the context
    logp: float


class LMCompleter:
    """``predict(context, prefix, k)`` → top-k words; ``nll(text)`` → (nats, tokens) for perplexity."""

    def __init__(self, folder: Path, beam: int = 8, max_steps: int = 4) -> None:
        self.model = GPT2LMHeadModel.from_pretrained(folder, dtype=torch.float32).eval()
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.beam, self.max_steps = beam, max_steps
        n = self.tok.get_vocab_size()
        self.texts = [self.tok.decode([i]) for i in range(n)]
        self.eos = self.tok.token_to_id("<|endoftext|>")
        # Tokens that extend a word, and tokens that start with a boundary (space, punctuation, end).
        self.word_mask = torch.tensor([bool(WORD_CHARS.fullmatch(t)) for t in self.texts])
        self.boundary_mask = torch.tensor([i == self.eos or (t != "" and not WORD_CHARS.match(t))
                                           for i, t in enumerate(self.texts)])
        self.sorted_texts = sorted((t, i) for i, t in enumerate(self.texts) if t and i != self.eos)
        self.by_text = {t: i for t, i in self.sorted_texts}

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one completer per process; typed prefixes repeat
    def _consistent(self, remaining: str) -> torch.Tensor:
        """Token ids whose text is a prefix of ``remaining`` or starts with it (and goes on as a word)."""
        ids = [self.by_text[remaining[:j]] for j in range(1, len(remaining)) if remaining[:j] in self.by_text]
        lo = bisect.bisect_left(self.sorted_texts, (remaining, -1))
        for t, i in self.sorted_texts[lo:]:
            if not t.startswith(remaining):
                break
            if WORD_CHARS.fullmatch(t[len(remaining):] or "a"):
                ids.append(i)
        return torch.tensor(ids, dtype=torch.long)

    @torch.no_grad()
    def predict(self, context: str, prefix: str, k: int = 3) -> list[str]:
        stripped = context.rstrip(" ")
        lead = " " if stripped and stripped != context else ""
        required = lead + prefix
        ctx = (self.tok.encode(stripped).ids if stripped else [])[-MAX_CONTEXT:] or [self.eos]
        out = self.model(input_ids=torch.tensor([ctx]), use_cache=True)
        cache, lp = out.cache, torch.log_softmax(out.logits[:, -1], dim=-1)
        beams: list[_Beam] = [_Beam([], "", 0.0)]
        done: dict[str, float] = {}
        for step in range(self.max_steps + 1):
            grown: list[tuple[_Beam, int]] = []  # (beam, index of its parent in the cache batch)
            for j, (b, row) in enumerate(zip(beams, lp, strict=True)):
                word = b.text[len(lead):]
                if len(b.text) >= len(required) and word and WORD_CHARS.fullmatch(word):
                    score = b.logp + torch.logsumexp(row[self.boundary_mask], 0).item()
                    done[word] = max(done.get(word, -math.inf), score)
                allowed = self._consistent(required[len(b.text):]) if len(b.text) < len(required) \
                    else self.word_mask
                masked = torch.full_like(row, -math.inf)
                masked[allowed] = row[allowed]
                top = torch.topk(masked, self.beam)
                pairs = zip(top.values.tolist(), top.indices.tolist(), strict=True)
                grown += [(_Beam([*b.ids, i], b.text + self.texts[i], b.logp + v), j)
                          for v, i in pairs if v > -math.inf]
            grown = sorted(grown, key=lambda bj: -bj[0].logp)[:self.beam]
            if step == self.max_steps or not grown:
                break
            cache.reorder_cache(torch.tensor([j for _, j in grown]))  # index_select: parents may repeat
            beams = [b for b, _ in grown]
            out = self.model(input_ids=torch.tensor([[b.ids[-1]] for b in beams]), cache=cache)
            cache, lp = out.cache, torch.log_softmax(out.logits[:, -1], dim=-1)
        return [w for w, _ in sorted(done.items(), key=lambda kv: -kv[1])[:k]]

    @torch.no_grad()
    def nll(self, text: str, window: int = 128) -> tuple[float, int]:
        """Total next-token NLL (nats) of ``text`` after an EOS, in non-overlapping windows."""
        ids = [self.eos, *self.tok.encode(text).ids]
        total = 0.0
        for s in range(0, len(ids) - 1, window):
            chunk = torch.tensor([ids[s:s + window + 1]])
            logits = self.model(input_ids=chunk[:, :-1]).logits
            total += torch.nn.functional.cross_entropy(logits[0], chunk[0, 1:], reduction="sum").item()
        return total, len(ids) - 1
