"""The task registry: one frozen record per task, the only place that says what a task is.

Like transformers.js' ``SUPPORTED_TASKS``: each :class:`TaskSpec` names the task's model class, its public
methods with their options (type, bounds, default), the graph inputs and outputs its code feeds and reads,
and what the converter needs (model family, encoder head, ``task_config`` defaults). The bundle reader,
the model classes, the worker's method table, the converter and the JS bridge (through the part
:func:`bridge_tasks` gives ``build-manifest.json``) all read it, so adding a task is one record here.

Options are checked here and only here (:meth:`Method.check`), called by the model methods, so a Python
caller and a page calling through the worker get the same one-line :class:`InputTextError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from .errors import InputTextError, short_repr

# The error types a grammar result reports (an Edit's ``type``): what ``correct(disable=[...])`` switches off.
EDIT_TYPES = ("unnecessary", "missing", "replace", "spelling", "capitalization", "verb form", "noun number")


def _camel(name: str) -> str:
    """A Python name as the JS bridge spells it: ``max_words`` -> ``maxWords``."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class Option:
    """A keyword option of a public method. ``high`` is a bound (for a list: its length), the ``task_config``
    key holding one (the bundle decides, e.g. autocomplete's ``top_k``), or None for none. A ``default`` of
    None means "the bundle's own value", so None passes the check and the method resolves it; a ``required``
    one is the method's argument (the dictionary's words, the ignored edit) and must be given."""

    name: str
    kind: Literal["int", "number", "names", "edit"]  # a key of KINDS
    low: int = 0
    high: int | str | None = None
    default: Any = None
    choices: tuple[str, ...] = ()  # "names": the only strings allowed (any string when empty)
    required: bool = False
    bridge: bool = True  # offered to pages (slm.js, under the camelCase js_name) and on the command line
    doc: str = ""  # what it sets, for the command line's help

    @property
    def flag(self) -> str:
        """The command line's name: ``-k``, ``--max-words``."""
        return f"-{self.name}" if len(self.name) == 1 else "--" + self.name.replace("_", "-")

    @property
    def js_name(self) -> str:
        return _camel(self.name)

    def check(self, value: Any, config: dict[str, Any]) -> None:
        if value is None and self.default is None and not self.required:
            return
        high = config[self.high] if isinstance(self.high, str) else self.high
        kind = KINDS[self.kind]
        if not kind.accepts(self, value, high):
            raise InputTextError(f"{self.name} must be {kind.describe(self, high)}, not {short_repr(value)}")


@dataclass(frozen=True)
class Kind:
    """What an option kind accepts, how its one-line error names it, and how the command line reads it."""

    accepts: Callable[[Option, Any, Any], bool]  # (option, value, resolved high)
    describe: Callable[[Option, Any], str]
    parse: Callable[[str], Any] | None  # a command-line value, or None: not offered there
    unset: str = "the bundle's"  # what a default of None means, for the command line's help


def _number(types: type | tuple[type, ...]) -> Callable[[Option, Any, Any], bool]:
    # bool is an int subclass, and True is no count of anything; NaN fails every comparison.
    return lambda o, v, high: (not isinstance(v, bool) and isinstance(v, types)
                               and o.low <= v and (high is None or v <= high))


def _names(o: Option, value: Any, high: Any) -> bool:
    return (isinstance(value, list | tuple) and o.low <= len(value) <= high
            and all(isinstance(v, str) and (not o.choices or v in o.choices) for v in value))


# An edit field's check, by its annotation: offsets are ints >= 0 (bool is an int subclass, and no offset).
_EDIT_FIELD_CHECKS: dict[str, Callable[[Any], bool]] = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
    "str": lambda v: isinstance(v, str),
}


def _edit(o: Option, value: Any, high: Any) -> bool:
    """An Edit, or its dict (the page's edits are); the method checks it against its text."""
    from .tasks.results import EDIT_FIELDS  # imported here: the tasks package imports this module

    fields = value.to_dict() if hasattr(value, "to_dict") else value
    return isinstance(fields, dict) and fields.get("type") in o.choices and all(
        _EDIT_FIELD_CHECKS[kind](fields.get(name)) for name, kind in EDIT_FIELDS.items()
    )


KINDS: MappingProxyType[str, Kind] = MappingProxyType({
    "int": Kind(_number(int), lambda o, high: f"an int >= {o.low}" if high is None
                else f"an int between {o.low} and {high}", int),
    "number": Kind(_number((int, float)), lambda o, high: f"a number >= {o.low}" if high is None
                   else f"a number from {o.low} to {high}", float),
    "names": Kind(_names, lambda o, high: f"a list of at most {high} "
                  + (f"of {', '.join(o.choices)}" if o.choices else "strings"),
                  lambda s: s.split(","), unset="none"),
    "edit": Kind(_edit, lambda o, high: "an edit from correct() (start, end, original, replacement, type)",
                 None),
})


