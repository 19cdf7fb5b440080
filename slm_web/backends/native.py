"""The CPython backend: onnxruntime on the CPU, loaded from bytes.

numpy and onnxruntime are imported when a backend is created, never at package import, so the rest of slm_web
stays importable (and testable) without them. Outputs named in ``keep`` stay numpy arrays (the "engine side"
here) and are fed back as they are; :meth:`NativeSession.release` just drops them.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from ..errors import BackendError
from .base import TYPECODES, EngineValue, Tensor


class NativeBackend:
    """onnxruntime sessions on the CPU; ``threads`` caps intra-op threads (None: onnxruntime's default)."""

    name = "native"

    def __init__(self, threads: int | None = None) -> None:
        try:
            import numpy
            import onnxruntime
        except ImportError as e:
            raise BackendError(f"the native backend needs numpy and onnxruntime ({e})") from None
        self._np, self._ort = numpy, onnxruntime
        self.threads = threads

    async def load(self, model_bytes: bytes) -> NativeSession:
        options = self._ort.SessionOptions()
        # Errors reach the caller as a BackendError; onnxruntime would also log them (a coloured line on
        # stderr), and its warnings (unused initializers...) are not the user's problem: log fatal ones only.
        options.log_severity_level = 4
        options.inter_op_num_threads = 1
        if self.threads:
            options.intra_op_num_threads = self.threads
        try:
            session = self._ort.InferenceSession(
                bytes(model_bytes), options, providers=["CPUExecutionProvider"]
            )
        except Exception as e:  # onnxruntime raises its own exception types for bad models
            raise BackendError(f"onnxruntime cannot load the model: {_first_line(e)}") from None
        return NativeSession(session, self._np)


class NativeSession:
    """One onnxruntime session behind the :class:`~slm_web.backends.base.Session` protocol."""

    def __init__(self, session: Any, np: Any) -> None:
        self._session, self._np = session, np
        self.input_names = tuple(i.name for i in session.get_inputs())
        self.output_names = tuple(o.name for o in session.get_outputs())

    async def run(
        self, feeds: Mapping[str, Tensor | EngineValue], keep: Collection[str] = ()
    ) -> dict[str, Tensor | EngineValue]:
        np_feeds = {name: self._to_numpy(v) if isinstance(v, Tensor) else v for name, v in feeds.items()}
        try:
            outputs = self._session.run(None, np_feeds)
        except Exception as e:
            raise BackendError(f"onnxruntime failed to run the model: {_first_line(e)}") from None
        return {
            name: value if name in keep else self._to_tensor(value)
            for name, value in zip(self.output_names, outputs, strict=True)
        }

    def release(self, value: EngineValue) -> None:
        """Nothing to free: a kept value is a numpy array, freed when its last reference goes."""

    def take_rows(self, value: EngineValue, rows: Sequence[int]) -> EngineValue:
        return value[list(rows)]  # fancy indexing: a new array, one copy of the selected rows

    def close(self) -> None:
        self._session = None

    def _to_numpy(self, tensor: Tensor) -> Any:
        return self._np.frombuffer(tensor.data, dtype=tensor.dtype).reshape(tensor.shape)

    def _to_tensor(self, value: Any) -> Tensor:
        # Tensor carries int64 and float32 only: widen/narrow other numeric outputs to those.
        dtype = "float32" if value.dtype.kind == "f" else "int64"
        flat = array(TYPECODES[dtype])
        flat.frombytes(self._np.ascontiguousarray(value, dtype=dtype).tobytes())
        return Tensor(dtype, tuple(int(d) for d in value.shape), flat)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
