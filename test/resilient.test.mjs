// glue.js's resilient() around a real wasm-bindgen library (fixtures/bindgen-lib, built by
// make with the pinned wasm-bindgen-cli): in Node, and as a JavaScript Worker in workerd.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Fault, resilient } from "tinyworker";
import { ROOT, startWorkerdConfig } from "./helpers.mjs";

const module = new WebAssembly.Module(readFileSync(`${ROOT}/build/bindgen-lib/bindgen_lib_bg.wasm`));
let fresh = 0;
/** A not-yet-initialised copy of the generated bindings (each import is its own module). */
const bindings = () => import(`../build/bindgen-lib/bindgen_lib.js?copy=${fresh++}`);

test("working calls, and errors thrown on purpose pass through unchanged without a reset", async () => {
  const lib = resilient(await bindings(), { module });
  assert.equal(lib.add(2, 3), 5);
  assert.equal(lib.reverse("héllo"), "olléh");
  assert.throws(() => lib.fail("nope"), (e) => e.constructor === Error && e.message === "nope" && !(e instanceof Fault));
  assert.equal(lib.resets, 0);
  assert.equal(lib.add(1, 1), 2);
});

for (const [name, run] of [
  ["a trap", (lib) => lib.trap()],
  ["a panic (panic=abort)", (lib) => lib.panic_now()],
  ["running out of memory", (lib) => lib.exhaust_memory()],
  ["a trap in a class method", (lib) => new lib.Counter(1).trap()],
]) {
  test(`${name}: a typed Fault with its cause, onReset, and the next call works`, async () => {
    const seen = [];
    const lib = resilient(await bindings(), { module, onReset: (f) => seen.push(f) });
    assert.equal(lib.reverse("abc"), "cba");
    assert.throws(() => run(lib), (e) => e instanceof Fault && e.kind === "trap" && e.cause instanceof WebAssembly.RuntimeError);
    assert.equal(lib.resets, 1);
    assert.equal(seen.length, 1);
    assert.ok(seen[0] instanceof Fault);
    assert.equal(lib.reverse("abcdef"), "fedcba");
    assert.equal(new lib.Counter(7).incr(), 8);
  });
}

test("objects of a replaced instance fail clearly; new ones work; free() on them is harmless", async () => {
  const lib = resilient(await bindings(), { module });
  const old = new lib.Counter(5);
  assert.equal(old.incr(), 6);
  assert.throws(() => lib.trap(), Fault);
  assert.throws(() => old.incr(), /stale instance: this Counter belonged to a wasm instance that a fault replaced/);
  assert.throws(() => old.get(), /stale instance/);
  old.free(); // released with its instance: a no-op, not a free in the new instance
  const now = new lib.Counter(5);
  assert.equal(now.incr(), 6);
  now.free();
});

test("10,000 alternating faults and calls without a wrong answer", async () => {
  const lib = resilient(await bindings(), { module });
  let wrong = 0;
  for (let i = 0; i < 10_000; i++) {
    try {
      lib.trap();
      wrong++;
    } catch (e) {
      if (!(e instanceof Fault)) wrong++;
    }
    const text = `ab${i}`;
    if (lib.add(i, 1) !== i + 1 || lib.reverse(text) !== [...text].reverse().join("")) wrong++;
  }
  assert.equal(wrong, 0);
  assert.equal(lib.resets, 10_000);
});

test("bindings that were initialised already are refused with a clear error", async () => {
  const b = await bindings();
  b.initSync({ module });
  assert.throws(() => resilient(b, { module }), /initialised already/);
});

test("workerd: a JavaScript Worker using the library through resilient()", async () => {
  const server = await startWorkerdConfig(`${ROOT}/build/bindgen-worker/config.capnp`);
  try {
    const get = async (p) => {
      const [status, body] = await server.get(p);
      return [status, body.trim()];
    };
    assert.deepEqual(await get("/add?a=2&b=3"), [200, "5"]);
    assert.deepEqual(await get("/count"), [200, "1"]);
    assert.deepEqual(await get("/count"), [200, "2"]);
    assert.deepEqual(await get("/fail?message=bad+input"), [400, "bad input"]);
    assert.deepEqual(await get("/resets"), [200, "0"], "an error on purpose resets nothing");
    assert.deepEqual(await get("/trap"), [500, "trap: unreachable"]);
    assert.deepEqual(await get("/reverse?text=abc"), [200, "cba"]);
    assert.deepEqual(await get("/count"), [200, "1"], "onReset dropped the stale counter");
    assert.deepEqual(await get("/oom"), [500, "trap: unreachable"]);
    assert.deepEqual(await get("/add?a=40&b=2"), [200, "42"]);
    assert.deepEqual(await get("/resets"), [200, "2"]);
  } finally {
    await server.stop();
  }
});
