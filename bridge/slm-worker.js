// @ts-check
// slm-worker.js: the module Web Worker behind slm.js. It hosts Pyodide (Python) and onnxruntime-web, so
// the page's main thread never runs Python or inference.
//
// Protocol (docs/js-api.md): the page sends {type: "init"} once, then {type: "call"}
// messages; every request carries an `id` and gets exactly one {type: "result"} or {type: "error"} reply
// with that id; {type: "progress"} messages report downloads and init steps while `init` runs (and while
// the remaining models load after an `init` with whenReady "first"; {type: "ready"} answers once they are).
//
// Every file listed in the site's build-manifest.json is fetched through `cachedFetch`: from the Cache
// API when an entry with the same sha256 exists and its bytes still hash to it, else from the network
// (with byte progress), verified against its sha256 and stored. Pyodide looks up `fetch` at call time, so
// installing the wrapper as the worker's global fetch covers its own downloads too. A cached copy that
// does not match, cannot be read or fails to load is dropped (an "evicted" progress event) and the file
// downloaded again, so a corrupt cache entry costs one download, never the page.

import { decodeWire, isWire } from "./slm-wire.js";

/** @typedef {import("./slm-messages").Request} Request */
/** @typedef {import("./slm-messages").Reply} Reply */
/** @typedef {import("./slm-messages").CallRequest} CallRequest */
/**
 * A bundle still to load after an `init` with whenReady "first": an internal job of the same queue. `tasks`:
 * the tasks it serves for this page (more than one for a shared bundle: one graph, several heads).
 * @typedef {{type: "load", id?: undefined, tasks: string[], name: string, data: Promise<Uint8Array>,
 *   drop: () => Promise<void>, again: () => Promise<Uint8Array>}} LoadJob
 */
/** @typedef {Request | LoadJob} Job */

const CACHE_NAME = "slm-web-v1";
// When `init` replies: once every model is loaded, or once the first listed one is (the rest load after).
const WHEN_READY = ["all", "first"];
const LOAD_GRACE_MS = 20;
const PROGRESS_EVERY_BYTES = 256 * 1024;

let state = null; // {python, tasks, methods, loaded, failed, heapBytes} once init succeeds
// Settles when every requested model is loaded (rejects with the first load error): the `ready` reply.
let allLoaded = null;

/** @param {Reply} message */
const post = (message) => self.postMessage(message);

// A call's timings (CallRequest `timings`, for the bench's per-call breakdown): the worker's JS steps and
// Python's (slm_web/timing.py), on the clock the page reads too, so the page can place its own around them.
/** @type {WeakMap<Job, import("./slm-messages").CallTimings>} */
const timers = new WeakMap();
const stamp = () => performance.timeOrigin + performance.now();

/**
 * @param {number} id
 * @param {any} error
 * @returns {import("./slm-messages").ErrorReply}
 */
