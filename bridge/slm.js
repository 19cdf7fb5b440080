// @ts-check
// slm.js: the page-side bridge of slm-web. One async API (`SLM`) in front of a module Web Worker that
// hosts Pyodide + onnxruntime-web, in the spirit of harper.js' WorkerLinter: the page never runs Python.
// Types and docs: slm.d.ts. Nothing here touches the network beyond `baseURL` (the page's own site).

import { attachEditor } from "./slm-editor.js";
import { StoredDocument } from "./slm-memory.js";
import { defaultThreads } from "./slm-threads.js";

// Python methods slm.js calls itself, behind other names (`dictionary.add`, the personal words' storage):
// no page method of their own. Every other method of build-manifest.json's `tasks` that slm.js does not
// write out is a plain call through the worker, so a new task needs no code here.
const CALLED_BEHIND = new Set(["add_words", "remove_words", "dictionary", "export_memory", "import_memory"]);

/** @param {string} name a Python name @returns {string} the page's name: `export_preferences` -> `exportPreferences` */
const jsName = (name) => name.replace(/_(\w)/g, (_, letter) => letter.toUpperCase());

/** Error class of every rejected call: `name` is the Python error class (or "Cancelled"). */
/**
 * Options are an object (or left out: null and undefined mean the defaults); anything else rejects like a
 * bad option value does, instead of throwing while destructuring.
 * @param {unknown} options
 */
function isOptions(options) {
  return options == null || (typeof options === "object" && !Array.isArray(options));
}

/** @param {string} method @param {unknown} options */
function rejectOptions(method, options) {
  const shown = Array.isArray(options) ? "an array" : typeof options;
  return Promise.reject(new SLMError("InputTextError", `${method}() options must be an object, not ${shown}`));
}

export class SLMError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

/**
 * Python reports character offsets in code points; JS strings index UTF-16 code units. Map each edit's
 * `start`/`end` (or the fields named) so that `text.slice(start, end)` is the edit's `original`, as JS
 * callers expect.
 */
function toUTF16Offsets(text, edits, start = "start", end = "end") {
  const units = [0]; // units[i] = UTF-16 index of code point i
  for (const ch of text) units.push(units[units.length - 1] + ch.length);
  const at = (cp) => units[Math.min(cp, units.length - 1)];
  return edits.map((edit) => ({ ...edit, [start]: at(edit[start]), [end]: at(edit[end]) }));
}

/** The edit with code-point offsets again, for Python (anything that is no offset goes as is, to be refused). */
function toCodePoints(text, edit) {
  const at = (unit) => (Number.isInteger(unit) && unit >= 0 ? [...text.slice(0, unit)].length : unit);
  return { ...edit, start: at(edit.start), end: at(edit.end) };
}

export class SLM {
  #worker;
  #pending = new Map(); // id -> {resolve, reject, started}
  #nextId = 1;
  #lastComplete = null; // id of the newest complete(): older ones are rejected as Cancelled
  #disposed = false;
  /** @type {Record<string, StoredDocument>} one per entry of STORED, on every page (erasing needs no task) */
  #documents = {};
  #learnedWords = 0;
  #sources = new WeakMap(); // each edit correct() returned -> the text it was found in, for ignore(edit)

  /**
   * The personal dictionary of grammar: words never flagged as misspelled. Kept in this origin's IndexedDB
   * (with the ignored suggestions and the types switched off); `add` and `remove` resolve with its size.
   */
  dictionary = Object.freeze({
    /** @param {string[]} words */
    add: (words) => this.#documents.preferences.change("add_words", "", { words }),
    /** @param {string[]} words */
    remove: (words) => this.#documents.preferences.change("remove_words", "", { words }),
    /** @returns {Promise<string[]>} */
    words: () => this.#documents.preferences.read("dictionary"),
  });

  /**
   * The user's documents kept in this origin's IndexedDB (slm-memory.js), one entry each: the task whose
   * worker holds it, the create() option it needs (null: none), where it is stored, the worker methods that
   * move it in and out, and what a change's reply updates here. A new document is an entry, not a branch.
   * @type {Record<string, import("./slm-memory.js").DocumentSpec & {task: string, optIn: string | null,
   *   onReply?: (slm: SLM, reply: any) => void}>}
   */
  static #STORED = {
    preferences: {
      task: "grammar", optIn: null, name: "slm-web-grammar", key: "grammar", what: "grammar preferences",
      importer: "import_preferences", exporter: "export_preferences", eraser: "erase_preferences",
      saveDelayMs: 0, // a user's say is rare and must survive a reload right after it
    },
    memory: {
      task: "autocomplete", optIn: "personal", name: "slm-web-personal", key: "autocomplete", what: "personal words",
      importer: "import_memory", exporter: "export_memory", eraser: "forget",
      saveDelayMs: 1500, // learning runs on every finished sentence, and a save writes the whole memory
      onReply: (slm, words) => { slm.#learnedWords = words ?? 0; },
    },
  };

  /** Use `SLM.create()`. */
  constructor(worker, info) {
    this.#worker = worker;
    this.info = info;
    /** Resolves once every requested model is loaded; rejects with the first load error. */
    this.ready = Promise.resolve();
  }

