// tjs-worker.js: transformers.js 4.3.1 in a module worker, set up the way its docs do it offline: local
// models only (the student weights exported by bench/tjs_export.py under models/tjs/<task>/), local wasm
// files, its default browser caches on (so a revisit reads the model from the Cache API, as in production).
// Protocol: {id, type: "init", site, task, threads, model (folder under models/tjs/)} then {id, type: "call", text, options}.

const PIPELINES = { sentiment: "text-classification", grammar: "token-classification", autocomplete: "text-generation" };
let pipe = null;
let task = null;

const event = (step) => self.postMessage({ type: "event", step });

async function init({ site, task: name, threads, model }) {
  const tjs = await import(new URL("peers/transformers/transformers.js", site).href);
  event("import");
  const { env } = tjs;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  // A path, not a URL: with a full URL its file lookup treats the model as remote (and remote is off).
  env.localModelPath = new URL("models/tjs/", site).pathname;
  // Its wasm cache loads the ORT factory from a blob: URL, which the site's CSP (script-src 'self') forbids;
  // the wasm then comes through the HTTP cache instead. Model files still go through its Cache API cache.
  env.useWasmCache = false;
  const wasm = new URL("peers/transformers/", site).href;
  env.backends.onnx.wasm.wasmPaths = {
    mjs: `${wasm}ort-wasm-simd-threaded.asyncify.mjs`,
    wasm: `${wasm}ort-wasm-simd-threaded.asyncify.wasm`,
  };
  env.backends.onnx.wasm.numThreads = self.crossOriginIsolated ? threads : 1;
  task = name;
  pipe = await tjs.pipeline(PIPELINES[name], model ?? name, { dtype: "q8", device: "wasm" });
  return { threads: env.backends.onnx.wasm.numThreads, crossOriginIsolated: self.crossOriginIsolated };
}

async function call({ text, options }) {
  if (task === "autocomplete") {
    const out = await pipe(text, { max_new_tokens: options.max_new_tokens ?? 3, do_sample: false, return_full_text: false });
    return out[0].generated_text;
  }
  if (task === "grammar") return (await pipe(text, { ignore_labels: ["$KEEP"] })).map((t) => [t.word, t.entity]);
  return pipe(text);
}

const handlers = { init, call };
self.onmessage = async ({ data }) => {
  try {
    self.postMessage({ id: data.id, value: await handlers[data.type](data) });
  } catch (error) {
    self.postMessage({ id: data.id, error: `${error?.name}: ${error?.message ?? error}` });
  }
};
