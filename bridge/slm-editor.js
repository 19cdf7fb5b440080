// @ts-check
// slm-editor.js: `slm.attach(textarea)`: ghost-text completion, grammar underlines with click-to-apply
// fixes, and a sentiment badge on a plain <textarea>, using only the public SLM methods.
//
// How it draws: a "mirror" <div> with the textarea's exact box and font lies over it (pointer-events:
// none). Its text is transparent; only the ghost completion and the wavy underlines are visible, so they
// line up with the real text. Model output is only ever inserted as text nodes, never as HTML.
//
// Every result is also announced as a DOM event on the textarea (`slm:sentiment`, `slm:completion`,
// `slm:grammar`, detail `{result, ms}`), so a page can show more (lists, latency) without re-querying.
// With personal words on (`SLM.create({personal: true})`), finished sentences are learned once each
// (`slm:learned`, detail `{learnedWords}`).

const STYLE = `
.slm-wrap { position: relative; display: block; }
.slm-mirror { position: absolute; top: 0; left: 0; pointer-events: none; overflow: hidden;
  max-width: 100%; /* its px width is re-synced after layout: never let a stale one widen the page */
  white-space: pre-wrap; overflow-wrap: break-word; color: transparent; border-color: transparent !important; }
.slm-ghost { color: var(--slm-ghost, #9aa0a6); }
/* Longhands, not the text-decoration shorthand: WebKit drops a shorthand holding var() and draws nothing. */
.slm-issue { text-decoration-line: underline; text-decoration-style: wavy;
  text-decoration-color: var(--slm-underline, #e5484d); text-decoration-skip-ink: none;
  text-underline-offset: 3px; }
.slm-badge { position: absolute; right: 10px; bottom: 10px; padding: 3px 10px; border-radius: 999px;
  font: 600 12px/1.6 system-ui, sans-serif; background: #eef0f3; color: #3b4351; pointer-events: none;
  transition: background .2s, color .2s; }
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
.slm-popover button.slm-dismiss, .slm-popover button.slm-ignore, .slm-popover button.slm-add-word {
  background: transparent; color: #6b7280; }
`;

// Box properties the mirror copies so its text wraps exactly like the textarea's.
const MIRRORED = [
  "boxSizing", "fontFamily", "fontSize", "fontWeight", "fontStyle", "fontVariant", "lineHeight",
  "letterSpacing", "wordSpacing", "textIndent", "textTransform", "tabSize", "paddingTop", "paddingRight",
  "paddingBottom", "paddingLeft", "borderTopWidth", "borderRightWidth", "borderBottomWidth",
  "borderLeftWidth", "borderTopStyle", "borderRightStyle", "borderBottomStyle", "borderLeftStyle",
];

const DELAYS_MS = { sentiment: 250, grammar: 450, autocomplete: 0, learn: 1500 };
// Where a sentence ends: what is learned is the text up to the last of these (all of it on blur).
const SENTENCE_END = /[.!?…]\s|\n/g;

