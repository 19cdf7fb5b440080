// Type declarations for slm.js, the page-side bridge of slm-web.
//
//   import { SLM } from "./bridge/slm.js";
//   const slm = await SLM.create({ tasks: ["sentiment", "autocomplete", "grammar"], onProgress: console.log });
//   // or: SLM.create({ whenReady: "first" }) resolves once the first task works; `await slm.ready` for all
//   await slm.classify("What a lovely day");          // {label: "positive", score: 0.88, scores: {...}}
//   await slm.complete("See you tomor", { k: 3 });     // [{text: "tomorrow", insert: "row", score: 0.56}, ...]
//   await slm.correct("He don't like it.");            // {text: "He doesn't like it.", edits: [{start: 3, end: 6, ...}]}
//   await slm.proofread("I recieved it on friday.");   // {correctedInput: "I received it on Friday.", corrections: [...]}
//   await slm.dictionary.add(["Ksenia"]); await slm.disable(["capitalization"]);  // kept in IndexedDB
//   slm.attach(document.querySelector("textarea"));  // or an <input>, a contenteditable element, an EditorAdapter
//   slm.dispose();

export type Task = "sentiment" | "autocomplete" | "grammar";

export interface Progress {
  /**
   * "manifest" → "download" | "cache" (per file) → "runtime" → "python" → "model" (per bundle) → "ready";
   * "evicted" whenever a cached copy of `file` was dropped (see `reason`) and is downloaded again.
   */
  step: "manifest" | "download" | "cache" | "evicted" | "runtime" | "python" | "model" | "ready";
  /**
   * Site-relative path of the file being downloaded, read from the cache or evicted
   * ("pyodide/pyodide.snapshot": this browser's own Python snapshot, made again rather than downloaded).
   */
  file?: string;
  /**
   * Why a cached copy was evicted ("evicted" step): "corrupt" (its bytes no longer match their sha256),
   * "unreadable" (the Cache API failed to read it), "failed" (it matched but failed to load).
   */
  reason?: "corrupt" | "unreadable" | "failed";
  /**
   * Bytes done and expected for `file` (uncompressed sizes from build-manifest.json). On the "manifest"
   * step, `total` is the size of everything start-up will fetch (from the network or the cache).
   */
  loaded?: number;
  total?: number;
  /** The task whose model is being loaded ("model" step): the first of `tasks`. */
  task?: Task;
  /**
   * Every task the bundle being loaded serves for this page ("model" step): one, or several when the site
   * ships a shared bundle (one encoder with a head per task, fetched and loaded once for all of them).
   */
  tasks?: Task[];
  /** What is starting ("pyodide", "onnxruntime-web", a bundle name, …). */
  detail?: string;
}

export interface CreateOptions {
  /**
   * The built site's root, or the folder `npx slm-web assets DIR` filled: it holds build-manifest.json,
   * and the worker (bridge/slm-worker.js) and every runtime file come from there. Default: the folder
   * above slm.js, which is right for the built site; an app that bundles the npm package must pass it
   * (e.g. "/slm/").
   */
  baseURL?: string | URL;
  /** Models to load. Default: every task the site has a bundle for (its build-manifest.json says). */
  tasks?: Task[];
  /** onnxruntime-web threads (needs cross-origin isolation; 1 otherwise). Default: 2 on 4+ cores, else 1. */
  threads?: number;
  onProgress?: (progress: Progress) => void;
  /**
   * When `create()` resolves: "all" (default) once every task's model is loaded; "first" once the first
   * task's is. The others then load in the worker, behind the calls a loaded model can answer; a call
   * that needs one of them waits for it (and rejects with its load error if it fails). `slm.ready` settles
   * when every model is in.
   */
  whenReady?: "all" | "first";
  /**
   * Personal words (opt-in, needs the autocomplete task): `learn()` and an attached textarea teach
   * autocomplete the user's own words (names, jargon, habits), kept in this origin's IndexedDB and never
   * sent anywhere; `forget()` erases them. Default false.
   */
  personal?: boolean;
}

/**
 * The sentiment of a text. The bundle's manifest decides the labels: "negative" / "neutral" / "positive"
 * for the default three-label model, "negative" / "positive" for a two-label bundle.
 */
export interface Classification {
  /** The most probable label. */
  label: string;
  /** Its probability. */
  score: number;
  /** Every label's probability (they sum to 1). */
  scores: Record<string, number>;
}

export interface Completion {
  /** The completed word(s) to show ("like" for "I would li"). */
  text: string;
  /** What to append to the input ("ke"). */
  insert: string;
  score: number;
}

/** The kinds of grammar edit (slm_web/registry.py's EDIT_TYPES): what `disable` switches off. */
export type EditType = "unnecessary" | "missing" | "replace" | "spelling" | "capitalization" | "verb form" | "noun number";

