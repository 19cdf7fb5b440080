// @ts-check
// How many onnxruntime-web threads a page gets when it does not say (SLM.create's `threads`). The
// measurements behind each rule are in bench/ANALYSIS.md.

/**
 * Engines where a multi-threaded onnxruntime-web start sometimes never finishes (its warm-up session does
 * not resolve), matched on the user agent: one thread there, whatever the cores.
 */
const ONE_THREAD_ENGINES = [/\bFirefox\//];

/**
 * The default thread count for this browser: two only with cores to spare (on 2 busy cores one thread is
 * faster per call: the worker, Python and the page compete for them), and one where more can hang.
 * @param {{hardwareConcurrency?: number, userAgent?: string} | undefined} navigator
 * @returns {number}
 */
export function defaultThreads(navigator) {
  if (ONE_THREAD_ENGINES.some((engine) => engine.test(navigator?.userAgent ?? ""))) return 1;
  return (navigator?.hardwareConcurrency ?? 1) >= 4 ? 2 : 1;
}
