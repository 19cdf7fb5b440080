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

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from .errors import InputTextError


@dataclass(frozen=True)
class Option:
    """A keyword option of a public method. ``high`` is a bound, the ``task_config`` key holding one (the
    bundle decides, e.g. autocomplete's ``top_k``), or None for none. A ``default`` of None means "the
    bundle's own value", so None passes the check and the method resolves it."""

    name: str
    kind: Literal["int", "number"]
    low: int
    high: int | str | None
    default: Any = None
    bridge: bool = True  # offered to pages (slm.js, under the camelCase js_name) and on the command line
    doc: str = ""  # what it sets, for the command line's help

    @property
    def flag(self) -> str:
        """The command line's name: ``-k``, ``--max-words``."""
        return f"-{self.name}" if len(self.name) == 1 else "--" + self.name.replace("_", "-")

    @property
    def js_name(self) -> str:
        head, *rest = self.name.split("_")
        return head + "".join(part.title() for part in rest)

    def check(self, value: Any, config: dict[str, Any]) -> None:
        if value is None and self.default is None:
            return
        high = config[self.high] if isinstance(self.high, str) else self.high
        # bool is an int subclass, and True is no count of anything; NaN fails every comparison.
        kinds = int if self.kind == "int" else (int, float)
        if (isinstance(value, bool) or not isinstance(value, kinds)
                or not (self.low <= value and (high is None or value <= high))):
            raise InputTextError(f"{self.name} must be {self._describe(high)}, not {value!r}")

    def _describe(self, high: int | None) -> str:
        if high is None:
            return f"{'an int' if self.kind == 'int' else 'a number'} >= {self.low}"
        if self.kind == "int":
            return f"an int between {self.low} and {high}"
        return f"a number from {self.low} to {high}"


@dataclass(frozen=True)
class Method:
    """A public model method. ``takes_text``: the worker passes the page's text as its one argument;
    ``bridge_reply``: the model attribute the worker answers with after the call (instead of its result);
    ``bridge``: served through the worker at all (batch calls are Python-only: the page debounces)."""

    name: str
    options: tuple[Option, ...] = ()
    takes_text: bool = True
    bridge_reply: str | None = None
    bridge: bool = True

    def check(self, config: dict[str, Any], **values: Any) -> None:
        """Refuse a bad option value with a one-line InputTextError (the first bad one, in table order)."""
        for option in self.options:
            option.check(values.get(option.name, option.default), config)

    def bridge_kwargs(self, options: dict[str, Any]) -> dict[str, Any]:
        """The keyword arguments of a bridge call: the options pages may pass, others ignored."""
        return {o.name: options[o.name] for o in self.options if o.bridge and o.name in options}


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

TASKS: MappingProxyType[str, TaskSpec] = MappingProxyType({spec.name: spec for spec in (
    TaskSpec(
        "sentiment", "sentiment.SentimentModel",
        methods=(Method("classify"), Method("classify_batch", bridge=False)),
        inputs=("input_ids", "attention_mask"), outputs=("probs",), family="bert", head="sequence",
    ),
    TaskSpec(
        "autocomplete", "autocomplete.AutocompleteModel",
        methods=(
            Method("complete", options=(
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
        methods=(Method("correct", options=(
            Option("min_confidence", "number", 0, 1,
                   doc="tag probability an edit needs (lower finds more, flags more)"),
            Option("max_passes", "int", 0, None, bridge=False),
        )),),
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

