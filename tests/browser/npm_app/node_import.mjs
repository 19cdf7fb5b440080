// Imports "slm-web" and "slm-web/codemirror" under Node as a server-side rendering pass would, and
// reports what the modules export and any global they added (there must be none: importing has no side
// effects; the CodeMirror entry loads without CodeMirror installed).
const before = new Set(Object.getOwnPropertyNames(globalThis));
const module = await import("slm-web");
const codemirror = await import("slm-web/codemirror");
const added = Object.getOwnPropertyNames(globalThis).filter((name) => !before.has(name));
console.log(JSON.stringify({
  exports: Object.keys(module).sort(), create: typeof module.SLM.create, codemirror: Object.keys(codemirror), added,
}));
