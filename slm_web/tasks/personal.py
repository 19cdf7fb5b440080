"""Personal words: an on-device memory of the words a user writes, mixed into autocomplete (opt-in).

>>> memory = PersonalWords()
>>> memory.learn("Hi Ksenia, the build is green. Thanks Ksenia!")
8
>>> memory.words
7
>>> guess = memory.suggest("Thanks ", "Kse")
>>> list(guess.words), 0 < guess.weight < 1
(['Ksenia'], True)
>>> PersonalWords.from_json(memory.to_json()).words
7

How it works:

- **Words**: runs of word characters (:func:`slm_web.text.is_word_char`) of at most ``MAX_WORD_CHARS``,
  trimmed of in-word punctuation at their ends. A sentence end (``.!?…`` before whitespace, a line break)
  starts a new context, marked :data:`START`; other punctuation is skipped.
- **Counts**: every word is counted after its trigram context (the two words before it), its bigram
  context (one word) and no context (unigram). Contexts are lowercased, so "Thanks" and "thanks" share what
  follows them; the predicted word keeps its case, so a name comes back capitalised.
- **Cap**: at most ``max_entries`` (context, word) entries. Past that the least useful are dropped, lowest
  count first and, among equal counts, the longest unseen, down to :data:`EVICT_TO` of the cap, so a long
  writing session does not sort the table on every sentence.
- **Suggest**: Witten-Bell interpolation, trigram → bigram → unigram, restricted to the words that start
  with the typed part of the word and renormalised over them. Once part of the word is typed, a share goes
  to the fitting words written most recently and to those of the sentence being typed (learned only when
  it ends). ``weight`` is how much to trust the memory against the model: it grows with how often the user
  continued this context with such a word, and is capped lower for a whole next word than for the rest of
  a typed one (:class:`Mixing`). Equal scores go to the word written last, so the order is the same in
  every Python.
- **Persistence**: :meth:`PersonalWords.to_json` / :meth:`PersonalWords.from_json`, versioned; loading checks
  every field and refuses anything else with a one-line :class:`~slm_web.errors.InputTextError`.

Nothing here touches the network or the disk: the caller decides where the JSON goes.
"""

from __future__ import annotations

import bisect
import itertools
import json
import operator
from dataclasses import dataclass
from typing import Any

from ..errors import InputTextError, short_repr
from ..text import is_word_char
from . import saved_json
from .results import Completion

FORMAT = "slm-web personal words"
VERSION = 1
START = "<s>"  # the context of a sentence's first word; never a word itself ("<" is not a word character)
DEFAULT_MAX_ENTRIES = 20_000
MAX_ENTRIES_LIMIT = 1_000_000
MAX_WORD_CHARS = 32
MAX_JSON_CHARS = 64 * 1024 * 1024
MAX_COUNT = 2**53  # exact in a JavaScript number, so the JSON survives the page's side unchanged
EVICT_TO = 0.8
ORDER = 3
# Words the unigram level offers for the next word when nothing of it is typed: the most frequent ones.
TOP_UNIGRAMS = 32
_SENTENCE_END = frozenset(".!?…")
_TRIM = "'’-_"



@dataclass(frozen=True)
class Mixing:
    """How far to trust the memory against the model: ``weight = cap * e / (e + half_evidence)``, where the
    evidence ``e`` adds up the counts of the fitting words after each context, times ``evidence[context
    length]``: what followed the context words is the stronger sign, the words typed anywhere only a weak
    one. The cap is ``max_weight`` once part of the word is typed and ``next_word_weight`` before: the
    memory's guesses of a whole next word are rarely right where the model's are not, while a typed prefix
    narrows its words to the names and rare words the model misses.

    Once part of the word is typed, the memory's distribution gives ``recency`` of its mass to how recently
    each fitting word was written (``1 / (1 + age / recency_words)``, normalised: writers repeat the words of
    the topic at hand), and then ``sentence`` of it to the fitting words of the sentence being typed, which
    are not learned until the sentence ends. The defaults are tuned on the development authors of
    students/autocomplete/personal_eval.py (figures in the autocomplete model card)."""

    max_weight: float = 0.3
    half_evidence: float = 1.0
    evidence: tuple[float, ...] = (0.5, 1.0, 1.0)  # per context length 0 (unigram), 1, 2
    next_word_weight: float = 0.1
    recency: float = 0.4
    recency_words: float = 30.0
    sentence: float = 0.2


