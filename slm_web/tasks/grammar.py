"""Grammar: sentences → token tagger (GECToR-style edit tags, top-k in the graph) → tags applied in passes.

>>> result = model.correct_sync("she go to school yesterday")
>>> from slm_web.tasks.gector import apply_edits
>>> apply_edits("she go to school yesterday", result.edits) == result.text
True
>>> model.correct_sync("").edits
[]

The text is split into sentences (:func:`slm_web.text.split_sentences`), which are tagged in padded
batches. Each word is tagged at its first sub-token and ``[CLS]`` carries the tag of a virtual word before
the sentence (docs/bundle-format.md); a tag other than ``$KEEP`` is applied only if its probability reaches
the bar of the error type it would report (``min_confidence_by_kind``, else ``min_confidence``), and only
if the precision guards let it through (:mod:`slm_web.tasks.grammar_guards`). Passes repeat on the
sentences that changed, up to ``max_passes``. Words in the bundle's ``spellings`` table (known
misspellings) are replaced before the first pass and a wrong "a"/"an" is fixed by pronunciation after the
last, whatever the threshold (``max_passes=0`` changes nothing). Edits carry offsets into the caller's text
however many passes produced them (:func:`slm_web.tasks.gector.compose_edits`), and an explanation
(:mod:`slm_web.tasks.explanations`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from .. import text as textlib
from ..backends.base import Tensor
from ..errors import BundleError
from . import grammar_guards as guards
from .article_sounds import ArticleSounds, check_table
from .base import Model
from .explanations import explain
from .gector import (
    KEEP,
    Word,
    apply_edits,
    apply_tags,
    compose_edits,
    join_word_edits,
    spelling_edits,
    tag_kind,
)
from .grammar_preferences import GrammarPreferences
from .results import Correction, Edit

Allowed = Callable[[Edit], bool]  # the user's preferences: whether an edit may be made


def words_of(encoding: Any, text: str) -> tuple[list[Word], list[int]]:
    """The words of an encoding with their character spans, and the position of each word's first token.

    Words come from the encoding's ``word_ids`` (the pre-tokenizer's words, as in training), so words cut
    off by truncation are simply absent (they keep their text).

    >>> from types import SimpleNamespace as E
    >>> enc = E(word_ids=[None, 0, 0, 1, None], offsets=[(0, 0), (0, 2), (2, 5), (6, 8), (0, 0)])
    >>> words_of(enc, "Hello my")
    ([Word(text='Hello', span=(0, 5)), Word(text='my', span=(6, 8))], [1, 3])
    """
    spans: dict[int, list[int]] = {}
    firsts: dict[int, int] = {}
    for pos, (word, (start, end)) in enumerate(zip(encoding.word_ids, encoding.offsets, strict=True)):
        if word is None:
            continue
        if word in spans:
            spans[word][1] = max(spans[word][1], end)
        else:
            spans[word], firsts[word] = [start, end], pos
    order = sorted(spans, key=lambda w: firsts[w])
    words = [Word(text[spans[w][0] : spans[w][1]], (spans[w][0], spans[w][1])) for w in order]
    return words, [firsts[w] for w in order]


class GrammarModel(Model):
    task = "grammar"

    def __init__(self, manifest: dict[str, Any], tokenizer: Any, session: Any) -> None:
        super().__init__(manifest, tokenizer, session)
        _check_tables(self.config)
        self.sounds = ArticleSounds.from_config(self.config.get("article_sounds"))
        self.preferences = GrammarPreferences()  # the user's: see export_preferences() to keep them

    async def correct(
        self, text: str, *, min_confidence: float | None = None, max_passes: int | None = None,
        disable: Sequence[str] | None = None,
    ) -> Correction:
        """The corrected text and its edits; thresholds default to the bundle's ``task_config``.

        ``min_confidence`` is one bar for every kind of edit; without it, each error type has the bundle's
        ``min_confidence_by_kind`` bar, or else its ``min_confidence``. ``disable`` lists edit types to
        leave out of this result, besides those :meth:`disable` switched off; the personal dictionary and
        ignored suggestions apply too (:mod:`slm_web.tasks.grammar_preferences`).
        """
        text = textlib.clean(text)
        textlib.check_correct_length(text)
        passes = self.config.get("max_passes", 3) if max_passes is None else max_passes
        self.check_options("correct", min_confidence=min_confidence, max_passes=passes, disable=disable)
        thresholds = guards.Thresholds.from_config(self.config, min_confidence)
        allowed = partial(self.preferences.allows, disable=frozenset(disable or ()))
        spans = textlib.split_sentences(text)
        originals = [text[s:e] for s, e in spans]
        current = list(originals)
        edits: list[list[Edit]] = [[] for _ in spans]
        spellings = self.config.get("spellings")
        if passes and spellings:  # known misspellings first, so the tagger reads the corrected words
            edits = [[e for e in spelling_edits(s, spellings) if allowed(e)] for s in originals]
            current = [apply_edits(s, e) for s, e in zip(originals, edits, strict=True)]
        active = list(range(len(spans)))
        for _ in range(passes):
            if not active:
                break
            changed = []
            tagged = await self._tag_pass([current[i] for i in active], thresholds, allowed)
            for i, (sentence, new_edits) in zip(active, tagged, strict=True):
                if new_edits:
                    edits[i] = compose_edits(originals[i], edits[i], new_edits)
                    current[i] = sentence
                    changed.append(i)
            active = changed
        if passes:  # a wrong "a"/"an" the tagger left: fixed by pronunciation, like the known spellings
            for i, sentence in enumerate(current):
                fixes = [e for e in guards.missed_articles(sentence, self.sounds) if allowed(e)]
                if fixes:
                    edits[i] = compose_edits(originals[i], edits[i], fixes)
        transforms = self.config.get("transforms", {})
        shifted = [
            Edit(e.start + start, e.end + start, e.original, e.replacement, e.type)
            for (start, _), sentence_edits in zip(spans, edits, strict=True)
            for e in sentence_edits
        ]
        joined = join_word_edits(text, shifted)  # one suggestion per contraction, not one per part
        joined = [e for e in joined if not self.preferences.ignores(text, e)]
        explained = [replace(e, explanation=explain(text, e, transforms)) for e in joined]
        return Correction(apply_edits(text, explained), explained)

    async def proofread(
        self, text: str, *, min_confidence: float | None = None, max_passes: int | None = None,
        disable: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """:meth:`correct` in the shape of the Proofreader API (:meth:`Correction.to_proofreader`)."""
        options = {"min_confidence": min_confidence, "max_passes": max_passes, "disable": disable}
        return (await self.correct(text, **options)).to_proofreader()

    # ---- the user's say (slm_web.tasks.grammar_preferences): plain methods, no engine call, no *_sync twins
    def add_words(self, words: Sequence[str]) -> int:
        """Add words to the personal dictionary (never respelled); returns how many it holds."""
        self.check_options("add_words", words=words)
        return self.preferences.add_words(words)

    def remove_words(self, words: Sequence[str]) -> int:
        """Remove words from the personal dictionary; returns how many it holds."""
        self.check_options("remove_words", words=words)
        return self.preferences.remove_words(words)

    def dictionary(self) -> list[str]:
        """The personal dictionary's words, sorted."""
        return self.preferences.dictionary()

    def ignore(self, text: str, edit: Edit | Mapping[str, Any]) -> None:
        """Never suggest ``edit`` (found by correcting ``text``) between the same words again."""
        text = textlib.clean(text)
        self.check_options("ignore", edit=edit)
        self.preferences.ignore(text, edit)

    def disable(self, types: Sequence[str]) -> list[str]:
        """Switch edit types off for every call; returns the types off."""
        self.check_options("disable", types=types)
        return self.preferences.disable(types)

    def enable(self, types: Sequence[str]) -> list[str]:
        """Switch edit types back on; returns the types still off."""
        self.check_options("enable", types=types)
        return self.preferences.enable(types)

    def export_preferences(self) -> str:
        """The dictionary, ignored suggestions and types off as JSON, for the caller to store."""
        return self.preferences.to_json()

    def import_preferences(self, document: str) -> None:
        """Replace the preferences by :meth:`export_preferences`'s JSON; a bad document changes nothing."""
        self.preferences = GrammarPreferences.from_json(document)

    def erase_preferences(self) -> None:
        """Forget every dictionary word, ignored suggestion and type switched off."""
        self.preferences = GrammarPreferences()

    async def _tag_pass(self, sentences: list[str], thresholds: guards.Thresholds, allowed: Allowed
                        ) -> list[tuple[str, list[Edit]]]:
        """One tagging pass over sentences: each one's corrected text and edits, after the guards and the
        user's preferences (``allowed``)."""
        encodings = [self.tokenizer.encode(s, max_length=self.max_length) for s in sentences]
        rows = [list(e.ids) for e in encodings]
        guesses = await self._top_tags(rows)
        transforms = self.config.get("transforms")
        results = []
        for sentence, encoding, row, row_guesses in zip(sentences, encodings, rows, guesses, strict=True):
            words, firsts = words_of(encoding, sentence)
            has_start = bool(row) and row[0] == self.special_ids.get("cls")
            # (word, its guess): -1 is the virtual word before the first, tagged at [CLS]
            sites = [(-1, row_guesses[0] if has_start else Guess(KEEP, 1.0)),
                     *((i, row_guesses[p]) for i, p in enumerate(firsts))]
            tags = [_sure_tag(sentence, words, i, guess, thresholds, transforms) for i, guess in sites]
            context = guards.Sentence(sentence, words, self.sounds)
            results.append(apply_tags(sentence, words, tags[1:], start_tag=tags[0], transforms=transforms,
                                      review=partial(_review, context, allowed)))
        return results

    async def _top_tags(self, rows: list[list[int]]) -> list[list[Guess]]:
        """The best tag of every token position and its probability."""
        vocabulary = self.config["tags"]

        def read(out: Mapping[str, Tensor], b: int, n: int) -> list[Guess]:
            probs, tag_ids = out["tag_probs"], out["tag_ids"]
            _, width, k = probs.shape
            top = [(b * width + p) * k for p in range(n)]  # index of each position's best tag
            return [_guess(vocabulary, int(tag_ids.data[i]), probs.data[i]) for i in top]

        return await self.run_encoder(rows, read)


