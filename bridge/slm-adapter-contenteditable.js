// @ts-check
// slm-adapter-contenteditable.js: the editor adapter (slm.d.ts, EditorAdapter) of a contenteditable
// element edited as plain text. Its text is what a user sees: the text nodes in order, with a newline for
// each <br> and before each block (<div>, <p>, …) that follows text, which is what browsers insert on
// Enter; non-breaking spaces (which browsers type for a space at the end of a line) read as spaces.
// Offsets into that text map back to DOM points for the selection, replacements and rects.

import { listen, typeOverSelection, wrapped } from "./slm-adapter-dom.js";

const BLOCK = /^(ADDRESS|ARTICLE|ASIDE|BLOCKQUOTE|DD|DIV|DL|DT|FIGURE|FOOTER|H[1-6]|HEADER|LI|OL|P|PRE|SECTION|UL)$/;

/**
 * The element's text and where each text node and <br> starts in it.
 * @param {HTMLElement} root
 */
function readText(root) {
  /** @type {{node: Node, start: number, length: number}[]} */
  const pieces = [];
  let text = "";
  /** @param {Node} parent */
  const walk = (parent) => {
    for (const node of parent.childNodes) {
      if (node instanceof Text) {
        pieces.push({ node, start: text.length, length: node.data.length });
        text += node.data;
      } else if (node.nodeName === "BR") {
        pieces.push({ node, start: text.length, length: 1 });
        text += "\n";
      } else if (node instanceof Element) {
        if (BLOCK.test(node.nodeName) && text && !text.endsWith("\n")) text += "\n";
        walk(node);
      }
    }
  };
  walk(root);
  return { text: text.replaceAll("\u00a0", " "), pieces };
}

/**
 * @param {HTMLElement} root
 * @returns {import("./slm").EditorAdapter}
 */
export function contentEditableAdapter(root) {
  const { wrap, unwrap } = wrapped(root);

  /**
   * The DOM point at text offset `offset` (the end of a text node rather than the start of the next).
   * @returns {{node: Node, offset: number}}
   */
  function pointAt(offset) {
    for (const { node, start, length } of readText(root).pieces) {
      if (offset > start + length) continue;
      if (node instanceof Text) return { node, offset: Math.max(0, offset - start) };
      const parent = /** @type {Node} */ (node.parentNode);
      if (offset <= start) return { node: parent, offset: Array.prototype.indexOf.call(parent.childNodes, node) }; // before the <br>
    }
    return { node: root, offset: root.childNodes.length };
  }

  /** The text offset of DOM point (`node`, `offset`) inside the root. */
  function offsetOf(node, offset) {
    const { text, pieces } = readText(root);
    if (node instanceof Text) {
      const piece = pieces.find((p) => p.node === node);
      return piece ? piece.start + offset : text.length;
    }
    // A point between elements: the first text node or <br> at or after it.
    const point = document.createRange();
    point.setStart(node, offset);
    const next = pieces.find((p) => point.comparePoint(p.node, 0) >= 0);
    return next ? next.start : text.length;
  }

  function rangeOf(start, end) {
    const from = pointAt(start);
    const to = pointAt(end);
    const range = document.createRange();
    range.setStart(from.node, from.offset);
    range.setEnd(to.node, to.offset);
    return range;
  }

  return {
    element: root,
    container: wrap,
    viewport: root,
    text: () => readText(root).text,
    selection() {
      const selection = getSelection();
      if (!selection?.rangeCount || !root.contains(selection.anchorNode)) {
        const end = readText(root).text.length;
        return { start: end, end };
      }
      const range = selection.getRangeAt(0);
      return { start: offsetOf(range.startContainer, range.startOffset), end: offsetOf(range.endContainer, range.endOffset) };
    },
    replace(start, end, text) {
      root.focus();
      const range = rangeOf(start, end);
      const selection = getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      if (typeOverSelection(text)) return;
      range.deleteContents();
      range.insertNode(document.createTextNode(text));
      range.collapse(false);
      selection?.removeAllRanges();
      selection?.addRange(range);
      root.dispatchEvent(new Event("input", { bubbles: true }));
    },
    rects: (start, end) => [...rangeOf(start, end).getClientRects()],
    subscribe: (listener) => listen(root, listener),
    dispose: unwrap,
  };
}
