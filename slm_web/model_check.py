"""Refuse an ONNX model that could reach beyond its own bytes, before any inference engine sees it.

ONNX lets any tensor keep its data in a file named by a relative path ("external data"). Loaded from bytes,
CPython onnxruntime resolves that path against the current directory and reads the file into the tensor,
so a bundle could read local files and hand their bytes back as scores. Such tensors can sit anywhere: in
the main graph's initializers, in sparse initializers, in tensor-valued node attributes (``Constant``), and
in subgraphs held by node attributes (``If``/``Loop``/``Scan``), nested. This module walks every one of
them with a minimal protobuf reader (standard library only: it runs in Pyodide too) and also refuses
what the converter never writes and a runtime has no use for: ops outside the domains the converter
emits, model-local functions (their bodies hold nodes and tensors of their own) and training info.

The walk reads field keys only and skips tensor payloads by their length, so it is cheap; a budget of
fields and a cap on subgraph nesting keep a hostile file from making it slow or deep.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .errors import BundleError

# Node domains the converter writes: standard ONNX ("" or its alias "ai.onnx") and onnxruntime's contrib
# ops (fused attention, int8 MatMuls, MatMulNBits). onnxruntime's optimizer also *declares* other domains
# in opset_import (ai.onnx.ml, com.microsoft.nchwc, ...); a declaration runs nothing, so only nodes count.
ALLOWED_DOMAINS = frozenset({"", "ai.onnx", "com.microsoft"})
# Graphs inside graphs, the main graph included: converter output has no subgraphs; real control flow
# nests two or three deep.
MAX_GRAPH_DEPTH = 8
# Protobuf fields visited in all: converter output has tens of thousands (tensor payloads are one field).
MAX_FIELDS = 2_000_000

_VARINT, _LENGTH = 0, 2  # the protobuf wire types the checked fields use
Value = int | memoryview  # a field's value: a varint, or the bytes of the rest


@dataclass(frozen=True)
class Child:
    """A field holding a message of type ``message``, walked in turn; ``label`` names it in errors."""

    label: str
    message: str


@dataclass(frozen=True)
class Refuse:
    """A field whose presence alone refuses the model (``unless`` a varint value that is harmless)."""

    reason: str
    unless: int | None = None


@dataclass(frozen=True)
class Domain:
    """A node's op domain: must be in :data:`ALLOWED_DOMAINS`."""


# Field numbers from onnx.proto, per message: what to walk and what to refuse. Other fields are skipped.
SCHEMA: dict[str, dict[int, Child | Refuse | Domain]] = {
    "ModelProto": {
        7: Child("graph", "GraphProto"),
        20: Refuse("training_info (never written by the converter)"),
        25: Refuse("model-local functions (never written by the converter)"),
    },
    "GraphProto": {
        1: Child("node", "NodeProto"),
        5: Child("initializer", "TensorProto"),
        15: Child("sparse_initializer", "SparseTensorProto"),
    },
    "NodeProto": {5: Child("attribute", "AttributeProto"), 7: Domain()},
    "AttributeProto": {
        5: Child("tensor", "TensorProto"),
        6: Child("graph", "GraphProto"),
        10: Child("tensors", "TensorProto"),
        11: Child("graphs", "GraphProto"),
        22: Child("sparse_tensor", "SparseTensorProto"),
        23: Child("sparse_tensors", "SparseTensorProto"),
    },
    "SparseTensorProto": {1: Child("values", "TensorProto"), 2: Child("indices", "TensorProto")},
    "TensorProto": {
        13: Refuse("external data (a bundle must be self-contained)"),
        14: Refuse("external data (a bundle must be self-contained)", unless=0),  # data_location DEFAULT
    },
}
# The field holding each message's name (for saying where a problem is); NodeProto's op_type is field 4.
NAME_FIELD = {"GraphProto": 2, "NodeProto": 3, "AttributeProto": 1, "TensorProto": 8}
_NODE_OP_TYPE = 4


class _Refused(Exception):
    """Raised at the offending field; each enclosing message prepends where it is on the way out."""

    def __init__(self, reason: str) -> None:
        self.reason, self.where = reason, []


