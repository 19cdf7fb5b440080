"""Autocomplete: a decoder-only LM suggests how the text goes on, one or more whole words at a time.

>>> suggestions = model.complete_sync("The weather is", k=3)
>>> 1 <= len(suggestions) <= 3 and len({s.text for s in suggestions}) == len(suggestions)
True
>>> all(s.text.strip() == s.text and s.score > 0 for s in suggestions)
True

How it works:

- **Prompt**: the tail of the text (``max_positions`` bounds what the model can see) is tokenized once.
- **Token healing**: if the text ends inside a word ("I would li") or with whitespace, the tokens of that
  last piece are dropped from the prompt and generation is constrained to re-produce it first (" li" →
  " like"), so a suggestion completes the word the user is typing rather than starting a new one. The
  suggestion's ``text`` is the whole word(s) ("like"); ``insert`` is what to append to the input ("ke").
  A next word ("Thank you for your" → "help", insert " help") is offered only if the model gives the typed
  word a probability of having ended of at least ``MIN_TYPED_WORD_END``.
- **Decoding**: a small beam search, one token per step; the KV cache stays engine-side (``keep=``) and each
  step feeds one token per hypothesis, all hypotheses of the step in one batched run when the graph takes
  a batch (``dynamic_batch`` in the bundle's task_config; older bundles run one hypothesis at a time). The
  graph returns only the top-k of the last position, so probabilities are normalised over those k. The
  prompt's cache is kept for the next call: while a word is typed the prompt does not change (the word is
  healed), and when the text grows only the new tokens are fed.
- **Word boundaries**: a hypothesis is finished when the model's next token would start a word after
  ``max_words`` words, or is punctuation, a line break or end-of-text; its score includes the probability
  of that boundary, so "like" outranks the unfinished "lik".
- **Cancellation**: a newer ``complete`` call on the same model makes an older one still running raise
  :class:`~slm_web.errors.Cancelled` at its next step (the user typed on).
- **Personal words** (opt-in): after ``model.learn(text)`` the suggestions mix the model's with a memory of
  the user's own words (:mod:`slm_web.tasks.personal`), so names and habits come back; ``model.forget()``
  erases it, and a model that never learned answers exactly as the model alone.

>>> model.learn("Lunch with Ksenia on Friday. Ksenia says hi.")
8
>>> "Ksenia" in [s.text for s in model.complete_sync("Lunch with Kse")]
True
>>> model.forget(); model.personal_words
0
"""

from __future__ import annotations

import asyncio
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from .. import text as textlib
from ..backends.base import Tensor
from ..errors import Cancelled
from ..text import is_word_char
from .base import Model
from .personal import PersonalWords, personalize
from .results import Completion

# Decoding steps allowed per suggested word (most words are 1-3 BPE tokens), on top of the healed prefix.
STEPS_PER_WORD = 4
# A trailing "word" longer than this is not healed (nobody is typing it; healing would cost many steps).
MAX_HEAL_CHARS = 40
# After a typed word ("Thank you for your"), next-word suggestions are offered only if the model thinks the
# word is finished at least this likely; "I would li" thus gets "like", never a new word after "li".
MIN_TYPED_WORD_END = 0.5
# Characters of context read per model position: English BPE averages 4-5 per token, and tokenizing is the
# per-keystroke cost in pure Python, so a long text is cut well before the strict bound of slm_web.text.
TAIL_CHARS_PER_TOKEN = 6


def count_words(text: str) -> int:
    """Number of runs of word characters.

    >>> count_words(" like to-day, don't")
    3
    """
    count, inside = 0, False
    for ch in text:
        word = is_word_char(ch)
        count += word and not inside
        inside = word
    return count


def heal_start(text: str, words: Sequence[tuple[str, tuple[int, int]]]) -> int:
    """Where the trailing piece that token healing re-generates starts (``len(text)`` if none).

    ``words`` are the tokenizer's pre-tokens. The piece is the last one if it ends the text and is a partial
    word or whitespace; punctuation and over-long words are left alone.

    >>> heal_start("I would li", [("I", (0, 1)), (" would", (1, 7)), (" li", (7, 10))])
    7
    >>> heal_start("Hello,", [("Hello", (0, 5)), (",", (5, 6))])
    6
    """
    if not words:
        return len(text)
    start, end = words[-1][1]
    piece = text[start:end]
    healable = piece.isspace() or (piece and is_word_char(piece[-1]))
    if end != len(text) or not healable or end - start > MAX_HEAL_CHARS:
        return len(text)
    return start


