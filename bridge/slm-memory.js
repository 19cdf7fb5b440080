// @ts-check
// slm-memory.js: keeps the user's documents (slm.js' STORED: the personal words of autocomplete, the grammar
// preferences) in this origin's IndexedDB, so they survive a reload. Nothing here touches the network: a
// document stays in the browser profile of this origin, and `erase()` deletes its whole database.
//
// One database per document, with one record; the worker holds the live copy and the record is written from
// it. Every tab of the origin has a worker of its own, so a write is a read-modify-write under a Web Lock:
// the record is read first, a copy another tab wrote since is taken into this worker and this tab's changes
// not yet written are made again on it, and only then is the worker's copy written. A BroadcastChannel tells
// the other tabs, which take the new copy in at once. A connection is opened per operation and closed at
// once, so deleting the database is never blocked by a tab.

const STORE = "memory";
// The Python side caps each document; this caps what is stored here whatever it is handed, so a bug or a
// hand-made import cannot fill the origin's quota.
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

/**
 * Run `critical` holding the origin-wide lock `name`. Web Locks exist only in secure contexts; elsewhere
 * (a plain-http page on another host than localhost) tabs cannot be kept in step, and the tab runs alone.
 * @template T @param {string} name @param {() => Promise<T>} critical @returns {Promise<T>}
 */
async function locked(name, critical) {
  return globalThis.navigator?.locks ? navigator.locks.request(name, critical) : critical();
}

/** @typedef {{method: string, text: string, options?: object}} Change a worker call that changed the document */

/**
 * Where a document is kept and how the worker reads it in and out (slm.js' STORED).
 * @typedef {object} DocumentSpec
 * @property {string} name the IndexedDB database
 * @property {string} key its record
 * @property {string} what the document, as messages name it
 * @property {string} importer the worker method that replaces its copy by a JSON document
 * @property {string} exporter the worker method that answers its copy as a JSON document
 * @property {string} eraser the worker method that empties its copy
 * @property {number} saveDelayMs 0: each change is written before its promise resolves; else the write waits
 *   for a quiet moment of that length (a newer change restarts it)
 */

export class StoredDocument {
  /** @type {DocumentSpec} */
  #spec;
  #active;
  #call;
  #onReply;
  #failed;
  /** @type {string | null} the record as this tab last read or wrote it: another tab wrote if they differ */
  #stored = null;
  /** @type {Change[]} changes the record does not hold yet; the page keeps them only until they are written */
  #unsaved = [];
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #timer = undefined;
  /** @type {BroadcastChannel} */
  #channel;
  #closed = false;
  /** Settles (never rejects) once the stored record is in the worker, or was found missing or unusable. */
  restored = Promise.resolve();
  #restoring = false;

  /**
   * @param {DocumentSpec} spec
   * @param {object} worker
   * @param {boolean} worker.active whether this page's worker holds the document (its task is loaded, opted in)
   * @param {(method: string, text: string, options?: object) => Promise<any>} worker.call a worker call
   * @param {(reply: any) => void} [worker.onReply] gets the reply of every call that changed the worker's copy
   * @param {(message: string) => Error} worker.failed the error a change rejects with when it was not stored
   */
  constructor(spec, { active, call, onReply = () => {}, failed }) {
    this.#spec = spec;
    this.#active = active;
    this.#call = call;
    this.#onReply = onReply;
    this.#failed = failed;
    // A page without the document's task hears the other tabs too, and tells them when it erases.
    this.#channel = new BroadcastChannel(this.#lockName);
    this.#channel.onmessage = ({ data }) => this.#otherTabWrote(data);
  }

  /**
   * Read the record into the worker; `restored` settles when done. A record the worker refuses as invalid
   * is erased; on any other error (a model that failed to load, a disposed instance) it is kept for the
   * next visit, and only a warning says why it was not read.
   */
  restore() {
    if (this.#active) {
      this.#restoring = true;
      this.restored = this.#restore().finally(() => { this.#restoring = false; });
    }
    return this.restored;
  }