def tokens(text: str) -> list[str]:
    """Words and :data:`START` markers of ``text``, in order.

    >>> tokens("Well-known 'café'. OK, see you\\nBye 3.5")
    ['Well-known', 'café', '<s>', 'OK', 'see', 'you', '<s>', 'Bye', '3', '5']
    """
    out: list[str] = []
    end = 0
    for word, run in itertools.groupby(text, key=is_word_char):
        piece = "".join(run)
        end += len(piece)
        if word:
            trimmed = piece.strip(_TRIM)
            if 0 < len(trimmed) <= MAX_WORD_CHARS and any(c.isalnum() for c in trimmed):
                out.append(trimmed)
            elif trimmed:  # an over-long run (a hash, a URL piece) breaks the context rather than join it
                out.append(START)
        elif _ends_sentence(piece, at_text_end=end == len(text)):
            out.append(START)
    return out


def _ends_sentence(gap: str, at_text_end: bool) -> bool:
    """A line break, or ``.!?…`` followed by whitespace or the end of the text ("3.5" goes on)."""
    if "\n" in gap:
        return True
    after = [*gap[1:], " " if at_text_end else "x"]
    return any(c in _SENTENCE_END and nxt.isspace() for c, nxt in zip(gap, after, strict=True))


def split_typed(text: str) -> tuple[str, str]:
    """``(context, partial word)``: the partial word is the run of word characters that ends ``text``.

    >>> split_typed("Thanks Kse"), split_typed("Thanks ")
    (('Thanks ', 'Kse'), ('Thanks ', ''))
    """
    start = len(text)
    while start and is_word_char(text[start - 1]):
        start -= 1
    return text[:start], text[start:]


@dataclass(frozen=True)
class Guess:
    """What the memory expects: ``words`` (word -> probability among the words that fit, best first) and
    ``weight``, the share of the mixture the memory deserves here (0 when it knows nothing)."""

    words: dict[str, float]
    weight: float


_NOTHING = Guess({}, 0.0)


@dataclass
class _Entry:
    count: int
    last: int  # the learned-word counter when the entry was last seen