def _review(context: guards.Sentence, allowed: Allowed, word: int, edit: Edit) -> Edit | None:
    """``edit`` after the precision guards, if the user's preferences allow what they leave."""
    kept = guards.review(context, word, edit)
    return kept if kept is not None and allowed(kept) else None


def _check_tables(config: Mapping[str, Any]) -> None:
    """Refuse at load time a task_config whose tables the tag application would trip over later."""
    tags, transforms = config.get("tags"), config.get("transforms", {})
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise BundleError("grammar task_config 'tags' must be a list of strings")
    if not isinstance(transforms, dict) or not all(_word_map(t) for t in transforms.values()):
        raise BundleError("grammar task_config 'transforms' must map names to {word: word} tables")
    if not _word_map(config.get("spellings", {})):
        raise BundleError("grammar task_config 'spellings' must be a {word: word} table")
    default = config.get("min_confidence", 0.5)
    if isinstance(default, bool) or not isinstance(default, int | float):
        raise BundleError(f"grammar task_config 'min_confidence' must be a number, not {default!r}")
    if not guards.check_thresholds(config.get("min_confidence_by_kind", {})):
        raise BundleError(f"grammar task_config 'min_confidence_by_kind' must map error types {guards.KINDS} "
                          "to numbers")
    if "article_sounds" in config and not check_table(config["article_sounds"]):
        raise BundleError("grammar task_config 'article_sounds' must be a table like docs/bundle-format.md's")


def _word_map(table: Any) -> bool:
    return isinstance(table, dict) and all(isinstance(k, str) and isinstance(v, str)
                                           for k, v in table.items())


@dataclass(frozen=True)
class Guess:
    """The tagger's best tag for one position and its probability."""

    tag: str
    confidence: float


def _guess(vocabulary: list[str], tag_id: int, prob: float) -> Guess:
    return Guess(vocabulary[tag_id], prob) if 0 <= tag_id < len(vocabulary) else Guess(KEEP, prob)


def _sure_tag(sentence: str, words: list[Word], i: int, guess: Guess, thresholds: guards.Thresholds,
              transforms: Any) -> str:
    """``guess.tag`` if its probability reaches the bar of the error type it would report, else ``$KEEP``."""
    if guess.tag == KEEP:
        return KEEP
    kind = tag_kind(sentence, words, i, guess.tag, transforms)
    return guess.tag if kind is not None and guess.confidence >= thresholds.of(kind) else KEEP
