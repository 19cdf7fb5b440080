// Imports "slm-web" under Node as a server-side rendering pass would, and reports what the module
// exports and any global it added (there must be none: importing has no side effects).
const before = new Set(Object.getOwnPropertyNames(globalThis));
const module = await import("slm-web");
const added = Object.getOwnPropertyNames(globalThis).filter((name) => !before.has(name));
console.log(JSON.stringify({ exports: Object.keys(module).sort(), create: typeof module.SLM.create, added }));
