// A million consecutive panics through the glue's call boundary: every answer right, and
// the shadow-stack pointer back where it started (no 32–48 B leak per fault). The abort
// build, where panics escape wasm; test/unwind.test.mjs covers the unwind build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Fault, handle } from "tinyworker";
import { runtimeOf, wasmOf } from "../helpers.mjs";

const PANIC = { method: "GET", url: "http://example.test/panic", headers: [] };

test("1,000,000 panics on one instance: each classified right, stack pointer unchanged", () => {
  // keepAfterPanic keeps the instance so the loop measures the boundary itself; the
  // default (re-instantiate) is covered below and in glue.test.mjs.
  const rt = runtimeOf("faults", { keepAfterPanic: true });
  const sp0 = rt.call((x) => x.__stack_pointer.value);
  const N = 1_000_000;
  let wrong = 0;
  for (let i = 0; i < N; i++) {
    try {
      rt.serve(PANIC);
      wrong++;
    } catch (e) {
      if (!(e instanceof Fault) || e.message !== "panic: injected panic") wrong++;
    }
  }
  assert.equal(wrong, 0);
  assert.equal(rt.instances, 1, "the same instance served every call");
  rt.call((x) => assert.equal(x.__stack_pointer.value, sp0, "shadow stack leaked"));
  assert.equal(handle(rt, "GET", "http://example.test/", []).status, 200);
});

test("control: without the glue's restore, each panic leaks shadow stack", () => {
  // Proves the assertion above can fail: the raw instance loses stack on every fault.
  const tag = new WebAssembly.Tag({ parameters: ["i32"] });
  let x;
  const url = new TextEncoder().encode(PANIC.url);
  const env = {
    __cpp_exception: tag,
    faults_js_throw() {},
    faults_reenter() {},
    faults_work() {},
    // A stand-in for the glue's request import: every request is GET /panic.
    __tw_request: (part, dst, room) => {
      const bytes = part == 1 ? url : new TextEncoder().encode(part == 0 ? "GET" : "");
      if (bytes.length <= room) new Uint8Array(x.memory.buffer, dst, bytes.length).set(bytes);
      return bytes.length;
    },
  };
  x = new WebAssembly.Instance(new WebAssembly.Module(wasmOf("faults")), { env }).exports;
  const sp0 = x.__stack_pointer.value;
  for (let i = 0; i < 100; i++) assert.throws(() => x.__tw_fetch(0), WebAssembly.Exception);
  const leaked = sp0 - x.__stack_pointer.value;
  assert.ok(leaked >= 100 * 16, `expected a leak, got ${leaked} bytes`);
});

test("20,000 panics with the default policy: a fresh instance each time, every answer right", () => {
  const rt = runtimeOf("faults");
  let wrong = 0;
  for (let i = 0; i < 20_000; i++) {
    try {
      handle(rt, "GET", "http://example.test/panic", []);
      wrong++;
    } catch (e) {
      if (e.message !== "panic: injected panic") wrong++;
    }
    if (i % 1000 === 0 && handle(rt, "GET", "http://example.test/", []).status !== 200) wrong++;
  }
  assert.equal(wrong, 0);
  assert.equal(rt.instances, 20_000, "one instance per panic");
});
