"""4-bit MatMul weights (converter/matmul4.py): snapping, exact splitting, the site's wire form
(webbuild/wire.py and its JS decoder bridge/slm-wire.js), training against them (students/fake_quant.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from converter import matmul4
from converter.quantize import MATMUL_QMAX
from slm_web.bundle import read_bundle

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.mark.parametrize("task", ["sentiment", "autocomplete"])
def test_converted_weights_are_4_bit_representable(task: str, request: pytest.FixtureRequest) -> None:
    """The fixtures are converted with the defaults: their MatMul weights split exactly (the tied
    autocomplete table, also a Gather source, stays plain int8)."""
    bundle = read_bundle(request.getfixturevalue(f"{task}_bundle"))
    model = onnx.load_from_string(bundle.model_bytes)
    weights = [numpy_helper.to_array(t) for t in model.graph.initializer if t.name.endswith("_quantized")]
    assert weights and all(matmul4.split(w) is not None for w in weights)
    assert bundle.manifest["model"]["weight_bits"] == {"matmul": 4, "embedding": 4}


def test_wire_form_restores_the_exact_bundle(sentiment_bundle: Path, tmp_path: Path) -> None:
    from fixtures.bundles import off_grid_copy

    from webbuild import wire

    bundle = sentiment_bundle.read_bytes()
    encoded = wire.encode(bundle)
    assert encoded is not None and encoded[:4] == wire.MAGIC
    assert len(encoded) < len(bundle) and wire.decode(encoded) == bundle
    header = json.loads(encoded[8 : 8 + int.from_bytes(encoded[4:8], "little")])
    assert len(header["runs"]) >= 12  # 6 weights per layer of the 2-layer fixture
    # A bundle with nothing 4 bits can carry has no wire form.
    assert wire.encode(off_grid_copy(sentiment_bundle, tmp_path / "off-grid.slm").read_bytes()) is None


def test_bridge_decoder_matches_the_python_one(sentiment_bundle: Path, tmp_path: Path) -> None:
    """bridge/slm-wire.js (what the browser runs) rebuilds the same bytes as webbuild.wire.decode."""
    from webbuild import wire

    node = shutil.which("node")
    if node is None:
        pytest.skip("needs node")
    encoded = tmp_path / "b.slm4"
    encoded.write_bytes(wire.encode(sentiment_bundle.read_bytes()))
    decoder = json.dumps((ROOT / "bridge" / "slm-wire.js").as_uri())
    script = tmp_path / "decode.mjs"
    script.write_text(
        f"import fs from 'fs';\nimport {{ decodeWire }} from {decoder};\n"
        "fs.writeFileSync(process.argv[3], decodeWire(new Uint8Array(fs.readFileSync(process.argv[2]))));\n"
    )
    subprocess.run([node, str(script), str(encoded), str(tmp_path / "out.slm")], check=True)
    assert (tmp_path / "out.slm").read_bytes() == sentiment_bundle.read_bytes()
    truncated = tmp_path / "t.slm4"
    truncated.write_bytes(encoded.read_bytes()[:-10])
    failed = subprocess.run([node, str(script), str(truncated), str(tmp_path / "t.slm")], capture_output=True)
    assert failed.returncode != 0 and b"truncated or malformed" in failed.stderr


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
