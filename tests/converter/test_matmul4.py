"""4-bit MatMul weights on the wire (converter/matmul4.py): snapping, exact packing, folding at load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter import matmul4
from converter.quantize import MATMUL_QMAX
from slm_web.bundle import read_bundle


def test_snapped_values_are_a_nibble_times_a_multiplier_within_7_bits() -> None:
    target = np.random.default_rng(0).normal(0, 20, (64, 48)).clip(-63, 63)
    snapped = matmul4.snap(target)
    assert snapped.dtype == np.int8 and matmul4.QMAX_INT8 == MATMUL_QMAX
    assert np.abs(snapped.astype(np.int32)).max() <= MATMUL_QMAX
    # Each group takes its least-squares multiplier: never worse than the coarsest grid (9) for all.
    coarsest = np.clip(np.rint(target / 9), -7, 7) * 9
    def group_errors(values: np.ndarray) -> np.ndarray:
        return ((values - target) ** 2).reshape(4, 16, 48).sum(axis=1)
    assert (group_errors(snapped) <= group_errors(coarsest) + 1e-9).all()
    packed, multipliers = matmul4.split(snapped)
    assert packed.shape == (32, 48) and multipliers.shape == (4, 48)
    np.testing.assert_array_equal(matmul4.unpack(packed, multipliers), snapped)
    # Snapping is idempotent: snapped values are their own nearest representable ones.
    np.testing.assert_array_equal(matmul4.snap(snapped.astype(np.float64)), snapped)


def test_snap_along_the_second_axis_groups_rows_of_the_transpose() -> None:
    target = np.random.default_rng(1).normal(0, 20, (10, 32)).clip(-63, 63)
    np.testing.assert_array_equal(matmul4.snap(target, axis=1), matmul4.snap(target.T).T)


def test_weights_that_are_not_snapped_are_left_int8() -> None:
    weights = np.full((32, 4), 61, np.int8)  # 61 is prime: no nibble times 1..9 gives it
    assert matmul4.split(weights) is None
    assert not matmul4.fits((48, 4)) and matmul4.fits((64, 4))


def _int_matmul_graph(weights: np.ndarray) -> onnx.ModelProto:
    """x -> DynamicQuantizeLinear -> MatMulInteger(x_q, W) -> float, the int8 pattern the converter emits."""
    k, n = weights.shape
    nodes = [
        helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xzp"]),
        helper.make_node("MatMulInteger", ["xq", "W", "xzp"], ["acc"]),
        helper.make_node("Cast", ["acc"], ["accf"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["accf", "xs"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "int8",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, n])],
        [numpy_helper.from_array(weights, "W")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_packed_graph_computes_exactly_what_the_int8_graph_does(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    weights = matmul4.snap(rng.normal(0, 20, (512, 128)).clip(-63, 63))
    plain = _int_matmul_graph(weights)
    packed = _int_matmul_graph(weights)
    assert matmul4.pack(packed) == 1
    # The weight's nibbles and multipliers, and the shared table of unpacked byte pairs.
    types = sorted(t.data_type for t in packed.graph.initializer)
    assert types == [TensorProto.UINT8, TensorProto.UINT8, TensorProto.INT8]
    assert packed.ByteSize() < 0.65 * plain.ByteSize()
    np.testing.assert_array_equal(matmul4.initializers(packed)["W"], weights)
    onnx.checker.check_model(packed)

    x = rng.normal(size=(3, 512)).astype(np.float32)
    run = [ort.InferenceSession(m.SerializeToString()).run(None, {"x": x})[0] for m in (plain, packed)]
    np.testing.assert_array_equal(run[0], run[1])

    # onnxruntime folds the unpacking when it creates the session: the graph that runs is the int8 one.
    options = ort.SessionOptions()
    options.optimized_model_filepath = str(tmp_path / "folded.onnx")
    ort.InferenceSession(packed.SerializeToString(), options)
    folded = onnx.load(options.optimized_model_filepath)
    assert [t.data_type for t in folded.graph.initializer if t.name == "W"] == [TensorProto.INT8]
    assert not [n for n in folded.graph.node if n.op_type in ("Div", "Concat", "Reshape")]


@pytest.mark.parametrize("task", ["sentiment", "grammar", "autocomplete"])
def test_converted_bundles_store_matmul_weights_at_4_bits(task: str, request: pytest.FixtureRequest) -> None:
    """The fixtures are converted with the defaults, so every suite that runs them (onnxruntime-web in
    test_ort_web.py, the browser tests) runs 4-bit weights."""
    bundle = read_bundle(request.getfixturevalue(f"{task}_bundle"))
    model = onnx.load_from_string(bundle.model_bytes)
    int8 = [t.name for t in model.graph.initializer if t.data_type == TensorProto.INT8 and len(t.dims) == 2]
    four_bit = [t.name for t in model.graph.initializer if t.name.endswith("_4bit")]
    assert four_bit and all(not name.endswith("_quantized") for name in int8)
    assert bundle.manifest["model"]["weight_bits"] == {"matmul": 4, "embedding": 4}


def test_fake_quantized_training_sees_the_weights_the_converter_ships() -> None:
    """students.fake_quant (torch, per-output scales like ORT's per-channel int8) == matmul4.snap."""
    import torch

    from students.fake_quant import SCALE_DIVISOR, fake_quantize_linears, snap_int4

    weight = torch.from_numpy(np.random.default_rng(3).normal(0, 0.05, (24, 64)).astype(np.float32))
    scale = weight.abs().amax(dim=1, keepdim=True).numpy().astype(np.float64) / SCALE_DIVISOR
    expected = matmul4.snap((weight.numpy().astype(np.float64) / scale).T).T * scale
    np.testing.assert_allclose(snap_int4(weight).numpy(), expected, rtol=1e-5, atol=1e-7)

    linear = torch.nn.Linear(64, 24)
    assert fake_quantize_linears(torch.nn.Sequential(linear, torch.nn.Linear(24, 2))) == 1  # 24: no groups
    x = torch.randn(3, 64)
    y = linear(x)
    torch.testing.assert_close(y, x @ snap_int4(linear.weight.detach()).T + linear.bias)
    y.sum().backward()  # straight through: the float weight gets the gradient of the snapped one
    torch.testing.assert_close(linear.weight.grad, torch.ones(3, 24).T @ x)