def check_model(model: bytes | memoryview) -> None:
    """Raise a one-line :class:`BundleError` if ``model`` (ONNX bytes) is malformed or could touch
    anything outside itself (see the module docstring); return None if it is safe to hand to an engine."""
    walk = _Walk()
    try:
        walk.message(memoryview(model), "ModelProto", graph_depth=0)
    except _Refused as e:
        where = " > ".join(reversed(e.where))
        raise BundleError(f"model.onnx is refused: {e.reason}" + (f" at {where}" if where else "")) from None
    except (IndexError, ValueError) as e:
        raise BundleError(f"model.onnx is not a valid ONNX protobuf ({e})") from None


class _Walk:
    def __init__(self) -> None:
        self.fields = 0

    def message(self, buf: memoryview, kind: str, graph_depth: int) -> None:
        schema = SCHEMA[kind]
        if kind == "GraphProto":
            graph_depth += 1
            if graph_depth > MAX_GRAPH_DEPTH:
                raise _Refused(f"graphs nested more than {MAX_GRAPH_DEPTH} deep")
        for number, wire, value in fields(buf):
            self.fields += 1
            if self.fields > MAX_FIELDS:
                raise _Refused(f"more than {MAX_FIELDS} protobuf fields (not a model the converter writes)")
            rule = schema.get(number)
            if rule is None:
                continue
            try:
                self.field(rule, wire, value, buf, graph_depth)
            except _Refused as e:
                if isinstance(rule, Child):
                    e.where.append(_describe(rule, wire, value))
                raise

    def field(
        self, rule: Child | Refuse | Domain, wire: int, value: Value, parent: memoryview, depth: int
    ) -> None:
        if isinstance(rule, Refuse):
            if not (wire == _VARINT and value == rule.unless):
                raise _Refused(rule.reason)
            return
        if wire != _LENGTH:
            raise ValueError(f"field of wire type {wire} where a message or string belongs")
        if isinstance(rule, Domain):
            domain = _text(value)
            if domain not in ALLOWED_DOMAINS:
                op = _text(_last(parent, _NODE_OP_TYPE, b""))
                raise _Refused(f"op {op!r} of unknown domain {domain!r} (allowed: "
                               f"{', '.join(repr(d) for d in sorted(ALLOWED_DOMAINS))})")
            return
        self.message(value, rule.message, depth)


def _describe(rule: Child, wire: int, value: Value) -> str:
    """Where a problem was found, e.g. ``node 'If_0'`` or ``initializer 'w'``: the label and the name."""
    number = NAME_FIELD.get(rule.message)
    name = _text(_last(value, number, b"")) if number is not None and wire == _LENGTH else ""
    if rule.message == "NodeProto" and not name:
        name = _text(_last(value, _NODE_OP_TYPE, b""))
    return f"{rule.label} {name!r}" if name else rule.label


def _last(buf: memoryview, number: int, default: bytes) -> Value | bytes:
    """The last value of field ``number`` in ``buf`` (protobuf: the last one of a scalar wins)."""
    found = default
    for n, _, value in fields(buf):
        if n == number:
            found = value
    return found


def _text(value: Value | bytes) -> str:
    return bytes(value).decode("utf-8", "replace") if isinstance(value, memoryview | bytes) else str(value)


def fields(buf: memoryview) -> Iterator[tuple[int, int, Value]]:
    """(field number, wire type, value) of one protobuf message: ints for varints, memoryviews otherwise.

    Group wire types (3, 4) and the invalid 6 and 7 are refused, which also refuses onnxruntime's own
    flatbuffer model format (its "ORTM" identifier at byte 4 reads as wire type 7).
    """
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            value, pos = _varint(buf, pos)
        elif wire == _LENGTH:
            length, pos = _varint(buf, pos)
            if pos + length > end:
                raise ValueError("truncated field")
            value, pos = buf[pos : pos + length], pos + length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if pos + size > end:
                raise ValueError("truncated field")
            value, pos = buf[pos : pos + size], pos + size
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield number, wire, value


def _varint(buf: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")
