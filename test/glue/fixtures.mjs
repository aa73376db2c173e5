// Hand-written modules in WAT that speak the host ABI (docs/ABI.md) without any Rust: what the
// glue tests of this lane run on, so they need no build and run in a second.
//
// Memory layout of every fixture: the module header at 64, the fault record at 128, the
// response record at 160, one header record at 256 (`content-type: text/plain`, its bytes at
// 320 and 336), a body at 400 ("ok"), the fault message at 480 ("boom"), the I/O buffer at
// 1024 (capacity 4096).
import wabt from "wabt";
import { ABI_VERSION } from "tinyworker/abi";

const { parseWat } = await wabt();

/** `words` as a WAT data string of little-endian u32s. */
const le = (...words) => words.map((w) => [0, 8, 16, 24].map((s) => `\\${((w >>> s) & 0xff).toString(16).padStart(2, "0")}`).join("")).join("");

export const IO = 1024, CAPACITY = 4096, FAULT = 128, RESPONSE = 160;

/**
 * A module whose `__tw_fetch(len)` runs `body` (WAT instructions that end with the outcome on
 * the stack; `$len` is the body's length) after the response record was set to 200, one header,
 * body "ok". `imports` are WAT import lines (the tag is `$tag`); `flags` the header's flags.
 */
export function fixture({ body = "(i32.const 0)", imports = "", flags = 0, version = ABI_VERSION, funcs = "" } = {}) {
  const wat = `(module
    ${imports}
    (memory (export "memory") 2)
    (global (export "__tw_abi") i32 (i32.const 64))
    (global $sp (export "__stack_pointer") (mut i32) (i32.const 65536))
    ${funcs}
    (func (export "__tw_fetch") (param $len i32) (result i32)
      (i32.store (i32.const ${FAULT}) (i32.const 0))
      (global.set $sp (i32.const 60000)) ;; a frame the glue must pop after an escaped fault
      ${body})
    (data (i32.const 64) "${le(version, flags, IO, CAPACITY, FAULT, RESPONSE)}")
    (data (i32.const ${RESPONSE}) "${le(200, 256, 1, 0, 0, 400, 2)}")
    (data (i32.const 256) "${le(320, 12, 336, 10)}")
    (data (i32.const 320) "content-type")
    (data (i32.const 336) "text/plain")
    (data (i32.const 400) "ok")
    (data (i32.const 480) "boom"))`;
  return new WebAssembly.Module(parseWat("fixture.wat", wat, { exceptions: true }).toBinary({}).buffer);
}

/** WAT: write a fault record of `kind` with the message "boom". */
export const record = (kind) => `(i32.store (i32.const ${FAULT}) (i32.const ${kind}))
      (i32.store (i32.const ${FAULT + 4}) (i32.const 480)) (i32.store (i32.const ${FAULT + 8}) (i32.const 4))`;

/** The tag import line. */
export const TAG = `(import "env" "__cpp_exception" (tag $tag (param i32)))`;
