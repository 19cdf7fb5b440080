// Types of slm-web/codemirror: the bridge's own declarations (site/bridge/slm-codemirror.d.ts).
export * from "./site/bridge/slm-codemirror.js";
