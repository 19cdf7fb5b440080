// bench.js: the page side of the benchmark harness (bench/). Playwright opens bench.html and calls the
// functions below through page.evaluate; every time is performance.now() on this page, so cold starts
// count from navigation start and per-call times include the page <-> worker round trip, as a user sees it.
//
// ?cold=slm&tasks=sentiment&threads=2[&ready=first]  starts the slm-web stack at once (cold/revisit start
// measurements; `ready` is SLM.create's whenReady);
// ?cold=tjs&task=sentiment&threads=2   the same for transformers.js; ?cold=harper for harper.js.
import { SLM } from "../bridge/slm.js";

const SITE = new URL("../", import.meta.url).href;
const params = new URLSearchParams(location.search);

/** Call `fn(text, i)` for `warmup` texts, then time it on `runs` texts (cycling): ms per call. */
async function timeCalls(fn, texts, { warmup = 10, runs = 50 } = {}) {
  for (let i = 0; i < warmup; i++) await fn(texts[i % texts.length], i);
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(texts[i % texts.length], i);
    ms.push(performance.now() - t0);
  }
  return ms;
}

/** A module worker speaking {id, ...} -> {id, value | error} (the bench workers below). */
function rpcWorker(url, onEvent) {
  const worker = new Worker(url, { type: "module" });
  const pending = new Map();
  let next = 1;
  worker.onmessage = ({ data }) => {
    if (data.type === "event") return onEvent?.(data);
    const p = pending.get(data.id);
    pending.delete(data.id);
    if (data.error) p.reject(new Error(data.error));
    else p.resolve(data.value);
  };
  worker.onerror = (e) => pending.forEach((p) => p.reject(new Error(e.message || "worker failed")));
  const call = (message) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    });
  return { call, terminate: () => worker.terminate() };
}

// ---- slm-web through its public API (page -> worker -> Python -> onnxruntime-web) ----

const SLM_METHODS = {
  sentiment: (slm, text) => slm.classify(text),
  autocomplete: (slm, text, options) => slm.complete(text, options),
  grammar: (slm, text) => slm.correct(text),
};
const FIRST_TEXT = { sentiment: "What a lovely day.", autocomplete: "See you tomor", grammar: "She go to school." };

/**
 * SLM.create with timestamped progress, then one call of the first task: the cold-start timeline. With
 * whenReady "first", the timeline ends with "all-ready" once the other models are in too.
 */
async function slmStart({ tasks, threads, site = "", whenReady = "all" }) {
  const events = [{ t: performance.now(), step: "create" }];
  // Per file, only the first download/cache event and the last byte: the timeline, not the progress bar.
  const onProgress = (p) => {
    const fileEvent = p.step === "download" || p.step === "cache";
    if (!fileEvent || p.loaded === 0 || p.step === "cache" || p.loaded === p.total) {
      events.push({ t: performance.now(), ...p });
    }
  };
  const slm = await SLM.create({ baseURL: new URL(site, SITE), tasks, threads, onProgress, whenReady });
  events.push({ t: performance.now(), step: "ready" });
  const result = await SLM_METHODS[tasks[0]](slm, FIRST_TEXT[tasks[0]], { k: 3 });
  events.push({ t: performance.now(), step: "first-result" });
  await slm.ready;
  events.push({ t: performance.now(), step: "all-ready" });
  globalThis.slm = slm;
  return { events, info: slm.info, result };
}

async function slmTime(task, texts, options = {}, counts = {}) {
  return timeCalls((text) => SLM_METHODS[task](globalThis.slm, text, options), texts, counts);
}

async function slmResults(task, texts, options = {}) {
  const out = [];
  for (const text of texts) out.push(await SLM_METHODS[task](globalThis.slm, text, options));
  return out;
}

// ---- per-call breakdown: one public API call cut into its steps (bench/ANALYSIS.md) ----
// With ?breakdown, the bridge's worker is wrapped so that calls made while `breakdown.on` ask for timings
// (CallRequest `timings`) and the page stamps its own steps around the worker's on the shared clock.

const stamp = () => performance.timeOrigin + performance.now();
const breakdown = { on: false, sent: 0, reply: null };

