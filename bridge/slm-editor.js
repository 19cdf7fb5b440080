// @ts-check
// slm-editor.js: `slm.attach(target)`: ghost-text completion, grammar underlines with click-to-apply
// fixes, and a sentiment badge on any editor, using only the public SLM methods. The editor is reached
// through an adapter (slm.d.ts, EditorAdapter): <textarea> and <input> (slm-adapter-field.js) and
// contenteditable elements (slm-adapter-contenteditable.js) get one here; any other editor can pass its
// own, as slm-codemirror.js does for CodeMirror 6. Drawing is slm-overlay.js's.
//
// Every result is also announced as a DOM event on the adapter's element (`slm:sentiment`,
// `slm:completion`, `slm:grammar`, detail `{result, ms}`), so a page can show more (lists, latency)
// without re-querying. With personal words on (`SLM.create({personal: true})`), finished sentences are
// learned once each (`slm:learned`, detail `{learnedWords}`).

import { contentEditableAdapter } from "./slm-adapter-contenteditable.js";
import { TEXT_INPUT_TYPES, fieldAdapter } from "./slm-adapter-field.js";
import { createOverlay, element } from "./slm-overlay.js";

const DELAYS_MS = { sentiment: 250, grammar: 450, autocomplete: 0, learn: 1500 };
// Where a sentence ends: what is learned is the text up to the last of these (all of it on blur).
const SENTENCE_END = /[.!?…]\s|\n/g;

/**
 * The adapter of `target`: itself if it is one, else the one its element kind needs.
 * @param {HTMLElement | import("./slm").EditorAdapter} target
 * @returns {import("./slm").EditorAdapter}
 */
