#!/usr/bin/env bash
# Builds the wasm-bindgen fixture (fixtures/bindgen-lib) with the pinned wasm-bindgen-cli
# into build/bindgen-lib/ (--target web), and the JavaScript Worker example that uses it
# through the tinyworker package's resilient() into build/bindgen-worker/ (worker.js + wasm + configs).
set -euo pipefail
cd "$(dirname "$0")/.."
# RUSTFLAGS replaces the workspace's tinyworker link flags; the library gets 64 MiB of
# memory at most, so running out of it is quick to test.
RUSTFLAGS="-Clink-arg=--max-memory=67108864" cargo build -q --release --locked \
  --manifest-path fixtures/bindgen-lib/Cargo.toml --target wasm32-unknown-unknown --target-dir target/bindgen-lib
.tools/cargo/bin/wasm-bindgen --target web --out-dir build/bindgen-lib \
  target/bindgen-lib/wasm32-unknown-unknown/release/bindgen_lib.wasm
node --input-type=module -e '
import { ship } from "./scripts/bundle.mjs";
await ship({
  out: "build/bindgen-worker",
  name: "bindgen-worker",
  sources: {
    "worker.js": "examples/bindgen-worker/worker.js",
    "bindgen_lib.js": "build/bindgen-lib/bindgen_lib.js",
  },
  assets: { "bindgen_lib_bg.wasm": "build/bindgen-lib/bindgen_lib_bg.wasm" },
});
'
echo build/bindgen-worker
