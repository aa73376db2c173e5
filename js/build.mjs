#!/usr/bin/env node
// tinyworker-build: compiles the tinyworker crate in the current folder for wasm32 and optimises
// it for shipping (wasm-opt -Oz from the `binaryen` npm package). With --entry it then writes
// the Worker as it ships: the entry bundled with the glue's source and the module's features in
// one pass (build/worker/worker.js, beside a copy of app.wasm), which a wrangler.toml with
// `no_bundle = true` uploads as it is (what `make new` writes). Without, it writes beside the
// module the glue that module needs (glue.js: the package bundled with its features folded in,
// so any bundler ships it as is) and its features (features.js). A Worker project's
// wrangler.toml runs it as its [build] command; this repository's build script uses its
// `optimize` step and `features`, so both ship the same module and the same glue.
//
//   tinyworker-build [--out build/app.wasm] [--entry src/worker.js [--worker build/worker]]
//                    [--fuel <loop iterations per call>] [cargo build arguments...]
//   tinyworker-build optimize <in.wasm> <out.wasm> [--keep-names]
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { EXPORT, IMPORT, readExports, readImports, readSections } from "./binary.js";
import { checkFuel, meter } from "./meter.js";

const TARGET = "wasm32-unknown-unknown";
// What a tinyworker module may use; wasm-opt must accept all of it (exception handling for
// the tag, the rest from rustc's default wasm32 target features).
const FEATURES = ["exception-handling", "bulk-memory", "sign-ext", "mutable-globals", "nontrapping-float-to-int", "reference-types", "multivalue"];

/** The `wasm-opt` of the `binaryen` package the project installed, or null. */
function wasmOpt(from) {
  try {
    return createRequire(join(from, "package.json")).resolve("binaryen/bin/wasm-opt");
  } catch {
    return null;
  }
}

/**
 * Optimises `input` into `output` for shipping: -Oz, and without the `__data_end` and
 * `__heap_base` exports rustc adds to every cdylib (the glue needs neither). `keepNames`
 * keeps the name section (for size breakdowns). Without binaryen the module is copied as is.
 */
export function optimize(input, output, { keepNames = false, from = process.cwd() } = {}) {
  mkdirSync(dirname(resolve(output)), { recursive: true });
  const opt = wasmOpt(from);
  if (!opt) {
    console.error("tinyworker-build: the binaryen package is not installed; shipping the module unoptimised");
    copyFileSync(input, output);
    return output;
  }
  const flags = [...FEATURES.map((f) => `--enable-${f}`), ...(keepNames ? ["-g"] : [])];
  // (One run of wasm-opt: the pass takes both names, and loading binaryen costs ~0.6 s a run.
  // binaryen is a 10 MB wasm module run once: V8's baseline compiler alone (--liftoff-only)
  // halves the run and takes a third of the CPU that optimising it in the background would;
  // the output is the same bytes. binaryen's JS API in this process ships the same bytes too,
  // given the CLI's implied features (bulk-memory-opt, call-indirect-overlong) and its Stack IR
  // (setGenerateStackIR, setOptimizeStackIR: -Oz turns both on), but loading index.js costs
  // 0.65 s of CPU against the CLI's 0.28: a gain only for a batch, 2026-12-07.)
  const removed = "--pass-arg=remove-exports@__data_end,__heap_base";
  const args = ["--liftoff-only", opt, ...flags, "--remove-exports", removed, "-Oz", input, "-o", output];
  execFileSync(process.execPath, args, { stdio: "inherit" });
  return output;
}

/**
 * The `module.name` of each import of the wasm module `bytes`, read from its import section
 * without compiling it (so any engine reads any module's, e.g. Node 20 an exnref module's);
 * `sections`: its sections, where the caller read them already (features reads them once).
 */
export function importNames(bytes, sections = readSections(bytes)) {
  return readImports(sections.get(IMPORT)).map((i) => `${text(i.module)}.${text(i.name)}`);
}

