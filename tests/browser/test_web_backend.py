"""slm_web.backends.web.WebBackend in Chromium on a tiny ONNX graph built here with onnx.helper.

Runs without bundles or the runtime's task code: it checks the backend contract itself (dtypes, shapes,
kept outputs fed back, release, errors, no leak over many calls).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402


@pytest.fixture(scope="module")
def tiny_model(site: Path) -> str:
    """y = 2·x (float32), ids_out = ids + 1 (int64); written into the test pages folder of the site."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", 3])
    ids = helper.make_tensor_value_info("ids", TensorProto.INT64, ["B", 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", 3])
    ids_out = helper.make_tensor_value_info("ids_out", TensorProto.INT64, ["B", 3])
    graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "two"], ["y"]), helper.make_node("Add", ["ids", "one"], ["ids_out"])],
        "tiny",
        [x, ids],
        [y, ids_out],
        [
            helper.make_tensor("two", TensorProto.FLOAT, [], [2.0]),
            helper.make_tensor("one", TensorProto.INT64, [], [1]),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = site / "tests" / "tiny.onnx"
    path.write_bytes(model.SerializeToString())
    yield "tiny.onnx"
    path.unlink()


SETUP = """
import json
from array import array
from pyodide.http import pyfetch
from slm_web.backends.base import Tensor
from slm_web.backends.web import WebBackend
model = await (await pyfetch("tiny.onnx")).bytes()
session = await WebBackend().load(model)
x = Tensor("float32", (2, 3), array("f", [0.5, 1, 2, -3, 4.25, 1e-3]))
ids = Tensor.int64([[1, 2, 3], [2**40, -5, 0]])
"""


def run(page, code: str):
    return json.loads(page.evaluate("code => runPython(code)", code))


@pytest.fixture(scope="module")
def page(module_browser, tiny_model):
    """The backend test page with a session on the tiny model (Pyodide starts once per module)."""
    page = module_browser.new_page("tests/backend.html", wait_title="ready")
    run(page, SETUP + '"null"')
    return page


def test_outputs_match_the_graph(page):
    out = run(page, """
r = await session.run({"x": x, "ids": ids})
json.dumps({n: [t.dtype, list(t.shape), t.data.tolist()] for n, t in r.items()}
           | {"names": [session.input_names, session.output_names]})
""")
    assert out["names"] == [["x", "ids"], ["y", "ids_out"]]
    assert out["y"] == ["float32", [2, 3], [1.0, 2.0, 4.0, -6.0, 8.5, pytest.approx(2e-3)]]
    assert out["ids_out"] == ["int64", [2, 3], [2, 3, 4, 2**40 + 1, -4, 1]]


def test_kept_output_feeds_back_and_is_released(page):
    out = run(page, """
r1 = await session.run({"x": x, "ids": ids}, keep={"y"})
kept = r1["y"]
r2 = await session.run({"x": kept, "ids": ids})
session.release(kept)
json.dumps({"kept_is_tensor": isinstance(kept, Tensor), "y2": r2["y"].data.tolist()})
""")
    assert out == {"kept_is_tensor": False, "y2": [2.0, 4.0, 8.0, -12.0, 17.0, pytest.approx(4e-3)]}


def test_rows_of_a_kept_output_are_taken_engine_side(page):
    out = run(page, """
kept = (await session.run({"x": x, "ids": ids}, keep={"y", "ids_out"}))
rows = {name: session.take_rows(value, [1, 0, 1]) for name, value in kept.items()}
r = await session.run({"x": rows["y"], "ids": rows["ids_out"]})
for value in [*kept.values(), *rows.values()]:
    session.release(value)
json.dumps({n: [list(t.shape), t.data.tolist()] for n, t in r.items()})
""")
    y_row0, y_row1 = [2.0, 4.0, 8.0], [-12.0, 17.0, pytest.approx(4e-3)]  # 2·2·x per row
    assert out["y"] == [[3, 3], y_row1 + y_row0 + y_row1]
    assert out["ids_out"] == [[3, 3], [2**40 + 2, -3, 2, 3, 4, 5, 2**40 + 2, -3, 2]]


def test_bad_feed_raises_backend_error(page):
    out = run(page, """
from slm_web.errors import BackendError
try:
    await session.run({"x": x})
    message = None
except BackendError as exc:
    message = str(exc)
json.dumps(message)
""")
    assert out and out.startswith("onnxruntime-web run failed:") and "\n" not in out


def test_runs_driven_from_js_answer_and_fail_as_awaited_ones(page):
    """The bridge's way (slm_web.drive): the page's JS awaits each run's promise, not Python's event loop."""
    run(page, """
from slm_web.errors import BackendError
async def two_runs():
    r = await session.run({"x": x, "ids": ids})
    try:
        await session.run({"x": x})
        message = None
    except BackendError as exc:
        message = str(exc)
    return json.dumps({"y": r["y"].data.tolist(), "message": message})
"null"
""")
    out = json.loads(page.evaluate("drivePython('two_runs')"))
    assert out["y"] == [1.0, 2.0, 4.0, -6.0, 8.5, pytest.approx(2e-3)]
    assert out["message"].startswith("onnxruntime-web run failed:") and "\n" not in out["message"]


def test_many_runs_do_not_grow_memory(page):
    run(page, """
import gc
async def burst(n):
    for _ in range(n):
        kept = (await session.run({"x": x, "ids": ids}, keep={"y"}))["y"]
        session.release(kept)
    gc.collect()
    return len(gc.get_objects())
"null"
""")
    before = run(page, "json.dumps(await burst(200))")
    heap_before = page.evaluate("pyodideHeapBytes()")
    after = run(page, "json.dumps(await burst(2000))")
    heap_after = page.evaluate("pyodideHeapBytes()")
    assert after - before < 500, f"live Python objects grew by {after - before} over 2,000 runs"
    assert heap_after - heap_before <= 1 << 20, f"Pyodide heap grew by {heap_after - heap_before} bytes"
