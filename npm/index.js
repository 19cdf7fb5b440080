// slm-web's entry point: the page-side bridge of the built site this package ships (site/bridge/), so
// the module a bundler takes in and the worker `slm-web assets` copies out are always the same build.
// Importing it does nothing; `SLM.create({baseURL})` starts the worker from the copied runtime files.
export { SLM, SLMError, default } from "./site/bridge/slm.js";