@dataclass(frozen=True)
class Method:
    """A public model method. ``runs_model``: an async method that runs the graph, with a blocking
    ``*_sync`` twin for CPython scripts (the others are plain methods); ``takes_text``: the worker passes
    the page's text as its one argument; ``bridge_reply``: the model attribute the worker answers with after
    the call (instead of its result); ``bridge``: served through the worker at all (batch calls are
    Python-only: the page debounces)."""

    name: str
    options: tuple[Option, ...] = ()
    runs_model: bool = False
    takes_text: bool = True
    bridge_reply: str | None = None
    bridge: bool = True

    @property
    def js_name(self) -> str:
        """The name pages call on slm.js' ``SLM``: ``export_preferences`` -> ``exportPreferences``."""
        return _camel(self.name)

    def check(self, config: dict[str, Any], **values: Any) -> None:
        """Refuse a bad option value with a one-line InputTextError (the first bad one, in table order)."""
        for option in self.options:
            option.check(values.get(option.name, option.default), config)

    def bridge_kwargs(self, options: dict[str, Any]) -> dict[str, Any]:
        """The keyword arguments of a bridge call: the options pages may pass, others ignored; a required one
        left out is None, which its check refuses as a Python caller's would be."""
        return {o.name: options.get(o.name) for o in self.options
                if o.bridge and (o.required or o.name in options)}


@dataclass(frozen=True)
class TaskSpec:
    """One task. Its first method is its main one (what ``python -m slm_web run`` calls)."""

    name: str
    model: str  # "module.Class" under slm_web.tasks
    methods: tuple[Method, ...]
    inputs: tuple[str, ...]  # graph inputs the task's code feeds, checked at load time
    outputs: tuple[str, ...]  # graph outputs it reads
    family: Literal["bert", "gpt2"]  # the manifest's model.architecture: encoder or decoder
    head: Literal["sequence", "token"] | None  # the encoder head the converter adds; None for a decoder
    # task_config defaults; the checkpoint's slm_task.json (or --task-config) overrides them.
    config_defaults: MappingProxyType[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def method(self, name: str) -> Method:
        return next(m for m in self.methods if m.name == name)


# Personal words (autocomplete): each answers the page with the count of words learned.
_PERSONAL = (
    Method("learn", bridge_reply="personal_words"),
    Method("forget", takes_text=False, bridge_reply="personal_words"),
    Method("export_memory", takes_text=False),
    Method("import_memory"),
)

# Grammar: correct() and its Proofreader-API-shaped twin take the same options.
_CORRECT = (
    Option("min_confidence", "number", 0, 1,
           doc="tag probability an edit needs (lower finds more, flags more)"),
    Option("max_passes", "int", 0, None, bridge=False),
    Option("disable", "names", 0, len(EDIT_TYPES), choices=EDIT_TYPES,
           doc="edit types to leave out, comma-separated (e.g. spelling,capitalization)"),
)
# The user's say over grammar (slm_web.tasks.grammar_preferences): the personal dictionary, ignored
# suggestions, edit types switched off, and the JSON that keeps them.
MAX_DICTIONARY_WORDS = 10_000
_WORDS = Option("words", "names", 0, MAX_DICTIONARY_WORDS, required=True)
_TYPES = Option("types", "names", 0, len(EDIT_TYPES), choices=EDIT_TYPES, required=True)
_PREFERENCES = (
    Method("add_words", options=(_WORDS,), takes_text=False),
    Method("remove_words", options=(_WORDS,), takes_text=False),
    Method("dictionary", takes_text=False),
    Method("ignore", options=(Option("edit", "edit", choices=EDIT_TYPES, required=True),)),
    Method("disable", options=(_TYPES,), takes_text=False),
    Method("enable", options=(_TYPES,), takes_text=False),
    Method("export_preferences", takes_text=False),
    Method("import_preferences"),
    Method("erase_preferences", takes_text=False),
)

TASKS: MappingProxyType[str, TaskSpec] = MappingProxyType({spec.name: spec for spec in (
    TaskSpec(
        "sentiment", "sentiment.SentimentModel",
        methods=(
            Method("classify", runs_model=True),
            Method("classify_batch", runs_model=True, bridge=False),
        ),
        inputs=("input_ids", "attention_mask"), outputs=("probs",), family="bert", head="sequence",
    ),
    TaskSpec(
        "autocomplete", "autocomplete.AutocompleteModel",
        methods=(
            Method("complete", runs_model=True, options=(
                Option("k", "int", 1, "top_k", default=3, doc="number of suggestions"),
                Option("max_words", "int", 1, 8, default=1, doc="words each"),
            )),
            *_PERSONAL,
        ),
        inputs=("input_ids",), outputs=("top_logits", "top_ids"), family="gpt2", head=None,
        # 256, not 32: after "I would" the " like" token ranks past 32 in the student, so a top-32 graph
        # cannot complete "I would li"; each candidate crosses the JS bridge at every decoding step
        # (bench/ANALYSIS.md has the cost).
        config_defaults=MappingProxyType({"top_k": 256}),
    ),
    TaskSpec(
        "grammar", "grammar.GrammarModel",
        methods=(
            Method("correct", options=_CORRECT, runs_model=True),
            Method("proofread", options=_CORRECT, runs_model=True),
            *_PREFERENCES,
        ),
        inputs=("input_ids", "attention_mask"), outputs=("tag_probs", "tag_ids"), family="bert", head="token",
        config_defaults=MappingProxyType(
            {"tag_top_k": 4, "transforms": {}, "min_confidence": 0.5, "max_passes": 3}
        ),
    ),
)})

# Which task provides each public method.
METHOD_TASKS: MappingProxyType[str, str] = MappingProxyType(
    {m.name: spec.name for spec in TASKS.values() for m in spec.methods}
)


def bridge_tasks() -> dict[str, Any]:
    """What the JS bridge needs, for build-manifest.json: per task, its bridge methods and their options."""
    return {
        spec.name: {
            m.name: [{"name": o.name, "js": o.js_name, "kind": o.kind} for o in m.options if o.bridge]
            for m in spec.methods if m.bridge
        }
        for spec in TASKS.values()
    }