/** The name of each export of the wasm module `bytes`, read from its export section. */
export function exportNames(bytes, sections = readSections(bytes)) {
  return readExports(sections.get(EXPORT)).map((e) => text(e.name));
}

const text = (bytes) => new TextDecoder().decode(bytes);

/**
 * The glue features (features.js) the module `wasm` (bytes) needs, read from its imports, as the
 * source of a features.js for it: a bundler that substitutes it for "tinyworker/features" ships
 * only the glue this module can reach.
 */
export function features(wasm) {
  const sections = readSections(wasm);
  const imports = new Set(importNames(wasm, sections));
  // An event handler (`scheduled!`, `queue_consumer!`, a class's alarm or WebSocket handlers)
  // reads its event through the bridge, even one that happens not to import it.
  const exports = exportNames(wasm, sections);
  const events = exports.some((e) => /^__tw_(scheduled|queue|alarm|socket_|ws_|rpc_|email$|tail$|workflow_)/.test(e));
  const objects = imports.has("env.__tw_storage") || exports.some((e) => /^__tw_(fetch_|object$)/.test(e));
  const own = ["env.__tw_request", "env.__cpp_exception", "env.__tw_env", "env.__tw_log", "env.__tw_result", "env.__tw_storage", "env.__tw_call", "env.__tw_wait", "env.__tw_value"];
  return [
    "// Generated by tinyworker-build for one module: the glue features it needs (see the package's features.js).",
    `export const REQUEST_PARTS = ${imports.has("env.__tw_request")};`,
    `export const FAULT_RECORDS = ${imports.has("env.__cpp_exception")};`,
    `export const HOST_IMPORTS = ${[...imports].some((i) => !own.includes(i))};`,
    `export const ENV_VARS = ${imports.has("env.__tw_env")};`,
    `export const LOG = ${imports.has("env.__tw_log")};`,
    `export const STORAGE = ${imports.has("env.__tw_storage")};`,
    `export const BRIDGE = ${imports.has("env.__tw_call") || events};`,
    `export const EVENTS = ${events};`,
    `export const QUEUE_BATCH = ${exports.includes("__tw_queue")};`,
    `export const QUEUE_MESSAGE = ${exports.includes("__tw_queue_message")};`,
    `export const WEB_SOCKETS = ${exports.some((e) => e.startsWith("__tw_ws_"))};`,
    `export const EMAIL = ${exports.includes("__tw_email")};`,
    `export const TAIL = ${exports.includes("__tw_tail")};`,
    `export const WORKFLOWS = ${exports.some((e) => e.startsWith("__tw_workflow_"))};`,
    `export const RPC = ${exports.some((e) => e.startsWith("__tw_rpc_"))};`,
    `export const START = ${exports.includes("__tw_start")};`,
    `export const FUEL = ${exports.includes("__tw_fuel")};`,
    `export const RESTORE = ${exports.some((e) => /^__tw_restore(_|$)/.test(e))};`,
    `export const OBJECT_EVENTS = ${exports.some((e) => /^__tw_(alarm|socket_)/.test(e))};`,
    `export const OBJECTS = ${objects};`,
    `export const CLASSES = ${exports.some((e) => /^__tw_(fetch|rpc|workflow)_/.test(e))};`,
    "",
  ].join("\n");
}

/**
 * The glue for the module `wasm` (bytes) as one ES module: this package bundled by esbuild with
 * "tinyworker/features" answered for the module, then folded and minified (terser's passes,
 * where the project has terser; else esbuild's own, run again over its output). A bundler's
 * constant inlining of features.js across modules leaves the branches it decides in place
 * (esbuild's does), so a project that aliases "tinyworker" to this file ships what the
 * module can reach and no more. esbuild and terser are resolved from `from` (a project has
 * esbuild through wrangler).
 */
