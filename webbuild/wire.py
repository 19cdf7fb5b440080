"""Bundles on the wire with their 4-bit-representable weights at 4 bits (``.slm4``), decoded by the bridge.

A bundle converted with ``--matmul-bits 4`` holds int8 MatMul weights whose every group of 16 values (along
a column) is a signed nibble times a multiplier (:mod:`converter.matmul4`). Inside the ZIP the model is
stored uncompressed, so each such weight is one run of bytes in the ``.slm`` file. The ``.slm4`` file is
the same bundle with those runs replaced by their nibbles and multipliers (9/16 of the bytes); the JS bridge
(``bridge/slm-wire.js``) rebuilds the exact ``.slm`` before Python verifies its hashes, so the runtime and
onnxruntime see an ordinary int8 bundle.

Layout: ``b"SLM4"``, a little-endian u32 header length, the header (UTF-8 JSON: ``size`` of the decoded
bundle and ``runs``, a list of ``[offset, rows, cols]`` in ascending order, each a [rows, cols] int8 tensor
at ``offset`` in the bundle), the bundle without those runs, then for each run its nibbles (uint8
[rows/2, cols]) and multipliers (uint8 [rows/16, cols]) as :func:`converter.matmul4.split` returns them.
"""

from __future__ import annotations

import json
import struct

import numpy as np

MAGIC = b"SLM4"
SUFFIX = ".slm4"


def _runs(bundle: bytes) -> list[tuple[int, tuple[int, int], tuple[np.ndarray, np.ndarray]]]:
    """(offset in ``bundle``, shape, :func:`converter.matmul4.split` parts) of every weight that 4 bits
    carry exactly."""
    import onnx
    from onnx import TensorProto, numpy_helper

    from converter import matmul4
    from slm_web.bundle import read_bundle

    model = onnx.load_from_string(read_bundle(bundle).model_bytes)
    runs = []
    for tensor in model.graph.initializer:
        if tensor.data_type != TensorProto.INT8 or not matmul4.fits(tensor.dims) or not tensor.raw_data:
            continue
        parts = matmul4.split(numpy_helper.to_array(tensor))
        if parts is None:
            continue
        offset = bundle.find(tensor.raw_data)
        # The model member is stored, so the tensor's bytes are in the file once (a second copy would make
        # the run ambiguous: leave that tensor as it is).
        if offset >= 0 and bundle.find(tensor.raw_data, offset + 1) < 0:
            runs.append((offset, tuple(tensor.dims), parts))
    return sorted(runs, key=lambda run: run[0])


def encode(bundle: bytes) -> bytes | None:
    """The ``.slm4`` form of ``bundle``, or None when it has no 4-bit-representable weights."""
    runs = _runs(bundle)
    if not runs:
        return None
    header = {"size": len(bundle), "runs": [[offset, *shape] for offset, shape, _ in runs]}
    rest, packed, start = [], [], 0
    for offset, (rows, cols), (nibbles, multipliers) in runs:
        rest.append(bundle[start:offset])
        start = offset + rows * cols
        packed += [nibbles.tobytes(), multipliers.tobytes()]
    rest.append(bundle[start:])
    head = json.dumps(header, separators=(",", ":")).encode()
    return b"".join([MAGIC, struct.pack("<I", len(head)), head, *rest, *packed])


def decode(wire: bytes) -> bytes:
    """The bundle a ``.slm4`` file holds (the reference for ``bridge/slm-wire.js``)."""
    from converter import matmul4

    if wire[:4] != MAGIC:
        raise ValueError("not an .slm4 file")
    (length,) = struct.unpack_from("<I", wire, 4)
    header = json.loads(wire[8 : 8 + length])
    kept = header["size"] - sum(rows * cols for _, rows, cols in header["runs"])
    rest = wire[8 + length : 8 + length + kept]
    packed = 8 + length + kept
    out, taken = bytearray(), 0
    for offset, rows, cols in header["runs"]:
        gap = offset - len(out)
        out += rest[taken : taken + gap]
        taken += gap
        nibbles = np.frombuffer(wire, np.uint8, rows // 2 * cols, packed).reshape(rows // 2, cols)
        packed += nibbles.size
        multipliers = np.frombuffer(wire, np.uint8, rows // matmul4.GROUP * cols, packed)
        packed += multipliers.size
        out += matmul4.unpack(nibbles, multipliers.reshape(-1, cols)).tobytes()
    out += rest[taken:]
    return bytes(out)
