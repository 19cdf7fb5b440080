// @ts-check
// slm-adapter-dom.js: what the two DOM adapters (slm-adapter-field.js for <textarea> and <input>,
// slm-adapter-contenteditable.js) share: the wrapper that holds attach()'s drawings, typing a
// replacement the way a user would (so it lands in the undo history), and the events they listen to.

/**
 * Wrap `element` in a positioned `div.slm-wrap` (where attach() draws); `unwrap()` puts it back.
 * @param {HTMLElement} element
 */
export function wrapped(element) {
  const wrap = document.createElement("div");
  wrap.className = "slm-wrap";
  element.before(wrap);
  wrap.append(element);
  return {
    wrap,
    unwrap() {
      wrap.before(element);
      wrap.remove();
    },
  };
}

/**
 * Replace the selection by `text` as if typed: execCommand makes it one undo step (Ctrl+Z) and fires
 * "input" itself. False when the browser refused, so that the caller can fall back.
 * @param {string} text
 */
export function typeOverSelection(text) {
  return text ? document.execCommand("insertText", false, text) : document.execCommand("delete");
}

/**
 * Feed the events of an editable DOM element to an attach() listener; returns the unsubscribe function.
 * The caret is read after clicks and key releases (a click inside an underline opens its popover).
 * @param {HTMLElement} element
 * @param {import("./slm").EditorListener} listener
 */
export function listen(element, listener) {
  /** @type {[string, (event: any) => void][]} */
  const listeners = [
    ["input", () => listener.input()],
    ["keydown", (event) => listener.keydown(event) && event.preventDefault()],
    ["click", () => listener.caret()],
    ["keyup", () => listener.caret()],
    ["scroll", () => listener.layout()],
    ["blur", () => listener.blur()],
  ];
  for (const [name, fn] of listeners) element.addEventListener(name, fn);
  const resizeObserver = new ResizeObserver(() => listener.layout());
  resizeObserver.observe(element);
  return () => {
    resizeObserver.disconnect();
    for (const [name, fn] of listeners) element.removeEventListener(name, fn);
  };
}
