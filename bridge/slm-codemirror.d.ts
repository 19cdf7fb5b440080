// Type declarations for slm-codemirror.js, the CodeMirror 6 extension (@codemirror/view is an optional
// peer dependency: only pages that use this module need it).
//
//   import * as cmView from "@codemirror/view";
//   new cmView.EditorView({ parent, extensions: [history(), keymap.of(historyKeymap), slmCodeMirror(slm, cmView)] });

import type { Extension } from "@codemirror/state";
import type { ViewPlugin } from "@codemirror/view";
import type { AttachOptions, SLM } from "./slm";

/**
 * The extension that attaches `slm` to a CodeMirror 6 editor: ghost text (Tab, Esc), grammar underlines
 * with the fix popover, the sentiment badge, and the `slm:*` events on `view.contentDOM`. Pass the page's
 * own `@codemirror/view` module (this module imports nothing from CodeMirror). An accepted completion or
 * applied fix is one transaction (user event "input.complete"): with `history()`, one Ctrl+Z undoes it.
 */
export declare function slmCodeMirror(
  slm: SLM,
  codemirrorView: { ViewPlugin: typeof ViewPlugin },
  options?: AttachOptions,
): Extension;
