// The fuel meter (js/meter.js, "tinyworker/meter") on hand-written modules and on every built
// example: a loop that never ends traps after its fuel, each call into the module starts with a
// full tank, a metered module answers as it did, and a module the meter cannot read is refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import wabt from "wabt";
import { createWorker } from "tinyworker";
import { MeterError, meter } from "tinyworker/meter";
import { faultsImports } from "../../examples/faults/imports.js";
import { FAULT_ROUTES, ROOT, TEST_BUILDS, detailed, get, quietly, wasmOf } from "../helpers.mjs";

const { parseWat } = await wabt();
const OUT_OF_FUEL = "out of fuel: the call's loops ran all the iterations the meter allows";
const wat = (text, features = {}) => parseWat("t.wat", text, features).toBinary({}).buffer;
const instance = (bytes, imports = {}) => new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports;

const LOOPS = wat(`(module
  (global $seen (mut i32) (i32.const 0))
  (func $count (export "count") (param $n i32) (result i32) (local $i i32)
    (block $done (loop $again
      (br_if $done (i32.eq (local.get $i) (local.get $n)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $again)))
    (local.get $i))
  (func (export "forever") (loop $again (br $again)))
  (func (export "nested") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $sum i32)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (local.set $sum (i32.add (local.get $sum) (i32.const 1)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $sum))
  (func (export "twice") (param $n i32) (result i32)
    (i32.add (call $count (local.get $n)) (call $count (local.get $n))))
  (func (export "seen") (result i32) (global.get $seen)))`);

test("a loop traps once its fuel is spent; each call into the module starts with a full tank", () => {
  const plain = instance(LOOPS);
  const metered = instance(meter(LOOPS, { fuel: 1000 }));
  // `count(n)` runs its loop's top n + 1 times (the last one leaves it).
  assert.equal(metered.count(999), 999, "within the fuel");
  assert.equal(metered.count(999), 999, "and again: the tank is full at each call");
  assert.throws(() => metered.count(1000), (e) => e instanceof WebAssembly.RuntimeError && /unreachable/.test(e.message));
  assert.equal(metered.count(5), 5, "a call after the trap has its fuel back");
  assert.throws(() => metered.forever(), WebAssembly.RuntimeError, "a loop that never ends is a trap");
  // Every loop spends from the same tank: 30 x 30 inner iterations and 30 outer ones.
  assert.equal(metered.nested(30), 900);
  assert.throws(() => instance(meter(LOOPS, { fuel: 900 })).nested(30), WebAssembly.RuntimeError);
  // Calls inside the module share the caller's tank (only a call from outside fills it).
  assert.equal(metered.twice(499), 998);
  assert.throws(() => metered.twice(500), WebAssembly.RuntimeError);
  // The module's own globals and answers are untouched.
  assert.equal(metered.seen(), plain.seen());
  assert.equal(plain.count(5000), 5000);
  assert.deepEqual(Object.keys(metered), [...Object.keys(plain), "__tw_fuel"], "the same exports, in order, and the tank");
  assert.ok(metered.__tw_fuel instanceof WebAssembly.Global, "the tank, for the glue to read");
  assert.throws(() => meter(meter(LOOPS)), MeterError, "metered twice");
});

test("the fuel is 1 to 2^32 - 1 iterations, and all of it can be spent", () => {
  for (const fuel of [0, -1, 1.5, 2 ** 32, NaN]) assert.throws(() => meter(LOOPS, { fuel }), RangeError, String(fuel));
  assert.equal(instance(meter(LOOPS, { fuel: 1 })).count(0), 0, "one check, one unit");
  assert.throws(() => instance(meter(LOOPS, { fuel: 1 })).count(1), WebAssembly.RuntimeError);
  // Past 2^31 the tank is an i32's bits, counted down as unsigned.
  assert.equal(instance(meter(LOOPS, { fuel: 2 ** 32 - 1 })).count(100_000), 100_000);
  assert.equal(instance(meter(LOOPS, { fuel: 2 ** 31 + 5 })).count(100_000), 100_000);
});

test("a module without globals, or that only re-exports an import, is metered too", () => {
  const bare = wat(`(module (func (export "f") (result i32) (local $i i32)
    (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (i32.const 10))))
    (local.get $i)))`);
  assert.equal(instance(meter(bare, { fuel: 10 })).f(), 10);
  assert.throws(() => instance(meter(bare, { fuel: 9 })).f(), WebAssembly.RuntimeError);
  const reexport = wat(`(module (import "host" "f" (func $f (param i32) (result i32))) (export "g" (func $f)))`);
  assert.equal(instance(meter(reexport), { host: { f: (x) => x * 2 } }).g(21), 42);
});

test("a module the meter cannot read is refused with a MeterError, never passed on half-read", () => {
  assert.throws(() => meter(new TextEncoder().encode("not wasm at all")), MeterError);
  assert.throws(() => meter(LOOPS.slice(0, LOOPS.byteLength - 3)), MeterError, "cut short");
  const simd = wat(`(module (func (export "f") (result i32) (loop $l) (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4))))`, { simd: true });
  assert.throws(() => meter(simd), (e) => e instanceof MeterError && /0xfd/.test(e.message), "an instruction of a proposal it does not know");
});

test("every built example meters into a module that validates", () => {
  let seen = 0;
  for (const dir of readdirSync(`${ROOT}/build`)) {
    const file = `${ROOT}/build/${dir}/app.wasm`;
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    if (!WebAssembly.validate(bytes)) continue; // (an encoding this Node lacks)
    assert.ok(WebAssembly.validate(meter(bytes)), `${dir}: the metered module validates`);
    seen++;
  }
  assert.ok(seen >= 10, `examples seen: ${seen}`);
});

for (const build of TEST_BUILDS) {
  test(`${build} build: examples/faults metered answers as before, and a request that spins forever is its 500 alone`, async () => {
    const worker = createWorker(meter(wasmOf("faults", "talc", build), { fuel: 200_000 }), { imports: faultsImports, faultResponse: detailed });
    assert.deepEqual(await get(worker, "/"), [200, "ok"]);
    for (const [route, expected] of FAULT_ROUTES) {
      await quietly(async () => {
        const [status, body] = await get(worker, route);
        assert.equal(status, 500, route);
        assert.ok(body.includes(expected), `${route}: ${JSON.stringify(body)} lacks ${JSON.stringify(expected)}`);
      });
      assert.deepEqual(await get(worker, "/"), [200, "ok"], `the request after ${route}`);
    }
    // `/spin` works until the platform's CPU signal, which Node never gives: without the meter
    // it would never end.
    const log = await quietly(async () => assert.deepEqual(await get(worker, "/spin"), [500, `trap: ${OUT_OF_FUEL}\n`]));
    assert.equal(log.length, 1, "logged once, with a fault id");
    assert.deepEqual(await get(worker, "/"), [200, "ok"], "the next request is served");
  });
}
