// Tokenize texts with slm_web.tokenizers inside Pyodide (Python 3.14) under Node, offline.
// Usage: node pyodide_tokenize.mjs REPO_ROOT JOB.json  (JOB: {"tokenizers": {name: path}, "texts": [...]})
// Prints {"python": version, "results": {name: [[ids, offsets, decoded], ...]}}.
import { createRequire } from "node:module";
import path from "node:path";

const [root, job] = process.argv.slice(2);
const require = createRequire(path.join(root, "package.json"));
const { loadPyodide } = require("pyodide");
const indexURL = path.dirname(require.resolve("pyodide/package.json")) + path.sep;
const py = await loadPyodide({ indexURL, stdout: () => {}, stderr: (s) => process.stderr.write(s + "\n") });
py.FS.mkdir("/host");
py.FS.mount(py.FS.filesystems.NODEFS, { root: "/" }, "/host");
py.globals.set("ROOT", "/host" + path.resolve(root));
py.globals.set("JOB", "/host" + path.resolve(job));
const out = py.runPython(`
import json, sys
sys.path.insert(0, ROOT)
from slm_web.tokenizers import from_json
with open(JOB, encoding="utf-8") as f:
    job = json.load(f)
results = {}
for name, file in job["tokenizers"].items():
    with open("/host" + file, encoding="utf-8") as f:
        tok = from_json(f.read())
    results[name] = [[e.ids, e.offsets, tok.decode(e.ids)] for e in tok.encode_batch(job["texts"])]
json.dumps({"python": sys.version, "results": results})
`);
process.stdout.write(out);
