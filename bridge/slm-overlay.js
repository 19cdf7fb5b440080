// @ts-check
// slm-overlay.js: what attach() draws over an editor, from its adapter's rects alone (slm.d.ts,
// EditorAdapter): wavy underlines, the ghost completion, the sentiment badge and the fix popover.
//
// A layer with the editor's visible box (pointer-events: none; what it draws is clipped to it) lies over it. Each underline is
// a transparent copy of the underlined text, one per line it wraps onto, placed at that text's rects in
// the editor's own font, so that a text-decoration draws under exactly those glyphs; the ghost sits at
// the caret the same way. Everything is redrawn from fresh rects on each input, scroll and resize.
// Model output is only ever inserted as text nodes, never as HTML.

const STYLE = `
.slm-wrap { position: relative; display: block; }
.slm-mirror { position: absolute; top: 0; left: 0; box-sizing: border-box; visibility: hidden; pointer-events: none;
  overflow: hidden; max-width: 100%; white-space: pre-wrap; overflow-wrap: break-word; }
.slm-mirror.slm-single-line { white-space: pre; overflow-wrap: normal; }
.slm-layer { position: absolute; pointer-events: none;
  max-width: 100%; /* its px width is re-synced after layout: never let a stale one widen the page */ }
.slm-ink { position: absolute; inset: 0; overflow: hidden; }
.slm-issue, .slm-ghost { position: absolute; white-space: pre; overflow: visible; }
.slm-issue { color: transparent; }
.slm-ghost { color: var(--slm-ghost, #9aa0a6); }
/* Longhands, not the text-decoration shorthand: WebKit drops a shorthand holding var() and draws nothing. */
.slm-issue { text-decoration-line: underline; text-decoration-style: wavy;
  text-decoration-color: var(--slm-underline, #e5484d); text-decoration-skip-ink: none;
  text-underline-offset: 3px; }
.slm-badge { position: absolute; right: 10px; bottom: 10px; padding: 3px 10px; border-radius: 999px;
  font: 600 12px/1.6 system-ui, sans-serif; background: #eef0f3; color: #3b4351; pointer-events: none;
  transition: background .2s, color .2s; }
/* A one-line input has no room inside for the badge: it goes under the input's right end. */
.slm-layer.slm-single-line .slm-badge { bottom: auto; top: calc(100% + 4px); right: 0; }
.slm-badge[data-label="positive"] { background: #dcf5e7; color: #126b3a; }
.slm-badge[data-label="negative"] { background: #fde2e2; color: #a1161b; }
.slm-badge[hidden], .slm-popover[hidden] { display: none; }
.slm-popover { position: absolute; z-index: 10; display: flex; flex-wrap: wrap; gap: 6px; align-items: center;
  padding: 6px; max-width: 22em; border-radius: 8px; background: #fff; box-shadow: 0 4px 18px rgba(0,0,0,.16);
  font: 13px/1.4 system-ui, sans-serif; }
.slm-popover .slm-type { color: #6b7280; padding: 0 4px; }
.slm-popover .slm-explanation { flex-basis: 100%; color: #3b4351; padding: 0 4px 2px; }
.slm-popover button { font: inherit; border: 0; border-radius: 6px; padding: 4px 10px; cursor: pointer;
  background: #2563eb; color: #fff; }
.slm-popover button.slm-dismiss { background: transparent; color: #6b7280; }
`;

// The editor's font, copied onto the layer so that the underlined copies and the ghost measure like its text.
const FONT = ["fontFamily", "fontSize", "fontWeight", "fontStyle", "fontVariant", "fontStretch", "letterSpacing",
  "wordSpacing", "textTransform", "tabSize"];

/** @type {CSSStyleSheet | null} */
let sheet = null;
/**
 * Adopt the style sheet in `root` (the document, or the shadow root an editor lives in: a document's
 * sheets do not reach into it).
 * @param {Document | ShadowRoot} root
 */
