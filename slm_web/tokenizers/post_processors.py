"""Post-processors: special tokens around a sequence, and ByteLevel offset trimming.

Supported: ``TemplateProcessing`` (single-sequence template), ``BertProcessing``, ``RobertaProcessing``,
``ByteLevel`` and ``Sequence`` of these. ``added`` is how many tokens a processor adds to one
sequence, so truncation can leave room for them, as HF does.
"""

from __future__ import annotations

from typing import Any, Protocol

from .byte_level import byte_to_char
from .charclass import ranges
from .encoding import Encoding


class PostProcessor(Protocol):
    added: int

    def process(self, enc: Encoding, add_special_tokens: bool) -> Encoding: ...


class Template:
    """Special tokens and the sequence in template order (``[CLS] $A [SEP]``); ``None`` marks ``$A``."""

    def __init__(self, parts: list[tuple[list[int], list[str]] | None]) -> None:
        self.parts = parts
        self.added = sum(len(p[0]) for p in parts if p is not None)

    def process(self, enc: Encoding, add_special_tokens: bool) -> Encoding:
        if not add_special_tokens:
            return enc
        out = Encoding()
        for part in self.parts:
            if part is None:
                out.ids += enc.ids
                out.offsets += enc.offsets
                out.word_ids += enc.word_ids
                out.tokens += enc.tokens
            else:
                ids, tokens = part
                out.ids += ids
                out.tokens += tokens
                out.offsets += [(0, 0)] * len(ids)
                out.word_ids += [None] * len(ids)
        return out


class TrimOffsets:
    """HF's ByteLevel ``trim_offsets``: offsets leave out the spaces a token starts or ends with,
    except the one ``add_prefix_space`` put before the first word."""

    added = 0

    def __init__(self, add_prefix_space: bool) -> None:
        self.add_prefix_space = add_prefix_space
        self.spaces = (byte_to_char()[ord(" ")],)

    def _is_space(self, char: str) -> bool:
        return char in self.spaces or char in ranges("BERT_WHITESPACE")

    def _count(self, token: str) -> int:
        n = 0
        while n < len(token) and self._is_space(token[n]):
            n += 1
        return n

    def process(self, enc: Encoding, add_special_tokens: bool) -> Encoding:
        offsets = []
        for i, (token, (start, end)) in enumerate(zip(enc.tokens, enc.offsets, strict=True)):
            lead, trail = self._count(token), self._count(token[::-1])
            if lead and not ((i == 0 or start == 0) and self.add_prefix_space and lead == 1):
                start = min(start + lead, end)
            if trail and end >= trail:
                end = max(end - trail, start)
            offsets.append((start, end))
        return Encoding(enc.ids, offsets, enc.word_ids, enc.tokens)


class Chain:
    """Processors applied in order (HF's ``Sequence``)."""

    def __init__(self, parts: list[PostProcessor]) -> None:
        self.parts = parts
        self.added = sum(p.added for p in parts)

    def process(self, enc: Encoding, add_special_tokens: bool) -> Encoding:
        for part in self.parts:
            enc = part.process(enc, add_special_tokens)
        return enc


def _template(spec: dict[str, Any]) -> Template:
    specials = spec.get("special_tokens", {})
    parts: list[tuple[list[int], list[str]] | None] = []
    for item in spec["single"]:
        if "Sequence" in item:
            parts.append(None)
        else:
            special = specials[item["SpecialToken"]["id"]]
            parts.append((list(special["ids"]), list(special["tokens"])))
    return Template(parts)


def _around(spec: dict[str, Any]) -> Template:
    (cls, cls_id), (sep, sep_id) = spec["cls"], spec["sep"]
    return Template([([cls_id], [cls]), None, ([sep_id], [sep])])


def _roberta(spec: dict[str, Any]) -> PostProcessor:
    around = _around(spec)
    if spec.get("trim_offsets", True):
        return Chain([TrimOffsets(spec.get("add_prefix_space", True)), around])
    return around


def _byte_level(spec: dict[str, Any]) -> PostProcessor:
    return TrimOffsets(spec.get("add_prefix_space", True)) if spec.get("trim_offsets", True) else Chain([])


_BUILDERS = {
    "TemplateProcessing": _template,
    "BertProcessing": _around,
    "RobertaProcessing": _roberta,
    "ByteLevel": _byte_level,
    "Sequence": lambda spec: Chain([build_post_processor(p) for p in spec["processors"]]),
}


def build_post_processor(spec: dict[str, Any] | None) -> PostProcessor:
    """The post-processor a tokenizer.json ``post_processor`` entry describes.

    ``ValueError`` if unsupported."""
    if spec is None:
        return Chain([])
    kind = spec.get("type")
    if kind not in _BUILDERS:
        raise ValueError(f"unsupported tokenizer component: post_processor {kind!r}")
    return _BUILDERS[kind](spec)
