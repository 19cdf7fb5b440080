"""The model object every task subclasses: manifest, tokenizer, session, and clear errors for the wrong task.

A :class:`Model` has every method of every task in :mod:`slm_web.registry`, set from its records by a class
decorator: the ones its task does not provide raise :class:`~slm_web.errors.TaskMismatchError`, so
``correct`` on a sentiment bundle says what went wrong instead of an ``AttributeError``. Each method that
runs the model (async) has a blocking ``*_sync`` twin for CPython scripts.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ..backends.base import Session, Tensor
from ..blocking import run_blocking
from ..errors import BundleError, SLMError, TaskMismatchError
from ..registry import METHOD_TASKS, TASKS, Method, TaskSpec

# Rows per encoder call: enough to amortise a call, small enough that padding to the longest stays cheap.
BATCH_SIZE = 16
R = TypeVar("R")
M = TypeVar("M", bound=type)


def _signature(method: Method) -> inspect.Signature:
    """The registry's view of a method's parameters: the text, required options, then keyword options."""
    P = inspect.Parameter
    return inspect.Signature([
        P("self", P.POSITIONAL_OR_KEYWORD),
        *([P("text", P.POSITIONAL_OR_KEYWORD)] if method.takes_text else []),
        *(P(o.name, P.POSITIONAL_OR_KEYWORD) for o in method.options if o.required),
        *(P(o.name, P.KEYWORD_ONLY, default=o.default) for o in method.options if not o.required),
    ])


def _refusal(method: Method, spec: TaskSpec) -> Callable[..., Any]:
    """What ``Model`` has for a method of another task: it raises TaskMismatchError."""

    def refuse(self: Model, *args: Any, **kwargs: Any) -> Any:
        raise self._mismatch(method.name)

    refuse.__name__ = refuse.__qualname__ = method.name
    refuse.__doc__ = (f"A method of {spec.name} bundles (slm_web.tasks.{spec.model}); on this bundle it "
                      "raises TaskMismatchError.")
    refuse.__signature__ = _signature(method)  # type: ignore[attr-defined]
    return refuse


def _sync(method: Method) -> Callable[..., Any]:
    name = method.name

    def run(self: Model, *args: Any, **kwargs: Any) -> Any:
        if sys.platform == "emscripten":  # the browser's event loop cannot be blocked on
            raise SLMError(f"{name}_sync() cannot block in the browser: use await model.{name}(...)")
        return run_blocking(getattr(self, name)(*args, **kwargs))

    run.__name__ = run.__qualname__ = f"{name}_sync"
    run.__doc__ = f"Blocking :meth:`{name}` (CPython; in the browser, await :meth:`{name}`)."
    run.__signature__ = _signature(method)  # type: ignore[attr-defined]
    return run


def _every_registry_method(cls: type[M]) -> type[M]:
    """Give ``cls`` every task's methods, from the registry: a task class overrides its own and the others
    refuse. A method that runs the model also gets its blocking twin, which calls whichever the class has."""
    for spec in TASKS.values():
        for method in spec.methods:
            setattr(cls, method.name, _refusal(method, spec))
            if method.runs_model:
                setattr(cls, f"{method.name}_sync", _sync(method))
    return cls


@_every_registry_method
class Model:
    """A loaded bundle, ready to run. Use :func:`slm_web.load` to get one."""

    task: ClassVar[str]  # a key of slm_web.registry.TASKS, whose record says the rest

    def __init__(self, manifest: dict[str, Any], tokenizer: Any, session: Session) -> None:
        self.manifest = manifest
        self.tokenizer = tokenizer
        self.session = session
        self.config: dict[str, Any] = manifest["task_config"]
        self.max_length: int = manifest["tokenizer"].get("max_length", 512)
        self.special_ids: dict[str, int] = manifest["tokenizer"].get("special_ids", {})
        for kind, names, have in (("input", self.spec.inputs, session.input_names),
                                  ("output", self.spec.outputs, session.output_names)):
            missing = [n for n in names if n not in have]
            if missing:
                raise BundleError(f"model.onnx of this {self.task} bundle lacks the {kind} {missing[0]!r}")

    @property
    def spec(self) -> TaskSpec:
        return TASKS[self.task]

    def check_options(self, method: str, **values: Any) -> None:
        """Refuse bad option values of ``method`` with the registry's one-line InputTextError."""
        self.spec.method(method).check(self.config, **values)

    @property
    def name(self) -> str:
        return str(self.manifest.get("name", "?"))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} task={self.task!r}>"

    def close(self) -> None:
        """Free the inference session."""
        self.session.close()

    def __enter__(self) -> Model:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def run_encoder(
        self, rows: list[list[int]], read: Callable[[Mapping[str, Tensor], int, int], R]
    ) -> list[R]:
        """Run token rows through an encoder graph in padded batches; results come back in the rows' order.

        Rows are sorted by length so each batch pads little; ``read(outputs, b, n)`` extracts the result of
        batch row ``b``, whose first ``n`` positions are real tokens.
        """
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        results: list[Any] = [None] * len(rows)
        for at in range(0, len(order), BATCH_SIZE):
            chunk = order[at : at + BATCH_SIZE]
            ids, mask = pad_batch([rows[i] for i in chunk], self.special_ids.get("pad", 0))
            feeds = {"input_ids": Tensor.int64(ids), "attention_mask": Tensor.int64(mask)}
            out = await self.session.run(feeds)
            for b, i in enumerate(chunk):
                results[i] = read(out, b, len(rows[i]))
        return results

    def _mismatch(self, method: str) -> TaskMismatchError:
        return TaskMismatchError(
            f"{method}() needs a {METHOD_TASKS[method]} bundle, but {self.name!r} is a {self.task} bundle"
        )

    if TYPE_CHECKING:  # the registry's methods are set on the class by its decorator: Any to a checker
        def __getattr__(self, name: str) -> Any: ...


def pad_batch(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[list[list[int]], list[list[int]]]:
    """Right-pad token rows to the longest one: ``(input_ids, attention_mask)``."""
    width = max(len(r) for r in rows)
    ids = [list(r) + [pad_id] * (width - len(r)) for r in rows]
    mask = [[1] * len(r) + [0] * (width - len(r)) for r in rows]
    return ids, mask

