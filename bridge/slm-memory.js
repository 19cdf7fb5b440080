// @ts-check
// slm-memory.js: keeps one JSON document of the user's in this origin's IndexedDB, so it survives a reload:
// the personal words of autocomplete (slm_web.tasks.personal; database "slm-web-personal") and the grammar
// preferences (slm_web.tasks.grammar_preferences: dictionary, ignored suggestions, types switched off;
// database "slm-web-grammar"). Nothing here touches the network: the document stays in the browser profile
// of this origin, and `erase()` deletes its whole database.
//
// One database per document, with one record. Saves are debounced (learning happens on every finished
// sentence, a save writes the whole memory) and run one at a time; a connection is opened per operation and
// closed at once, so deleting the database is never blocked by this page.

export const DB_NAME = "slm-web-personal";
export const PREFERENCES_DB_NAME = "slm-web-grammar";
const STORE = "memory";
const SAVE_DELAY_MS = 1500;
// The Python side caps the memory's entries (about 40 bytes each in JSON); this caps what is stored here
// whatever it is handed, so a bug or a hand-made import cannot fill the origin's quota.
export const MAX_CHARS = 8 * 1024 * 1024;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * Run `use(store)` in a transaction on database `name`; resolves with its request's result. Reading never
 * creates the database.
 */
async function withStore(name, mode, use) {
  const open = indexedDB.open(name, 1);
  let missing = false;
  open.onupgradeneeded = () => {
    if (mode === "readwrite") {
      open.result.createObjectStore(STORE);
    } else {
      missing = true; // no database yet: abort its creation, so that reading leaves nothing behind
      open.transaction?.abort();
    }
  };
  let db;
  try {
    db = await request(open);
  } catch (error) {
    if (missing) return undefined;
    throw error;
  }
  try {
    const tx = db.transaction(STORE, mode);
    const result = await request(use(tx.objectStore(STORE)));
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
    return result;
  } finally {
    db.close();
  }
}

export class MemoryStore {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #timer = undefined;
  /** @type {(() => Promise<string>) | null} the exporter of the save waiting for its delay */
  #pending = null;
  #writing = Promise.resolve();
  #delayMs;
  #name;
  #key;
  #what;

  /** `name`: the database; `key`: its record; `what`: the document, as warnings name it. */
  constructor({ name = DB_NAME, key = "autocomplete", what = "personal words", delayMs = SAVE_DELAY_MS } = {}) {
    this.#name = name;
    this.#key = key;
    this.#what = what;
    this.#delayMs = delayMs;
  }

  /** The stored JSON, or null (none, unreadable, or over the cap: such a record is deleted). */
  async load() {
    try {
      const value = await withStore(this.#name, "readonly", (store) => store.get(this.#key));
      if (value === undefined) return null;
      if (typeof value === "string" && value.length <= MAX_CHARS) return value;
      await this.erase();
    } catch (error) {
      console.warn(`slm-web: ${this.#what} not loaded: ${error}`);
    }
    return null;
  }

  /** Save `exportJSON()`'s result after a quiet moment; a newer call replaces a waiting one. */
  scheduleSave(exportJSON) {
    clearTimeout(this.#timer);
    this.#pending = exportJSON;
    this.#timer = setTimeout(() => this.flush(), this.#delayMs);
  }

  /** Run the waiting save now; resolves once every save so far is written (or failed: a warning). */
  flush() {
    clearTimeout(this.#timer);
    const exportJSON = this.#pending;
    this.#pending = null;
    if (exportJSON) this.#writing = this.#writing.then(() => this.#save(exportJSON));
    return this.#writing;
  }

  async #save(exportJSON) {
    try {
      const json = await exportJSON();
      if (typeof json !== "string" || json.length > MAX_CHARS) throw new Error("over the size cap");
      await withStore(this.#name, "readwrite", (store) => store.put(json, this.#key));
    } catch (error) {
      console.warn(`slm-web: ${this.#what} not saved: ${error}`);
    }
  }

  /** Cancel a waiting save, let one in flight end, and delete the database: nothing of it is left. */
  async erase() {
    clearTimeout(this.#timer);
    this.#pending = null;
    await this.#writing;
    await request(indexedDB.deleteDatabase(this.#name));
  }
}