if (params.has("breakdown")) {
  const PageWorker = globalThis.Worker;
  globalThis.Worker = class extends PageWorker {
    constructor(url, options) {
      super(url, options);
      // Registered before slm.js sets onmessage, so it runs first: `arrived` is before anyone reads the reply.
      this.addEventListener("message", (event) => {
        const arrived = stamp();
        const { data } = event; // the structured clone is read here
        if (data.timings) breakdown.reply = { ...data.timings, arrived, read: stamp() };
      });
    }

    postMessage(message, ...rest) {
      if (breakdown.on && message?.type === "call") {
        breakdown.reply = null;
        breakdown.sent = stamp();
        super.postMessage({ ...message, timings: true }, ...rest);
      } else {
        super.postMessage(message, ...rest);
      }
    }
  };
}

/** One timed call's steps in ms, in the order they happen (Python's own steps in the middle). */
function callSteps(start, sent, w, end) {
  const python = w.python;
  return {
    "page: API call → postMessage": sent - start,
    "page → worker: message delivered": w.received - sent,
    "worker: queue": w.served - w.received,
    "worker: checks, options JSON.stringify": w.pythonCalled - w.served,
    "Python entry (pyodide call, arguments, task start)": python.start - w.pythonCalled,
    ...Object.fromEntries(Object.entries(python.steps).map(([name, ms]) => [`Python: ${name}`, ms])),
    // Only from a worker that awaits ORT's promises itself (slm_web/drive.py): the part of the ORT step
    // that is the promise; the rest of that step is getting out of Python and back in.
    ...(w.jsAwaited === undefined ? {} : { "of which: ORT's promise, awaited in the worker": w.jsAwaited }),
    "Python return (task end → JS promise)": w.pythonReturned - python.end,
    "worker: reply JSON.parse": w.parsed - w.pythonReturned,
    "worker: post reply": w.posted - w.timed,
    "worker → page: message delivered": w.arrived - w.posted,
    "page: read the reply (structured clone)": w.read - w.arrived,
    "page: resolve, slm.js result → caller": end - w.read,
    total: end - start,
  };
}

/** `slmTime` with every call cut into its steps: a list of callSteps objects, one per timed call. */
async function slmBreakdown(task, texts, options = {}, { warmup = 10, runs = 50 } = {}) {
  const rows = [];
  for (let i = 0; i < warmup + runs; i++) {
    breakdown.on = true;
    const start = stamp();
    await SLM_METHODS[task](globalThis.slm, texts[i % texts.length], options);
    const end = stamp();
    breakdown.on = false;
    if (i >= warmup) rows.push(callSteps(start, breakdown.sent, breakdown.reply, end));
  }
  return rows;
}

// ---- the same session called directly from JS in a worker vs through slm_web (bridge overhead) ----

async function directStart({ task, threads, site = "" }) {
  globalThis.direct?.terminate();
  globalThis.direct = rpcWorker(new URL("direct-worker.js", import.meta.url));
  return globalThis.direct.call({ type: "init", site: new URL(site, SITE).href, task, threads });
}

const directRun = (options) => globalThis.direct.call({ type: "run", ...options });

/** The memory-snapshot prototype (direct-worker.js `snapshot`) in a worker of its own. */
async function directSnapshot() {
  const worker = rpcWorker(new URL("direct-worker.js", import.meta.url));
  try {
    return await worker.call({ type: "snapshot", site: SITE });
  } finally {
    worker.terminate();
  }
}

// ---- transformers.js (its own worker, its own onnxruntime-web build) ----

async function tjsStart({ task, threads, model = task }) {
  const events = [{ t: performance.now(), step: "start" }];
  globalThis.tjs?.terminate();
  globalThis.tjs = rpcWorker(new URL("tjs-worker.js", import.meta.url), (e) =>
    events.push({ t: performance.now(), step: e.step }),
  );
  await globalThis.tjs.call({ type: "init", site: SITE, task, threads, model });
  events.push({ t: performance.now(), step: "ready" });
  const result = await globalThis.tjs.call({ type: "call", text: FIRST_TEXT[task], options: { max_new_tokens: 1 } });
  events.push({ t: performance.now(), step: "first-result" });
  return { events, result };
}