export interface Edit {
  /** UTF-16 offsets into the input text: `text.slice(start, end) === original`. */
  start: number;
  end: number;
  original: string;
  replacement: string;
  type: EditType;
  /** One plain-English sentence saying why, e.g. "Use 'an' before a vowel sound." (text, not HTML). */
  explanation: string;
}

export interface Correction {
  /** The corrected text. */
  text: string;
  edits: Edit[];
}

/** The Proofreader API's types (an edit's type mapped: "punctuation" when it changes only punctuation). */
export type CorrectionType = "spelling" | "punctuation" | "capitalization" | "grammar";

/** proofread()'s result: the Proofreader API's `ProofreadResult` (Chrome's built-in proofreader). */
export interface ProofreadResult {
  correctedInput: string;
  corrections: ProofreadCorrection[];
}

export interface ProofreadCorrection {
  /** UTF-16 offsets into the input, as an Edit's `start`/`end`. */
  startIndex: number;
  endIndex: number;
  /** What replaces `input.slice(startIndex, endIndex)`. */
  correction: string;
  types: CorrectionType[];
  explanation: string;
}

/** `slm.dictionary`: words grammar never flags as misspelled (kept in this origin's IndexedDB). */
export interface PersonalDictionary {
  /** Add words (each without spaces, at most 64 characters); resolves with the dictionary's size. */
  add(words: string[]): Promise<number>;
  /** Remove words; resolves with the dictionary's size. */
  remove(words: string[]): Promise<number>;
  /** Every word, sorted. */
  words(): Promise<string[]>;
}

// One interface per method that takes options (names and kinds: slm_web/registry.py, which checks them;
// tests/runtime/test_registry.py compares the two).
export interface CompleteOptions {
  /** How many suggestions, at most (1 to the model's top_k). Default 3. */
  k?: number;
  /** Words per suggestion (1 to 8). Default 1. */
  maxWords?: number;
}

export interface CorrectOptions {
  /**
   * The tag probability an edit needs (0–1), instead of the model's own (the default grammar student's:
   * 0.85, tuned for few false alarms). Lower finds more errors and flags more correct text.
   */
  minConfidence?: number;
  /** Edit types to leave out of this result (besides those `slm.disable()` switched off). */
  disable?: EditType[];
}

export type ProofreadOptions = CorrectOptions;

export interface Info {
  tasks: Task[];
  /** onnxruntime-web threads actually in use. */
  threads: number;
  crossOriginIsolated: boolean;
}

export interface Stats {
  calls: number;
  /** Live Python objects after a full collection. */
  gc_objects: number;
  /** Size of Pyodide's wasm memory (null if this Pyodide does not expose it). */
  wasm_heap_bytes: number | null;
}

/**
 * Every rejected promise carries an SLMError: `name` is the Python error class ("InputTextError",
 * "BundleError", "TaskMismatchError", "BackendError", …), "Cancelled" for a superseded complete(),
 * "Disposed" after dispose(), "WorkerError" if the worker died, "StorageError" when a change of the grammar
 * preferences (or saveMemory()) was made in the worker but could not be stored in IndexedDB (it then holds
 * in this page only, and the next change stores it again); `message` is one line.
 */
export declare class SLMError extends Error {
  constructor(name: string, message: string);
}

export interface AttachOptions {
  autocomplete?: boolean;
  grammar?: boolean;
  sentiment?: boolean;
  /** Completions requested per keystroke (the best one is shown as ghost text). Default 3. */
  k?: number;
  /** Passed to correct(): the grammar model's confidence threshold (default: the model's own). */
  minConfidence?: number;
  /** With personal words on: learn each sentence the user finishes (and the rest on blur). Default true. */
  learn?: boolean;
}

export interface Attachment {
  /** Remove everything attach() added; the editor and its text stay. */
  detach(): void;
  /** Re-run every enabled feature now (after setting the editor's text from code). */
  refresh(): void;
}

/**
 * What attach() needs from an editor. slm-web has one for `<textarea>` and text `<input>`s, one for
 * contenteditable elements, and bridge/slm-codemirror.js builds one for CodeMirror 6; pass your own to
 * `attach()` for any other editor. Offsets are UTF-16 indices into `text()`.
 */
export interface EditorAdapter {
  /** The element that has the focus while editing: the `slm:*` events are dispatched on it, and the
   *  underlines and ghost text copy its font. */
  readonly element: HTMLElement;
  /** A positioned element (not `position: static`) around the editor: attach() appends its drawings here. */
  readonly container: HTMLElement;
  /** The element whose visible box (inside borders and scrollbars) the underlines and ghost text are clipped to. */
  readonly viewport: HTMLElement;
  /** The whole text, as plain text. */
  text(): string;
  /** The selection (start === end: the caret). */
  selection(): { start: number; end: number };
  /**
   * Replace `text().slice(start, end)` by `text` as one undoable step (Ctrl+Z takes it back), leaving the
   * caret after it, and report it to the listener as an input, as typing would.
   */
  replace(start: number, end: number, text: string): void;
  /** Client rects (viewport coordinates, as getClientRects gives) of `text().slice(start, end)` on screen. */
  rects(start: number, end: number): DOMRect[];
  /** Call `listener` on the editor's changes from now on; returns the function that stops it. */
  subscribe(listener: EditorListener): () => void;
  /** Undo whatever the adapter itself added (detach() calls it last). */
  dispose?(): void;
}

