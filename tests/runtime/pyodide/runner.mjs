// Runs tests/runtime/pyodide/check.py inside Pyodide (Python 3.14, wasm) under Node.
// argv: pyodide dir, repo root, then bundle paths copied to /work/<basename>.
import fs from "node:fs";
import path from "node:path";

const [pyodideDir, root, ...bundles] = process.argv.slice(2);
const { loadPyodide } = await import(path.join(pyodideDir, "pyodide.mjs"));
const py = await loadPyodide({ indexURL: pyodideDir + "/" });

function copyPython(src, dst) {
  py.FS.mkdirTree(dst);
  for (const name of fs.readdirSync(src)) {
    const from = path.join(src, name);
    if (fs.statSync(from).isDirectory()) {
      if (name !== "__pycache__") copyPython(from, `${dst}/${name}`);
    } else if (name.endsWith(".py")) {
      py.FS.writeFile(`${dst}/${name}`, fs.readFileSync(from));
    }
  }
}
copyPython(path.join(root, "slm_web"), "/work/slm_web");
copyPython(path.join(root, "tests", "runtime"), "/work/tests");
for (const bundle of bundles) py.FS.writeFile(`/work/${path.basename(bundle)}`, fs.readFileSync(bundle));
const check = fs.readFileSync(path.join(root, "tests", "runtime", "pyodide", "check.py"), "utf8");
console.log(await py.runPythonAsync(check));