  async #restore() {
    try {
      const stored = await this.#read();
      if (stored === null) return;
      this.#onReply(await this.#call(this.#spec.importer, stored));
      this.#stored = stored;
    } catch (error) {
      if (error?.name === "InputTextError") {
        console.warn(`slm-web: the stored ${this.#spec.what} were not valid and are erased: ${error.message}`);
        await request(indexedDB.deleteDatabase(this.#spec.name));
      } else {
        console.warn(`slm-web: the stored ${this.#spec.what} were not read, and are kept: ${error?.message}`);
      }
    }
  }

  /**
   * `call()` once the stored record is in the worker, so that it sees it. Called at once when no restore is
   * under way: the worker then gets calls in the order the page made them (it serves them by that order).
   * @template T @param {() => Promise<T>} call @returns {Promise<T>}
   */
  afterRestore(call) {
    return this.#restoring ? this.restored.then(call) : call();
  }

  /** A worker call that reads the document (after the restore). */
  read(method, text = "", options = {}) {
    return this.afterRestore(() => this.#call(method, text, options));
  }

  /**
   * Make a change in the worker (after taking in what another tab stored) and store it; resolves with the
   * worker's reply. With no save delay, it rejects with `failed`'s error if the change, made in the worker,
   * could not be stored.
   * @param {string} method @param {string} text @param {object} [options]
   */
  async change(method, text, options = {}) {
    await this.restored;
    if (!this.#active) return this.#call(method, text, options); // the worker rejects it: no task, no copy
    const reply = await locked(this.#lockName, async () => {
      await this.#takeInStored();
      const value = await this.#call(method, text, options);
      this.#unsaved.push({ method, text, options });
      return value;
    });
    this.#onReply(reply);
    if (this.#spec.saveDelayMs === 0) {
      await this.save();
    } else {
      clearTimeout(this.#timer);
      const saveLater = () => this.save().catch((error) => console.warn(error.message));
      this.#timer = setTimeout(saveLater, this.#spec.saveDelayMs);
    }
    return reply;
  }

  /** Write the changes not yet stored now; rejects with `failed`'s error if they could not be written. */
  async save() {
    clearTimeout(this.#timer);
    await this.restored;
    if (!this.#active || !this.#unsaved.length) return;
    try {
      await locked(this.#lockName, async () => {
        await this.#takeInStored();
        const json = await this.#call(this.#spec.exporter, "");
        if (typeof json !== "string" || json.length > MAX_CHARS) throw new Error(`over ${MAX_CHARS} characters`);
        await withStore(this.#spec.name, "readwrite", (store) => store.put(json, this.#spec.key));
        this.#stored = json;
        this.#unsaved = [];
      });
    } catch (error) {
      const why = error?.message ?? error;
      throw this.#failed(`the ${this.#spec.what} were changed in this page but not stored: ${why}`);
    }
    this.#announce("stored");
  }

  /**
   * Delete the database, whether or not this page's worker holds the document, then empty the worker's
   * copy; resolves with the worker's reply (undefined when it holds none).
   */
  async erase() {
    await this.restored;
    clearTimeout(this.#timer);
    const reply = await locked(this.#lockName, async () => {
      this.#unsaved = [];
      await request(indexedDB.deleteDatabase(this.#spec.name));
      this.#stored = null;
      return this.#active ? this.#emptyWorkerCopy() : undefined;
    });
    this.#announce("erased");
    return reply;
  }

  /** Stop following the other tabs and drop a waiting save (the worker is gone, it cannot export). */
  close() {
    clearTimeout(this.#timer);
    this.#channel.close();
    this.#closed = true;
  }

  /** Whether this page's worker holds the document (its task is loaded, and opted in where it must be). */
  get active() {
    return this.#active;
  }

  /** @param {"stored" | "erased"} what */
  #announce(what) {
    if (!this.#closed) this.#channel.postMessage(what);
  }

  get #lockName() {
    return `slm-web:${this.#spec.name}`;
  }

  /** The record, or null (none, or not a string within the cap: it is overwritten by the next write). */
  async #read() {
    const value = await withStore(this.#spec.name, "readonly", (store) => store.get(this.#spec.key));
    return typeof value === "string" && value.length <= MAX_CHARS ? value : null;
  }

  /**
   * If another tab wrote the record since this one last read or wrote it, make its copy this worker's and
   * this tab's unwritten changes again on top of it, so that a write keeps what both tabs did.
   */
  async #takeInStored() {
    // Unreadable: nothing newer can be taken in, and the write that follows reports the failure.
    const stored = await this.#read().catch(() => this.#stored);
    if (stored === this.#stored) return;
    if (stored === null) {
      await this.#emptyWorkerCopy();
    } else {
      // A record this worker refuses is overwritten by this tab's copy at the next write.
      await this.#call(this.#spec.importer, stored).then(this.#onReply, (error) => {
        if (error?.name !== "InputTextError") throw error;
      });
    }
    this.#stored = stored;
    const applied = [];
    for (const change of this.#unsaved) {
      await this.#call(change.method, change.text, change.options).then((reply) => {
        this.#onReply(reply);
        applied.push(change);
      }, (error) => {
        console.warn(`slm-web: a change of the ${this.#spec.what} no longer applies and is dropped: ${error?.message}`);
      });
    }
    this.#unsaved = applied;
  }

  /** Empty the worker's copy. A worker that cannot answer (its model failed to load, it was disposed) holds none. */
  #emptyWorkerCopy() {
    return this.#call(this.#spec.eraser, "").then((reply) => {
      this.#onReply(reply);
      return reply;
    }, () => undefined);
  }

  /** Another tab stored or erased the document: take its copy in now, not only at this tab's next change. */
  async #otherTabWrote(what) {
    await this.restored;
    if (!this.#active) return;
    await locked(this.#lockName, async () => {
      if (what === "erased") {
        // Changes made here before the erasure are not written after it, nor kept in this worker.
        clearTimeout(this.#timer);
        this.#unsaved = [];
        this.#stored = null;
        await this.#emptyWorkerCopy();
      }
      await this.#takeInStored(); // a tab may have written again since
    }).catch((error) => {
      console.warn(`slm-web: the ${this.#spec.what} another tab stored were not read: ${error?.message}`);
    });
  }
}