function adapterFor(target) {
  if (target instanceof HTMLTextAreaElement) return fieldAdapter(target);
  if (target instanceof HTMLInputElement && TEXT_INPUT_TYPES.has(target.type)) return fieldAdapter(target);
  if (target instanceof HTMLElement && target.isContentEditable) return contentEditableAdapter(target);
  if (!(target instanceof HTMLElement) && typeof target?.text === "function") return target;
  const what = target instanceof HTMLInputElement ? `<input type=${target.type}>`
    : target instanceof Node ? target.nodeName : typeof target;
  throw new TypeError(`attach() needs a <textarea>, a text <input>, a contenteditable element or an EditorAdapter, not ${what}`);
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

/** The end of the last finished sentence in `text` before `until` (0 if none). */
function finishedEnd(text, until = text.length) {
  let end = 0;
  for (const match of text.slice(0, until).matchAll(SENTENCE_END)) end = match.index + match[0].length;
  return end;
}

/** A popover button; pressing it keeps the editor's focus (and so its caret and undo history). */
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
 * @param {HTMLElement | import("./slm").EditorAdapter} target
 * @param {import("./slm").AttachOptions} [options]
 * @returns {import("./slm").Attachment}
 */
export function attachEditor(
  slm, target, { autocomplete = true, grammar = true, sentiment = true, k = 3, minConfidence, learn = true } = {},
) {
  const adapter = adapterFor(target);
  const overlay = createOverlay(adapter);
  const { badge, popover } = overlay;

  let ghost = null; // {text, at, suggestions}: the completion shown after the caret
  /** @type {{text: string | null, edits: import("./slm").Edit[]}} grammar edits valid for exactly `issues.text` */
  let issues = { text: null, edits: [] };
  let disposed = false;

  const emit = (name, detail) => adapter.element.dispatchEvent(new CustomEvent(`slm:${name}`, { detail }));
  /** @type {{start: number, end: number, edit: import("./slm").Edit, spans: HTMLElement[]}[]} */
  let drawn = []; // the underlines on screen

  function render() {
    const text = adapter.text();
    const edits = issues.text === text ? issues.edits : [];
    const ranges = edits.map((edit) => {
      const [start, end] = underlinedRange(text, edit);
      return { start, end, edit };
    }).sort((a, b) => a.start - b.start);
    // Overlapping edits: underline the first only.
    const shown = [];
    for (const range of ranges) if (range.start >= (shown.at(-1)?.end ?? 0)) shown.push(range);
    drawn = overlay.draw(text, shown, ghost && ghost.at <= text.length ? ghost : null);
  }

  // ---- autocomplete: ghost text at the caret when it is at the end of a line
  function caretAtLineEnd() {
    const { start, end } = adapter.selection();
    const text = adapter.text();
    return start === end && (start === text.length || text[start] === "\n");
  }

  async function requestCompletion() {
    const text = adapter.text();
    const at = adapter.selection().start;
    if (!text.slice(0, at).trim()) return;
    const t0 = performance.now();
    try {
      const suggestions = await slm.complete(text.slice(0, at), { k });
      const ms = performance.now() - t0;
      if (disposed || adapter.text() !== text || adapter.selection().start !== at) return; // typed on: stale
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
    adapter.replace(at, at, text);
  }

  // ---- grammar: underlines, popover with the fix
  const requestGrammar = debounce(async () => {
    const text = adapter.text();
    const t0 = performance.now();
    try {
      const result = await slm.correct(text, { minConfidence });
      if (disposed || adapter.text() !== text) return;
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
    const text = adapter.text();
    // Keep the other underlines in place until the next check arrives.
    const edits = issues.edits
      .filter((e) => e !== edit)
      .map((e) => (e.start >= edit.end ? { ...e, start: e.start + delta, end: e.end + delta } : e));
    issues = { text: text.slice(0, edit.start) + edit.replacement + text.slice(edit.end), edits };
    adapter.replace(edit.start, edit.end, edit.replacement);
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

  /** @param {{edit: import("./slm").Edit, spans: HTMLElement[]}} issue */
  function showPopover({ edit, spans }) {
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
    overlay.showPopoverAt(spans[0]);
  }

  function popoverAtCaret() {
    const { start: caret, end } = adapter.selection();
    if (issues.text !== adapter.text() || end !== caret) return hidePopover();
    const issue = drawn.find((d) => d.spans.length && caret >= d.start && caret <= d.end);
    if (issue) showPopover(issue);
    else hidePopover();
  }

  // ---- sentiment badge
  const requestSentiment = debounce(async () => {
    const text = adapter.text();
    if (!text.trim()) {
      badge.hidden = true;
      return;
    }
    const t0 = performance.now();
    try {
      const result = await slm.classify(text);
      if (disposed || adapter.text() !== text) return;
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
  let learnedText = adapter.text(); // only what is written from now on: text already there may not be the user's
  function learnWritten(everything = false) {
    const text = adapter.text();
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

  /** Tab accepts the ghost text, Escape dismisses it and the popover; true if the key was used. */
  function onKeyDown(event) {
    if (ghost && event.key === "Tab" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey) {
      acceptGhost();
      return true;
    }
    if (event.key === "Escape" && (ghost || !popover.hidden)) {
      ghost = null;
      hidePopover();
      render();
      return true;
    }
    return false;
  }

  function onCaretMove() {
    if (ghost && adapter.selection().start !== ghost.at) {
      ghost = null;
      render();
    }
    if (grammar) popoverAtCaret();
  }

  function onBlur() {
    setTimeout(() => !adapter.container.contains(document.activeElement) && hidePopover(), 150);
    if (learning) {
      learnSoon.cancel();
      learnWritten(true);
    }
  }

  const unsubscribe = adapter.subscribe({
    input: onInput, keydown: onKeyDown, caret: onCaretMove, blur: onBlur, layout: render,
  });
  onInput();

  return {
    /** Remove everything attach() added; the editor stays where it was, with its text. */
    detach() {
      disposed = true;
      requestGrammar.cancel();
      requestSentiment.cancel();
      learnSoon.cancel();
      unsubscribe();
      overlay.remove();
      adapter.dispose?.();
    },
    /** Ask for all enabled features now (e.g. after setting the editor's text from code). */
    refresh: onInput,
  };
}
