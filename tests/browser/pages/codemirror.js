// Test page of the CodeMirror 6 extension (bridge/slm-codemirror.js): an editor with the history and the
// extension in #editor's shadow root, `window.view` and `window.slm` once ready (title "ready"). test_codemirror.py bundles this
// file with esbuild into codemirror.bundle.js (CodeMirror from node_modules; the bridge stays external and
// loads from the site, as a page on the built site imports it).
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import * as cmView from "@codemirror/view";
import { SLM } from "/bridge/slm.js";
import { slmCodeMirror } from "/bridge/slm-codemirror.js";

try {
  globalThis.slm = await SLM.create();
  // In a shadow root CodeMirror styles itself with constructed sheets, which the site's CSP allows (in the
  // document it would add a <style> element, which needs 'unsafe-inline' or EditorView.cspNonce).
  const root = document.getElementById("editor").attachShadow({ mode: "open" });
  globalThis.view = new cmView.EditorView({
    parent: root,
    root,
    extensions: [
      cmView.EditorView.theme({ "&": { width: "420px", height: "120px", border: "1px solid #888", fontSize: "16px" } }),
      history(),
      cmView.keymap.of([...defaultKeymap, ...historyKeymap]),
      cmView.EditorView.lineWrapping,
      slmCodeMirror(slm, cmView),
    ],
  });
  document.title = "ready";
} catch (error) {
  document.title = `failed: ${error.name}: ${error.message}`;
}
