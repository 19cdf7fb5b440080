"""The backend protocol: the only place where CPython and the browser differ.

A backend turns ONNX bytes into a :class:`Session`; a session runs feeds of :class:`Tensor` and returns
:class:`Tensor` outputs. Tensors are flat ``array.array`` buffers plus a shape, so task code stays pure
Python (no numpy on the browser path).

Outputs named in ``keep`` are not copied back into Python: the session returns an opaque engine-side
value (a numpy array natively, an ``ort.Tensor`` proxy in the browser) that can be passed back as a feed
later, and must be handed to :meth:`Session.release` when no longer needed. Autocomplete uses this to
keep the KV cache on the engine side between decoding steps; :meth:`Session.take_rows` selects the rows
of a kept batch that the next step continues, still on the engine side.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from math import prod
from typing import Any, Protocol

# ONNX element type name -> array.array typecode ("q" is always 8 bytes, "f" always 4)
TYPECODES = {"int64": "q", "float32": "f"}


@dataclass(frozen=True)
class Tensor:
    """A dense tensor: ``dtype`` is ``"int64"`` or ``"float32"``; ``data`` is flat, row-major."""

    dtype: str
    shape: tuple[int, ...]
    data: array

    def __post_init__(self) -> None:
        if TYPECODES.get(self.dtype) != self.data.typecode:
            raise ValueError(f"dtype {self.dtype} does not match array typecode {self.data.typecode!r}")
        if prod(self.shape) != len(self.data):
            raise ValueError(f"tensor shape {self.shape} does not hold {len(self.data)} values")

    @classmethod
    def int64(cls, rows: list[list[int]]) -> Tensor:
        """A 2-D int64 tensor from equal-length rows (token ids, masks)."""
        width = len(rows[0]) if rows else 0
        return cls("int64", (len(rows), width), array("q", [v for row in rows for v in row]))

    @classmethod
    def zeros(cls, dtype: str, shape: tuple[int, ...]) -> Tensor:
        return cls(dtype, shape, array(TYPECODES[dtype], [0]) * prod(shape))

    def rows(self) -> list[list[float]] | list[list[int]]:
        """The tensor viewed as rows of its last dimension."""
        width = self.shape[-1] if self.shape else 1
        return [self.data[i : i + width].tolist() for i in range(0, len(self.data), width)]


# A value kept on the engine side (see module docstring); opaque to task code.
EngineValue = Any


class Session(Protocol):
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]

    async def run(
        self, feeds: Mapping[str, Tensor | EngineValue], keep: Collection[str] = ()
    ) -> dict[str, Tensor | EngineValue]:
        """Run the graph; outputs in ``keep`` stay engine-side, the rest come back as :class:`Tensor`."""
        ...

    def release(self, value: EngineValue) -> None:
        """Free an engine-side value returned through ``keep``."""
        ...

    def take_rows(self, value: EngineValue, rows: Sequence[int]) -> EngineValue:
        """A new engine-side value holding ``value[rows]`` along the first axis (rows may repeat or be
        left out); ``value`` is left as it is, and both must be released."""
        ...

    def close(self) -> None: ...


class Backend(Protocol):
    name: str

    async def load(self, model_bytes: bytes) -> Session:
        """Create a session for a self-contained ONNX model."""
        ...
