// A small app as a web developer writes it with the npm package: import it by name, let the bundler
// (esbuild in the test) take it in, and point SLM.create at the folder `slm-web assets` filled.
// `window.slm` once created (title "ready"), or the error in the title. `?base=URL` passes another
// spelling of the folder's URL (relative, without the trailing slash).
import { SLM } from "slm-web";

try {
  globalThis.slm = await SLM.create({ baseURL: new URLSearchParams(location.search).get("base") ?? "/slm/" });
  document.title = "ready";
} catch (error) {
  document.title = `failed: ${error.name}: ${error.message}`;
}