export async function bundledGlue(wasm, { from = process.cwd() } = {}) {
  return fold(fileURLToPath(GLUE), wasm, from);
}

/**
 * The Worker as it ships: its entry `entry` (e.g. src/worker.js) bundled with the glue's source
 * and the features of the module `wasm`, in one pass of esbuild and terser (what `bundledGlue`
 * does for the glue alone): the entry's imports of "tinyworker" (and of `../build/glue.js`, as
 * an entry of an earlier template wrote it) become the glue's source, its import of a `.wasm`
 * module becomes "./app.wasm" beside it. A project's wrangler.toml uploads it as it is
 * (`no_bundle`), so no second minifier runs over it.
 */
export async function bundledWorker(entry, wasm, { from = process.cwd() } = {}) {
  return fold(entry, wasm, from, true);
}

/** `entry` bundled with the features of `wasm`, folded and minified (see bundledGlue). */
async function fold(entry, wasm, from, worker = false) {
  const load = async (name) => {
    try {
      return await import(pathToFileURL(createRequire(join(from, "package.json")).resolve(name)));
    } catch {
      return null;
    }
  };
  const esbuild = await load("esbuild");
  if (!esbuild) throw new Error("tinyworker-build: esbuild is not installed in this project (wrangler brings it)");
  const plugin = {
    name: "tinyworker-features",
    setup(b) {
      b.onResolve({ filter: /^tinyworker\/features$/ }, () => ({ path: "features.js", namespace: "tinyworker-features" }));
      b.onLoad({ filter: /.*/, namespace: "tinyworker-features" }, () => ({ contents: features(wasm), loader: "js" }));
      if (!worker) return;
      b.onResolve({ filter: /^tinyworker$|(^|\/)build\/glue\.js$/ }, () => ({ path: fileURLToPath(GLUE) }));
      b.onResolve({ filter: /\.wasm$/ }, () => ({ path: "./app.wasm", external: true }));
    },
  };
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true, format: "esm", write: false, charset: "utf8", legalComments: "none", minify: true, plugins: [plugin],
    // What the platform provides.
    external: ["cloudflare:*", "node:*"],
  });
  let code = result.outputFiles[0].text;
  const terser = await load("terser");
  if (terser) return (await terser.minify(code, { module: true, compress: { passes: 3, keep_fargs: false }, mangle: true, format: { comments: false } })).code;
  for (let pass = 0; pass < 3; pass++) code = (await esbuild.transform(code, { format: "esm", minify: true, treeShaking: true })).code;
  return code;
}

const GLUE = new URL("./glue.js", import.meta.url);

// rustc's message when a module uses `alloc` (Vec, String, format!) without a global allocator,
// and what it means in a tinyworker project.
const NO_ALLOCATOR = /no global memory allocator found/;
const NO_ALLOCATOR_HINT =
  "tinyworker-build: the module uses the heap (Vec, String, Box, format!) but links no allocator: enable one of " +
  'tinyworker\'s allocator features in Cargo.toml, e.g. tinyworker = { ..., features = ["talc"] } (talc: the ' +
  "recommended one; see the runtime's README for dlmalloc, bump and wee_alloc)";

