// direct-worker.js: Python-bridge overhead. Loads a bundle exactly as bridge/slm-worker.js does (Pyodide,
// onnxruntime-web, slm_web.worker.load) and then times, inside this worker, on the same ORT session:
//   ort:     session.run(feeds) straight from JS, on the feeds slm_web built for the text (prebuilt tensors);
//   ort+tensors: the same, building the ort.Tensor objects from typed arrays on every call (what JS callers do);
//   backend: slm_web's WebSession.run from Python (tensor copies through pyodide.ffi, outputs copied back);
//   call:    slm_web.worker.call_start (tokenize, run, post-process, JSON), its ORT runs awaited in JS as
//            bridge/slm-worker.js drivePython does: the Python part of every bridge call.
// Protocol: {id, type: "init", site, task, threads} then {id, type: "run", text, warmup, runs}.

const METHODS = { sentiment: "classify", grammar: "correct" };
let state = null;

async function init({ site, task, threads }) {
  // Timed steps (files are in the HTTP cache by now): the floor of a revisit's start-up, step by step.
  const boot = {};
  let t = performance.now();
  const lap = (name) => {
    const now = performance.now();
    boot[name] = now - t;
    t = now;
  };
  const ort = await import(new URL("ort/ort.wasm.min.mjs", site).href);
  ort.env.wasm.wasmPaths = new URL("ort/", site).href;
  ort.env.wasm.numThreads = self.crossOriginIsolated ? threads : 1;
  ort.env.logLevel = "error";
  lap("onnxruntime-web import");
  const { loadPyodide } = await import(new URL("pyodide/pyodide.mjs", site).href);
  const indexURL = new URL("pyodide/", site).href;
  const lockFileContents = fetch(new URL("pyodide-lock.json", indexURL)).then((r) => r.json());
  const pyodide = await loadPyodide({ indexURL, packageBaseUrl: indexURL, lockFileContents });
  lap("loadPyodide");
  await pyodide.loadPackage("slm-web", { messageCallback: () => {} });
  lap("wheel install");
  const worker = pyodide.pyimport("slm_web.worker");
  worker.configure(ort, globalThis);
  lap("import slm_web.worker");
  const bytes = new Uint8Array(await (await fetch(new URL(`bundles/${task}.slm`, site))).arrayBuffer());
  lap("bundle fetch");
  const reply = JSON.parse(await worker.load(task, bytes));
  if (reply.error) throw new Error(reply.error.message);
  lap("slm_web.worker.load (verify, tokenizer, ORT session incl. wasm compile)");
  // Keep the feeds of the model's first session.run for a text: the exact tensors slm_web gives ORT.
  pyodide.runPython(`
import slm_web.worker as w
model = w._models["${task}"]
captured = {}
_run = model.session.run
async def spy(feeds, keep=()):
    if not captured:
        captured.update(feeds)
    return await _run(feeds, keep)
model.session.run = spy
def captured_feeds():
    return [(name, t.dtype, t.data.tobytes(), list(t.shape)) for name, t in captured.items()]
async def backend_run():
    out = await _run(captured)
    return len(out)
`);
  state = { ort, pyodide, worker, task, ns: pyodide.globals };
  return { threads: ort.env.wasm.numThreads, boot };
}

/**
 * Time each variant `runs` times after `warmup` untimed rounds, interleaved: every round calls each variant
 * once, in an order that rotates from round to round. Measured one block after another, the first block
 * came out slower than the second although it does less work (warm-up drift, other processes): the
 * overhead figures subtract one variant from another, so they must share the same conditions.
 */
async function interleaved(variants, warmup, runs) {
  const names = Object.keys(variants);
  const ms = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < warmup + runs; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      const t0 = performance.now();
      await variants[name]();
      if (round >= warmup) ms[name].push(performance.now() - t0);
    }
  }
  return ms;
}

const TYPED = { int64: BigInt64Array, float32: Float32Array };

