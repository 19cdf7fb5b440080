// Types of slm-web's entry point: the bridge's own declarations (site/bridge/slm.d.ts).
export * from "./site/bridge/slm.js";
export { default } from "./site/bridge/slm.js";