const tjsCall = (text, options = {}) => globalThis.tjs.call({ type: "call", text, options });

async function tjsTime(texts, options = {}, counts = {}) {
  return timeCalls((text) => tjsCall(text, options), texts, counts);
}

async function tjsResults(texts, options = {}) {
  const out = [];
  for (const text of texts) out.push(await tjsCall(text, options));
  return out;
}

// ---- harper.js (LocalLinter on this page, as its docs start) ----

async function harperStart() {
  const events = [{ t: performance.now(), step: "start" }];
  const { LocalLinter, binary } = await import(new URL("peers/harper/index.js", SITE).href).then(async (m) => ({
    ...m,
    binary: (await import(new URL("peers/harper/binary.js", SITE).href)).binary,
  }));
  events.push({ t: performance.now(), step: "import" });
  const linter = new LocalLinter({ binary });
  await linter.setup();
  events.push({ t: performance.now(), step: "ready" });
  await linter.lint(FIRST_TEXT.grammar);
  events.push({ t: performance.now(), step: "first-result" });
  globalThis.harper = linter;
  return { events };
}

/** Harper's correction of a text: every lint's first suggestion applied, last lint first. */
async function harperCorrect(text) {
  const linter = globalThis.harper;
  const lints = await linter.lint(text);
  let fixed = text;
  const ordered = [...lints].sort((a, b) => b.span().start - a.span().start);
  let flagged = 0;
  for (const lint of ordered) {
    flagged++;
    const [suggestion] = lint.suggestions();
    if (suggestion) fixed = await linter.applySuggestion(fixed, lint, suggestion);
  }
  return { text: fixed, lints: flagged };
}

async function harperTime(texts, counts = {}) {
  return timeCalls((text) => globalThis.harper.lint(text), texts, counts);
}

async function harperResults(texts) {
  const out = [];
  for (const text of texts) out.push(await harperCorrect(text));
  return out;
}

// ---- profile: what compiling each stack's wasm costs on this machine (a floor for every cold start) ----

const WASM_FILES = [
  "pyodide/pyodide.asm.wasm",
  "ort/ort-wasm-simd-threaded.wasm",
  "peers/transformers/ort-wasm-simd-threaded.asyncify.wasm",
  "peers/harper/harper_wasm_bg.wasm",
];

/** Per wasm file: ms to fetch its bytes (local server) and to WebAssembly.compile them (median of 3). */
async function wasmCompile() {
  const out = {};
  for (const path of WASM_FILES) {
    const t0 = performance.now();
    const bytes = await (await fetch(new URL(path, SITE), { cache: "no-store" })).arrayBuffer();
    const fetchMs = performance.now() - t0;
    const compile = [];
    for (let i = 0; i < 3; i++) {
      const t1 = performance.now();
      await WebAssembly.compile(bytes);
      compile.push(performance.now() - t1);
    }
    out[path] = { fetch: fetchMs, compile: compile.sort((a, b) => a - b)[1], bytes: bytes.byteLength };
  }
  return out;
}

Object.assign(globalThis, {
  wasmCompile,
  directSnapshot,
  slmStart, slmTime, slmBreakdown, slmResults, directStart, directRun, tjsStart, tjsTime, tjsResults,
  harperStart, harperTime, harperResults,
});

// Cold starts begin at module evaluation, so nothing but the page itself comes before them.
const STARTERS = {
  slm: () =>
    slmStart({
      tasks: params.get("tasks").split(","),
      threads: Number(params.get("threads") || 2),
      site: params.get("site") ?? "",
      whenReady: params.get("ready") ?? "all",
    }),
  tjs: () => tjsStart({ task: params.get("task"), threads: Number(params.get("threads") || 2) }),
  harper: () => harperStart(),
};
if (params.has("cold")) {
  STARTERS[params.get("cold")]().then(
    (value) => { globalThis.coldStart = value; document.title = "ready"; },
    (error) => { document.title = `failed: ${error.message}`; },
  );
} else {
  document.title = "ready";
}
