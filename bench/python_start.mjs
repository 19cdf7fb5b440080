// A first visit's Python start under Node, with a built site's own files: loadPyodide with the site's
// python_stdlib.zip, the slm_web wheel unpacked with zipfile (as the worker does), every browser module
// imported (slm_web.worker.import_all). For comparing builds (sources vs bytecode) when the bench cannot
// run; start a fresh node process per run. Prints wall and CPU milliseconds of both steps as JSON; CPU
// time (every thread of the process) is what to compare on a loaded machine.
// Usage: node bench/python_start.mjs SITE_DIR
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const pyodideDir = path.join(path.resolve(process.argv[2]), "pyodide");
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const wheelName = fs.readdirSync(pyodideDir).find((name) => name.endsWith(".whl"));
const wheel = new Uint8Array(fs.readFileSync(path.join(pyodideDir, wheelName)));
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const marks = [[performance.now(), cpuMs()]];
const pyodide = await loadPyodide({ indexURL: pyodideDir + path.sep, stdout: () => {} });
marks.push([performance.now(), cpuMs()]);
pyodide.FS.writeFile("/tmp/slm_web.whl", wheel);
pyodide.runPython(`
import importlib, sys, zipfile
with zipfile.ZipFile("/tmp/slm_web.whl") as wheel:
    wheel.extractall(next(p for p in sys.path if p.endswith("site-packages")))
importlib.invalidate_caches()
`);
pyodide.pyimport("slm_web.worker").import_all();
marks.push([performance.now(), cpuMs()]);
const step = (i, j) => Math.round(marks[i + 1][j] - marks[i][j]);
const files = pyodide.runPython("import asyncio, slm_web; [asyncio.__file__, slm_web.__file__]").toJs();
process.stdout.write(
  JSON.stringify({
    load_pyodide_ms: step(0, 0),
    load_pyodide_cpu_ms: step(0, 1),
    import_ms: step(1, 0),
    import_cpu_ms: step(1, 1),
    files,
  }) + "\n",
);