function installStyle(root) {
  if (!sheet) {
    sheet = new CSSStyleSheet(); // constructed sheets work under a CSP without 'unsafe-inline'
    sheet.replaceSync(STYLE);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {string} [text] set as text, never as HTML
 * @returns {HTMLElementTagNameMap[K]}
 */
export function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * The runs of `text[start..end]` that lie on one line each, with the box each covers (viewport coordinates).
 * @param {import("./slm").EditorAdapter} adapter
 * @param {string} text
 */
function lineRuns(adapter, text, start, end) {
  /** @type {{start: number, end: number, left: number, top: number, right: number, bottom: number}[]} */
  const runs = [];
  for (let i = start; i < end;) {
    const next = i + ((text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1); // never split a surrogate pair
    const rect = adapter.rects(i, next)[0];
    const run = runs.at(-1);
    if (!rect || (!rect.width && text[i] === "\n")) {
      // a line break draws nothing
    } else if (run && run.end === i && Math.abs(rect.top - run.top) < rect.height / 2) {
      run.end = next;
      run.right = Math.max(run.right, rect.right);
    } else {
      runs.push({ start: i, end: next, left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom });
    }
    i = next;
  }
  return runs;
}

/** @param {import("./slm").EditorAdapter} adapter */
export function createOverlay(adapter) {
  const { container } = adapter;
  const root = container.getRootNode();
  installStyle(root instanceof ShadowRoot ? root : document);
  // The drawings are placed against the container: it must be positioned (a CodeMirror editor whose
  // theme a CSP kept out is not).
  const unpositioned = getComputedStyle(container).position === "static";
  if (unpositioned) container.style.position = "relative";
  const layer = element("div", "slm-layer");
  layer.setAttribute("aria-hidden", "true");
  const ink = element("div", "slm-ink"); // underlines and ghost, clipped; replaced on each draw, unlike the badge
  const badge = element("span", "slm-badge");
  badge.hidden = true;
  badge.setAttribute("role", "status");
  layer.append(ink, badge);
  const popover = element("div", "slm-popover");
  popover.hidden = true;
  container.append(layer, popover);

  /** Where the container's absolutely positioned children have their origin (viewport coordinates). */
  function origin() {
    const box = container.getBoundingClientRect();
    return { x: box.left + container.clientLeft, y: box.top + container.clientTop };
  }

  /** Give the layer the viewport element's visible box (inside borders and scrollbars) and font. */
  function placeLayer() {
    const { viewport, element: editor } = adapter;
    const box = viewport.getBoundingClientRect();
    const left = box.left + viewport.clientLeft;
    const top = box.top + viewport.clientTop;
    const at = origin();
    Object.assign(layer.style, {
      left: `${left - at.x}px`, top: `${top - at.y}px`,
      width: `${viewport.clientWidth}px`, height: `${viewport.clientHeight}px`,
    });
    const style = getComputedStyle(editor);
    for (const prop of FONT) layer.style[prop] = style[prop];
    layer.classList.toggle("slm-single-line", editor instanceof HTMLInputElement);
    return { x: left, y: top };
  }

  /**
   * @param {string} className @param {string} text
   * @param {{left: number, top: number, bottom: number}} box @param {{x: number, y: number}} at
   */
  function placed(className, text, box, at) {
    const span = element("span", className, text);
    const height = box.bottom - box.top;
    Object.assign(span.style, {
      left: `${box.left - at.x}px`, top: `${box.top - at.y}px`, height: `${height}px`, lineHeight: `${height}px`,
    });
    return span;
  }

  return {
    badge,
    popover,

    /**
     * Draw the underlines of `issues` and the ghost text; returns each issue with the spans drawn for it.
     * @template T
     * @param {string} text
     * @param {{start: number, end: number, edit: T}[]} issues
     * @param {{text: string, at: number} | null} ghost
     */
    draw(text, issues, ghost) {
      const at = placeLayer();
      /** @type {Node[]} */
      const nodes = [];
      const drawn = issues.map((issue) => {
        const spans = lineRuns(adapter, text, issue.start, issue.end).map(
          (run) => placed("slm-issue", text.slice(run.start, run.end), run, at));
        nodes.push(...spans);
        return { ...issue, spans };
      });
      // The ghost continues the line from the right edge of the character before the caret.
      const before = ghost && ghost.at > 0 && text[ghost.at - 1] !== "\n" ? adapter.rects(ghost.at - 1, ghost.at).at(-1) : null;
      if (ghost && before) {
        nodes.push(placed("slm-ghost", ghost.text, { left: before.right, top: before.top, bottom: before.bottom }, at));
      }
      ink.replaceChildren(...nodes);
      return drawn;
    },

    /** Show the popover under `span` (one of draw()'s). */
    showPopoverAt(span) {
      const box = span.getBoundingClientRect();
      const at = origin();
      popover.style.left = `${Math.max(0, box.left - at.x)}px`;
      popover.style.top = `${box.bottom - at.y + 4}px`;
      popover.hidden = false;
    },

    remove() {
      layer.remove();
      popover.remove();
      if (unpositioned) container.style.position = "";
    },
  };
}
