// The versioned host ABI (docs/ABI.md): the glue refuses a module of another ABI version, or
// no tinyworker module at all, with an Error naming both versions.
import { test } from "node:test";
import assert from "node:assert/strict";
import wabt from "wabt";
import { createRuntime, createWorker } from "tinyworker";
import { ABI_VERSION } from "tinyworker/abi";

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