  /**
   * Start the worker, download (or read from cache) the runtime and the bundles of `tasks`, and load them.
   * Resolves once every requested task is ready, or with `whenReady: "first"` once the first one is: the
   * others keep loading in the worker, a call that needs one waits for it, and `ready` settles when all are in.
   */
  static async create({
    baseURL, tasks, threads, onProgress, whenReady = "all", personal = false,
  } = {}) {
    const root = new URL(baseURL ?? new URL("../", import.meta.url), globalThis.location?.href).href;
    const base = root.endsWith("/") ? root : `${root}/`; // "/slm" names a folder too, as "/slm/" does
    // The worker comes from the site too, not from beside this module: a bundler (the npm package's
    // users) moves this module into its own output, where no slm-worker.js sits next to it.
    const worker = new Worker(new URL("bridge/slm-worker.js", base), { type: "module", name: "slm-web" });
    const slm = new SLM(worker, null);
    worker.onmessage = ({ data }) => slm.#onMessage(data, onProgress);
    worker.onerror = (event) => slm.#failAll(new SLMError("WorkerError", event.message || "the worker failed"));
    let reply;
    try {
      reply = await slm.#request({
        // No tasks: the worker loads every task the site has a bundle for (its build-manifest.json says).
        type: "init", baseURL: base, tasks: tasks && [...tasks], threads: threads ?? defaultThreads(globalThis.navigator), whenReady,
      });
    } catch (error) {
      slm.dispose();
      throw error;
    }
    const { methods, ...info } = reply;
    slm.info = info;
    for (const method of methods) {
      if (!CALLED_BEHIND.has(method) && !(jsName(method) in slm)) {
        Object.defineProperty(slm, jsName(method), { value: (text, options) => slm.#forward(method, text, options) });
      }
    }
    if (whenReady !== "all") {
      slm.ready = slm.#request({ type: "ready" });
      slm.ready.catch(() => {}); // a load error also rejects the calls that need that model: not unhandled
    }
    const restored = slm.#restoreDocuments({ personal });
    // With whenReady "first" a model may still be loading: `ready` then covers its restore too.
    if (whenReady === "all") await restored;
    else slm.ready = Promise.all([slm.ready, restored]).then(() => undefined);
    return slm;
  }

  /**
   * Make the StoredDocument of every STORED entry and read the records of those this worker holds back
   * into it; resolves once all are in (never rejects: slm-memory.js warns).
   * @param {Record<string, unknown>} options create()'s options that opt in to a document
   */
  async #restoreDocuments(options) {
    for (const [name, { task, optIn, onReply, ...spec }] of Object.entries(SLM.#STORED)) {
      this.#documents[name] = new StoredDocument(spec, {
        active: this.info.tasks.includes(task) && (optIn === null || Boolean(options[optIn])),
        call: (method, text, callOptions) => this.#call(method, text, callOptions),
        onReply: onReply && ((reply) => onReply(this, reply)),
        failed: (message) => new SLMError("StorageError", message),
      });
    }
    await Promise.all(Object.values(this.#documents).map((stored) => stored.restore()));
  }

  /**
   * @param {import("./slm-messages").Reply} message
   * @param {((progress: import("./slm").Progress) => void) | undefined} onProgress
   */
  #onMessage(message, onProgress) {
    if (message.type === "progress") {
      const { type, id, ...progress } = message;
      onProgress?.(progress);
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return; // already rejected (cancelled or disposed)
    this.#pending.delete(message.id);
    if (message.type === "result") pending.resolve(message.value);
    else pending.reject(new SLMError(message.error.name, message.error.message));
  }

  #failAll(error) {
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }

  /**
   * @param {import("./slm-messages").RequestBody} message
   * @returns {Promise<any>}
   */
  #request(message) {
    if (this.#disposed) return Promise.reject(new SLMError("Disposed", "this SLM instance was disposed"));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...message, id });
    });
  }

  #call(method, text, options = {}) {
    if (typeof text !== "string") {
      return Promise.reject(new SLMError("InputTextError", `${method}() needs a string, got ${typeof text}`));
    }
    return this.#request({ type: "call", method, text, options });
  }

  /** A method that needs nothing page-side (`classify`, …): `text` and the options go to the worker as they are. */
  #forward(method, text, options = {}) {
    if (!isOptions(options)) return rejectOptions(method, options);
    return this.#call(method, text, options ?? {});
  }

  /**
   * Up to `k` completions of the word being typed at the end of `text`: `[{text, insert, score}]`.
   * A newer call cancels an older one still waiting: the older promise rejects with name "Cancelled".
   */
  complete(text, options = {}) {
    if (!isOptions(options)) return rejectOptions("complete", options);
    const previous = this.#lastComplete;
    if (previous !== null && this.#pending.has(previous)) {
      this.#pending.get(previous).reject(new SLMError("Cancelled", "superseded by a newer complete() call"));
      this.#pending.delete(previous);
    }
    this.#lastComplete = this.#nextId;
    // Defaults and checks are Python's (slm_web/registry.py); the worker renames the options for it.
    return this.#call("complete", text, options ?? {});
  }

  /**
   * Grammar and spelling corrections: `{text, edits: [{start, end, original, replacement, type}]}`.
   * `minConfidence` (0-1) overrides the model's own threshold: lower finds more, with more false alarms.
   */
  async correct(text, options = {}) {
    if (!isOptions(options)) return rejectOptions("correct", options);
    const result = await this.#grammarCall("correct", text, options);
    const edits = toUTF16Offsets(text, result.edits);
    for (const edit of edits) this.#sources.set(edit, text);
    return { ...result, edits };
  }

  /**
   * correct() in the shape of the Proofreader API's result (Chrome's built-in proofreader):
   * `{correctedInput, corrections: [{startIndex, endIndex, correction, types, explanation}]}`.
   */
  async proofread(text, options = {}) {
    if (!isOptions(options)) return rejectOptions("proofread", options);
    const result = await this.#grammarCall("proofread", text, options);
    return { ...result, corrections: toUTF16Offsets(text, result.corrections, "startIndex", "endIndex") };
  }

  /** A call the grammar preferences apply to: after their restore, so that the stored ones do too. */
  #grammarCall(method, text, options) {
    return this.#documents.preferences.afterRestore(() => this.#call(method, text, options ?? {}));
  }

  /**
   * Never make this suggestion between the same words again. `text` is the text the edit was found in:
   * known for an edit correct() returned, needed for a copy of one. IndexedDB keeps a fingerprint of the
   * edit and the words around it, not the text (docs/js-api.md says what a guesser can learn from it).
   */
  ignore(edit, text = this.#sources.get(edit)) {
    if (typeof text !== "string") {
      return Promise.reject(new SLMError("InputTextError", "ignore() needs the text the edit was found in: ignore(edit, text)"));
    }
    if (edit === null || typeof edit !== "object") {
      return Promise.reject(new SLMError("InputTextError", `ignore() needs an edit from correct(), not ${edit}`));
    }
    const change = this.#documents.preferences.change("ignore", text, { edit: toCodePoints(text, edit) });
    return change.then(() => undefined);
  }

  /** Switch edit types off for every correct() from now on (and after a reload); resolves with those off. */
  disable(types) {
    return this.#documents.preferences.change("disable", "", { types });
  }

  /** Switch edit types back on; resolves with the types still off. */
  enable(types) {
    return this.#documents.preferences.change("enable", "", { types });
  }

  /** The dictionary, ignored suggestions and types off as one JSON document (to keep or move elsewhere). */
  exportPreferences() {
    return this.#documents.preferences.read("export_preferences");
  }

  /** Replace the grammar preferences by exportPreferences()'s JSON; a bad document changes nothing. */
  importPreferences(json) {
    return this.#documents.preferences.change("import_preferences", json).then(() => undefined);
  }

  /**
   * Forget the dictionary, ignored suggestions and types off: the IndexedDB database is deleted on any page
   * (with the grammar task or not), then the worker's copy is emptied.
   */
  async erasePreferences() {
    await this.#documents.preferences.erase();
  }

  /** True if this instance learns the user's words (`SLM.create({personal: true})`). */
  get personal() {
    return this.#documents.memory?.active ?? false;
  }

  /** Distinct words the personal memory knows (0 when personal words are off or forgotten). */
  get learnedWords() {
    return this.#learnedWords;
  }

  /**
   * Learn the words of `text` (what the user wrote) for autocomplete; resolves with `learnedWords`. The
   * memory is saved in this origin's IndexedDB shortly after, and never leaves the browser.
   */
  async learn(text) {
    if (!this.personal) throw new SLMError("InputTextError", "personal words are off: SLM.create({personal: true})");
    await this.#documents.memory.change("learn", text); // its reply sets learnedWords
    return this.#learnedWords;
  }

  /**
   * Erase every learned word: the IndexedDB database is deleted on any page (personal words on or not), then
   * the worker's copy. Suggestions are the model's alone again.
   */
  async forget() {
    await this.#documents.memory.erase(); // cancels a waiting save too
  }

  /**
   * Write the personal words now instead of after the save delay (e.g. before the page closes); rejects
   * with a "StorageError" if they could not be stored.
   */
  saveMemory() {
    return this.#documents.memory?.save() ?? Promise.resolve();
  }

  /** Worker diagnostics (calls served, live Python objects, wasm heap size); for tests and monitoring. */
  stats() {
    return this.#request({ type: "stats" });
  }

  /**
   * Add ghost-text completion, grammar underlines and a sentiment badge to a `<textarea>`, a text `<input>`,
   * a contenteditable element or any editor through an EditorAdapter (slm.d.ts).
   */
  attach(target, options = {}) {
    return attachEditor(this, target, options);
  }

  /** Stop the worker and reject whatever is still pending. */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const stored of Object.values(this.#documents)) stored.close();
    this.#worker.terminate();
    this.#failAll(new SLMError("Disposed", "this SLM instance was disposed"));
  }
}

export default SLM;