let styleInstalled = false;
function installStyle() {
  if (styleInstalled) return;
  styleInstalled = true;
  const sheet = new CSSStyleSheet(); // constructed sheets work under a CSP without 'unsafe-inline'
  sheet.replaceSync(STYLE);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Run `fn` after `ms` of quiet; a new call restarts the wait. */
function debounce(fn, ms) {
  let timer = null;
  const run = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  run.cancel = () => clearTimeout(timer);
  return run;
}

/**
 * Replace `start..end` of the textarea's text by `text` as if typed: through execCommand when the browser
 * has it, so Ctrl+Z undoes an accepted completion or fix (it fires "input" itself), else setRangeText.
 */
function replaceRange(textarea, start, end, text) {
  textarea.focus();
  textarea.setSelectionRange(start, end);
  const done = text ? document.execCommand("insertText", false, text) : document.execCommand("delete");
  if (!done || textarea.value.slice(start, start + text.length) !== text) {
    textarea.setRangeText(text, start, end, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

/** The end of the last finished sentence in `text` before `until` (0 if none). */
function finishedEnd(text, until = text.length) {
  let end = 0;
  for (const match of text.slice(0, until).matchAll(SENTENCE_END)) end = match.index + match[0].length;
  return end;
}

/** A popover button; pressing it keeps the textarea's focus (and so its caret and undo history). */
function popoverButton(className, label, onClick) {
  const button = element("button", className, label);
  button.type = "button";
  button.addEventListener("mousedown", (event) => event.preventDefault());
  button.addEventListener("click", onClick);
  return button;
}

/** Zero-width edits (insertions) are underlined on the word before them so there is something to click. */
function underlinedRange(text, edit) {
  if (edit.end > edit.start) return [edit.start, edit.end];
  let start = edit.start;
  while (start > 0 && /\s/.test(text[start - 1])) start--;
  const end = start;
  while (start > 0 && !/\s/.test(text[start - 1])) start--;
  return start < end ? [start, end] : [edit.start, Math.min(text.length, edit.start + 1)];
}

/**
 * @param {import("./slm").SLM} slm
 * @param {HTMLTextAreaElement} textarea
 * @param {import("./slm").AttachOptions} [options]
 * @returns {import("./slm").Attachment}
 */
export function attachEditor(
  slm, textarea, { autocomplete = true, grammar = true, sentiment = true, k = 3, minConfidence, learn = true } = {},
) {
  installStyle();
  const wrap = element("div", "slm-wrap");
  textarea.before(wrap);
  wrap.append(textarea);
  const mirror = element("div", "slm-mirror");
  mirror.setAttribute("aria-hidden", "true");
  const badge = element("span", "slm-badge");
  badge.hidden = true;
  badge.setAttribute("role", "status");
  const popover = element("div", "slm-popover");
  popover.hidden = true;
  wrap.append(mirror, badge, popover);

  let ghost = null; // {text, at, suggestions}: the completion shown after the caret
  /** @type {{text: string | null, edits: import("./slm").Edit[]}} grammar edits valid for exactly `issues.text` */
  let issues = { text: null, edits: [] };
  let disposed = false;

  const emit = (name, detail) => textarea.dispatchEvent(new CustomEvent(`slm:${name}`, { detail }));

  function syncBox() {
    const style = getComputedStyle(textarea);
    for (const prop of MIRRORED) mirror.style[prop] = style[prop];
    const scrollbar = textarea.offsetWidth - textarea.clientWidth
      - parseFloat(style.borderLeftWidth) - parseFloat(style.borderRightWidth);
    mirror.style.paddingRight = `${parseFloat(style.paddingRight) + scrollbar}px`;
    mirror.style.width = `${textarea.offsetWidth}px`;
    mirror.style.height = `${textarea.offsetHeight}px`;
    mirror.style.top = `${textarea.offsetTop}px`;
    mirror.style.left = `${textarea.offsetLeft}px`;
    mirror.scrollTop = textarea.scrollTop;
  }

  function render() {
    const text = textarea.value;
    const nodes = [];
    let pos = 0;
    const edits = issues.text === text ? issues.edits : [];
    const ranges = edits.map((edit) => [...underlinedRange(text, edit), edit]).sort((a, b) => a[0] - b[0]);
    const ghostAt = ghost && ghost.at <= text.length ? ghost.at : -1;
    const pushText = (until) => {
      // The ghost text goes in at the caret, between plain text and underlines alike.
      if (ghostAt >= pos && ghostAt <= until) {
        nodes.push(document.createTextNode(text.slice(pos, ghostAt)), element("span", "slm-ghost", ghost.text));
        nodes.push(document.createTextNode(text.slice(ghostAt, until)));
      } else {
        nodes.push(document.createTextNode(text.slice(pos, until)));
      }
      pos = until;
    };
    for (const [start, end, edit] of ranges) {
      if (start < pos) continue; // overlapping edits: underline the first only
      pushText(start);
      const span = element("span", "slm-issue", text.slice(start, end));
      span.dataset.start = String(start);
      span.edit = edit;
      nodes.push(span);
      pos = end;
    }
    pushText(text.length);
    nodes.push(document.createTextNode("\n")); // a trailing newline needs a line box to scroll like the textarea
    mirror.replaceChildren(...nodes);
    syncBox();
  }

  // ---- autocomplete: ghost text at the caret when it is at the end of a line
  function caretAtLineEnd() {
    const { selectionStart: s, selectionEnd: e, value } = textarea;
    return s === e && (s === value.length || value[s] === "\n");
  }

  async function requestCompletion() {
    const text = textarea.value;
    const at = textarea.selectionStart;
    if (!text.slice(0, at).trim()) return;
    const t0 = performance.now();
    try {
      const suggestions = await slm.complete(text.slice(0, at), { k });
      const ms = performance.now() - t0;
      if (disposed || textarea.value !== text || textarea.selectionStart !== at) return; // typed on: stale
      const best = suggestions.find((s) => s.insert);
      ghost = best ? { text: best.insert, at, suggestions } : null;
      render();
      emit("completion", { result: suggestions, ms });
    } catch (error) {
      if (error.name !== "Cancelled") emit("error", { error, feature: "autocomplete" });
    }
  }

  function acceptGhost() {
    const { text, at } = ghost;
    ghost = null;
    replaceRange(textarea, at, at, text);
  }

  // ---- grammar: underlines, popover with the fix
  const requestGrammar = debounce(async () => {
    const text = textarea.value;
    const t0 = performance.now();
    try {
      const result = await slm.correct(text, { minConfidence });
      if (disposed || textarea.value !== text) return;
      issues = { text, edits: result.edits };
      render();
      emit("grammar", { result, ms: performance.now() - t0 });
    } catch (error) {
      emit("error", { error, feature: "grammar" });
    }
  }, DELAYS_MS.grammar);

  function applyEdit(edit) {
    hidePopover();
    const delta = edit.replacement.length - (edit.end - edit.start);
    const text = textarea.value;
    // Keep the other underlines in place until the next check arrives.
    const edits = issues.edits
      .filter((e) => e !== edit)
      .map((e) => (e.start >= edit.end ? { ...e, start: e.start + delta, end: e.end + delta } : e));
    issues = { text: text.slice(0, edit.start) + edit.replacement + text.slice(edit.end), edits };
    replaceRange(textarea, edit.start, edit.end, edit.replacement);
  }

  function hidePopover() {
    popover.hidden = true;
    popover.replaceChildren();
  }

  /** Stop underlining `edit` now, and have the model remember the user's say (`tell`) for later checks. */
  function overrule(edit, tell) {
    hidePopover();
    const text = issues.text;
    issues = { text, edits: issues.edits.filter((e) => e !== edit) };
    render();
    tell(text).then(
      () => grammar && requestGrammar(), // other underlines the say covers (the same word elsewhere) go too
      (error) => emit("error", { error, feature: "grammar" }),
    );
  }

  function showPopover(span) {
    const edit = span.edit;
    const label = edit.replacement ? edit.replacement : `delete “${edit.original}”`;
    const buttons = [
      popoverButton("slm-apply", label, () => applyEdit(edit)),
      popoverButton("slm-ignore", "Ignore", () => overrule(edit, (text) => slm.ignore(edit, text))),
    ];
    if (edit.type === "spelling" && edit.original.trim()) {
      buttons.push(popoverButton("slm-add-word", "Add to dictionary",
        () => overrule(edit, () => slm.dictionary.add([edit.original.trim()]))));
    }
    const dismiss = popoverButton("slm-dismiss", "✕", hidePopover);
    dismiss.setAttribute("aria-label", "dismiss");
    popover.replaceChildren(element("span", "slm-type", edit.type), ...buttons, dismiss);
    // Why, under the suggestion; model output goes in as text (textContent), never as HTML.
    if (edit.explanation) popover.append(element("div", "slm-explanation", edit.explanation));
    const box = span.getBoundingClientRect();
    const origin = wrap.getBoundingClientRect();
    popover.style.left = `${Math.max(0, box.left - origin.left)}px`;
    popover.style.top = `${box.bottom - origin.top + 4}px`;
    popover.hidden = false;
  }

  function popoverAtCaret() {
    const caret = textarea.selectionStart;
    if (issues.text !== textarea.value || textarea.selectionEnd !== caret) return hidePopover();
    const span = [...mirror.querySelectorAll(".slm-issue")].find((s) => {
      const start = Number(s.dataset.start);
      return caret >= start && caret <= start + s.textContent.length;
    });
    if (span) showPopover(span);
    else hidePopover();
  }

  // ---- sentiment badge
  const requestSentiment = debounce(async () => {
    const text = textarea.value;
    if (!text.trim()) {
      badge.hidden = true;
      return;
    }
    const t0 = performance.now();
    try {
      const result = await slm.classify(text);
      if (disposed || textarea.value !== text) return;
      badge.dataset.label = result.label;
      badge.textContent = `${result.label} · ${Math.round(result.score * 100)}%`;
      badge.hidden = false;
      emit("sentiment", { result, ms: performance.now() - t0 });
    } catch (error) {
      emit("error", { error, feature: "sentiment" });
    }
  }, DELAYS_MS.sentiment);

  // ---- personal words: each finished sentence is learned once; an edit inside learned text makes its
  // sentence count again (a small overcount, never a loss).
  const learning = learn && autocomplete && slm.personal;
  let learnedText = textarea.value; // only what is written from now on: text already there may not be the user's
  function learnWritten(everything = false) {
    const text = textarea.value;
    let from = 0;
    while (from < learnedText.length && text[from] === learnedText[from]) from++;
    if (from < learnedText.length) from = finishedEnd(text, from);
    const end = Math.max(from, everything ? text.length : finishedEnd(text));
    learnedText = text.slice(0, end);
    if (!text.slice(from, end).trim()) return;
    slm.learn(text.slice(from, end)).then(
      (learnedWords) => emit("learned", { learnedWords }),
      (error) => emit("error", { error, feature: "autocomplete" }),
    );
  }
  const learnSoon = debounce(() => learnWritten(), DELAYS_MS.learn);

  // ---- wiring
  function onInput() {
    ghost = null;
    hidePopover();
    render();
    if (autocomplete && caretAtLineEnd()) requestCompletion();
    if (grammar) requestGrammar();
    if (sentiment) requestSentiment();
    if (learning) learnSoon();
  }

  function onKeyDown(event) {
    if (ghost && event.key === "Tab" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      acceptGhost();
    } else if (event.key === "Escape" && (ghost || !popover.hidden)) {
      event.preventDefault();
      ghost = null;
      hidePopover();
      render();
    }
  }

  function onCaretMove() {
    if (ghost && textarea.selectionStart !== ghost.at) {
      ghost = null;
      render();
    }
    if (grammar) popoverAtCaret();
  }

  const onScroll = () => {
    mirror.scrollTop = textarea.scrollTop;
  };
  const resizeObserver = new ResizeObserver(() => render());
  /** @type {[keyof HTMLElementEventMap, (event: any) => void][]} */
  const listeners = [
    ["input", onInput], ["keydown", onKeyDown], ["click", onCaretMove], ["keyup", onCaretMove],
    ["scroll", onScroll], ["blur", () => setTimeout(() => !wrap.contains(document.activeElement) && hidePopover(), 150)],
  ];
  const learnAll = () => {
    learnSoon.cancel();
    learnWritten(true);
  };
  if (learning) listeners.push(["blur", learnAll]);
  for (const [name, fn] of listeners) textarea.addEventListener(name, fn);
  resizeObserver.observe(textarea);
  onInput();

  return {
    /** Remove everything attach() added; the textarea stays where it was, with its text. */
    detach() {
      disposed = true;
      requestGrammar.cancel();
      requestSentiment.cancel();
      learnSoon.cancel();
      resizeObserver.disconnect();
      for (const [name, fn] of listeners) textarea.removeEventListener(name, fn);
      wrap.before(textarea);
      wrap.remove();
    },
    /** Ask for all enabled features now (e.g. after setting `textarea.value` from code). */
    refresh: onInput,
  };
}
