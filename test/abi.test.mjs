// The versioned host ABI (docs/ABI.md): the glue refuses a module of another ABI version, or
// no tinyworker module at all, with an Error naming both versions; the real modules carry
// this glue's version and the flags of their build.
import { test } from "node:test";
import assert from "node:assert/strict";
import wabt from "wabt";
import { createRuntime, createWorker } from "tinyworker";
import { ABI_VERSION, FLAG_UNWIND, MODULE_HEADER_WORDS } from "tinyworker/abi";
import { TEST_BUILDS, wasmOf } from "./helpers.mjs";

/** A module with tinyworker's exports whose header says `version`. */
async function moduleOfVersion(version) {
  const { parseWat } = await wabt();
  const header = [version, 0, 1024, 65536, 128, 160].map((w) => `\\${(w & 0xff).toString(16).padStart(2, "0")}\\${((w >> 8) & 0xff).toString(16).padStart(2, "0")}\\${((w >> 16) & 0xff).toString(16).padStart(2, "0")}\\00`).join("");
  const wat = `(module
    (memory (export "memory") 2)
    (global (export "__tw_abi") i32 (i32.const 64))
    (global (export "__stack_pointer") (mut i32) (i32.const 65536))
    (func (export "__tw_fetch") (param i32) (result i32) (i32.const 0))
    (data (i32.const 64) "${header}"))`;
  return new WebAssembly.Module(parseWat("v.wat", wat).toBinary({}).buffer);
}

test("a module built for another ABI version is refused, naming both versions", async () => {
  const other = await moduleOfVersion(ABI_VERSION + 1);
  assert.throws(() => createRuntime(other), {
    message: `tinyworker: module ABI v${ABI_VERSION + 1}, glue ABI v${ABI_VERSION}`,
  });
  assert.throws(() => createWorker(other), { message: `tinyworker: module ABI v${ABI_VERSION + 1}, glue ABI v${ABI_VERSION}` }, "a Worker refuses it at startup");
  // The same module with the right version is accepted: the check is the version, nothing else.
  assert.equal(createRuntime(await moduleOfVersion(ABI_VERSION)).instances, 1);
});

test("a module that is not a tinyworker module is refused", async () => {
  const { parseWat } = await wabt();
  const plain = new WebAssembly.Module(parseWat("p.wat", '(module (memory (export "memory") 1))').toBinary({}).buffer);
  assert.throws(() => createRuntime(plain), { message: `tinyworker: module ABI vnone, glue ABI v${ABI_VERSION}` });
});

for (const build of TEST_BUILDS) {
  test(`${build} build: the module header carries ABI v${ABI_VERSION} and the build's flags`, () => {
    for (const example of ["hello", "counter"]) {
      const module = new WebAssembly.Module(wasmOf(example, "none", build));
      const exports = WebAssembly.Module.exports(module).map((e) => `${e.kind} ${e.name}`).sort();
      assert.deepEqual(exports, ["function __tw_fetch", "global __stack_pointer", "global __tw_abi", "memory memory"]);
      const x = createRuntime(module).call((x) => x);
      const header = new Uint32Array(x.memory.buffer, x.__tw_abi.value, MODULE_HEADER_WORDS);
      assert.equal(header[0], ABI_VERSION);
      assert.equal(header[1] & FLAG_UNWIND, build === "unwind" ? FLAG_UNWIND : 0);
      assert.equal(header[3], 64 * 1024, "the default I/O capacity");
    }
  });
}
