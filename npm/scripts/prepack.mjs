// prepack.mjs (`npm pack` runs it): fill site/ with the runtime files of a built slm-web site, the files
// `slm-web assets` copies into an app. SLM_SITE=DIR takes a site built elsewhere; otherwise
// build_wasm.sh (re)builds dist/site first (it is incremental).
//
// Kept: build-manifest.json, bridge/, pyodide/, ort/ and the bundle file of each task that the manifest
// names (the .slm4 wire form where there is one). Left out: the demo, the front page, the superseded
// .slm twins and the .br/.gz copies (the tarball is gzip already; a host compresses on the fly or
// precompresses the copied files itself). The manifest lists exactly what is kept, and every kept file
// is checked against its sha256 there, so a stale or half-built site cannot be packed.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const MANIFEST = "build-manifest.json";
const RUNTIME_FOLDERS = ["bridge/", "pyodide/", "ort/"];

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repo = resolve(pkg, "..");

/** The built site to pack: SLM_SITE, or dist/site after build_wasm.sh has brought it up to date. */
function builtSite() {
  if (process.env.SLM_SITE) return resolve(process.env.SLM_SITE);
  // Its log goes to stderr, like this script's: `npm pack --json` prints the packing report on stdout.
  execFileSync("bash", [join(repo, "build_wasm.sh")], { stdio: ["ignore", 2, 2] });
  return join(repo, "dist", "site");
}

/** The manifest's paths an app needs at run time. */
function runtimePaths(manifest) {
  const bundles = new Set(Object.values(manifest.bundles).map((bundle) => bundle.path));
  return Object.keys(manifest.files).filter(
    (path) => bundles.has(path) || RUNTIME_FOLDERS.some((folder) => path.startsWith(folder)),
  );
}

function main() {
  const site = builtSite();
  const manifest = JSON.parse(readFileSync(join(site, MANIFEST), "utf8"));
  const out = join(pkg, "site");
  rmSync(out, { recursive: true, force: true });
  const files = {};
  let bytes = 0;
  for (const path of runtimePaths(manifest)) {
    const { sha256, size } = manifest.files[path];
    const data = readFileSync(join(site, path));
    if (createHash("sha256").update(data).digest("hex") !== sha256) {
      throw new Error(`${join(site, path)} does not match ${MANIFEST}: rebuild the site`);
    }
    mkdirSync(dirname(join(out, path)), { recursive: true });
    copyFileSync(join(site, path), join(out, path));
    files[path] = { sha256, size }; // without br_size/gzip_size: those copies are not shipped
    bytes += size;
  }
  // `npm_package` marks a manifest `slm-web assets` wrote: only from such a folder does it remove files.
  const { version } = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
  writeFileSync(join(out, MANIFEST), `${JSON.stringify({ ...manifest, files, npm_package: version }, null, 1)}\n`);
  console.error(`slm-web prepack: ${Object.keys(files).length} runtime files (${(bytes / 1e6).toFixed(1)} MB) from ${site}`);
}

main();
