#!/usr/bin/env bash
# Builds the workers-rs hello world (bench/workers-rs-hello) with worker-build, pointing it
# at local tools so that it downloads nothing, and lays it out in build/workers-rs/ with a
# workerd config and bundle.json (its wasm and the files it uploads) for bench/run.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/.tools/cargo/bin:$PATH"
export WASM_BINDGEN_BIN="$root/.tools/cargo/bin/wasm-bindgen"
export WASM_OPT_BIN="$root/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$root/node_modules/.bin/esbuild"
(cd bench/workers-rs-hello && worker-build --release)
out=build/workers-rs
rm -rf "$out" && mkdir -p "$out"
cp -r bench/workers-rs-hello/build/. "$out/"
node --input-type=module -e '
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { capnpConfig } from "./scripts/bundle.mjs";
const dir = "build/workers-rs";
const walk = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
// worker-build 0.8 writes build/index.js (the entry wrangler uploads) and the wasm; its
// worker/ folder holds an intermediate shim that is not uploaded.
const files = walk(dir).map((f) => relative(dir, f)).filter((f) => /\.(m?js|wasm)$/.test(f) && !f.startsWith("worker/"));
const main = files.find((f) => /^index\.m?js$/.test(f));
const wasm = files.find((f) => f.endsWith(".wasm"));
if (!main || !wasm) throw new Error(`unexpected worker-build output: ${files}`);
const modules = [main, ...files.filter((f) => f !== main)];
writeFileSync(join(dir, "config.capnp"), capnpConfig(modules, "127.0.0.1:8787"));
writeFileSync(join(dir, "bundle.json"), JSON.stringify({ main, wasm, files }, null, 1));
console.log(`build/workers-rs: ${files.join(", ")}`);
'
