// Test page for slm_web.backends.web.WebBackend alone (no bundles, no worker): loads Pyodide and
// onnxruntime-web from the built site on the main thread and exposes `runPython(code)` to the test.
const base = new URL("../", import.meta.url).href;
const ort = await import(new URL("ort/ort.wasm.min.mjs", base).href);
ort.env.wasm.wasmPaths = new URL("ort/", base).href;
ort.env.wasm.numThreads = Number(new URLSearchParams(location.search).get("threads") || 1);
const { loadPyodide } = await import(new URL("pyodide/pyodide.mjs", base).href);
const indexURL = new URL("pyodide/", base).href;
const lockFileContents = fetch(new URL("pyodide-lock.json", indexURL)).then((r) => r.json());
const pyodide = await loadPyodide({ indexURL, packageBaseUrl: indexURL, lockFileContents });
await pyodide.loadPackage("slm-web");
globalThis.ort = ort;
globalThis.runPython = async (code) => {
  const result = await pyodide.runPythonAsync(code);
  return typeof result === "string" ? result : String(result);
};
globalThis.pyodideHeapBytes = () => pyodide._module.HEAP8.byteLength;
document.title = "ready";
// The coroutine `name()` (defined by an earlier runPython) driven as bridge/slm-worker.js drives a call
// (slm_web/drive.py): each JS promise it hands over is awaited here and its outcome passed back in. Python
// makes the coroutine: one made by calling the function from JS would also be scheduled on the event loop.
globalThis.drivePython = async (name) => {
  const drive = pyodide.pyimport("slm_web.drive");
  let next = pyodide.runPython(`import slm_web.drive; slm_web.drive.start(0, ${name}())`);
  while (typeof next !== "string") {
    try {
      next = drive.resume(0, await next);
    } catch (error) {
      next = drive.fail(0, error);
    }
  }
  drive.destroy();
  return next;
};