class PersonalWords:
    """Unigram, bigram and trigram counts of the words a user wrote, with a cap on distinct entries."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES, mixing: Mixing | None = None) -> None:
        if not (isinstance(max_entries, int) and 1 <= max_entries <= MAX_ENTRIES_LIMIT):
            raise InputTextError(
                f"max_entries must be an int between 1 and {MAX_ENTRIES_LIMIT}, not {short_repr(max_entries)}"
            )
        self.max_entries = max_entries
        self.mixing = mixing or Mixing()
        self.clock = 0  # words learned so far: the age of an entry is measured in it
        self._next: dict[tuple[str, ...], dict[str, _Entry]] = {}  # context -> word -> entry
        self._totals: dict[tuple[str, ...], int] = {}  # context -> sum of its words' counts
        self._entries = 0
        self._sorted: list[str] | None = None  # unigram words in order, for prefix search; None: stale
        self._top: list[str] = []

    def __len__(self) -> int:
        """Distinct (context, word) entries."""
        return self._entries

    @property
    def words(self) -> int:
        """Distinct words known."""
        return len(self._next.get((), {}))

    def learn(self, text: str) -> int:
        """Count the words of ``text`` after their contexts; returns how many words were learned."""
        if not isinstance(text, str):
            raise InputTextError(f"text must be a str, not {type(text).__name__}")
        history = [START]
        learned = 0
        for token in tokens(text):
            if token == START:
                history = [START]
                continue
            self.clock += 1
            learned += 1
            for order in range(min(len(history), ORDER - 1) + 1):
                self._add(tuple(history[len(history) - order :]), token, 1, self.clock)
            history = [*history[-(ORDER - 2) :], token.lower()]
        if learned:
            self._sorted = None
            if self._entries > self.max_entries:
                self._evict(int(self.max_entries * EVICT_TO))
        return learned

    def suggest(self, context: str, partial_word: str = "", limit: int = 8) -> Guess:
        """The ``limit`` likeliest words after ``context`` that start with ``partial_word`` (case kept)."""
        if not self._entries or len(partial_word) >= MAX_WORD_CHARS:
            return _NOTHING
        history = [START, *tokens(context)]
        # This sentence's words, after its START: a context never reaches into the sentence before.
        typed = history[len(history) - history[::-1].index(START) :]
        sentence = [START, *(w.lower() for w in typed)]
        contexts = [tuple(sentence[len(sentence) - n :]) for n in range(min(len(sentence), ORDER - 1) + 1)]
        mixing = self.mixing
        words = self._learned(contexts, partial_word)
        evidence = sum(mixing.evidence[len(c)] * self._matching_count(c, partial_word) for c in contexts)
        if partial_word:
            words = _blend(words, self._recency(words), mixing.recency)
            unlearned = _fitting_counts(typed, partial_word)
            words = _blend(words, _normalised(unlearned), mixing.sentence)
            evidence += mixing.evidence[0] * sum(unlearned.values())
        if not words or evidence <= 0:
            return _NOTHING
        cap = mixing.max_weight if partial_word else mixing.next_word_weight
        weight = cap * evidence / (evidence + mixing.half_evidence)
        return Guess(dict(self._ranked(words)[:limit]), weight)

    def _learned(self, contexts: list[tuple[str, ...]], partial: str) -> dict[str, float]:
        """Every candidate word's Witten-Bell probability among the learned words that fit ``partial``."""
        candidates = self._candidates(contexts, partial)
        fit = self._fitting_mass(contexts, partial) if candidates else 0.0
        if fit <= 0:
            return {}
        return {w: min(1.0, self._prob(contexts, w) / fit) for w in candidates}

    def _recency(self, words: dict[str, float]) -> dict[str, float]:
        """``words`` scored by how recently each was written, normalised: a word of the current topic
        comes back sooner than one written once long ago."""
        unigrams = self._next.get((), {})
        scale = self.mixing.recency_words
        ages = {w: self.clock - unigrams[w].last for w in words if w in unigrams}
        return _normalised({w: 1 / (1 + age / scale) for w, age in ages.items()})

    def _ranked(self, words: dict[str, float]) -> list[tuple[str, float]]:
        """Best first; equal probabilities go to the word written last, then in alphabetical order, so the
        order never depends on how a set happens to iterate (CPython and Pyodide agree)."""
        unigrams = self._next.get((), {})

        def last(word: str) -> int:
            entry = unigrams.get(word)
            return entry.last if entry else self.clock + 1  # a word of the unfinished sentence: the latest

        return sorted(words.items(), key=lambda item: (-item[1], -last(item[0]), item[0]))

    def forget(self) -> None:
        """Erase everything learned."""
        self.clock = 0
        self._next.clear()
        self._totals.clear()
        self._entries = 0
        self._sorted, self._top = None, []

    def to_json(self) -> str:
        """The memory as a JSON document (see :meth:`from_json`)."""
        rows = [[e.count, e.last, *context, word] for context, words in self._next.items()
                for word, e in words.items()]
        return json.dumps({"format": FORMAT, "version": VERSION, "max_entries": self.max_entries,
                           "clock": self.clock, "entries": rows}, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, document: str) -> PersonalWords:
        """A memory from :meth:`to_json`'s output; anything else raises a one-line InputTextError.

        Entries are ``[count, last, *context, word]`` rows: counts from 1, ``last`` at most ``clock``,
        contexts of lowercased words or :data:`START`, no row twice, no more rows than ``max_entries``.
        """
        return cls._from_dict(saved_json.read(document, "personal words", VERSION, MAX_JSON_CHARS, FORMAT))

    @classmethod
    def _from_dict(cls, data: dict[str, Any]) -> PersonalWords:
        max_entries, clock, rows = data.get("max_entries"), data.get("clock"), data.get("entries")
        if not _is_int(max_entries, 1, MAX_ENTRIES_LIMIT) or not _is_int(clock, 0, MAX_COUNT):
            raise InputTextError("personal words: max_entries or clock is missing or out of range")
        if not isinstance(rows, list) or len(rows) > max_entries:
            raise InputTextError(f"personal words: entries must be a list of at most {max_entries} rows")
        memory = cls(max_entries)
        memory.clock = clock
        words: dict[Any, bool] = {}  # string -> is a word: most strings recur across rows
        for i, row in enumerate(rows):
            context, word, count, last = _checked_row(row, i, clock, words)
            if word in memory._next.get(context, {}):
                raise InputTextError(f"personal words: entry {i} repeats an earlier one")
            memory._add(context, word, count, last)
        return memory

    def _add(self, context: tuple[str, ...], word: str, count: int, last: int) -> None:
        words = self._next.setdefault(context, {})
        entry = words.get(word)
        if entry is None:
            words[word] = _Entry(count, last)
            self._entries += 1
        else:
            entry.count = min(MAX_COUNT, entry.count + count)
            entry.last = last
        self._totals[context] = self._totals.get(context, 0) + count
        self._sorted = None

    def _evict(self, keep: int) -> None:
        """Drop the least useful entries (lowest count, then oldest) until ``keep`` remain."""
        # One int per entry orders by count, then age (``last`` < 2**53): sorting on it alone is what keeps
        # this cheap (an entry's context tuple never takes part in a comparison).
        rows = [(e.count << 53 | e.last, context, word) for context, words in self._next.items()
                for word, e in words.items()]
        rows.sort(key=operator.itemgetter(0))
        for _, context, word in rows[: self._entries - keep]:
            words = self._next[context]
            self._totals[context] -= words.pop(word).count
            if not words:
                del self._next[context], self._totals[context]
        self._entries = keep
        self._sorted = None

    def _index(self) -> list[str]:
        if self._sorted is None:
            unigrams = self._next.get((), {})
            self._sorted = sorted(unigrams)
            self._top = sorted(unigrams, key=lambda w: (-unigrams[w].count, -unigrams[w].last))[:TOP_UNIGRAMS]
        return self._sorted

    def _with_prefix(self, prefix: str) -> list[str]:
        """Unigram words that start with ``prefix`` (all of them, in order)."""
        index = self._index()
        start = bisect.bisect_left(index, prefix)
        end = bisect.bisect_left(index, prefix + "\U0010ffff", lo=start)
        return index[start:end]

    def _candidates(self, contexts: list[tuple[str, ...]], partial: str) -> set[str]:
        """Words worth scoring: every fitting continuation of the contexts, and the fitting unigrams (only the
        most frequent ones when nothing of the word is typed)."""
        fits = [w for c in contexts[1:] for w in self._next.get(c, {})
                if w != partial and w.startswith(partial)]
        self._index()
        unigrams = self._top if not partial else self._with_prefix(partial)
        return {*fits, *(w for w in unigrams if w != partial)}

    def _prob(self, contexts: list[tuple[str, ...]], word: str) -> float:
        """Interpolated Witten-Bell probability of ``word`` after the longest context."""
        prob = 0.0
        for context in contexts:  # shortest first: each level backs off to the one before
            words = self._next.get(context)
            if not words:
                continue
            total, kinds = self._totals[context], len(words)
            entry = words.get(word)
            prob = ((entry.count if entry else 0) + kinds * prob) / (total + kinds)
        return prob

    def _fitting_mass(self, contexts: list[tuple[str, ...]], partial: str) -> float:
        """The probability of all words that start with ``partial`` (other than itself), as :meth:`_prob`."""
        mass = 0.0
        for context in contexts:
            words = self._next.get(context)
            if not words:
                continue
            total, kinds = self._totals[context], len(words)
            mass = (self._matching_count(context, partial) + kinds * mass) / (total + kinds)
        return mass

    def _matching_count(self, context: tuple[str, ...], partial: str) -> int:
        words = self._next.get(context, {})
        if not context:
            if not partial:
                return self._totals.get((), 0)
            return sum(words[w].count for w in self._with_prefix(partial) if w != partial)
        return sum(e.count for w, e in words.items() if w.startswith(partial) and w != partial)


