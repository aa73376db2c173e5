// The built modules carry this glue's ABI version and the flags of their build (docs/ABI.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRuntime } from "tinyworker";
import { ABI_VERSION, FLAG_UNWIND, MODULE_HEADER_WORDS } from "tinyworker/abi";
import { TEST_BUILDS, wasmOf } from "../helpers.mjs";

for (const build of TEST_BUILDS) {
  test(`${build} build: the module header carries ABI v${ABI_VERSION} and the build's flags`, () => {
    for (const example of ["hello", "counter"]) {
      const module = new WebAssembly.Module(wasmOf(example, "none", build));
      const exports = WebAssembly.Module.exports(module).map((e) => `${e.kind} ${e.name}`).sort();
      // (The two words workerd writes: docs/ABI.md, "Signals".)
      assert.deepEqual(exports, ["function __tw_fetch", "global __instance_signal", "global __instance_terminated", "global __stack_pointer", "global __tw_abi", "memory memory"]);
      const x = createRuntime(module).call((x) => x);
      const header = new Uint32Array(x.memory.buffer, x.__tw_abi.value, MODULE_HEADER_WORDS);
      assert.equal(header[0], ABI_VERSION);
      assert.equal(header[1] & FLAG_UNWIND, build === "unwind" ? FLAG_UNWIND : 0);
      assert.equal(header[3], 64 * 1024, "the default I/O capacity");
    }
  });
}
