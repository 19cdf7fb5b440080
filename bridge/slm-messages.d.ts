// The messages between slm.js (the page) and slm-worker.js: one definition both sides name in their JSDoc
// (`@typedef {import("./slm-messages").Request} Request`), checked by `tsc` (tsconfig.json). A type-only
// module: no runtime code imports it, and the site does not ship it.
//
// Every request carries an `id` and gets exactly one "result" or "error" reply with that id; "progress"
// messages (same id as the `init`) report downloads and start-up steps.

import type { Progress, Task } from "./slm";

export interface InitRequest {
  type: "init";
  id: number;
  /** The site root, ending in "/": build-manifest.json and every runtime file come from there. */
  baseURL: string;
  /** The tasks to load; left out: every task the site has a bundle for (build-manifest.json `bundles`). */
  tasks?: Task[];
  threads: number;
  whenReady: "all" | "first";
}

export interface CallRequest {
  type: "call";
  id: number;
  /** A bridge method of build-manifest.json's `tasks` (slm_web/registry.py): "classify", "complete", … */
  method: string;
  text: string;
  /** The page's options under slm.d.ts's names; the worker renames them for Python. */
  options: Record<string, unknown>;
  /** The bench's per-call breakdown: the result reply carries the call's `timings`. */
  timings?: boolean;
}

/**
 * Where a timed call's time went in the worker: `performance.timeOrigin + performance.now()` stamps (the
 * page's clock too) and Python's steps (slm_web/timing.py: ms per step, summed over the call).
 */
export interface CallTimings {
  received: number;
  served?: number;
  pythonCalled?: number;
  python?: { start: number; end: number; steps: Record<string, number> };
  pythonReturned?: number;
  /** ms spent awaiting the call's JS promises (its ORT runs) in the worker, inside Python's "ORT run" step */
  jsAwaited?: number;
  parsed?: number;
  timed?: number;
  posted?: number;
}

/** Answered once every model of the `init` is loaded (with whenReady "first", later than the init). */
export interface ReadyRequest {
  type: "ready";
  id: number;
}

export interface StatsRequest {
  type: "stats";
  id: number;
}

/** Build time (webbuild/snapshot.py): the Pyodide memory snapshot a first visit would store. */
export interface SnapshotRequest {
  type: "snapshot";
  id: number;
  baseURL: string;
}

export type Request = InitRequest | CallRequest | ReadyRequest | StatsRequest | SnapshotRequest;

export interface ResultReply {
  type: "result";
  id: number;
  value: unknown;
  timings?: CallTimings;
}

export interface ErrorReply {
  type: "error";
  id: number;
  /** `name`: the Python error class ("InputTextError", …), "Cancelled", "TaskMismatchError", … */
  error: { name: string; message: string };
}

export type ProgressReply = { type: "progress"; id: number } & Progress;

export type Reply = ResultReply | ErrorReply | ProgressReply;

/** A request as slm.js builds it, before it numbers it with an `id`. */
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;
export type RequestBody = WithoutId<Request>;
