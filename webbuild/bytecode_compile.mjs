// Compile Python sources to sourceless .pyc inside Pyodide under Node, so the bytecode is the site
// interpreter's own (its magic number and marshal format), whatever Python runs the build.
// Usage: node bytecode_compile.mjs PYODIDE_DIR IN_ZIP OUT_ZIP
//   IN_ZIP: sources named ROOT/PATH.py, ROOT being "stdlib" (python_stdlib.zip) or "site-packages";
//   OUT_ZIP: written with the same names, each holding that source's .pyc bytes.
// Each code object is compiled under the file name the source would have in the running site
// (/lib/python314.zip/PATH.py, /lib/python3.14/site-packages/PATH.py), so tracebacks name the file and
// line as they would with sources. Prints {"python", "magic"} as JSON; a source that does not compile
// exits 1 with the Python error.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, inZip, outZip] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);

// Flags 0b01: a hash-based pyc whose source is never checked (there is none to check). Stored members
// in a fixed order with fixed dates: the caller rebuilds the zips it ships from these bytes. A fixed
// hash seed: marshal writes a frozenset constant (`x in {"a", "b"}`) in its hash order, so a random
// seed would give other bytes, hence another sha256, on every build.
const COMPILE = `
import importlib.util, json, marshal, sys, zipfile

ROOTS = {
    "stdlib": next(p for p in sys.path if p.endswith(".zip")),
    "site-packages": next(p for p in sys.path if p.endswith("site-packages")),
}
with zipfile.ZipFile("/tmp/in.zip") as src, zipfile.ZipFile("/tmp/out.zip", "w") as dst:
    for name in sorted(src.namelist()):
        root, _, rest = name.partition("/")
        source = src.read(name)
        code = compile(source, f"{ROOTS[root]}/{rest}", "exec", dont_inherit=True, optimize=0)
        pyc = importlib.util.MAGIC_NUMBER + (1).to_bytes(4, "little") + importlib.util.source_hash(source)
        dst.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), pyc + marshal.dumps(code))
json.dumps({"python": sys.version, "magic": importlib.util.MAGIC_NUMBER.hex()})
`;

try {
  const py = await loadPyodide({ indexURL: pyodideDir + path.sep, stdout: () => {}, env: { PYTHONHASHSEED: "0" } });
  py.FS.writeFile("/tmp/in.zip", new Uint8Array(fs.readFileSync(inZip)));
  const summary = py.runPython(COMPILE);
  fs.writeFileSync(outZip, py.FS.readFile("/tmp/out.zip"));
  process.stdout.write(summary);
} catch (error) {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
}