async function run({ text, warmup = 20, runs = 100 }) {
  const { ort, pyodide, worker, task, ns } = state;
  ns.get("captured").clear();
  JSON.parse(await worker.call(METHODS[task], text, "{}"));
  const session = pyodide.runPython("model.session.shared.session._session");
  const raw = {};
  const feeds = ns.get("captured_feeds")();
  for (const [name, dtype, bytes, dims] of feeds.toJs()) {
    raw[name] = { dtype, data: new TYPED[dtype](bytes.slice().buffer), dims };
  }
  feeds.destroy();
  const prebuilt = Object.fromEntries(Object.entries(raw).map(([n, t]) => [n, new ort.Tensor(t.dtype, t.data, t.dims)]));
  const disposeAll = (out) => Object.values(out).forEach((t) => t.dispose());
  const tokens = raw.input_ids.dims.at(-1);
  // Looked up once, as the bridge does: each attribute access on a PyProxy makes a new proxy.
  const [callStart, callResume] = [worker.call_start, worker.call_resume];
  const times = await interleaved({
    ort: async () => disposeAll(await session.run(prebuilt)),
    "ort+tensors": async () => {
      const feeds = Object.fromEntries(Object.entries(raw).map(([n, t]) => [n, new ort.Tensor(t.dtype, t.data.slice(), t.dims)]));
      disposeAll(await session.run(feeds));
    },
    backend: () => ns.get("backend_run")(),
    call: async () => {
      let next = callStart(0, METHODS[task], text, "{}");
      while (typeof next !== "string") next = callResume(0, await next);
    },
  }, warmup, runs);
  callStart.destroy();
  callResume.destroy();
  return { tokens, times };
}

/**
 * Prototype of a fix for slow revisits: Pyodide's (private) memory snapshot. Boot Pyodide, install the
 * wheel and import slm_web, snapshot the heap; then time a second boot from that snapshot. Returns ms
 * and the snapshot's size (raw and gzip: it would be made on the first visit and kept in the Cache API).
 */
async function snapshot({ site }) {
  const { loadPyodide } = await import(new URL("pyodide/pyodide.mjs", site).href);
  const indexURL = new URL("pyodide/", site).href;
  const options = () => ({
    indexURL,
    packageBaseUrl: indexURL,
    lockFileContents: fetch(new URL("pyodide-lock.json", indexURL)).then((r) => r.json()),
  });
  let t = performance.now();
  const first = await loadPyodide({ ...options(), _makeSnapshot: true });
  const plain = performance.now() - t;
  // The wheel unpacked by Python itself (loadPackage leaves JS references a snapshot cannot hold).
  const lock = await (await fetch(new URL("pyodide-lock.json", indexURL))).json();
  const wheel = Object.values(lock.packages)[0].file_name;
  const wheelBytes = new Uint8Array(await (await fetch(new URL(wheel, indexURL))).arrayBuffer());
  t = performance.now();
  first.FS.writeFile("/tmp/slm_web.whl", wheelBytes);
  first.runPython(`
import sys, zipfile
zipfile.ZipFile("/tmp/slm_web.whl").extractall(next(p for p in sys.path if p.endswith("site-packages")))
import slm_web.worker, slm_web.tasks, slm_web.tokenizers
`);
  const imports = performance.now() - t;
  t = performance.now();
  const bytes = first.makeMemorySnapshot();
  const make = performance.now() - t;
  const gzip = await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
  t = performance.now();
  const second = await loadPyodide({ ...options(), _loadSnapshot: bytes });
  second.pyimport("slm_web.worker");
  const restored = performance.now() - t;
  return {
    "loadPyodide, no snapshot": plain,
    "unpack wheel + import slm_web": imports,
    "make snapshot": make,
    "loadPyodide from snapshot (slm_web imported)": restored,
    "snapshot MB": bytes.byteLength / 1e6,
    "snapshot gzip MB": gzip.byteLength / 1e6,
  };
}

/** Sorted ms of `n` session.run calls awaited in JS: Python profiling code calls it as `js.timeRuns`. */
self.timeRuns = async (session, feeds, n) => {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const out = await session.run(feeds);
    ms.push(performance.now() - t0);
    Object.values(out).forEach((t) => t.dispose());
  }
  return ms.sort((a, b) => a - b);
};

/** Run Python code (its last expression awaited) in the loaded worker: for profiling by hand. */
async function python({ code }) {
  const value = await state.pyodide.runPythonAsync(code);
  return value?.toJs ? value.toJs() : value;
}

const handlers = { init, run, python, snapshot };
self.onmessage = async ({ data }) => {
  try {
    self.postMessage({ id: data.id, value: await handlers[data.type](data) });
  } catch (error) {
    self.postMessage({ id: data.id, error: `${error?.name}: ${error?.message ?? error}` });
  }
};