@dataclass(frozen=True)
class Step:
    """What a token does to a hypothesis: ``extend`` it, ``finish`` it before the token, or neither."""

    extend: bool
    finish: bool


_INVALID, _EXTEND, _FINISH = Step(False, False), Step(True, False), Step(False, True)
# What a token's text does after a hypothesis past the healed prefix: continue its word (or start one right
# after healed whitespace), add a space and the next word, or end the word (whitespace only, punctuation,
# a line break).
WORD, NEXT_WORD, BOUNDARY = "word", "next word", "boundary"


def piece_kind(piece: str) -> str:
    """:data:`WORD`, :data:`NEXT_WORD` or :data:`BOUNDARY` for a non-empty piece of text.

    >>> piece_kind("ke"), piece_kind(" to"), piece_kind(", to"), piece_kind(" ")
    ('word', 'next word', 'boundary', 'boundary')
    """
    if is_word_char(piece[0]) or piece[0] == "\ufffd":
        return WORD
    if piece[0].isspace() and not piece.isspace() and "\n" not in piece and is_word_char(piece.lstrip()[0]):
        return NEXT_WORD
    return BOUNDARY


def step_after(kind: str, words: int, max_words: int) -> Step:
    """The step of a piece of ``kind`` after a hypothesis that suggests ``words`` words."""
    if kind == WORD or (kind == NEXT_WORD and words < max_words):
        return _EXTEND
    return _FINISH if words else _INVALID  # a hypothesis ends only after a word of its own


def classify_token(generated: str, candidate: str, prefix: str, max_words: int) -> Step:
    """What appending a token to the generated text means, given the healed ``prefix`` it must start with.

    ``generated`` and ``candidate`` are the decoded texts of the hypothesis before and after the token.

    >>> classify_token("", " like", " li", 1), classify_token("", " the", " li", 1)
    (Step(extend=True, finish=False), Step(extend=False, finish=False))
    >>> classify_token(" like", " like to", " li", 1), classify_token(" like", " like to", " li", 2)
    (Step(extend=False, finish=True), Step(extend=True, finish=False))
    >>> classify_token(" like", " like,", " li", 2)
    Step(extend=False, finish=True)
    """
    if len(generated) < len(prefix):  # still re-producing the healed prefix
        consistent = candidate.startswith(prefix) or prefix.startswith(candidate)
        if len(candidate) <= len(generated) or not consistent:
            return _INVALID
        if len(candidate) <= len(prefix):
            return _EXTEND
        generated = prefix  # judge what goes beyond the prefix like any other piece
    base = generated.rstrip("\ufffd")  # an incomplete UTF-8 sequence that this token may complete
    piece = candidate[len(base) :]
    if not candidate.startswith(base) or not piece:
        return _INVALID
    return step_after(piece_kind(piece), suggested_words(base, prefix), max_words)


@functools.lru_cache(maxsize=1024)  # called for every candidate token of a hypothesis with the same text
def suggested_words(generated: str, prefix: str) -> int:
    """Words a hypothesis suggests; a typed word kept as it is ("your" + " help") is not one of them.

    >>> suggested_words(" like", " li"), suggested_words(" your help", " your"), suggested_words(" and", "")
    (1, 1, 1)
    """
    words = count_words(generated)
    if keeps_typed_word(generated, prefix):
        words -= 1
    return words


def keeps_typed_word(generated: str, prefix: str) -> bool:
    """The healed prefix ends in a word, and the hypothesis leaves that word as typed."""
    if not prefix or not is_word_char(prefix[-1]) or len(generated) < len(prefix):
        return False
    return len(generated) == len(prefix) or not is_word_char(generated[len(prefix)])


def shown_text(generated: str, prefix: str) -> str:
    """The words a suggestion shows: the completed typed word and what follows, or only the new words.

    >>> shown_text(" like", " li"), shown_text(" your help", " your"), shown_text(" like", " ")
    ('like', 'help', 'like')
    """
    insert = generated[len(prefix) :]
    return insert.strip() if insert[:1].isspace() else generated.strip()


