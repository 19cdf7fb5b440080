"""4-bit embedding tables: packing, the unpacking graph under onnxruntime, and which tables qualify."""

from __future__ import annotations

import numpy as np
import pytest
from fixtures.graphs import lookup_graph
from onnx import TensorProto, numpy_helper

from converter import int4
from converter.quantize import INT4_MIN_ROWS, quantize_embeddings
from converter.validate import session


def _table(rows: int, width: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    table = rng.normal(0, 0.05, (rows, width)).astype(np.float32)
    table[0] = 0.0  # a padding row
    table[1, 5] = 0.9  # an outlier that the group's clipping search must weigh
    table[2] *= 1e-6  # below what an fp16 scale of max/7 can hold
    return table


def test_packing_round_trips_within_the_group_grid() -> None:
    table = _table(64, 96)
    packed, scales = int4.quantize(table)
    assert packed.dtype == np.uint8 and packed.shape == (64, 48)
    assert scales.dtype == np.float16 and scales.shape == (64, 96 // int4.GROUP)
    restored = int4.dequantize(packed, scales)
    assert np.array_equal(restored[0], np.zeros(96))  # zero rows stay exactly zero
    assert np.all(np.isfinite(restored)) and np.abs(restored[2] - table[2]).max() < 1e-6
    # Each value is within half a grid step of its group's scale, or clipped by at most 30 % of the max.
    step = np.repeat(scales.astype(np.float32), int4.GROUP, axis=1)
    groups = np.abs(table).reshape(64, -1, int4.GROUP).max(axis=2)
    bound = np.maximum(step / 2, 0.3 * np.repeat(groups, int4.GROUP, axis=1)) + 1e-6
    assert np.all(np.abs(restored - table) <= bound)


def test_a_snapped_table_converts_to_the_same_codes() -> None:
    # students' `train --int4-embeddings` snaps a frozen table to this grid, and export stores it as fp16:
    # converting it again must give the codes the layers above were trained against.
    snapped = int4.dequantize(*int4.quantize(_table(128, 64, seed=2)))
    assert np.array_equal(int4.dequantize(*int4.quantize(snapped)), snapped)
    packed, scales = int4.quantize(snapped.astype(np.float16).astype(np.float32))
    assert np.array_equal(packed, int4.quantize(snapped)[0])
    assert np.abs(int4.dequantize(packed, scales) - snapped).max() < 1e-3


def test_clipping_search_beats_plain_absmax_scales() -> None:
    table = _table(256, 64, seed=1)
    packed, scales = int4.quantize(table)
    searched = ((int4.dequantize(packed, scales) - table) ** 2).sum()
    groups = table.reshape(256, -1, int4.GROUP)
    scale = np.abs(groups).max(axis=2, keepdims=True) / int4.QMAX
    scale[scale == 0] = 1
    plain = ((np.clip(np.rint(groups / scale), -7, 7) * scale - groups) ** 2).sum()
    assert searched < plain


@pytest.mark.parametrize("ids_rank", [1, 2, 3])
def test_graph_unpacks_exactly_what_was_packed(ids_rank: int) -> None:
    table = _table(INT4_MIN_ROWS, 64)
    model = quantize_embeddings(lookup_graph(table, ids_rank), bits=4)
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    assert set(inits) == {"W_int4", "W_group_scale"}  # the float table is gone
    ids = np.random.default_rng(2).integers(0, INT4_MIN_ROWS, (2, 3, 5)[:ids_rank]).astype(np.int64)
    (emb,) = session(model.SerializeToString()).run(["emb"], {"ids": ids})
    expected = int4.dequantize(inits["W_int4"], inits["W_group_scale"])[ids]
    assert emb.shape == (*ids.shape, 64)
    np.testing.assert_allclose(emb, expected, rtol=0, atol=1e-7)


@pytest.mark.parametrize(
    ("rows", "width", "bits", "kept_as"),
    [
        (INT4_MIN_ROWS, 64, 8, TensorProto.INT8),  # 8 bits asked for
        (512, 64, 4, TensorProto.INT8),  # a position table: too short to matter
        (INT4_MIN_ROWS, 40, 4, TensorProto.INT8),  # rows do not split into whole groups of bytes
        (INT4_MIN_ROWS, 64, 4, TensorProto.UINT8),
    ],
)
def test_which_tables_become_4_bit(rows: int, width: int, bits: int, kept_as: int) -> None:
    model = quantize_embeddings(lookup_graph(_table(rows, width), 2), bits=bits)
    assert next(t.data_type for t in model.graph.initializer if len(t.dims) == 2) == kept_as
