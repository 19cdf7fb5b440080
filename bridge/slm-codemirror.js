// @ts-check
// slm-codemirror.js: slm-web in a CodeMirror 6 editor, as an extension. It is the worked example of the
// EditorAdapter interface (slm.d.ts): a ViewPlugin that builds an adapter from the view and hands it to
// `slm.attach()`, which then draws ghost text, underlines, popover and badge as for any other editor.
//
//   import * as cmView from "@codemirror/view";
//   import { slmCodeMirror } from "slm-web/codemirror";   // a built site: "/bridge/slm-codemirror.js"
//   new cmView.EditorView({ parent, extensions: [history(), keymap.of(historyKeymap), slmCodeMirror(slm, cmView)] });
//
// The page passes its own `@codemirror/view` module: this file imports nothing from CodeMirror, so it
// loads without a bundler, and a page never ends up with a second copy of CodeMirror whose ViewPlugin its
// editor would not recognise. Pages that do not use CodeMirror never load this file.

/**
 * The CodeMirror 6 extension that attaches `slm` to the editor (options as for `slm.attach()`).
 * Replacements (an accepted completion, an applied fix) are transactions of their own with user event
 * "input.complete", so the history extension undoes each with one Ctrl+Z.
 * @param {import("./slm").SLM} slm
 * @param {{ViewPlugin: typeof import("@codemirror/view").ViewPlugin}} codemirrorView the `@codemirror/view` module
 * @param {import("./slm").AttachOptions} [options]
 */
export function slmCodeMirror(slm, { ViewPlugin }, options = {}) {
  return ViewPlugin.define((view) => new AttachedView(slm, view, options), {
    eventHandlers: {
      keydown(event) {
        const used = this.listener?.keydown(event) ?? false;
        if (used) event.preventDefault(); // Tab would move the focus out of the editor
        return used;
      },
    },
  });
}

class AttachedView {
  /**
   * @param {import("./slm").SLM} slm
   * @param {import("@codemirror/view").EditorView} view
   * @param {import("./slm").AttachOptions} options
   */
  constructor(slm, view, options) {
    /** @type {import("./slm").EditorListener | null} */
    this.listener = null;
    /** @type {import("./slm").Attachment | null} */
    this.attachment = null;
    this.destroyed = false;
    // CodeMirror forbids reading the layout while it updates (and plugins are made during one): attach
    // and report changes once it is done.
    queueMicrotask(() => {
      if (!this.destroyed) this.attachment = slm.attach(this.#adapter(view), options);
    });
  }

  /**
   * @param {import("@codemirror/view").EditorView} view
   * @returns {import("./slm").EditorAdapter}
   */
  #adapter(view) {
    return {
      element: view.contentDOM,
      container: view.dom,
      viewport: view.scrollDOM,
      text: () => view.state.doc.toString(),
      selection() {
        const { from, to } = view.state.selection.main;
        return { start: from, end: to };
      },
      replace(start, end, text) {
        view.focus();
        view.dispatch({
          changes: { from: start, to: end, insert: text },
          selection: { anchor: start + text.length },
          userEvent: "input.complete", // not "input.type": the history would merge it with the typing before it
        });
      },
      rects(start, end) {
        // Outside the rendered lines domAtPos points at a placeholder, not at the text: nothing is drawn there
        // until CodeMirror renders it, a viewport change that update() reports as layout().
        if (!view.visibleRanges.some((range) => range.from <= start && end <= range.to)) return [];
        const from = view.domAtPos(start);
        const to = view.domAtPos(end);
        const range = document.createRange();
        range.setStart(from.node, from.offset);
        range.setEnd(to.node, to.offset);
        return [...range.getClientRects()];
      },
      subscribe: (listener) => {
        this.listener = listener;
        // Scrolling within the rendered lines is no CodeMirror update: follow it from the scroller.
        const onScroll = () => listener.layout();
        view.scrollDOM.addEventListener("scroll", onScroll);
        return () => {
          this.listener = null;
          view.scrollDOM.removeEventListener("scroll", onScroll);
        };
      },
    };
  }

  /** @param {import("@codemirror/view").ViewUpdate} update */
  update(update) {
    const listener = this.listener;
    if (!listener) return;
    queueMicrotask(() => {
      if (this.listener !== listener) return;
      if (update.docChanged) listener.input();
      else if (update.selectionSet) listener.caret();
      else if (update.geometryChanged || update.viewportChanged) listener.layout();
      if (update.focusChanged && !update.view.hasFocus) listener.blur();
    });
  }

  destroy() {
    this.destroyed = true;
    this.attachment?.detach();
  }
}