@dataclass
class _Hypothesis:
    ids: list[int]
    text: str
    logprob: float
    past: dict[str, Any]  # the cache of a whole run: the hypotheses of a batched step share one
    top: list[tuple[int, float]]
    row: int = 0  # this hypothesis' row in ``past``
    rows: int = 1  # rows in ``past``
    shared: bool = False  # its past belongs to the prompt cache, not to this search


class _Candidate(NamedTuple):
    """One token extending a hypothesis, before the step's run: its log-probability and text if taken."""

    parent: _Hypothesis
    token: int
    logprob: float
    text: str


@dataclass(eq=False)
class _Prompt:
    """The KV cache after a prompt, kept between calls: typing within a word leaves the prompt unchanged
    (the word is healed), and typing on only appends tokens to it."""

    ids: list[int]
    top: list[tuple[int, float]]
    past: dict[str, Any]
    users: int = 0  # complete() calls currently reading ``past``
    stale: bool = False  # replaced by a newer prompt: released once the last user is done


class AutocompleteModel(Model):
    task = "autocomplete"

    def __init__(self, manifest: dict[str, Any], tokenizer: Any, session: Any) -> None:
        super().__init__(manifest, tokenizer, session)
        c = self.config
        self.eos_id: int = c.get("eos_id", self.special_ids.get("eos", 0))
        self.max_positions: int = c["max_positions"]
        self.top_k: int = c["top_k"]
        kv = [(i, part) for i in range(c["n_layer"]) for part in ("key", "value")]
        self._past_names = [f"past_key_values.{i}.{part}" for i, part in kv]
        self._present_names = [f"present.{i}.{part}" for i, part in kv]
        self._empty_past = Tensor.zeros("float32", (1, c["n_head"], 0, c["head_dim"]))
        # Bundles converted before batched decoding (or from an export with batch fixed to 1) lack the key.
        self.dynamic_batch: bool = c.get("dynamic_batch", False)
        self._ticket = 0  # bumped by every complete(); an older call that sees a newer ticket cancels itself
        self._prompt_cache: _Prompt | None = None
        self._pieces: dict[int, tuple[str, str | None]] = {}  # token id -> its text and kind (see _piece)
        self.memory: PersonalWords | None = None  # personal words: None until learn() or import_memory()

    async def complete(self, text: str, k: int = 3, max_words: int = 1) -> list[Completion]:
        """Up to ``k`` distinct suggestions of ``max_words`` words for how ``text`` goes on, best first."""
        self._ticket += 1
        ticket = self._ticket
        text = textlib.clean(text)
        self.check_options("complete", k=k, max_words=max_words)
        prompt, healed, max_steps = self._prompt(text, max_words)
        prefix = self.tokenizer.decode(healed) if healed else ""
        finished: dict[str, Completion] = {}
        live: list[_Hypothesis] = []
        next_live: list[_Hypothesis] = []
        root = await self._run_prompt(prompt)
        try:
            live = [_Hypothesis([], "", 0.0, root.past, root.top, shared=True)]
            self._check(ticket)
            prefix_prob = 1.0  # P(the text goes on with the healed prefix), estimated at the first step
            for step in range(max_steps):
                expanded, mass = self._expand(live, healed, prefix, max_words, finished, k + 2)
                if step == 0 and prefix:
                    prefix_prob = mass
                candidates = self._prune(expanded, finished, k)
                if not candidates:
                    break
                await self._step(candidates, next_live, ticket)
                self._release(live)
                live, next_live = next_live, []
                await asyncio.sleep(0)  # let a newer request (the user typing on) start and cancel this one
                self._check(ticket)
        finally:
            self._release(live + next_live)
            self._done_with(root)
        # Scores are conditional on what was typed: P(suggestion | the text goes on with the healed prefix).
        ranked = sorted(finished.values(), key=lambda c: -c.score)[:k]
        suggestions = [Completion(c.text, c.insert, min(1.0, c.score / prefix_prob)) for c in ranked]
        if self.memory is not None and len(self.memory):
            return personalize(self.memory, text, suggestions, k)
        return suggestions

    def learn(self, text: str) -> int:
        """Remember the words of ``text`` (what the user wrote) for later suggestions; returns how many.

        Opt-in and on the device only: the memory lives in this object (see :meth:`export_memory` to keep it).
        """
        if self.memory is None:
            self.memory = PersonalWords()
        return self.memory.learn(textlib.clean(text))

    def forget(self) -> None:
        """Erase every learned word; suggestions are the model's alone again."""
        if self.memory is not None:
            self.memory.forget()
        self.memory = None

    @property
    def personal_words(self) -> int:
        """Distinct words learned (0 when nothing is)."""
        return 0 if self.memory is None else self.memory.words

    def export_memory(self) -> str:
        """The learned words as JSON, for the caller to store (see :meth:`import_memory`)."""
        return (self.memory or PersonalWords()).to_json()

    def import_memory(self, document: str) -> int:
        """Replace the learned words by :meth:`export_memory`'s JSON; returns :attr:`personal_words`.

        Anything that is not such a document raises :class:`~slm_web.errors.InputTextError` and leaves the
        memory as it was.
        """
        self.memory = PersonalWords.from_json(document)
        return self.personal_words

    def close(self) -> None:
        if self._prompt_cache is not None:
            self._prompt_cache.stale = True
            self._done_with(self._prompt_cache, using=False)
        super().close()

    async def _run_prompt(self, prompt: list[int]) -> _Prompt:
        """The prompt's top-k and KV cache (only the part after the cached prefix is run); caller = a user."""
        cached = self._prompt_cache
        if cached is not None and cached.ids == prompt:
            cached.users += 1
            return cached
        base = cached if cached is not None and prompt[: len(cached.ids)] == cached.ids else None
        if base is None:
            top, past = await self._advance(prompt, {name: self._empty_past for name in self._past_names})
        else:
            base.users += 1  # a newer call must not release it while this run reads it
            try:
                top, past = await self._advance(prompt[len(base.ids) :], base.past)
            finally:
                self._done_with(base)
        entry = _Prompt(prompt, top, past, users=1)
        old, self._prompt_cache = self._prompt_cache, entry
        if old is not None:
            old.stale = True
            self._done_with(old, using=False)
        return entry

    def _done_with(self, entry: _Prompt, using: bool = True) -> None:
        """A user of a cached prompt is done; a replaced prompt is released when its last user is."""
        entry.users -= using
        if entry.stale and entry.users == 0:
            self._free(entry.past)

    def _check(self, ticket: int) -> None:
        if ticket != self._ticket:
            raise Cancelled("complete() was superseded by a newer call on the same model")

    def _prompt(self, text: str, max_words: int) -> tuple[list[int], list[int], int]:
        """``(prompt ids, healed ids, max steps)``: the tail tokens minus the trailing piece to re-generate.

        Prompt and generated tokens together stay within ``max_positions``.
        """
        tail = text[textlib.tail_start(text, self.max_positions, TAIL_CHARS_PER_TOKEN) :]
        encoding = self.tokenizer.encode(tail)
        cut = heal_start(tail, self.tokenizer.pre_tokenize(tail))
        ids = list(encoding.ids)
        keep = len(ids)
        while keep and encoding.offsets[keep - 1][1] > cut:
            keep -= 1
        healed = ids[keep:]
        max_steps = min(len(healed) + STEPS_PER_WORD * max_words, self.max_positions // 2)
        prompt = ids[max(0, keep - (self.max_positions - max_steps)) : keep]
        return (prompt or [self.eos_id]), healed, max_steps

    async def _step(
        self, candidates: list[_Candidate], into: list[_Hypothesis], ticket: int
    ) -> None:
        """Advance every candidate by its token, appending the new hypotheses to ``into`` as they come (the
        caller releases them, also when this raises).

        With a ``dynamic_batch`` graph this is one run for all of them. That needs one cache holding every
        parent as a row of the same length, and the beam gives exactly that: the candidates of a step extend
        hypotheses that were all made by the previous step's single run (or are the prompt's one row), so
        each parent has the same number of tokens after the same prompt. Token healing does not change this:
        it only restricts which tokens a hypothesis may pick, never how many it feeds. The run continues the
        parents' rows, gathered engine-side, except from a one-row past (the prompt's), which the graph
        shares among all rows itself; no padding or attention mask is needed. Other graphs have batch 1:
        one run per candidate.
        """
        groups = [candidates] if self.dynamic_batch else [[c] for c in candidates]
        for group in groups:
            parents = [c.parent for c in group]
            rows = [h.row for h in parents]
            past = parents[0].past  # the same for every parent (see above)
            gather = parents[0].rows > 1 and rows != list(range(parents[0].rows))
            tops, new_past = await self._run([[c.token] for c in group], past, rows if gather else None)
            into += [
                _Hypothesis([*c.parent.ids, c.token], c.text, c.logprob, new_past, top, row, len(group))
                for row, (c, top) in enumerate(zip(group, tops, strict=True))
            ]
            self._check(ticket)

    async def _advance(
        self, ids: list[int], past: dict[str, Any]
    ) -> tuple[list[tuple[int, float]], dict[str, Any]]:
        """Feed ``ids`` after a one-row ``past``: the next token's top-k as (id, log-probability), and the new
        past."""
        tops, new_past = await self._run([ids], past)
        return tops[0], new_past

    async def _run(
        self, ids: list[list[int]], past: dict[str, Any], rows: list[int] | None = None
    ) -> tuple[list[list[tuple[int, float]]], dict[str, Any]]:
        """Feed token rows ``ids`` (equal lengths) after rows ``rows`` of ``past`` (None: all its rows, in
        order). Per row of ``ids``: the next token's top-k as (id, log-probability); and the new past, whose
        row b continues row b of ``ids``."""
        taken: dict[str, Any] = {}
        try:
            if rows is not None:
                taken = {name: self.session.take_rows(value, rows) for name, value in past.items()}
            feeds = {"input_ids": Tensor.int64(ids), **past, **taken}
            out = await self.session.run(feeds, keep=self._present_names)
        finally:
            self._free(taken)
        tops = [_ranked(i, v) for i, v in zip(out["top_ids"].rows(), out["top_logits"].rows(), strict=True)]
        return tops, dict(zip(self._past_names, (out[n] for n in self._present_names), strict=True))

    def _expand(
        self,
        live: list[_Hypothesis],
        healed: list[int],
        prefix: str,
        max_words: int,
        finished: dict[str, Completion],
        width: int,
    ) -> tuple[list[_Candidate], float]:
        """Score the continuations of every live hypothesis; record the hypotheses that end here.

        Returns the candidates for the next step (the best ``width`` of them are kept) and the probability of
        all extensions.
        """
        candidates = []
        mass = 0.0
        for h in live:
            options = list(h.top)
            on_original_path = len(h.ids) < len(healed) and h.ids == healed[: len(h.ids)]
            if on_original_path and healed[len(h.ids)] not in {t for t, _ in options}:
                # The graph's top-k may miss the token the user actually typed: keep that path open.
                options.append((healed[len(h.ids)], min(lp for _, lp in options)))
            extensions, end_prob, extension_prob = self._continuations(h, options, prefix, max_words, width)
            candidates += extensions
            mass += math.exp(h.logprob) * extension_prob
            self._finish(h, prefix, end_prob, finished)
        return candidates, mass

    def _continuations(
        self, h: _Hypothesis, options: list[tuple[int, float]], prefix: str, max_words: int, width: int
    ) -> tuple[list[_Candidate], float, float]:
        """``(extensions, P(h ends here), P(h is extended))`` given ``options``, (token, log-prob) sorted.

        Only the extensions up to the ``width``-th distinct text are returned: any later one has ``width``
        distinct texts at least as likely before it, so it cannot be among the best ``width`` of the step.
        Every token still counts towards the probabilities, but past the healed prefix a token is judged by
        its cached kind, without building its text.
        """
        # Tokens that start a new word after the typed word say it is finished: trust them only if likely.
        typed = h.text == prefix and keeps_typed_word(h.text, prefix)
        by_kind = len(h.text) >= len(prefix) and not h.text.endswith("\ufffd")
        words = suggested_words(h.text, prefix) if by_kind else 0
        # This loop runs for every candidate of every hypothesis at every step (top_k of them): the per-kind
        # steps are looked up once per hypothesis, and token pieces straight from their cache.
        steps = {kind: step_after(kind, words, max_words) for kind in (WORD, NEXT_WORD, BOUNDARY)}
        pieces, eos_id, exp = self._pieces, self.eos_id, math.exp
        # While re-producing the healed prefix, h.text is the start of it: a token whose text neither starts
        # the rest of it nor starts with it cannot extend h (classify_token would say so, after decoding).
        rest = "" if by_kind or h.text.endswith("\ufffd") else prefix[len(h.text) :]
        end_prob = extension_prob = next_word_prob = 0.0
        extensions: list[_Candidate] = []
        next_words: set[int] = set()
        texts: set[str] = set()
        for token, logprob in options:
            prob = exp(logprob)
            if token == eos_id:
                end_prob += prob
                continue
            piece, kind = pieces.get(token) or self._piece(token)
            if rest and kind is not None and not (piece.startswith(rest) or rest.startswith(piece)):
                continue
            if by_kind and kind is not None:
                decoded = None
                step = steps[kind]
            else:
                decoded = self._extend_text(h, token)
                step = classify_token(h.text, decoded, prefix, max_words)
            if step.finish:
                end_prob += prob
            if not step.extend:
                continue
            next_word = typed and (piece if decoded is None else decoded[len(h.text) :])[:1].isspace()
            if next_word:
                next_word_prob += prob
            else:
                extension_prob += prob
            if len(texts) < width:
                decoded = h.text + piece if decoded is None else decoded
                extensions.append(_Candidate(h, token, h.logprob + logprob, decoded))
                if next_word:
                    next_words.add(token)
                else:
                    texts.add(decoded)
        if typed and end_prob + next_word_prob < MIN_TYPED_WORD_END:
            return [c for c in extensions if c.token not in next_words], end_prob, extension_prob
        return extensions, end_prob, extension_prob + next_word_prob

    def _piece(self, token: int) -> tuple[str, str | None]:
        """The text of ``token`` and its :func:`piece_kind`; no kind if the text is empty or holds part of a
        UTF-8 sequence (the hypothesis' text must then be decoded whole)."""
        entry = self._pieces.get(token)
        if entry is None:
            piece = self.tokenizer.decode([token])
            kind = piece_kind(piece) if piece and "\ufffd" not in piece else None
            entry = self._pieces[token] = (piece, kind)
        return entry

    def _extend_text(self, h: _Hypothesis, token: int) -> str:
        """The text of ``h`` followed by ``token``: appended piecewise, unless UTF-8 bytes straddle tokens."""
        piece, _ = self._piece(token)
        if "\ufffd" in piece or h.text.endswith("\ufffd"):
            return self.tokenizer.decode([*h.ids, token])
        return h.text + piece

    @staticmethod
    def _finish(h: _Hypothesis, prefix: str, end_prob: float, finished: dict[str, Completion]) -> None:
        if end_prob <= 0.0 or len(h.text) < len(prefix):
            return
        insert = h.text[len(prefix) :]
        shown = shown_text(h.text, prefix)
        if not insert or not count_words(insert) or "\ufffd" in insert:
            return
        score = math.exp(h.logprob) * end_prob
        if shown not in finished or finished[shown].score < score:
            finished[shown] = Completion(shown, insert, score)

    @staticmethod
    def _prune(candidates: list[_Candidate], finished: dict[str, Completion], k: int) -> list[_Candidate]:
        """The best ``k + 2`` continuations that can still beat the k-th finished suggestion."""
        bar = sorted((c.score for c in finished.values()), reverse=True)[k - 1] if len(finished) >= k else 0.0
        floor = math.log(bar) if bar > 0 else -math.inf
        unique: dict[str, _Candidate] = {}
        for c in sorted(candidates, key=lambda c: -c.logprob):
            unique.setdefault(c.text, c)  # " li"+"ke" and " like" are the same text: keep the likelier
        return [c for c in list(unique.values())[: k + 2] if c.logprob > floor]

    def _release(self, hypotheses: list[_Hypothesis]) -> None:
        owned = {id(h.past): h.past for h in hypotheses if not h.shared}  # a batched step's share one
        for past in owned.values():
            self._free(past)
        for h in hypotheses:
            h.past = {}

    def _free(self, past: dict[str, Any]) -> None:
        for value in past.values():
            if not isinstance(value, Tensor):  # the empty first past is ours, not the engine's
                self.session.release(value)


def _ranked(ids: list[int], logits: list[float]) -> list[tuple[int, float]]:
    """A top-k row as (id, log-probability normalised over the k); a token whose logit is -inf is ruled out
    (a row of a batch can have fewer real candidates than the others, padded with -inf)."""
    top = max(logits)
    norm = top + math.log(sum(math.exp(v - top) for v in logits))  # exp(-inf) adds 0
    return [(i, v - norm) for i, v in zip(ids, logits, strict=True) if v > -math.inf]
