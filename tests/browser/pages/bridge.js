// Test page for the public bridge API: `window.slm` once SLM.create resolves (title "ready"), or the
// error in the title ("failed: …"). Query: ?tasks=sentiment,grammar&threads=1&ready=first&personal=1
// `allReady` settles with slm.ready: {ms} or {error: {name, message}}.
import { SLM } from "../bridge/slm.js";

const params = new URLSearchParams(location.search);
const t0 = performance.now();
globalThis.progress = [];
try {
  globalThis.slm = await SLM.create({
    tasks: params.get("tasks")?.split(",") ?? undefined,
    threads: params.has("threads") ? Number(params.get("threads")) : undefined,
    // `created`: whether SLM.create had resolved when this progress arrived.
    onProgress: (p) => globalThis.progress.push({ ...p, ms: Math.round(performance.now() - t0), created: "slm" in globalThis }),
    whenReady: params.get("ready") ?? undefined,
    personal: params.has("personal"),
  });
  globalThis.readyMs = performance.now() - t0;
  globalThis.allReady = slm.ready.then(
    () => ({ ms: performance.now() - t0 }),
    (e) => ({ error: { name: e.name, message: e.message } }),
  );
  document.title = "ready";
} catch (error) {
  document.title = `failed: ${error.name}: ${error.message}`;
}
