"""The user's documents in a page's IndexedDB, read and written the way bridge/slm-memory.js keeps them
(one database per document, object store "memory", one record), and a second bridge instance made inside
a page, for what must happen in a set order around its start-up."""

from __future__ import annotations

import json
from typing import Any

PREFERENCES = ("slm-web-grammar", "grammar")  # (database, record key)
MEMORY = ("slm-web-personal", "autocomplete")
PREFERENCES_FORMAT = {"format": "slm-web grammar preferences", "version": 1, "dictionary": [], "ignored": [],
                      "disabled": []}

DATABASES_JS = "() => indexedDB.databases().then((dbs) => dbs.map((db) => db.name))"
OPEN_JS = """(name, upgrade) => new Promise((resolve, reject) => {
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => upgrade(open.result);
  open.onsuccess = () => resolve(open.result);
  open.onerror = () => reject(open.error);
})"""
RECORD_JS = f"""async ([name, key]) => {{
  if (!(await indexedDB.databases()).some((db) => db.name === name)) return null;
  const db = await ({OPEN_JS})(name, () => {{}});
  try {{
    return await new Promise((resolve, reject) => {{
      const get = db.transaction("memory").objectStore("memory").get(key);
      get.onsuccess = () => resolve(get.result ?? null);
      get.onerror = () => reject(get.error);
    }});
  }} finally {{ db.close(); }}
}}"""
WRITE_JS = f"""async ([name, key, value]) => {{
  const db = await ({OPEN_JS})(name, (created) => created.createObjectStore("memory"));
  try {{
    await new Promise((resolve, reject) => {{
      const tx = db.transaction("memory", "readwrite");
      tx.objectStore("memory").put(value, key);
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    }});
  }} finally {{ db.close(); }}
}}"""
# A second SLM instance made in the page: `steps` (the body of an async function of `slm`) run on it as soon
# as create() resolves, in the same task, so nothing can come between; it is disposed after them. (Written
# into the evaluated function: the site's CSP refuses to compile a string inside the page.)
FRESH_JS = """async (options) => {{
  const {{ SLM }} = await import("../bridge/slm.js");
  const slm = await SLM.create(options);
  try {{ return await (async () => {{ {steps} }})(); }}
  finally {{ slm.dispose(); }}
}}"""

def databases(page: Any) -> list[str]:
    return page.evaluate(DATABASES_JS)


def record(page: Any, where: tuple[str, str] = PREFERENCES) -> str | None:
    """The stored record (a JSON string), or None when there is none."""
    return page.evaluate(RECORD_JS, list(where))


def preferences(page: Any) -> dict[str, Any] | None:
    stored = record(page)
    return None if stored is None else json.loads(stored)


def write(page: Any, value: str, where: tuple[str, str] = PREFERENCES) -> None:
    page.evaluate(WRITE_JS, [*where, value])


def write_preferences(page: Any, **fields: Any) -> None:
    write(page, json.dumps({**PREFERENCES_FORMAT, **fields}))


def fresh(page: Any, steps: str, **options: Any) -> Any:
    return page.evaluate(FRESH_JS.format(steps=steps), options)
