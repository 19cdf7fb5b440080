"""The onnxruntime backend on a hand-built graph: tensors in and out, kept values, errors."""

from __future__ import annotations

from array import array

import pytest

from slm_web.backends import default_backend
from slm_web.backends.base import Tensor
from slm_web.backends.native import NativeBackend
from slm_web.blocking import run_blocking
from slm_web.errors import BackendError


def _graph() -> bytes:
    """y = x + 1 (float32), n = ids * 2 (int64), c = concat(past, x) along axis 0."""
    from onnx import TensorProto, helper

    nodes = [
        helper.make_node("Add", ["x", "one"], ["y"]),
        helper.make_node("Mul", ["ids", "two"], ["n"]),
        helper.make_node("Concat", ["past", "x"], ["c"], axis=0),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 2]),
            helper.make_tensor_value_info("ids", TensorProto.INT64, [None]),
            helper.make_tensor_value_info("past", TensorProto.FLOAT, [None, 2]),
        ],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2]),
            helper.make_tensor_value_info("n", TensorProto.INT64, [None]),
            helper.make_tensor_value_info("c", TensorProto.FLOAT, [None, 2]),
        ],
        [helper.make_tensor("one", TensorProto.FLOAT, [], [1.0]),
         helper.make_tensor("two", TensorProto.INT64, [], [2])],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def test_run_keep_and_release() -> None:
    session = run_blocking(NativeBackend(threads=1).load(_graph()))
    assert session.input_names == ("x", "ids", "past") and session.output_names == ("y", "n", "c")
    x = Tensor("float32", (1, 2), array("f", [1.5, -2.0]))
    feeds = {"x": x, "ids": Tensor("int64", (3,), array("q", [1, 2, 2**40])),
             "past": Tensor.zeros("float32", (0, 2))}  # an empty past, as on the first decoding step
    out = run_blocking(session.run(feeds, keep=["c"]))
    assert out["y"] == Tensor("float32", (1, 2), array("f", [2.5, -1.0]))
    assert out["n"].data.tolist() == [2, 4, 2**41]
    kept = out["c"]
    assert not isinstance(kept, Tensor)  # stays engine-side
    again = run_blocking(session.run({**feeds, "past": kept}))  # fed back as it is
    assert again["c"].shape == (2, 2) and again["c"].rows() == [[1.5, -2.0], [1.5, -2.0]]
    session.release(kept)
    session.close()


def test_errors_are_backend_errors() -> None:
    with pytest.raises(BackendError, match="cannot load the model"):
        run_blocking(NativeBackend().load(b"not an onnx model"))
    session = run_blocking(NativeBackend().load(_graph()))
    with pytest.raises(BackendError, match="failed to run"):
        run_blocking(session.run({"x": Tensor.zeros("float32", (1, 2))}))  # missing inputs


def test_default_backend_in_cpython_is_native() -> None:
    assert default_backend().name == "native"