/** What an EditorAdapter reports (attach() passes one to `subscribe`). */
export interface EditorListener {
  /** The text changed (typing, pasting, undo, a replace()). */
  input(): void;
  /** The caret or selection moved without a change of text. */
  caret(): void;
  /** A key went down in the editor; true when attach() used it (Tab, Escape): stop the editor's own handling. */
  keydown(event: KeyboardEvent): boolean;
  /** The editor lost the focus. */
  blur(): void;
  /** The text moved on screen (scrolled, resized, re-wrapped): attach() redraws. */
  layout(): void;
}

/** Detail of the events attach() dispatches on the editor's element. */
export interface ResultEvent<T> {
  result: T;
  /** Milliseconds from request to answer, measured on the page. */
  ms: number;
}

declare global {
  interface HTMLElementEventMap {
    "slm:sentiment": CustomEvent<ResultEvent<Classification>>;
    "slm:completion": CustomEvent<ResultEvent<Completion[]>>;
    "slm:grammar": CustomEvent<ResultEvent<Correction>>;
    "slm:error": CustomEvent<{ error: SLMError; feature: Task }>;
    "slm:learned": CustomEvent<{ learnedWords: number }>;
  }
}

export declare class SLM {
  /** Start the worker, fetch (or read from cache) runtime and bundles, load the models. */
  static create(options?: CreateOptions): Promise<SLM>;
  readonly info: Info;
  /** Resolves once every requested model is loaded (at once with whenReady "all"); rejects with the first load error. */
  readonly ready: Promise<void>;
  classify(text: string): Promise<Classification>;
  /** A newer call rejects an older pending one with name "Cancelled". */
  complete(text: string, options?: CompleteOptions): Promise<Completion[]>;
  correct(text: string, options?: CorrectOptions): Promise<Correction>;
  /** correct() shaped like the Proofreader API's result, so one code path serves both. */
  proofread(text: string, options?: ProofreadOptions): Promise<ProofreadResult>;
  /** The personal dictionary of grammar. */
  readonly dictionary: PersonalDictionary;
  /**
   * Never make this suggestion between the same words again. Kept in IndexedDB as a 128-bit sha256
   * fingerprint of the edit and the two words either side, not as text; whoever holds it can still confirm
   * a guessed phrase. `text`: the text it was found in; needed only for a copy of an edit correct() returned.
   */
  ignore(edit: Edit, text?: string): Promise<void>;
  /** Switch edit types off for every call, kept across reloads; resolves with the types off. */
  disable(types: EditType[]): Promise<EditType[]>;
  /** Switch edit types back on; resolves with the types still off. */
  enable(types: EditType[]): Promise<EditType[]>;
  /** The dictionary, ignored suggestions and types off as a JSON document. */
  exportPreferences(): Promise<string>;
  /** Replace them by exportPreferences()'s JSON (rejects with name "InputTextError" on anything else). */
  importPreferences(json: string): Promise<void>;
  /**
   * Forget them all: IndexedDB's database `slm-web-grammar` is deleted on any page (with the grammar task
   * or not, its model loaded or not), then the worker's copy is emptied.
   */
  erasePreferences(): Promise<void>;
  stats(): Promise<Stats>;
  /** True if created with `personal: true`. */
  readonly personal: boolean;
  /** Distinct words the personal memory knows (0 if personal words are off or forgotten). */
  readonly learnedWords: number;
  /**
   * Learn the words of `text` for autocomplete; resolves with `learnedWords`. Saved to IndexedDB
   * (debounced). Rejects with name "InputTextError" unless created with `personal: true`.
   */
  learn(text: string): Promise<number>;
  /**
   * Erase every learned word: the origin's IndexedDB database `slm-web-personal` is deleted on any page
   * (personal words on or not), then the worker's copy is emptied.
   */
  forget(): Promise<void>;
  /** Write the personal words to IndexedDB now rather than after the save delay ("StorageError" if it fails). */
  saveMemory(): Promise<void>;
  /**
   * Ghost-text completion (Tab accepts, Esc dismisses), grammar underlines with fixes, sentiment badge, on
   * a `<textarea>`, a text `<input>` (text, search, email, url, tel), a contenteditable element (edited as
   * plain text) or any editor through an EditorAdapter. Throws a TypeError for anything else.
   */
  attach(target: HTMLTextAreaElement | HTMLInputElement | HTMLElement | EditorAdapter, options?: AttachOptions): Attachment;
  /** Terminate the worker; pending calls reject with name "Disposed". */
  dispose(): void;
}

export default SLM;
