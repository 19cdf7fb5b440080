// node bench/snapshot_proxy.mjs: what Pyodide's `_makeSnapshot` mode costs Python code that reaches JS
// through the `js` module (a profile behind bench/ANALYSIS.md; Pyodide from node_modules, no site needed).
//
// With `_makeSnapshot`, Pyodide wraps its JS globals in a Proxy that records every access path (so that a
// snapshot can tell which JS objects Python holds). Each attribute step through it creates a new Proxy,
// and Pyodide inspects each one. The bridge starts Python that way on a first visit, so slm_web's web
// backend looks its JS built-ins up once, on a `globalThis` handed over from JS, which is not wrapped.
import { loadPyodide } from "../node_modules/pyodide/pyodide.mjs";

const N = 2000;
const code = `
import js, time
from pyodide.ffi import to_js

def per_call_us(fn):
    t = time.perf_counter()
    for _ in range(${N}):
        fn()
    return (time.perf_counter() - t) / ${N} * 1e6

from_entries = js.Object.fromEntries
rows = {
    "js.Object.fromEntries (lookup)": per_call_us(lambda: js.Object.fromEntries),
    "to_js(dict), converter looked up each time": per_call_us(
        lambda: to_js({"a": 1}, dict_converter=js.Object.fromEntries)),
    "to_js(dict), converter looked up once": per_call_us(lambda: to_js({"a": 1}, dict_converter=from_entries)),
    "js.Float32Array.new(100) + js.Array.of(1, 22)": per_call_us(
        lambda: (js.Float32Array.new(100), js.Array.of(1, 22))),
}
"\\n".join(f"  {name:<48} {us:8.1f} us" for name, us in rows.items())
`;

for (const makeSnapshot of [false, true]) {
  const pyodide = await loadPyodide({
    indexURL: new URL("../node_modules/pyodide/", import.meta.url).pathname,
    _makeSnapshot: makeSnapshot,
  });
  console.log(`Pyodide started ${makeSnapshot ? "with" : "without"} _makeSnapshot:`);
  console.log(pyodide.runPython(code));
}
