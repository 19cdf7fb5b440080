// Which python_stdlib.zip files a loaded slm-web worker imports: Pyodide under Node, offline.
// Usage: node stdlib_trace.mjs PYODIDE_DIR STDLIB_ZIP WHEEL_DIR JOB_JSON
//   PYODIDE_DIR: node_modules/pyodide; STDLIB_ZIP: the stdlib to boot with (stock to trace, trimmed to
//   check); WHEEL_DIR: the site's pyodide/ folder (slm_web wheel + the pyodide-lock.json listing it);
//   JOB_JSON: {"imports": [import statement, ...], "skip": [slm_web module prefix, ...]}.
// Prints {"python", "files", "failed"} as JSON; any failing step exits 1 with the Python error.
//
// Three interpreters, one per way the worker starts, each doing what a loaded worker does (see EXERCISE):
//   A  a fresh boot with _makeSnapshot: snapshot right after boot (the bridge today), wheel unpacked with
//      zipfile and pyodide.unpackArchive, every slm_web module imported, a second snapshot (the bridge's
//      snapshot after importing slm_web);
//   B  restored from the boot snapshot, wheel installed by loadPackage through the lock file;
//   C  restored from the after-import snapshot.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, stdlibZip, wheelDir, jobFile] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const job = fs.readFileSync(jobFile, "utf8");
const wheelName = fs.readdirSync(wheelDir).find((name) => name.startsWith("slm_web-") && name.endsWith(".whl"));
if (!wheelName) throw new Error(`no slm_web wheel in ${wheelDir}`);
const wheel = new Uint8Array(fs.readFileSync(path.join(wheelDir, wheelName)));

const quiet = () => {};
const options = (extra) => ({
  indexURL: pyodideDir + path.sep,
  stdLibURL: stdlibZip,
  packageBaseUrl: wheelDir + path.sep,
  lockFileContents: fs.readFileSync(path.join(wheelDir, "pyodide-lock.json"), "utf8"),
  stdout: quiet,
  ...extra,
});

// Unpack the wheel into site-packages with zipfile (how the worker installs it without loadPackage).
const UNPACK = `
import site, sysconfig, zipfile
with zipfile.ZipFile("/tmp/${wheelName}") as wheel:
    wheel.extractall(sysconfig.get_paths()["purelib"])
site.getsitepackages()
`;

function unpack(py) {
  py.FS.writeFile(`/tmp/${wheelName}`, wheel);
  py.runPython(UNPACK);
}

const IMPORT_ALL = `
import importlib, json, pkgutil
import slm_web
for info in pkgutil.walk_packages(slm_web.__path__, "slm_web."):
    if not info.name.startswith(tuple(json.loads(JOB)["skip"])):
        importlib.import_module(info.name)
`;

// What a loaded worker does besides importing slm_web: every import statement of its sources, JS
// interop, tracebacks (formatted lazily when an error crosses to JS), the event loop, json.
const EXERCISE = `
import array, asyncio, json, sys, traceback
import js
from pyodide.code import run_js
from pyodide.ffi import to_js

failed = {}
for statement in json.loads(JOB)["imports"]:
    try:
        exec(statement, {})
    except ImportError as error:  # modules Pyodide does not have (numpy, onnxruntime)
        failed[statement] = f"{type(error).__name__}: {error}"

to_js(array.array("f", [1.0, 2.0]))
to_js({"a": [1, 2]}, dict_converter=js.Object.fromEntries)
assert run_js("1 + 1") == 2


def nested():
    try:
        {}["missing"]
    except KeyError as error:
        raise ValueError("wrapped") from error


for code in ("nested()", "undefined_name", "sys.no_such_attribute", "import no_such_module_xyz"):
    try:
        exec(code, {"sys": sys, "nested": nested})
    except Exception:
        assert traceback.format_exc()


async def roundtrip(value):
    await asyncio.sleep(0)
    task = asyncio.create_task(asyncio.sleep(0, result=value))
    done = await asyncio.wait_for(asyncio.gather(task), timeout=5)
    return json.dumps({"v": done[0], "t": "é"}, ensure_ascii=False, sort_keys=True, indent=1)


assert json.loads(await roundtrip(1.5))["v"] == 1.5
`;

const FILES = `
import json, sys
root = next(p for p in sys.path if p.endswith(".zip")) + "/"
json.dumps({
    "python": sys.version,
    "files": sorted({m.__file__[len(root):] for m in list(sys.modules.values())
                     if (getattr(m, "__file__", None) or "").startswith(root)}),
    "failed": failed,
})
`;

async function exercise(py) {
  py.globals.set("JOB", job);
  py.runPython(IMPORT_ALL);
  await py.runPythonAsync(EXERCISE);
  for (const [code, expected] of [
    ["raise ValueError('sync boom')", "sync boom"],
    ["import asyncio\nawait asyncio.sleep(0)\nraise KeyError('async boom')", "async boom"],
  ]) {
    let message = "";
    try {
      await py.runPythonAsync(code);
    } catch (error) {
      message = error.message; // formats the traceback
    }
    if (!message.includes(expected)) throw new Error(`Python error not formatted: ${message}`);
  }
  const roundtrip = py.globals.get("roundtrip");
  const awaitable = roundtrip(2);
  if (JSON.parse(await awaitable).v !== 2) throw new Error("async call from JS failed");
  awaitable.destroy();
  roundtrip.destroy();
  return JSON.parse(py.runPython(FILES));
}

try {
  const a = await loadPyodide(options({ _makeSnapshot: true }));
  const bootSnapshot = a.makeMemorySnapshot();
  unpack(a);
  a.unpackArchive(wheel, "wheel");
  a.globals.set("JOB", job);
  a.runPython(IMPORT_ALL);
  const importedSnapshot = a.makeMemorySnapshot();
  const runs = [await exercise(a)];

  const b = await loadPyodide(options({ _loadSnapshot: bootSnapshot }));
  await b.loadPackage("slm-web", { messageCallback: quiet, errorCallback: (m) => console.error(m) });
  runs.push(await exercise(b));

  const c = await loadPyodide(options({ _loadSnapshot: importedSnapshot }));
  unpack(c);
  runs.push(await exercise(c));

  const files = [...new Set(runs.flatMap((r) => r.files))].sort();
  const failed = Object.assign({}, ...runs.map((r) => r.failed));
  process.stdout.write(JSON.stringify({ python: runs[0].python, files, failed }));
} catch (error) {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
}
