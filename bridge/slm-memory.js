// @ts-check
// slm-memory.js: keeps the personal words (the JSON of slm_web.tasks.personal) in this origin's IndexedDB,
// so what autocomplete learned survives a reload. Nothing here touches the network: the words stay in the
// browser profile of this origin, and `erase()` deletes the whole database.
//
// One database with one record. Saves are debounced (learning happens on every finished sentence, a save
// writes the whole memory) and run one at a time; a connection is opened per operation and closed at once,
// so deleting the database is never blocked by this page.

export const DB_NAME = "slm-web-personal";
const STORE = "memory";
const KEY = "autocomplete";
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

/** Run `use(store)` in a transaction; resolves with its request's result. Reading never creates the database. */
async function withStore(mode, use) {
  const open = indexedDB.open(DB_NAME, 1);
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

  constructor({ delayMs = SAVE_DELAY_MS } = {}) {
    this.#delayMs = delayMs;
  }

  /** The stored JSON, or null (none, unreadable, or over the cap: such a record is deleted). */
  async load() {
    try {
      const value = await withStore("readonly", (store) => store.get(KEY));
      if (value === undefined) return null;
      if (typeof value === "string" && value.length <= MAX_CHARS) return value;
      await this.erase();
    } catch (error) {
      console.warn(`slm-web: personal words not loaded: ${error}`);
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
      await withStore("readwrite", (store) => store.put(json, KEY));
    } catch (error) {
      console.warn(`slm-web: personal words not saved: ${error}`);
    }
  }

  /** Cancel a waiting save, let one in flight end, and delete the database: nothing of it is left. */
  async erase() {
    clearTimeout(this.#timer);
    this.#pending = null;
    await this.#writing;
    await request(indexedDB.deleteDatabase(DB_NAME));
  }
}
