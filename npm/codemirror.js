// slm-web/codemirror: the CodeMirror 6 extension of the built site this package ships. Its own entry
// point, so that apps without CodeMirror never load it; it imports nothing from CodeMirror (the app
// passes its @codemirror/view module), and importing it does nothing.
export { slmCodeMirror } from "./site/bridge/slm-codemirror.js";
