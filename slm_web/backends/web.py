"""The browser backend: onnxruntime-web called from Python through ``pyodide.ffi`` inside Pyodide.

The JS side (``bridge/slm-worker.js``) imports onnxruntime-web, configures it (local ``wasmPaths``,
``numThreads``) and hands the module, and its own ``globalThis``, to :class:`WebBackend`; by default the
backend looks for ``ort`` and the JS built-ins on the ``js`` module. Tensors cross the bridge as raw
bytes (``array.array`` ↔ typed arrays), never as lists, so a call costs one copy per tensor each way.

ORT tensors are disposed as soon as they are not needed (inputs after the run, outputs once copied,
kept ones on ``release``); the ``JsProxy`` objects that point at them are freed by Python's reference
counting, so thousands of calls do not leak wasm or JS memory.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from slm_web import drive, timing
from slm_web.backends.base import TYPECODES, EngineValue, Tensor
from slm_web.errors import BackendError

_SESSION_OPTIONS = {"executionProviders": ["wasm"], "graphOptimizationLevel": "all"}
_TYPED_ARRAYS = {"float32": "Float32Array", "int64": "BigInt64Array"}  # Tensor dtype -> ORT's data class


def _js() -> Any:
    """The ``js`` module (imported lazily so this file can be imported, not used, outside Pyodide)."""
    import js

    return js


class _Builtins:
    """The JS built-ins a run calls, looked up once per backend.

    Why not ``js.Object.fromEntries`` at each use: a Pyodide started with ``_makeSnapshot`` (the bridge's
    first visit) wraps the ``js`` module in a recording Proxy, and every attribute access through it then
    costs many times more (bench/ANALYSIS.md), which made each bridge call milliseconds slower. A
    ``globalThis`` handed over from JS is not wrapped, so the bridge passes its own.
    """

    def __init__(self, scope: Any) -> None:
        self.from_entries = scope.Object.fromEntries
        self.array_of = scope.Array.of
        self.typed_arrays = {dtype: getattr(scope, name) for dtype, name in _TYPED_ARRAYS.items()}

    def to_js(self, value: Any) -> Any:
        """``value`` as a JS value; dicts become plain objects (what ORT takes for feeds and options)."""
        from pyodide.ffi import to_js

        return to_js(value, dict_converter=self.from_entries)


def _message(exc: BaseException) -> str:
    """ORT-web rejects with JS ``Error`` objects; keep only their message, on one line."""
    text = str(getattr(exc, "message", None) or exc)
    return " ".join(text.split())


class WebSession:
    """One ``ort.InferenceSession``; see :class:`slm_web.backends.base.Session`."""

    def __init__(self, ort: Any, session: Any, builtins: _Builtins) -> None:
        self._ort = ort
        self._session = session
        self._builtins = builtins
        self.input_names: tuple[str, ...] = tuple(session.inputNames)
        self.output_names: tuple[str, ...] = tuple(session.outputNames)

    def _ort_tensor(self, tensor: Tensor) -> Any:
        """A new ``ort.Tensor`` holding a copy of ``tensor``'s data, in the typed array of its dtype.

        ``assign`` copies the buffer in one go; with ``Array.of`` for the shape this costs a fraction of
        ``to_js``'s generic conversion (bench/ANALYSIS.md).
        """
        data = self._builtins.typed_arrays[tensor.dtype].new(len(tensor.data))
        data.assign(tensor.data)
        return self._ort.Tensor.new(tensor.dtype, data, self._builtins.array_of(*tensor.shape))

    async def run(
        self, feeds: Mapping[str, Tensor | EngineValue], keep: Collection[str] = ()
    ) -> dict[str, Tensor | EngineValue]:
        timing.mark(timing.TASK_CODE)
        created = []  # ORT tensors made here for this call: disposed whatever happens
        js_feeds = {}
        for name, value in feeds.items():
            if isinstance(value, Tensor):
                value = self._ort_tensor(value)
                created.append(value)
            js_feeds[name] = value
        feeds_obj = self._builtins.to_js(js_feeds)
        timing.mark("tensors in")
        try:
            # Through drive: a bridge call's worker awaits the promise itself (slm_web/drive.py says why).
            results = await drive.js_promise(self._session.run(feeds_obj))
            timing.mark("ORT run, awaited")
        except Exception as exc:  # a JsException from ORT: surface its message as ours
            raise BackendError(f"onnxruntime-web run failed: {_message(exc)}") from None
        finally:
            for tensor in created:
                tensor.dispose()
        try:
            return {name: self._take(results, name, name in keep) for name in self.output_names}
        finally:
            # Outputs nobody asked to keep must not outlive the call, even if reading one failed.
            for name in self.output_names:
                if name not in keep:
                    getattr(results, name).dispose()
            timing.mark("outputs back + dispose")

    @staticmethod
    def _take(results: Any, name: str, keep: bool) -> Tensor | EngineValue:
        value = getattr(results, name)
        if keep:
            return value
        dtype = str(value.type)
        if dtype not in TYPECODES:
            raise BackendError(f"output {name!r} has unsupported type {dtype} (expected int64 or float32)")
        data = array(TYPECODES[dtype])
        data.frombytes(value.data.to_bytes())
        return Tensor(dtype, tuple(int(d) for d in value.dims), data)

    def release(self, value: EngineValue) -> None:
        value.dispose()

    def take_rows(self, value: EngineValue, rows: Sequence[int]) -> EngineValue:
        """The data crosses the bridge once each way, whatever the rows: copying them JS-side would cost
        two crossings per row (the page's CSP rules out JS made from a string), which is slower."""
        dims = [int(d) for d in value.dims.to_py()]  # to_py: one crossing for the whole shape
        source = memoryview(value.data.to_bytes())
        size = len(source) // dims[0]
        taken = array(TYPECODES[value.type])
        for row in rows:
            taken.frombytes(source[row * size : (row + 1) * size])
        return self._ort_tensor(Tensor(value.type, (len(rows), *dims[1:]), taken))

    def close(self) -> None:
        if self._session is not None:
            self._session.release()
            self._session = None


class WebBackend:
    """Makes :class:`WebSession` objects with onnxruntime-web module ``ort`` (default: the global ``ort``).

    ``scope`` is where the JS built-ins come from: a ``globalThis`` passed in from JS (what the bridge
    does; see :class:`_Builtins` for why), else the ``js`` module.
    """

    name = "web"

    def __init__(self, ort: Any = None, scope: Any = None) -> None:
        self._ort = ort
        self._scope = scope
        self._builtins: _Builtins | None = None

    async def load(self, model_bytes: bytes) -> WebSession:
        ort = self._ort if self._ort is not None else _js().ort
        if self._builtins is None:
            self._builtins = _Builtins(self._scope if self._scope is not None else _js())
        to_js = self._builtins.to_js
        data = to_js(model_bytes)  # a Uint8Array copy: ORT owns its own copy after create()
        try:
            session = await ort.InferenceSession.create(data, to_js(_SESSION_OPTIONS))
        except Exception as exc:
            raise BackendError(f"onnxruntime-web could not load the model: {_message(exc)}") from None
        return WebSession(ort, session, self._builtins)