def _blend(base: dict[str, float], other: dict[str, float], share: float) -> dict[str, float]:
    """``(1 - share) * base + share * other`` over the words of both (``base`` when ``other`` is empty)."""
    if not other or share <= 0:
        return base
    return {w: (1 - share) * base.get(w, 0.0) + share * other.get(w, 0.0) for w in {**base, **other}}


def _normalised(scores: dict[str, float]) -> dict[str, float]:
    total = sum(scores.values())
    return {w: v / total for w, v in scores.items()} if total > 0 else {}


def _fitting_counts(sentence: list[str], partial: str) -> dict[str, int]:
    """How often each word of ``sentence`` that continues ``partial`` occurs in it."""
    counts: dict[str, int] = {}
    for word in sentence:
        if word != partial and word.startswith(partial):
            counts[word] = counts.get(word, 0) + 1
    return counts


def personalize(memory: PersonalWords, text: str, suggestions: list[Completion], k: int) -> list[Completion]:
    """Mix the model's ``suggestions`` for ``text`` with the memory's words; the best ``k``.

    A word's score is ``(1 - weight) * model + weight * memory`` (see :meth:`PersonalWords.suggest`); a
    model suggestion the memory does not have keeps its share of the first term, and a word only the memory
    knows gets the second. ``insert`` follows the model's rule: the rest of the typed word, or the word after
    a space when the text does not end in one.
    """
    context, partial = split_typed(text)
    guess = memory.suggest(context, partial, limit=k)
    if not guess.words:
        return suggestions
    mixed = {(s.text, s.insert): (1 - guess.weight) * s.score for s in suggestions}
    lead = "" if partial or not text or text[-1].isspace() else " "
    for word, prob in guess.words.items():
        key = (word, lead + word[len(partial) :])
        mixed[key] = mixed.get(key, 0.0) + guess.weight * prob
    best: dict[str, Completion] = {}
    for (shown, insert), score in sorted(mixed.items(), key=lambda item: -item[1]):
        best.setdefault(shown, Completion(shown, insert, score))
    return list(best.values())[:k]


def _checked_row(
    row: Any, i: int, clock: int, words: dict[Any, bool]
) -> tuple[tuple[str, ...], str, int, int]:
    if not isinstance(row, list) or not 3 <= len(row) <= 2 + ORDER:
        raise InputTextError(f"personal words: entry {i} is not a [count, last, *context, word] row")
    count, last, *context, word = row
    if not _is_int(count, 1, MAX_COUNT) or not _is_int(last, 0, clock):
        raise InputTextError(f"personal words: entry {i} has a count or last outside its range")
    def is_word(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        if value not in words:
            words[value] = _is_word(value)
        return words[value]

    if not is_word(word) or not all(c == START or (is_word(c) and c == c.lower()) for c in context):
        raise InputTextError(f"personal words: entry {i} holds something that is not a word")
    if START in context[1:]:
        raise InputTextError(f"personal words: entry {i} has a sentence start inside its context")
    return tuple(context), word, count, last


def _is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_word(value: Any) -> bool:
    """A word as :func:`tokens` makes them."""
    return isinstance(value, str) and tokens(value) == [value]