function errorReply(id, error) {
  let message = String(error?.message ?? error);
  if (error?.name === "PythonError") {
    // An exception Python raised outside slm_web.worker's JSON replies (e.g. the wheel did not install):
    // its last traceback line ("ModuleNotFoundError: No module named 'slm_web'") is the message.
    message = message.trim().split("\n").at(-1) ?? message;
  }
  return { type: "error", id, error: { name: error?.name || "Error", message } };
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The sha256 of `bytes` (an ArrayBuffer or typed array), as lowercase hex. */
async function sha256(bytes) {
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

/**
 * A fetch for the files of `manifest`, cached by content hash; other URLs go to the network as is.
 * `dropFailed(path)` deletes a file's cached copy after it failed to load, so the next fetch downloads it.
 */
function makeCachedFetch(manifest, baseURL, onProgress, cache) {
  const networkFetch = globalThis.fetch.bind(globalThis);
  const entries = new Map(
    Object.entries(manifest.files).map(([path, info]) => [new URL(path, baseURL).href, { path, ...info }]),
  );
  const keyOf = (entry) => `${new URL(entry.path, baseURL).href}?sha256=${entry.sha256}`;

  async function evict(entry, reason) {
    await cache.delete(keyOf(entry)).catch(() => {});
    onProgress({ step: "evicted", file: entry.path, reason });
  }

  /** The cached response for `entry` if its bytes still hash to the manifest's sha256; else null (dropped). */
  async function readCached(entry) {
    let reason = "corrupt";
    try {
      const hit = await cache.match(keyOf(entry));
      if (!hit) return null;
      // The checked bytes themselves are handed on (V8 caches no compiled code for a Cache API response
      // anyway: bench/ANALYSIS.md), keeping the headers (a streamed wasm compile needs its Content-Type).
      const bytes = await hit.arrayBuffer();
      if (bytes.byteLength === entry.size && (await sha256(bytes)) === entry.sha256) {
        return new Response(bytes, { headers: hit.headers });
      }
    } catch {
      reason = "unreadable";
    }
    await evict(entry, reason);
    return null;
  }

  async function download(url, entry) {
    const response = await networkFetch(url);
    if (!response.ok) throw new Error(`could not download ${entry.path}: HTTP ${response.status}`);
    const body = new Uint8Array(entry.size);
    const reader = /** @type {ReadableStream<Uint8Array>} an ok GET response has one */ (response.body).getReader();
    let loaded = 0;
    let reported = 0;
    onProgress({ step: "download", file: entry.path, loaded, total: entry.size });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (loaded + value.length > entry.size) throw new Error(`${entry.path} is larger than the manifest says`);
      body.set(value, loaded);
      loaded += value.length;
      if (loaded - reported >= PROGRESS_EVERY_BYTES) {
        reported = loaded;
        onProgress({ step: "download", file: entry.path, loaded, total: entry.size });
      }
    }
    if (loaded !== entry.size || (await sha256(body)) !== entry.sha256) {
      throw new Error(`${entry.path} does not match build-manifest.json (stale or corrupt download)`);
    }
    onProgress({ step: "download", file: entry.path, loaded, total: entry.size });
    const headers = { "Content-Type": response.headers.get("Content-Type") || "application/octet-stream" };
    return new Response(body, { headers });
  }

  async function cachedFetch(input, init) {
    const url = new URL(input instanceof Request ? input.url : String(input), baseURL).href;
    const entry = entries.get(url);
    if (!entry) return networkFetch(input, init);
    const hit = cache && (await readCached(entry));
    if (hit) {
      onProgress({ step: "cache", file: entry.path, loaded: entry.size, total: entry.size });
      return hit;
    }
    const response = await download(url, entry);
    if (cache) {
      // A full quota (or private mode) only costs the next visit a download: never fail start-up for it.
      await cache.put(keyOf(entry), response.clone()).catch((error) => console.warn(`not cached: ${entry.path}: ${error}`));
    }
    return response;
  }

  async function dropFailed(path) {
    const entry = entries.get(new URL(path, baseURL).href);
    if (cache && (await cache.match(keyOf(entry)))) await evict(entry, "failed");
  }

  return { cachedFetch, dropFailed };
}

/** Drop cache entries of files the current build no longer has (older versions, removed bundles). */
async function pruneCache(cache, cachedFetchKeys) {
  for (const request of await cache.keys()) {
    if (!cachedFetchKeys.has(request.url)) await cache.delete(request);
  }
}

async function openCache() {
  try {
    return globalThis.caches ? await caches.open(CACHE_NAME) : null;
  } catch {
    return null; // e.g. storage disabled: work uncached rather than fail
  }
}

// Files fetched through the cache at start-up besides the bundles (the wheel is found by its suffix).
// The site's warm-up model (webbuild/bundles.py build_warmup_model): a tiny int8 encoder with the
// students' ops, run once while Pyodide starts so the first real run does not pay for cold kernels.
const WARMUP_PATH = "ort/warmup.onnx";
const ORT_FILES = ["ort/ort-wasm-simd-threaded.wasm", WARMUP_PATH];
const PYTHON_FILES = ["pyodide/pyodide.asm.wasm", "pyodide/python_stdlib.zip", "pyodide/pyodide-lock.json"];
const RUNTIME_FILES = [...ORT_FILES, ...PYTHON_FILES];

// A 67-byte ONNX model (y = Identity(x)), the warm-up of a site without WARMUP_PATH. Creating a session
// makes onnxruntime-web compile and start its wasm while Pyodide boots, instead of on the
// first real model afterwards.
const WARMUP_MODEL = new Uint8Array([
  8, 8, 18, 0, 58, 55, 10, 16, 10, 1, 120, 18, 1, 121, 34, 8, 73, 100, 101, 110, 116, 105, 116, 121, 18, 1,
  119, 90, 15, 10, 1, 120, 18, 10, 10, 8, 8, 1, 18, 4, 10, 2, 8, 1, 98, 15, 10, 1, 121, 18, 10, 10, 8, 8, 1,
  18, 4, 10, 2, 8, 1, 66, 4, 10, 0, 16, 17,
]);

/**
 * `promise`'s value; if it rejects, the cached copies of `paths` are dropped first, so the next visit
 * downloads them again instead of failing the same way for good (the bytes matched their sha256, so this
 * only matters if the browser could not use what it read back).
 */
async function droppedOnFailure(site, paths, promise) {
  try {
    return await promise;
  } catch (error) {
    await Promise.all(paths.filter((path) => site.manifest.files[path]).map(site.dropFailed));
    throw error;
  }
}

/** Start every promise now; await them later. A rejection is reported where it is awaited, not before. */
function started(promise) {
  promise.catch(() => {});
  return promise;
}

// onnxruntime-web fetches its wasm itself (through `cachedFetch`, the worker's global fetch) and compiles
// it with WebAssembly's streaming API, as Pyodide does with its own, rather than being handed the bytes
// (`env.wasm.wasmBinary`): faster when the cores are busy, no slower otherwise (bench/ANALYSIS.md).
async function startOrt(baseURL, threads, warmupModel) {
  const ort = await import(new URL("ort/ort.wasm.min.mjs", baseURL).href);
  ort.env.wasm.wasmPaths = new URL("ort/", baseURL).href;
  ort.env.wasm.numThreads = self.crossOriginIsolated ? threads : 1; // threads need SharedArrayBuffer
  ort.env.wasm.proxy = false; // we already are in a worker
  ort.env.logLevel = "error";
  const warmup = await ort.InferenceSession.create(await warmupModel);
  if (warmup.inputNames.includes("input_ids")) {
    // A run, not only a session: the students' kernels have run once, so the first real run is not slow
    // (bench/ANALYSIS.md, "Figures that code comments used to quote").
    const ids = new ort.Tensor("int64", BigInt64Array.from([2n, 10n, 11n, 12n, 13n, 14n, 15n, 3n]), [1, 8]);
    const mask = new ort.Tensor("int64", new BigInt64Array(8).fill(1n), [1, 8]);
    await warmup.run({ input_ids: ids, attention_mask: mask });
  }
  await warmup.release();
  return ort;
}

// Pyodide memory snapshots (private API: `_makeSnapshot`, `makeMemorySnapshot`, `_loadSnapshot`). The
// first visit boots Python, installs the wheel, imports slm_web and then stores the interpreter's memory
// in the cache (its size: bench/ANALYSIS.md); a revisit restores it instead of starting Python and importing
// slm_web again. The key holds the sha256 of the files a snapshot depends on; an unusable snapshot is
// deleted and Python boots the normal way. A site built with `SLM_SNAPSHOT=1 bash build_wasm.sh` ships the
// same snapshot (made at build time by this worker's `snapshot` request, `webbuild/snapshot.py`), so even
// a first visit restores instead of booting, at the price of downloading it.
function snapshotInputs(manifest, wheelPath) {
  const sha = (path) => manifest.files[path]?.sha256 ?? "none";
  return { asm: sha("pyodide/pyodide.asm.wasm"), stdlib: sha("pyodide/python_stdlib.zip"), wheel: sha(wheelPath) };
}

function snapshotKey(manifest, indexURL, wheelPath) {
  const { asm, stdlib, wheel } = snapshotInputs(manifest, wheelPath);
  return `${indexURL}pyodide.snapshot?asm=${asm}&stdlib=${stdlib}&wheel=${wheel}`;
}

/** The site's own snapshot (build-manifest.json `snapshot`), if it was made from this site's runtime files. */
function shippedSnapshotPath(manifest, wheelPath) {
  const shipped = manifest.snapshot;
  const inputs = snapshotInputs(manifest, wheelPath);
  const madeFromThese = Object.entries(inputs).every(([name, sha]) => shipped?.for?.[name] === sha);
  return shipped && manifest.files[shipped.path] && madeFromThese ? shipped.path : null;
}

// No manifest lists this browser's own snapshot, so its sha256 is stored beside it (a response header)
// and checked before a restore. OWN_SNAPSHOT names it in "evicted" progress events.
const SNAPSHOT_SHA256 = "X-SLM-SHA256";
const OWN_SNAPSHOT = "pyodide/pyodide.snapshot";

/** This browser's snapshot if its bytes still hash to the sha256 stored with it; else null (dropped). */
async function readSnapshot(cache, key, step) {
  let reason = "corrupt";
  try {
    const hit = await cache.match(key);
    if (!hit) return null;
    const bytes = new Uint8Array(await hit.arrayBuffer());
    if ((await sha256(bytes)) === hit.headers.get(SNAPSHOT_SHA256)) return bytes;
  } catch {
    reason = "unreadable";
  }
  await dropSnapshot(cache, key, step, reason);
  return null;
}

async function dropSnapshot(cache, key, step, reason) {
  await cache.delete(key).catch(() => {});
  step("evicted", { file: OWN_SNAPSHOT, reason });
}

/** Snapshot Python's memory and store it; resolves when stored (or failed: a warning, never an error). */
function saveSnapshot(cache, key, pyodide) {
  try {
    const snapshot = pyodide.makeMemorySnapshot();
    return sha256(snapshot)
      .then((digest) => cache.put(key, new Response(snapshot, { headers: { [SNAPSHOT_SHA256]: digest } })))
      .catch((error) => console.warn(`slm-web: snapshot not cached: ${error}`));
  } catch (error) {
    console.warn(`slm-web: no Pyodide snapshot (the next visit boots normally): ${error}`);
    return Promise.resolve();
  }
}

// The wheel is unpacked with Python's zipfile rather than `loadPackage`: loadPackage leaves JS objects
// referenced from Python, which a memory snapshot cannot hold. A snapshot holds memory, not files, so
// after a restore site-packages is empty; that is fine because `import_all` imported every browser
// module before the snapshot and slm_web reads no package files (unpacking again would be time for nothing).
const UNPACK_WHEEL = `
import importlib, sys, zipfile
with zipfile.ZipFile("/tmp/slm_web.whl") as wheel:
    wheel.extractall(next(p for p in sys.path if p.endswith("site-packages")))
importlib.invalidate_caches()
`;

function installWheel(pyodide, wheel) {
  pyodide.FS.writeFile("/tmp/slm_web.whl", wheel);
  try {
    pyodide.runPython(UNPACK_WHEEL);
  } finally {
    pyodide.FS.unlink("/tmp/slm_web.whl");
  }
}

const pyodideIndexURL = (site) => new URL("pyodide/", site.baseURL).href;

async function importPyodide(site) {
  const { loadPyodide } = await import(new URL("pyodide/pyodide.mjs", site.baseURL).href);
  const indexURL = pyodideIndexURL(site);
  // Passing the lock's contents (not its URL) keeps every package URL relative to indexURL, our origin.
  const options = () => ({
    indexURL,
    packageBaseUrl: indexURL,
    lockFileContents: site.cachedFetch(new URL("pyodide-lock.json", indexURL)).then((r) => r.json()),
  });
  return { loadPyodide, options };
}

/** Boot Python, unpack the wheel and import slm_web: what a snapshot holds. */
async function bootPython({ loadPyodide, options }, step, wheel, makeSnapshot) {
  const pyodide = await loadPyodide({ ...options(), _makeSnapshot: makeSnapshot });
  step("python", { detail: "slm_web install + import" });
  installWheel(pyodide, await wheel);
  pyodide.pyimport("slm_web.worker").import_all();
  // Before any JS object enters Python (configure(ort) comes next): what a snapshot may hold.
  return pyodide;
}

/**
 * Python with slm_web installed and imported: restored from this browser's snapshot or the site's, or
 * booted (and then snapshotted into the cache). `key`: that snapshot's cache key (pruning keeps it).
 */
async function startPyodide(site, { cache, step, wheel, shipped }) {
  const key = snapshotKey(site.manifest, pyodideIndexURL(site), site.wheelPath);
  // This browser's snapshot is read and hashed while Pyodide's module script loads.
  const ownRead = cache ? started(readSnapshot(cache, key, step)) : null;
  const pyodideModule = await importPyodide(site);
  const own = await ownRead;
  const snapshot = own ?? (await shipped);
  if (snapshot) {
    step("runtime", { detail: own ? "pyodide (snapshot)" : "pyodide (site snapshot)" });
    try {
      const pyodide = await pyodideModule.loadPyodide({ ...pyodideModule.options(), _loadSnapshot: snapshot });
      step("python", { detail: "slm_web (restored with Python)" });
      return { pyodide, saved: Promise.resolve(), key };
    } catch (error) {
      console.warn(`slm-web: unusable Pyodide snapshot, starting Python normally: ${error}`);
      if (own) await dropSnapshot(cache, key, step, "failed");
    }
  }
  const pythonFiles = PYTHON_FILES.concat(site.wheelPath);
  const pyodide = await droppedOnFailure(site, pythonFiles, bootPython(pyodideModule, step, wheel(), Boolean(cache)));
  const saved = cache ? saveSnapshot(cache, key, pyodide) : Promise.resolve();
  return { pyodide, saved, key };
}

/** The site at `baseURL`: its build-manifest.json, its wheel, and a fetch for its files (cached if `cache`). */
async function openSite(baseURL, cache, progress) {
  const manifestResponse = await fetch(new URL("build-manifest.json", baseURL), { cache: "no-cache" });
  if (!manifestResponse.ok) throw new Error(`no build-manifest.json under ${baseURL} (HTTP ${manifestResponse.status})`);
  const manifest = await manifestResponse.json();
  const wheelPath = Object.keys(manifest.files).find((p) => p.startsWith("pyodide/") && p.endsWith(".whl"));
  if (!wheelPath) throw new Error("this site has no slm_web wheel under pyodide/ (rebuild it with build_wasm.sh)");
  const { cachedFetch, dropFailed } = makeCachedFetch(manifest, baseURL, progress, cache);
  globalThis.fetch = cachedFetch; // Pyodide's own downloads go through the cache too
  const bytesOf = async (path) => new Uint8Array(await (await cachedFetch(new URL(path, baseURL))).arrayBuffer());
  return { baseURL, manifest, wheelPath, cachedFetch, dropFailed, bytesOf };
}

/**
 * Each bridge method's task (checked here to fail fast) and options, from build-manifest.json's `tasks`:
 * the part of Python's task registry (slm_web/registry.py) the build writes for the bridge.
 */
function bridgeMethods(manifest) {
  /** @type {Map<string, {task: string, options: {name: string, js: string}[]}>} */
  const methods = new Map();
  for (const [task, byMethod] of Object.entries(manifest.tasks)) {
    for (const [method, options] of Object.entries(byMethod)) methods.set(method, { task, options });
  }
  return methods;
}

/** The page's options (slm.d.ts names: `maxWords`) under Python's names (`max_words`); unknown ones dropped. */
function pythonOptions(options, specs) {
  return Object.fromEntries(specs.filter((o) => options?.[o.js] !== undefined).map((o) => [o.name, options[o.js]]));
}

/** Build time (webbuild/snapshot.py): the memory snapshot a first visit would store, made the same way. */
async function makeSiteSnapshot({ baseURL }) {
  const site = await openSite(baseURL, null, () => {});
  const pyodide = await bootPython(await importPyodide(site), () => {}, site.bytesOf(site.wheelPath), true);
  return pyodide.makeMemorySnapshot();
}

async function init({ baseURL, tasks: asked, threads, whenReady = "all" }, progress) {
  if (!WHEN_READY.includes(whenReady)) throw new Error(`whenReady must be one of ${WHEN_READY.join(", ")}, got "${whenReady}"`);
  const step = (name, extra = {}) => progress({ step: name, ...extra });
  const cache = await openCache();
  const site = await openSite(baseURL, cache, progress);
  const { manifest, wheelPath, bytesOf } = site;
  const tasks = asked ?? Object.keys(manifest.bundles); // the page named none: every task the site serves
  for (const task of tasks) {
    if (!manifest.bundles[task]) {
      throw new Error(`this site has no bundle for task "${task}" (has: ${Object.keys(manifest.bundles).join(", ")})`);
    }
  }
  const snapshotPath = shippedSnapshotPath(manifest, wheelPath);
  // With the site's snapshot the wheel is only needed if that snapshot cannot be restored.
  const pythonFile = snapshotPath ?? wheelPath;
  const groups = bundleGroups(manifest, tasks);
  const planned = [...RUNTIME_FILES, pythonFile, ...groups.map((group) => group.path)];
  step("manifest", { loaded: 0, total: planned.reduce((sum, p) => sum + (manifest.files[p]?.size ?? 0), 0) });

  // Everything downloads at once; Python starts as soon as its own files are in.
  step("runtime", { detail: "pyodide + onnxruntime-web" });
  const eagerWheel = snapshotPath ? null : started(bytesOf(wheelPath));
  const wheel = () => eagerWheel ?? bytesOf(wheelPath);
  const shipped = snapshotPath
    ? bytesOf(snapshotPath).catch((error) => console.warn(`slm-web: no site snapshot, starting Python normally: ${error}`))
    : null;
  // A `.slm4` bundle (4-bit-representable weights at 4 bits on the wire) is rebuilt into its exact `.slm`.
  const bundleOf = async (path) => {
    const bytes = await bytesOf(path);
    return isWire(bytes) ? decodeWire(bytes) : bytes;
  };
  const bundles = groups.map((group) => started(bundleOf(group.path)));
  const warmupModel = manifest.files[WARMUP_PATH] ? bytesOf(WARMUP_PATH) : Promise.resolve(WARMUP_MODEL);
  const ortReady = started(droppedOnFailure(site, ORT_FILES, startOrt(baseURL, threads, warmupModel)));
  const { pyodide, saved, key: snapshotCacheKey } = await startPyodide(site, { cache, step, wheel, shipped });
  const ort = await ortReady;

  const py = pyodide.pyimport("slm_web.worker");
  py.configure(ort, globalThis); // its own globalThis: see _Builtins in slm_web/backends/web.py
  // Look each function up once: every attribute access on a PyProxy creates a new proxy. They are
  // borrowed from `py`, which lives as long as the worker.
  const call = { start: py.call_start, resume: py.call_resume, fail: py.call_fail };
  const python = { load: py.load, call, stats: py.stats, lastTimings: py.last_timings };

  // Pyodide's wasm memory size (a private field: diagnostics only, null if it ever disappears).
  const heapBytes = () => pyodide._module?.HEAP8?.byteLength ?? null;
  const loading = { python, loaded: new Set(), failed: new Map(), step };
  /** @type {LoadJob[]} */
  const loadJobs = groups.map(({ path, name, tasks: served }, i) => {
    const drop = () => site.dropFailed(path);
    const again = () => drop().then(() => bundleOf(path));
    return { type: "load", tasks: served, name, data: bundles[i], drop, again };
  });
  const now = whenReady === "first" ? loadJobs.slice(0, 1) : loadJobs;
  for (const job of now) {
    await loadModel(loading, job);
    const failed = job.tasks.find((task) => loading.failed.has(task));
    if (failed) throw loading.failed.get(failed);
  }
  await saved; // the snapshot is stored while the models load; a page closed right after start keeps it
  if (cache) {
    const keep = new Set(Object.entries(manifest.files).map(([p, i]) => `${new URL(p, baseURL).href}?sha256=${i.sha256}`));
    keep.add(snapshotCacheKey);
    await pruneCache(cache, keep);
  }
  state = { ...loading, tasks: new Set(tasks), methods: bridgeMethods(manifest), heapBytes };
  const later = loadJobs.slice(now.length);
  allLoaded = new Promise((resolve, reject) => Object.assign(state, { resolveAll: resolve, rejectAll: reject }));
  allLoaded.catch(() => {}); // reported through `ready` requests and the calls that need the model
  queue.add(...later);
  settleIfLoaded();
  // Every bridge method of the page's tasks: slm.js makes a plain call of each it does not write out.
  const methods = [...state.methods].filter(([, spec]) => state.tasks.has(spec.task)).map(([method]) => method);
  return { tasks, threads: ort.env.wasm.numThreads, crossOriginIsolated: self.crossOriginIsolated, methods };
}

/**
 * The bundles to fetch and load for `tasks`, in the order of their first task: tasks that build-manifest.json
 * maps to the same file (a shared bundle's heads) are one bundle, fetched, verified and loaded once.
 */
function bundleGroups(manifest, tasks) {
  /** @type {Map<string, {path: string, name: string, tasks: string[]}>} */
  const groups = new Map();
  for (const task of tasks) {
    const { path, name } = manifest.bundles[task];
    const group = groups.get(path) ?? { path, name, tasks: /** @type {string[]} */ ([]) };
    group.tasks.push(task);
    groups.set(path, group);
  }
  return [...groups.values()];
}

/**
 * Load one bundle's models into Python, from a fresh download if the bundle fails the first time. A second
 * failure is recorded for its tasks (calls that need them reject with it) and leaves no cached copy behind.
 */
async function loadModel(loading, { tasks, name, data, drop, again }) {
  try {
    await loadBundle(loading, tasks, name, await data);
  } catch {
    try {
      await loadBundle(loading, tasks, name, await again());
    } catch (error) {
      await drop();
      for (const task of tasks) loading.failed.set(task, error);
      return;
    }
  }
  for (const task of tasks) loading.loaded.add(task);
}

async function loadBundle(loading, tasks, name, bytes) {
  loading.step("model", { task: tasks[0], tasks, detail: name });
  const reply = JSON.parse(await callPython(loading.python.load, tasks, bytes));
  if (reply.error) throw Object.assign(new Error(reply.error.message), { name: reply.error.name });
}

/** Once no model is left to load: "ready" progress and the `ready` reply (or the first load error). */
function settleIfLoaded() {
  if (state.loaded.size + state.failed.size < state.tasks.size) return;
  const [error] = state.failed.values();
  if (error) {
    state.rejectAll(error);
  } else {
    state.step("ready");
    state.resolveAll(null);
  }
}

/** Call an async Python function and free the proxy of the awaitable it returns (no leak per call). */
async function callPython(fn, ...args) {
  const awaitable = fn(...args);
  try {
    return await awaitable;
  } finally {
    awaitable?.destroy?.();
  }
}

/**
 * Run a bridge call's Python coroutine to its reply, awaiting each JS promise it waits for (its ORT runs)
 * here: on Pyodide's event loop each await, and the call's end, would wait for a browser task of its own
 * (slm_web/drive.py).
 * `call.start` and each `resume` or `fail` return the next promise to await, or the reply (a JSON string).
 * With a `timer`, the time spent awaiting the promises is added up in `timer.jsAwaited`.
 * @param {{start: Function, resume: Function, fail: Function}} call
 * @param {import("./slm-messages").CallTimings | undefined} timer
 * @param {number} id the call's key on the Python side
 * @returns {Promise<string>}
 */
async function drivePython(call, timer, id, ...args) {
  let next = call.start(id, ...args);
  while (typeof next !== "string") {
    const awaiting = timer ? stamp() : 0;
    let value;
    try {
      value = await next;
    } catch (error) {
      next = call.fail(id, error instanceof Error ? error : new Error(String(error)));
      continue;
    } finally {
      if (timer) timer.jsAwaited = (timer.jsAwaited ?? 0) + stamp() - awaiting;
    }
    next = call.resume(id, value);
  }
  return next;
}

/**
 * JSON.stringify replacer: NaN and ±Infinity become `{"$number": "NaN"}` (JSON would write null), so
 * Python's option checks refuse the value the page passed, with the same message as a Python caller gets.
 * @param {string} _key
 * @param {unknown} value
 */
function keepNonFinite(_key, value) {
  return typeof value === "number" && !Number.isFinite(value) ? { $number: String(value) } : value;
}

/** @param {CallRequest} message */
async function call(message) {
  const { id, method, text, options } = message;
  const timer = timers.get(message);
  if (timer) timer.served = stamp();
  if (!state) throw new Error("the worker is not initialised (await SLM.create first)");
  const spec = state.methods.get(method);
  if (!spec) throw new Error(`unknown method "${method}"`);
  const { task } = spec;
  if (!state.tasks.has(task)) {
    const message = `${method}() needs the "${task}" task: pass it in SLM.create({tasks})`;
    throw Object.assign(new Error(message), { name: "TaskMismatchError" });
  }
  if (state.failed.has(task)) throw state.failed.get(task);
  if (queue.isStale({ id, method })) {
    throw Object.assign(new Error("superseded by a newer complete() call"), { name: "Cancelled" });
  }
  const optionsJSON = JSON.stringify(pythonOptions(options, spec.options), keepNonFinite);
  if (timer) timer.pythonCalled = stamp();
  const replyJSON = await drivePython(state.python.call, timer, id, method, text, optionsJSON, Boolean(timer));
  if (timer) timer.pythonReturned = stamp();
  const reply = JSON.parse(replyJSON);
  if (timer) {
    timer.parsed = stamp();
    const { start, end, steps } = JSON.parse(state.python.lastTimings());
    timer.python = { start: start + performance.timeOrigin, end: end + performance.timeOrigin, steps };
    timer.timed = stamp(); // reading Python's timings is the breakdown's own cost, left out of every step
  }
  if (reply.error) throw Object.assign(new Error(reply.error.message), { name: reply.error.name });
  return reply.value;
}

const handlers = {
  init: (message) => init(message, (p) => post({ type: "progress", id: message.id, ...p })),
  call,
  load: async (job) => {
    await loadModel(state, job);
    settleIfLoaded();
  },
  stats: () => (state ? { ...JSON.parse(state.python.stats()), wasm_heap_bytes: state.heapBytes() } : null),
  snapshot: makeSiteSnapshot,
};

/** @param {Job} message */
async function serve(message) {
  try {
    const handler = handlers[message.type];
    if (!handler) throw new Error(`unknown message type "${message.type}"`);
    const value = await handler(message);
    if (message.id !== undefined) post(resultReply(message, value));
  } catch (error) {
    if (message.id !== undefined) post(errorReply(message.id, error));
    else console.error("slm-web:", error); // an internal job's failure, which no page request waits for
  }
}

/**
 * @param {Job} message
 * @returns {import("./slm-messages").ResultReply}
 */
function resultReply(message, value) {
  const timer = timers.get(message);
  if (!timer) return { type: "result", id: /** @type {number} */ (message.id), value };
  timer.posted = stamp();
  return { type: "result", id: /** @type {number} */ (message.id), value, timings: timer };
}

/**
 * A request that can run now: not a model load, and not a call whose model is still loading.
 * @param {Job} message
 */
function answerable(message) {
  if (message.type !== "call") return message.type !== "load";
  const task = state?.methods.get(message.method)?.task;
  return !(state?.tasks.has(task) && !state.loaded.has(task) && !state.failed.has(task));
}

/**
 * The worker's queue. Jobs run one at a time (models keep per-call state such as the KV cache). Waiting
 * completions go first: they answer a keystroke, while grammar and sentiment checks are debounced and can
 * wait. After an `init` with whenReady "first", the other models load as internal {type: "load"} jobs of
 * the same queue, behind every call a loaded model can answer; a call for a model still loading waits for it.
 */
class Scheduler {
  /** @type {Job[]} */
  #waiting = [];
  #running = false;
  /** @type {number | null} the id of the newest `complete` request: older queued ones are stale */
  #latestComplete = null;
  /** @type {(() => void) | null} ends the pause before a queued model load (#stillIdle) */
  #wake = null;
  #serve;
  #answerable;

  /**
   * @param {(job: Job) => Promise<void>} serve runs one job and posts its reply
   * @param {(job: Job) => boolean} answerable whether a job can run now
   */
  constructor(serve, answerable) {
    this.#serve = serve;
    this.#answerable = answerable;
  }

  /** Queue `jobs`, and work through the queue unless that is under way. @param {...Job} jobs */
  add(...jobs) {
    for (const job of jobs) if (job.type === "call" && job.method === "complete") this.#latestComplete = job.id;
    this.#waiting.push(...jobs);
    this.#wake?.();
    if (!this.#running) this.#drain();
  }

  /** A completion that a newer one superseded. @param {{id: number, method: string}} call */
  isStale({ id, method }) {
    return method === "complete" && id !== this.#latestComplete;
  }

  /** The next job: a completion, else the oldest request that can run, else the next model to load. */
  #next() {
    const answerable = this.#answerable;
    /** @type {((job: Job) => boolean)[]} */
    const picks = [
      (j) => j.type === "call" && j.method === "complete" && answerable(j), answerable, (j) => j.type === "load",
    ];
    for (const pick of picks) {
      const index = this.#waiting.findIndex(pick);
      if (index >= 0) return this.#waiting.splice(index, 1)[0];
    }
    return null; // nothing waits (a call whose model is loading always has that load job queued with it)
  }

  /** Before a model load, a moment for the calls a page makes right after create() to overtake it. */
  async #stillIdle() {
    await /** @type {Promise<void>} */ (new Promise((resolve) => {
      this.#wake = resolve; // a request arriving ends the pause at once
      setTimeout(resolve, LOAD_GRACE_MS);
    }));
    this.#wake = null;
    return !this.#waiting.some(this.#answerable);
  }

  async #drain() {
    this.#running = true;
    for (let job = this.#next(); job; job = this.#next()) {
      if (job.type === "load" && !(await this.#stillIdle())) this.#waiting.unshift(job);
      else await this.#serve(job);
    }
    this.#running = false;
  }
}

const queue = new Scheduler(serve, answerable);

/** @param {MessageEvent<Request>} event */
self.onmessage = ({ data: message }) => {
  if (message.type === "ready") {
    // Not queued: it waits for the queue's load jobs, so it must not hold the queue.
    (allLoaded ?? Promise.reject(new Error("the worker is not initialised (await SLM.create first)"))).then(
      () => post({ type: "result", id: message.id, value: null }),
      (error) => post(errorReply(message.id, error)),
    );
    return;
  }
  if (message.type === "call" && message.timings) timers.set(message, { received: stamp() });
  queue.add(message);
};
