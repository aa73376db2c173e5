#!/usr/bin/env node
// tinyworker-build: compiles the tinyworker crate in the current folder for wasm32 and
// optimises it for shipping (wasm-opt -Oz from the `binaryen` npm package). A Worker
// project's wrangler.toml runs it as its [build] command; this repository's build script
// uses its `optimize` step, so both ship the same module.
//
//   tinyworker-build [--out build/app.wasm] [cargo build arguments...]
//   tinyworker-build optimize <in.wasm> <out.wasm> [--keep-names]
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

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
  const run = (args) => execFileSync(process.execPath, [opt, ...flags, ...args], { stdio: "inherit" });
  run(["--remove-exports", "--pass-arg=remove-exports@__data_end", input, "-o", output]);
  run(["--remove-exports", "--pass-arg=remove-exports@__heap_base", "-Oz", output, "-o", output]);
  return output;
}

/** Builds the cdylib of the crate in `dir` (release, wasm32) and optimises it into `out`. */
export function build({ dir = process.cwd(), out = "build/app.wasm", cargoArgs = [] } = {}) {
  execFileSync("cargo", ["build", "--release", "--target", TARGET, ...cargoArgs], { cwd: dir, stdio: "inherit" });
  const meta = JSON.parse(execFileSync("cargo", ["metadata", "--no-deps", "--format-version", "1"], { cwd: dir, encoding: "utf8" }));
  const root = meta.packages.find((p) => resolve(dirname(p.manifest_path)) === resolve(dir)) ?? meta.packages[0];
  const lib = root.targets.find((t) => t.kind.includes("cdylib"));
  if (!lib) throw new Error(`tinyworker-build: ${root.name} has no cdylib target: add [lib] crate-type = ["cdylib"]`);
  const wasm = join(meta.target_directory, TARGET, "release", `${lib.name.replaceAll("-", "_")}.wasm`);
  return optimize(wasm, resolve(dir, out), { from: dir });
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
    const at = args.indexOf("--out");
    const out = at >= 0 ? args.splice(at, 2)[1] : undefined;
    console.log(build({ out, cargoArgs: args }));
  }
}
