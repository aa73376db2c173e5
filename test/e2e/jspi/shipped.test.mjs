// The glue as it ships for one module (bundled with that module's features, scripts/bundle.mjs)
// on Node 24: modules that use a part of the glue without the imports that usually come with
// it still get every helper that part needs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import wabt from "wabt";
import { ABI_VERSION } from "tinyworker/abi";
import { shipped } from "../../../scripts/bundle.mjs";
import { ROOT } from "./helpers.mjs";

const { parseWat } = await wabt();
const le = (...words) => words.map((w) => [0, 8, 16, 24].map((s) => `\\${((w >>> s) & 0xff).toString(16).padStart(2, "0")}`).join("")).join("");

/** `wat` as a module's bytes. */
const compile = (wat) => parseWat("shipped.wat", wat, { exceptions: true }).toBinary({}).buffer;

/** The glue bundled for `bytes` (as scripts/bundle.mjs ships it), imported; its createWorker. */
async function shippedGlue(bytes) {
  const dir = mkdtempSync(join(tmpdir(), "tw-shipped-"));
  try {
    const entry = join(dir, "entry.mjs");
    writeFileSync(entry, `export { createWorker } from "tinyworker";\n`);
    const code = await shipped(entry, new Uint8Array(bytes), { tinyworker: `${ROOT}/js/glue.js` });
    const file = join(dir, "glue.mjs");
    writeFileSync(file, code);
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Issue 31, item 8: a handler that ignores its request (no __tw_request, no tag) and reads a
// string through the bridge. Its glue had no text encoder: a 500 on the first string read.
test("a module that only uses the bridge reads strings through it (its glue makes the encoder)", async () => {
  // Memory: header at 64, response record at 160, the call record at 256, the name "twGreeting"
  // at 320, the I/O buffer at 1024.
  const wasm = compile(`(module
    (import "env" "__tw_call" (func $call (param i32) (result i32)))
    (import "env" "__tw_value" (func $value (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (global (export "__tw_abi") i32 (i32.const 64))
    (func (export "__tw_fetch") (param $len i32) (result i32)
      (local $h i32) (local $n i32)
      (if (i32.eq (local.get $len) (i32.const -1)) (then (return (i32.const 1))))
      (local.set $h (call $call (i32.const 256)))
      (if (i32.lt_s (local.get $h) (i32.const 0)) (then (unreachable)))
      (local.set $n (call $value (local.get $h) (i32.const 1) (i32.const 1024) (i32.const 1024)))
      (i32.store (i32.const 180) (i32.const 1024))
      (i32.store (i32.const 184) (local.get $n))
      (i32.const 0))
    (data (i32.const 64) "${le(ABI_VERSION, 0, 1024, 4096, 128, 160)}")
    (data (i32.const 160) "${le(200, 0, 0, 0, 0, 0, 0)}")
    (data (i32.const 256) "${le(1, 0, 320, 10, 0, 0, 0, 0, 1)}")
    (data (i32.const 320) "twGreeting"))`);
  const { createWorker } = await shippedGlue(wasm);
  globalThis.twGreeting = "héllo from a global";
  try {
    const worker = createWorker(wasm);
    for (let i = 0; i < 3; i++) {
      const r = await worker.fetch(new Request("http://x/"));
      assert.deepEqual([r.status, await r.text()], [200, "héllo from a global"]);
    }
  } finally {
    delete globalThis.twGreeting;
  }
});