/** Runs cargo `args` in `dir`, its output shown as it comes; a failure says what rustc meant. */
async function cargoBuild(args, dir) {
  const child = spawn("cargo", args, { cwd: dir, stdio: ["inherit", "inherit", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    process.stderr.write(chunk);
    stderr = (stderr + chunk).slice(-65536);
  });
  const [code, error] = await new Promise((done) => {
    child.once("error", (e) => done([null, e]));
    child.once("close", (status) => done([status, null]));
  });
  if (code === 0) return;
  if (NO_ALLOCATOR.test(stderr)) console.error(NO_ALLOCATOR_HINT);
  throw new Error(`tinyworker-build: cargo ${args.join(" ")} failed${error ? `: ${error.message}` : ""}`, { cause: error });
}

/** What a project of the layout before `--entry` is told: it ships more than it needs to. */
export const OLD_LAYOUT_NOTE =
  "tinyworker-build: note: this project has wrangler bundle the glue (build/glue.js, the layout of an earlier `make new`), " +
  "which ships about 3.5 KB gzip more than the glue cut for its module. Today's template builds with " +
  "`tinyworker-build --entry src/worker.js` and uploads build/worker/worker.js as it is (`main = \"build/worker/worker.js\"`, " +
  "`no_bundle = true`): see CHANGELOG.md, \"Upgrading\".";

/**
 * Builds the cdylib of the crate in `dir` (release, wasm32) and optimises it into `out`. With
 * `entry` (the Worker's, e.g. src/worker.js), then the Worker as it ships into `worker` (a
 * folder: worker.js and app.wasm); without, the glue for the module beside it (glue.js and
 * features.js, for a project whose wrangler.toml bundles: an earlier template's aliases them).
 * With `fuel`, the optimised module is metered (`tinyworker/meter`): a call whose loops run more
 * than `fuel` iterations traps, its request a 500 like any fault, the instance replaced.
 */
export async function build({ dir = process.cwd(), out = "build/app.wasm", cargoArgs = [], entry, worker = "build/worker", fuel } = {}) {
  if (fuel !== undefined) checkFuel(fuel); // (before anything is built)
  await cargoBuild(["build", "--release", "--target", TARGET, ...cargoArgs], dir);
  const meta = JSON.parse(execFileSync("cargo", ["metadata", "--no-deps", "--format-version", "1"], { cwd: dir, encoding: "utf8" }));
  const root = meta.packages.find((p) => resolve(dirname(p.manifest_path)) === resolve(dir)) ?? meta.packages[0];
  const lib = root.targets.find((t) => t.kind.includes("cdylib"));
  if (!lib) throw new Error(`tinyworker-build: ${root.name} has no cdylib target: add [lib] crate-type = ["cdylib"]`);
  const built = join(meta.target_directory, TARGET, "release", `${lib.name.replaceAll("-", "_")}.wasm`);
  const optimized = optimize(built, resolve(dir, out), { from: dir });
  if (fuel !== undefined) writeFileSync(optimized, meter(readFileSync(optimized), { fuel }));
  const wasm = readFileSync(optimized);
  if (entry) {
    const ship = resolve(dir, worker);
    mkdirSync(ship, { recursive: true });
    copyFileSync(optimized, join(ship, "app.wasm"));
    writeFileSync(join(ship, "worker.js"), await bundledWorker(resolve(dir, entry), wasm, { from: dir }));
  } else {
    // The glue features this module needs, and the glue folded for it, beside it: a
    // wrangler.toml that bundles aliases "tinyworker/features" and imports the glue from there.
    writeFileSync(join(dirname(optimized), "features.js"), features(wasm));
    writeFileSync(join(dirname(optimized), "glue.js"), await bundledGlue(wasm, { from: dir }));
    console.error(OLD_LAYOUT_NOTE);
  }
  return optimized;
}

// Run as a program (directly, through node_modules/.bin, or through a linked package).
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] === "optimize") {
    const [input, output] = args.slice(1).filter((a) => !a.startsWith("--"));
    if (!input || !output) {
      console.error("usage: tinyworker-build optimize <in.wasm> <out.wasm> [--keep-names]");
      process.exit(2);
    }
    optimize(input, output, { keepNames: args.includes("--keep-names"), from: process.cwd() });
  } else {
    const option = (name) => {
      const at = args.indexOf(name);
      return at >= 0 ? args.splice(at, 2)[1] : undefined;
    };
    const out = option("--out"), entry = option("--entry"), worker = option("--worker"), fuel = option("--fuel");
    console.log(await build({ out, entry, worker, fuel: fuel === undefined ? undefined : Number(fuel), cargoArgs: args }));
  }
}
