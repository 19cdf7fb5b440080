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
``min_confidence``. Passes repeat on the sentences that changed, up to ``max_passes``. Words in the
bundle's ``spellings`` table (known misspellings) are replaced before the first pass, whatever the
threshold (``max_passes=0`` changes nothing). Edits carry offsets into the caller's text however many
passes produced them (:func:`slm_web.tasks.gector.compose_edits`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import text as textlib
from ..backends.base import Tensor
from ..errors import BundleError, InputTextError
from .base import Model
from .gector import KEEP, Word, apply_edits, apply_tags, compose_edits, spelling_edits
from .results import Correction, Edit


def words_of(encoding: Any, text: str) -> tuple[list[Word], list[int]]:
    """The words of an encoding with their character spans, and the position of each word's first token.

    Words come from the encoding's ``word_ids`` (the pre-tokenizer's words, as in training), so words cut
    off by truncation are simply absent (they keep their text).

    >>> from types import SimpleNamespace as E
    >>> enc = E(word_ids=[None, 0, 0, 1, None], offsets=[(0, 0), (0, 2), (2, 5), (6, 8), (0, 0)])
    >>> words_of(enc, "Hello my")
    ([('Hello', (0, 5)), ('my', (6, 8))], [1, 3])
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
    words = [(text[spans[w][0] : spans[w][1]], (spans[w][0], spans[w][1])) for w in order]
    return words, [firsts[w] for w in order]


class GrammarModel(Model):
    task = "grammar"
    required_inputs = ("input_ids", "attention_mask")
    required_outputs = ("tag_probs", "tag_ids")

    def __init__(self, manifest: dict[str, Any], tokenizer: Any, session: Any) -> None:
        super().__init__(manifest, tokenizer, session)
        _check_tables(self.config)

    async def correct(
        self, text: str, *, min_confidence: float | None = None, max_passes: int | None = None
    ) -> Correction:
        """The corrected text and its edits; thresholds default to the bundle's ``task_config``."""
        text = textlib.clean(text)
        textlib.check_correct_length(text)
        threshold = self.config.get("min_confidence", 0.5) if min_confidence is None else min_confidence
        passes = self.config.get("max_passes", 3) if max_passes is None else max_passes
        if isinstance(threshold, bool) or not isinstance(threshold, int | float):
            raise InputTextError(f"min_confidence must be a number, not {threshold!r}")
        if isinstance(passes, bool) or not isinstance(passes, int) or passes < 0:
            raise InputTextError(f"max_passes must be an int >= 0, not {passes!r}")
        spans = textlib.split_sentences(text)
        originals = [text[s:e] for s, e in spans]
        current = list(originals)
        edits: list[list[Edit]] = [[] for _ in spans]
        spellings = self.config.get("spellings")
        if passes and spellings:  # known misspellings first, so the tagger reads the corrected words
            edits = [spelling_edits(s, spellings) for s in originals]
            current = [apply_edits(s, e) for s, e in zip(originals, edits, strict=True)]
        active = list(range(len(spans)))
        for _ in range(passes):
            if not active:
                break
            changed = []
            tagged = await self._tag_pass([current[i] for i in active], threshold)
            for i, (sentence, new_edits) in zip(active, tagged, strict=True):
                if new_edits:
                    edits[i] = compose_edits(originals[i], edits[i], new_edits)
                    current[i] = sentence
                    changed.append(i)
            active = changed
        shifted = [
            Edit(e.start + start, e.end + start, e.original, e.replacement, e.type)
            for (start, _), sentence_edits in zip(spans, edits, strict=True)
            for e in sentence_edits
        ]
        return Correction(apply_edits(text, shifted), shifted)

    async def _tag_pass(self, sentences: list[str], threshold: float) -> list[tuple[str, list[Edit]]]:
        """One tagging pass over sentences: each one's corrected text and edits."""
        encodings = [self.tokenizer.encode(s, max_length=self.max_length) for s in sentences]
        rows = [list(e.ids) for e in encodings]
        tags = await self._top_tags(rows, threshold)
        results = []
        for sentence, encoding, row, row_tags in zip(sentences, encodings, rows, tags, strict=True):
            words, firsts = words_of(encoding, sentence)
            start_tag = row_tags[0] if row and row[0] == self.special_ids.get("cls") else KEEP
            word_tags = [row_tags[p] for p in firsts]
            transforms = self.config.get("transforms")
            results.append(apply_tags(sentence, words, word_tags, start_tag=start_tag, transforms=transforms))
        return results

    async def _top_tags(self, rows: list[list[int]], threshold: float) -> list[list[str]]:
        """The applied tag of every token position (``$KEEP`` below ``threshold``)."""
        vocabulary = self.config["tags"]

        def read(out: Mapping[str, Tensor], b: int, n: int) -> list[str]:
            probs, tag_ids = out["tag_probs"], out["tag_ids"]
            _, width, k = probs.shape
            top = [(b * width + p) * k for p in range(n)]  # index of each position's best tag
            return [_tag(vocabulary, int(tag_ids.data[i]), probs.data[i], threshold) for i in top]

        return await self.run_encoder(rows, read)


def _check_tables(config: Mapping[str, Any]) -> None:
    """Refuse at load time a task_config whose tables the tag application would trip over later."""
    tags, transforms = config.get("tags"), config.get("transforms", {})
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise BundleError("grammar task_config 'tags' must be a list of strings")
    if not isinstance(transforms, dict) or not all(_word_map(t) for t in transforms.values()):
        raise BundleError("grammar task_config 'transforms' must map names to {word: word} tables")
    if not _word_map(config.get("spellings", {})):
        raise BundleError("grammar task_config 'spellings' must be a {word: word} table")


def _word_map(table: Any) -> bool:
    return isinstance(table, dict) and all(isinstance(k, str) and isinstance(v, str)
                                           for k, v in table.items())


def _tag(vocabulary: list[str], tag_id: int, prob: float, threshold: float) -> str:
    if prob < threshold or not 0 <= tag_id < len(vocabulary):
        return KEEP
    return vocabulary[tag_id]
