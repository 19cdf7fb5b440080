"""The model object every task subclasses: manifest, tokenizer, session, and clear errors for the wrong task.

A :class:`Model` has every task method; the ones its task does not provide raise
:class:`~slm_web.errors.TaskMismatchError`, so ``correct`` on a sentiment bundle says what went wrong instead
of an ``AttributeError``. Each async method has a blocking ``*_sync`` twin for CPython scripts.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from ..backends.base import Session, Tensor
from ..blocking import run_blocking
from ..errors import BundleError, SLMError, TaskMismatchError
from ..registry import METHOD_TASKS, TASKS, TaskSpec

# Rows per encoder call: enough to amortise a call, small enough that padding to the longest stays cheap.
BATCH_SIZE = 16
R = TypeVar("R")


def _sync(method: str) -> Callable[..., Any]:
    def run(self: Model, *args: Any, **kwargs: Any) -> Any:
        if sys.platform == "emscripten":  # the browser's event loop cannot be blocked on
            raise SLMError(f"{method}_sync() cannot block in the browser: use await model.{method}(...)")
        return run_blocking(getattr(self, method)(*args, **kwargs))

    run.__name__ = f"{method}_sync"
    run.__doc__ = f"Blocking :meth:`{method}` (CPython; in the browser, await :meth:`{method}`)."
    return run


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

    async def classify(self, text: str) -> Any:
        raise self._mismatch("classify")

    async def classify_batch(self, texts: Sequence[str]) -> Any:
        raise self._mismatch("classify_batch")

    async def complete(self, text: str, k: int = 3, max_words: int = 1) -> Any:
        raise self._mismatch("complete")

    async def correct(self, text: str) -> Any:
        raise self._mismatch("correct")

    # Personal words (autocomplete): plain methods, no engine call, so no ``*_sync`` twins.
    def learn(self, text: str) -> int:
        raise self._mismatch("learn")

    def forget(self) -> None:
        raise self._mismatch("forget")

    def export_memory(self) -> str:
        raise self._mismatch("export_memory")

    def import_memory(self, document: str) -> int:
        raise self._mismatch("import_memory")

    async def proofread(self, text: str) -> Any:
        raise self._mismatch("proofread")

    # The user's say over grammar: plain methods, no engine call, so no ``*_sync`` twins.
    def add_words(self, words: Sequence[str]) -> int:
        raise self._mismatch("add_words")

    def remove_words(self, words: Sequence[str]) -> int:
        raise self._mismatch("remove_words")

    def dictionary(self) -> list[str]:
        raise self._mismatch("dictionary")

    def ignore(self, text: str, edit: Any) -> None:
        raise self._mismatch("ignore")

    def disable(self, types: Sequence[str]) -> list[str]:
        raise self._mismatch("disable")

    def enable(self, types: Sequence[str]) -> list[str]:
        raise self._mismatch("enable")

    def export_preferences(self) -> str:
        raise self._mismatch("export_preferences")

    def import_preferences(self, document: str) -> None:
        raise self._mismatch("import_preferences")

    def erase_preferences(self) -> None:
        raise self._mismatch("erase_preferences")

    classify_sync = _sync("classify")
    classify_batch_sync = _sync("classify_batch")
    complete_sync = _sync("complete")
    correct_sync = _sync("correct")
    proofread_sync = _sync("proofread")


def pad_batch(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[list[list[int]], list[list[int]]]:
    """Right-pad token rows to the longest one: ``(input_ids, attention_mask)``."""
    width = max(len(r) for r in rows)
    ids = [list(r) + [pad_id] * (width - len(r)) for r in rows]
    mask = [[1] * len(r) + [0] * (width - len(r)) for r in rows]
    return ids, mask

