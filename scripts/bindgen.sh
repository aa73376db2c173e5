#!/usr/bin/env bash
# Builds the wasm-bindgen fixture (fixtures/bindgen-lib) with the pinned wasm-bindgen-cli
# into build/bindgen-lib/ (--target web), and the JavaScript Worker example that uses it
# through glue.js's resilient() into build/bindgen-worker/ (worker.js + wasm + configs).
set -euo pipefail
cd "$(dirname "$0")/.."
# RUSTFLAGS replaces the workspace's tinyworker link flags; the library gets 64 MiB of
# memory at most, so running out of it is quick to test.
RUSTFLAGS="-Clink-arg=--max-memory=67108864" cargo build -q --release --locked \
  --manifest-path fixtures/bindgen-lib/Cargo.toml --target wasm32-unknown-unknown --target-dir target/bindgen-lib
.tools/cargo/bin/wasm-bindgen --target web --out-dir build/bindgen-lib \
  target/bindgen-lib/wasm32-unknown-unknown/release/bindgen_lib.wasm
node --input-type=module -e '
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { shipped, capnpConfig, wranglerToml } from "./scripts/bundle.mjs";
const out = "build/bindgen-worker", stage = `${out}/.src`;
rmSync(out, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
copyFileSync("examples/bindgen-worker/worker.js", `${stage}/worker.js`);
copyFileSync("glue.js", `${stage}/glue.js`);
copyFileSync("build/bindgen-lib/bindgen_lib.js", `${stage}/bindgen_lib.js`);
copyFileSync("build/bindgen-lib/bindgen_lib_bg.wasm", `${out}/bindgen_lib_bg.wasm`);
writeFileSync(`${out}/worker.js`, shipped(`${stage}/worker.js`));
rmSync(stage, { recursive: true });
writeFileSync(`${out}/config.capnp`, capnpConfig(["worker.js", "bindgen_lib_bg.wasm"], "127.0.0.1:8787"));
writeFileSync(`${out}/wrangler.toml`, wranglerToml("bindgen-worker"));
'
echo build/bindgen-worker
