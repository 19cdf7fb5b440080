"""The JSON members of a bundle: parsed within limits and checked field by field. Pure standard library.

Every field the runtime reads is checked here, when the bundle is read, so that a wrong type, a missing
key or a value that would silently mislead (one label for a classifier, ``top_k: 0``) is a one-line
:class:`BundleError` naming the field, never a traceback later or a wrong answer. The rules are tables
(:data:`MANIFEST_RULES`, :data:`TASK_RULES`, :data:`TOKENIZER_RULES`); docs/bundle-format.md lists them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import BundleError
from .registry import TASKS

# Nesting of the JSON members: the converter writes 4 levels (manifest) and about 6 (tokenizer.json).
# Checked before parsing, so a file nested 100,000 deep never reaches the recursive parser.
MAX_JSON_DEPTH = 32
MAX_VOCAB = 1 << 24  # ids the embedding of a small model could hold, with room to spare
MAX_POSITIONS = 1 << 20  # tokens a model may see at once
MAX_LABELS = 1 << 16  # classifier labels, grammar tags

_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def parse_json(raw: bytes, member: str) -> Any:
    """The JSON value of ``raw``, or a one-line :class:`BundleError` naming ``member`` and the problem.

    Strict UTF-8 and strict JSON (no ``NaN``/``Infinity``), no deeper than :data:`MAX_JSON_DEPTH`.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BundleError(f"{member} is not valid UTF-8 (byte {e.start}: {e.reason})") from None
    if _too_deep(text):
        raise BundleError(f"{member} nests JSON deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except ValueError as e:  # JSONDecodeError, and int() over Python's digit limit
        raise BundleError(f"{member} is not valid JSON ({e})") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _too_deep(text: str) -> bool:
    """Whether the brackets of ``text`` (outside strings) nest deeper than MAX_JSON_DEPTH.

    Only C-speed string operations (this runs in Pyodide at every load): escaped backslashes, then escaped
    quotes are dropped, so every quote left opens or closes a string and splitting on quotes puts the text
    outside strings at even places. Innermost bracket pairs are then removed one level per round; brackets
    that do not pair up stop the rounds early and are left for the JSON parser to report.
    """
    unescaped = text.replace("\\\\", "").replace('\\"', "")
    brackets = _NOT_BRACKET.sub("", "".join(unescaped.split('"')[::2]))
    for _ in range(MAX_JSON_DEPTH):
        inner = brackets.replace("[]", "").replace("{}", "")
        if inner == brackets:
            return False
        brackets = inner
    return bool(brackets)


# -- value checks: each says what a value must be, and whether a given one is ------------------------


class Check:
    """What a value must be (:meth:`what`, for error messages) and whether a given one is (:meth:`fits`)."""

    def what(self, bounds: Mapping[str, int]) -> str:
        raise NotImplementedError

    def fits(self, value: Any, bounds: Mapping[str, int]) -> bool:
        raise NotImplementedError

    def fits_all(self, values: Iterable[Any], bounds: Mapping[str, int]) -> bool:
        return all(self.fits(v, bounds) for v in values)

    def locate(self, value: Any, bounds: Mapping[str, int]) -> tuple[str, Check, Any]:
        """The first misfit inside a ``value`` that does not fit: (path suffix such as ``["a"]`` or ``[3]``,
        the check it fails, its value). Only containers look inside; the rest is the misfit itself."""
        return "", self, value


@dataclass(frozen=True)
class Int(Check):
    """An integer (not a bool) from ``low`` to ``high``; a str ``high`` names a bound from other fields."""

    low: int
    high: int | str

    def what(self, bounds: Mapping[str, int]) -> str:
        return f"an integer from {self.low} to {self._high(bounds)}"

    def fits(self, value: Any, bounds: Mapping[str, int]) -> bool:
        return type(value) is int and self.low <= value <= self._high(bounds)

    def fits_all(self, values: Iterable[Any], bounds: Mapping[str, int]) -> bool:
        low, high = self.low, self._high(bounds)  # a vocabulary has tens of thousands of ids to check
        return all(type(v) is int and low <= v <= high for v in values)

    def _high(self, bounds: Mapping[str, int]) -> int:
        return bounds[self.high] if isinstance(self.high, str) else self.high


@dataclass(frozen=True)
class Number(Check):
    """A finite number from ``low`` to ``high``."""

    low: float
    high: float

    def what(self, bounds: Mapping[str, int]) -> str:
        return f"a number from {self.low} to {self.high}"

    def fits(self, value: Any, bounds: Mapping[str, int]) -> bool:
        return type(value) in (int, float) and math.isfinite(value) and self.low <= value <= self.high


@dataclass(frozen=True)
class Type(Check):
    """A JSON value of one Python type (``str``, ``bool``, ``dict``), or also null if ``nullable``."""

    type: type
    name: str
    nullable: bool = False

    def what(self, bounds: Mapping[str, int]) -> str:
        return self.name + (" or null" if self.nullable else "")

    def fits(self, value: Any, bounds: Mapping[str, int]) -> bool:
        return type(value) is self.type or (self.nullable and value is None)


OBJECT = Type(dict, "an object")
TEXT = Type(str, "a string")
FLAG = Type(bool, "true or false")


@dataclass(frozen=True)
class OneOf(Check):
    values: tuple[str, ...]

    def what(self, bounds: Mapping[str, int]) -> str:
        return "one of " + ", ".join(map(repr, self.values))

    def fits(self, value: Any, bounds: Mapping[str, int]) -> bool:
        return isinstance(value, str) and value in self.values


@dataclass(frozen=True)
class Texts(Check):
    """A list of ``low`` to ``high`` distinct non-empty strings."""

    low: int
    high: int = MAX_LABELS

    def what(self, bounds: Mapping[str, int]) -> str:
        return f"a list of {self.low} to {self.high} distinct non-empty strings"

    def fits(self, value: Any, bounds: Mapping[str, int]) -> bool:
        return (
            type(value) is list
            and self.low <= len(value) <= self.high
            and all(type(v) is str and v for v in value)
            and len(set(value)) == len(value)
        )


@dataclass(frozen=True)
class MapOf(Check):
    """An object whose values all fit ``value``."""

    value: Check

    def what(self, bounds: Mapping[str, int]) -> str:
        return f"an object whose values are each {self.value.what(bounds)}"

    def fits(self, value: Any, bounds: Mapping[str, int]) -> bool:
        return type(value) is dict and self.value.fits_all(value.values(), bounds)

    def locate(self, value: Any, bounds: Mapping[str, int]) -> tuple[str, Check, Any]:
        if type(value) is dict:
            for key, item in value.items():
                if not self.value.fits(item, bounds):
                    suffix, check, misfit = self.value.locate(item, bounds)
                    return f"[{json.dumps(key)}]{suffix}", check, misfit
        return super().locate(value, bounds)


@dataclass(frozen=True)
class ListOf(Check):
    """A list whose items all fit ``item``."""

    item: Check

    def what(self, bounds: Mapping[str, int]) -> str:
        return f"a list whose items are each {self.item.what(bounds)}"

    def fits(self, value: Any, bounds: Mapping[str, int]) -> bool:
        return type(value) is list and self.item.fits_all(value, bounds)

    def locate(self, value: Any, bounds: Mapping[str, int]) -> tuple[str, Check, Any]:
        if type(value) is list:
            for index, item in enumerate(value):
                if not self.item.fits(item, bounds):
                    suffix, check, misfit = self.item.locate(item, bounds)
                    return f"[{index}]{suffix}", check, misfit
        return super().locate(value, bounds)


@dataclass(frozen=True)
class Merge(Check):
    """A BPE merge: ``"a b"`` or ``["a", "b"]``."""

    def what(self, bounds: Mapping[str, int]) -> str:
        return 'a "left right" string or a [left, right] pair of strings'

    def fits(self, value: Any, bounds: Mapping[str, int]) -> bool:
        return self.fits_all((value,), bounds)

    def fits_all(self, values: Iterable[Any], bounds: Mapping[str, int]) -> bool:
        # Inline: a BPE vocabulary has tens of thousands of merges.
        return all(
            (type(v) is str and " " in v)
            or (type(v) is list and len(v) == 2 and type(v[0]) is type(v[1]) is str)
            for v in values
        )


@dataclass(frozen=True)
class AddedToken(Check):
    """An entry of tokenizer.json's ``added_tokens``: an ``id`` within the vocabulary and a ``content``."""

    def what(self, bounds: Mapping[str, int]) -> str:
        return f"an object with an integer 'id' from 0 to {bounds['last_id']} and a string 'content'"

    def fits(self, value: Any, bounds: Mapping[str, int]) -> bool:
        return (
            type(value) is dict
            and Int(0, "last_id").fits(value.get("id"), bounds)
            and type(value.get("content")) is str
        )


@dataclass(frozen=True)
class Component(Check):
    """A tokenizer pipeline component (normalizer, pre-tokenizer, ...): null, or an object with a type."""

    def what(self, bounds: Mapping[str, int]) -> str:
        return "null or an object with a string 'type'"

    def fits(self, value: Any, bounds: Mapping[str, int]) -> bool:
        return value is None or (type(value) is dict and type(value.get("type")) is str)


@dataclass(frozen=True)
class Rule:
    """Field ``path`` (dotted) must fit ``check``; an optional field may be absent."""

    path: str
    check: Check
    required: bool = True


# Checked in order: a field's parent object before the field, vocab_size before the ids it bounds.
MANIFEST_RULES = (
    Rule("name", TEXT, required=False),
    Rule("tokenizer", OBJECT),
    Rule("model", OBJECT),
    Rule("task_config", OBJECT),
    Rule("heads", OBJECT, required=False),  # the other tasks one shared graph serves: see check_heads
    Rule("validation", OBJECT, required=False),
    Rule("source", OBJECT, required=False),
    Rule("tokenizer.kind", OneOf(("wordpiece", "bpe"))),
    Rule("tokenizer.vocab_size", Int(2, MAX_VOCAB)),
    Rule("tokenizer.max_length", Int(3, MAX_POSITIONS)),  # [CLS] and [SEP] leave room for one token
    Rule("model.architecture", TEXT, required=False),
    Rule("model.opset", Int(1, 1000), required=False),
    Rule("model.quantization", TEXT, required=False),
    Rule("model.optimization", TEXT, required=False),
    Rule("model.inputs", Texts(1), required=False),
    Rule("model.outputs", Texts(1), required=False),
    Rule("model.weight_bits", OBJECT, required=False),
)
# Fields bounded by the vocabulary size (the bound comes from the rules above).
ID_RULES = (Rule("tokenizer.special_ids", MapOf(Int(0, "last_id"))),)
TASK_RULES = {
    "sentiment": (Rule("task_config.labels", Texts(2)),),  # one label would always win, at probability 1
    "grammar": (
        Rule("task_config.tags", Texts(2)),
        Rule("task_config.tag_top_k", Int(1, "tags")),
        Rule("task_config.transforms", MapOf(MapOf(TEXT)), required=False),
        Rule("task_config.spellings", MapOf(TEXT), required=False),
        Rule("task_config.min_confidence", Number(0.0, 1.0), required=False),
        Rule("task_config.max_passes", Int(0, 16), required=False),
    ),
    "autocomplete": (
        Rule("task_config.top_k", Int(1, "vocab_size")),
        Rule("task_config.n_layer", Int(1, 256)),
        Rule("task_config.n_head", Int(1, 1024)),
        Rule("task_config.head_dim", Int(1, 4096)),
        Rule("task_config.max_positions", Int(2, MAX_POSITIONS)),
        Rule("task_config.eos_id", Int(0, "last_id"), required=False),
        Rule("task_config.dynamic_batch", FLAG, required=False),
    ),
}
TOKENIZER_RULES = (
    Rule("model", OBJECT),
    Rule("model.type", OneOf(("WordPiece", "BPE"))),
    Rule("model.vocab", MapOf(Int(0, "last_id"))),
    Rule("model.merges", ListOf(Merge()), required=False),
    Rule("model.unk_token", Type(str, "a string", nullable=True), required=False),
    Rule("model.continuing_subword_prefix", Type(str, "a string", nullable=True), required=False),
    Rule("model.max_input_chars_per_word", Int(1, MAX_POSITIONS), required=False),
    Rule("added_tokens", ListOf(AddedToken()), required=False),
    *(Rule(name, Component(), required=False)
      for name in ("normalizer", "pre_tokenizer", "post_processor", "decoder")),
)
# The manifest's tokenizer.kind -> tokenizer.json's model.type.
MODEL_TYPES = {"wordpiece": "WordPiece", "bpe": "BPE"}


def check_manifest(manifest: Mapping[str, Any]) -> None:
    """Check the sections and fields the runtime reads (``task`` is known: bundle.py checks it first)."""
    _apply(MANIFEST_RULES, manifest, "manifest.json", {})
    vocab_size = manifest["tokenizer"]["vocab_size"]
    bounds = {"vocab_size": vocab_size, "last_id": vocab_size - 1}
    _apply(ID_RULES, manifest, "manifest.json", bounds)
    task_bounds = _task_bounds(manifest["task_config"], bounds)
    _apply(TASK_RULES[manifest["task"]], manifest, "manifest.json", task_bounds)
    check_heads(manifest, bounds)


def check_heads(manifest: Mapping[str, Any], bounds: Mapping[str, int]) -> None:
    """``heads``: each key another task that the main one's graph family serves, each value an object whose
    ``task_config`` passes that task's rules (errors name ``heads.<task>.task_config.<field>``)."""
    main = manifest["task"]
    for task in manifest.get("heads", {}):
        if task not in TASKS or task == main or TASKS[task].family != TASKS[main].family:
            raise BundleError(
                f"manifest.json heads names {_show(task)}, "
                f"not another {TASKS[main].family} task than {main!r}"
            )
        prefix = f"heads.{task}"
        sections = (Rule(prefix, OBJECT), Rule(f"{prefix}.task_config", OBJECT))
        _apply(sections, manifest, "manifest.json", bounds)
        rules = tuple(Rule(f"{prefix}.{r.path}", r.check, r.required) for r in TASK_RULES[task])
        _apply(rules, manifest, "manifest.json", _task_bounds(manifest["heads"][task]["task_config"], bounds))


def _task_bounds(task_config: Mapping[str, Any], bounds: Mapping[str, int]) -> dict[str, int]:
    tags = task_config.get("tags")
    return {**bounds, "tags": len(tags) if type(tags) is list else 0}


def check_tokenizer(spec: Any, manifest: Mapping[str, Any]) -> None:
    """Check tokenizer.json's structure, and that it is the tokenizer the manifest describes."""
    if type(spec) is not dict:
        raise BundleError("tokenizer.json is not a JSON object")
    last_id = manifest["tokenizer"]["vocab_size"] - 1
    _apply(TOKENIZER_RULES, spec, "tokenizer.json", {"last_id": last_id})
    kind, model_type = manifest["tokenizer"]["kind"], spec["model"]["type"]
    if MODEL_TYPES[kind] != model_type:
        raise BundleError(
            f"tokenizer.json model.type is {model_type!r} but manifest.json tokenizer.kind is {kind!r}"
        )


def _apply(
    rules: tuple[Rule, ...], document: Mapping[str, Any], member: str, bounds: Mapping[str, int]
) -> None:
    for rule in rules:
        *parents, key = rule.path.split(".")
        holder: Any = document
        for parent in parents:  # checked by an earlier rule, so present and an object
            holder = holder[parent]
        if key not in holder:
            if rule.required:
                raise BundleError(f"{member} lacks {rule.path} ({rule.check.what(bounds)})")
            continue
        value = holder[key]
        if not rule.check.fits(value, bounds):
            suffix, check, misfit = rule.check.locate(value, bounds)
            raise BundleError(
                f"{member} {rule.path}{suffix} must be {check.what(bounds)}, not {_show(misfit)}"
            )


def _show(value: Any) -> str:
    """A short view of a bad value for an error message."""
    text = json.dumps(value)
    return text if len(text) <= 60 else f"{text[:57]}..."
