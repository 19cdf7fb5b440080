// @ts-check
// slm-adapter-field.js: the editor adapter (slm.d.ts, EditorAdapter) of a <textarea> or an
// <input type=text>. A form field's text has no DOM nodes to measure, so a hidden "mirror" <div> with
// the field's exact box, font and scroll position holds a copy of it: ranges of that copy give the
// rects attach() draws the underlines and the ghost text at.

import { listen, typeOverSelection, wrapped } from "./slm-adapter-dom.js";

// Box properties the mirror copies so that its text wraps (or, in an input, scrolls) like the field's. Its
// box-sizing stays border-box: its width and height are the field's offset (border-box) sizes.
const MIRRORED = [
  "fontFamily", "fontSize", "fontWeight", "fontStyle", "fontVariant", "lineHeight",
  "letterSpacing", "wordSpacing", "textIndent", "textTransform", "tabSize", "paddingTop", "paddingRight",
  "paddingBottom", "paddingLeft", "borderTopWidth", "borderRightWidth", "borderBottomWidth",
  "borderLeftWidth", "borderTopStyle", "borderRightStyle", "borderBottomStyle", "borderLeftStyle",
];

/** Input types whose value is free text a user types (the others are numbers, dates, secrets, …). */
export const TEXT_INPUT_TYPES = new Set(["text", "search", "email", "url", "tel"]);

/**
 * @param {HTMLTextAreaElement | HTMLInputElement} field
 * @returns {import("./slm").EditorAdapter}
 */
export function fieldAdapter(field) {
  const singleLine = field instanceof HTMLInputElement;
  const { wrap, unwrap } = wrapped(field);
  const mirror = document.createElement("div");
  mirror.className = singleLine ? "slm-mirror slm-single-line" : "slm-mirror";
  mirror.setAttribute("aria-hidden", "true");
  const copy = document.createTextNode("");
  mirror.append(copy);
  wrap.append(mirror);

  /** Give the mirror the field's box and font (on attach, input, resize and scroll). */
  function syncBox() {
    const style = getComputedStyle(field);
    for (const prop of MIRRORED) mirror.style[prop] = style[prop];
    const scrollbar = field.offsetWidth - field.clientWidth
      - parseFloat(style.borderLeftWidth) - parseFloat(style.borderRightWidth);
    mirror.style.paddingRight = `${parseFloat(style.paddingRight) + scrollbar}px`;
    if (singleLine) {
      // An input centres its line vertically: a line box as tall as its content box does the same.
      const content = field.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
      mirror.style.lineHeight = `${content}px`;
    }
    mirror.style.width = `${field.offsetWidth}px`;
    mirror.style.height = `${field.offsetHeight}px`;
    mirror.style.top = `${field.offsetTop}px`;
    mirror.style.left = `${field.offsetLeft}px`;
  }

  /** Give the mirror the field's text and scroll position (cheap: before every measurement). */
  function syncText() {
    // A trailing newline needs a line box of its own to scroll like the textarea.
    const text = singleLine ? field.value : `${field.value}\n`;
    if (copy.data !== text) copy.data = text;
    mirror.scrollTop = field.scrollTop;
    mirror.scrollLeft = field.scrollLeft;
  }

  syncBox();
  return {
    element: field,
    container: wrap,
    viewport: field,
    text: () => field.value,
    selection: () => ({ start: field.selectionStart ?? 0, end: field.selectionEnd ?? 0 }),
    replace(start, end, text) {
      field.focus();
      field.setSelectionRange(start, end);
      // Only where the browser refused the command is the text set directly: a field it changed stays as it
      // made it (a maxlength may have cut the text short, and setting it again would insert it twice).
      if (!typeOverSelection(text)) {
        field.setRangeText(text, start, end, "end");
        field.dispatchEvent(new Event("input", { bubbles: true }));
      }
    },
    rects(start, end) {
      syncText();
      const range = document.createRange();
      range.setStart(copy, start);
      range.setEnd(copy, end);
      return [...range.getClientRects()];
    },
    subscribe: (listener) => listen(field, {
      ...listener,
      input() {
        syncBox();
        listener.input();
      },
      layout() {
        syncBox();
        listener.layout();
      },
    }),
    dispose() {
      mirror.remove();
      unwrap();
    },
  };
}
