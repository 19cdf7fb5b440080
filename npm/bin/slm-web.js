#!/usr/bin/env node
// The slm-web command: `slm-web assets <dir>` copies the runtime files an app serves (the worker and
// its modules, Pyodide, onnxruntime-web's wasm, the slm_web wheel and lock file, the default bundles,
// build-manifest.json) from this package into <dir>, typically the app's public folder.

import { cpSync, existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const MANIFEST = "build-manifest.json";
const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const site = join(pkg, "site");

const USAGE = `usage: slm-web assets <dir>

Copies slm-web's runtime files (the worker, Pyodide, onnxruntime-web's wasm, the default models and
build-manifest.json) into <dir>, e.g. public/slm, so that the app's origin serves them; then create
the model runner with the URL of that folder:

  import { SLM } from "slm-web";
  const slm = await SLM.create({ baseURL: "/slm/" });

Files a previous \`slm-web assets\` copied into <dir> that this version no longer has are removed.`;

const readManifest = (folder) => JSON.parse(readFileSync(join(folder, MANIFEST), "utf8"));

/**
 * The files an earlier `slm-web assets` copied into `target` (its manifest carries `npm_package`); none
 * if another tool wrote the manifest there (a whole built site, say: its demo is not ours to remove).
 */
function previousFiles(target) {
  if (!existsSync(join(target, MANIFEST))) return [];
  const manifest = readManifest(target);
  if (!manifest.npm_package) return [];
  return Object.keys(manifest.files).filter((path) => !relative(target, resolve(target, path)).startsWith(".."));
}

/** Copy the site into `dir`, the manifest last: a page never sees a manifest whose files are not there yet. */
function copyAssets(dir) {
  const target = resolve(dir);
  const manifest = readManifest(site);
  const files = Object.keys(manifest.files);
  const stale = previousFiles(target).filter((path) => !files.includes(path));
  cpSync(site, target, { recursive: true, filter: (src) => src !== join(site, MANIFEST) });
  cpSync(join(site, MANIFEST), join(target, MANIFEST));
  for (const path of stale) rmSync(join(target, path), { force: true });
  const shown = relative(process.cwd(), target);
  const megabytes = Object.values(manifest.files).reduce((sum, file) => sum + file.size, 0) / 1e6;
  const where = shown.startsWith("..") ? target : shown || ".";
  console.log(`slm-web: ${files.length + 1} files (${megabytes.toFixed(1)} MB) in ${where}/`);
}

function main(args) {
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
    console.log(USAGE);
    return 0;
  }
  if (args.length === 1 && args[0] === "--version") {
    console.log(JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).version);
    return 0;
  }
  if (args.length !== 2 || args[0] !== "assets") {
    console.error(USAGE);
    return 2;
  }
  if (!existsSync(join(site, MANIFEST))) {
    console.error(`slm-web: ${site} holds no built site (pack the package with npm pack, which builds it)`);
    return 1;
  }
  try {
    copyAssets(args[1]);
  } catch (error) {
    console.error(`slm-web: ${error.message}`); // e.g. <dir> is a file, or not writable: one line, no stack
    return 1;
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
