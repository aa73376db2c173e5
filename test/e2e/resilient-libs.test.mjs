// resilient() on real wasm-bindgen libraries from npm (pinned in package.json), of different
// wasm-bindgen versions: @swc/wasm-web 1.3.100 (wasm-bindgen 0.2.84, initSync(module), async
// exports), @wasm-fmt/ruff_fmt 0.6.1 (0.2.93, initSync({ module })) and @wasm-fmt/yamlfmt
// 0.1.2 (0.2.106). Ordinary calls give exactly the unwrapped results; a real fault through the
// public API (input nested deep enough to overflow the library's stack in linear memory) is a
// Fault and the next call is right; 200 alternations give no wrong answer and a bounded RSS.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Fault, resilient } from "tinyworker";
import { ROOT, settledMemory } from "../helpers.mjs";

const MiB = 1 << 20;
const nested = (prefix, open, close, n) => prefix + open.repeat(n) + (open == "(" ? "1" : "") + close.repeat(n);

const SWC_OPTIONS = { jsc: { parser: { syntax: "ecmascript" }, target: "es5" } };
const LIBS = [
  {
    name: "@swc/wasm-web 1.3.100 (wasm-bindgen 0.2.84)", dir: "@swc/wasm-web", js: "wasm-web.js", wasm: "wasm-web_bg.wasm",
    run: (lib, input) => lib.transformSync(input, SWC_OPTIONS).code,
    inputs: ["const a = 1 + 2; let b = a?.x ?? 3;", "class A { #x = 1; get x() { return this.#x } }", "for (const [k, v] of m) f(k, ...v);"],
    fault: nested("x = ", "(", ")", 2_000),
  },
  {
    name: "@wasm-fmt/ruff_fmt 0.6.1 (wasm-bindgen 0.2.93)", dir: "@wasm-fmt/ruff_fmt", js: "ruff_fmt.js", wasm: "ruff_fmt_bg.wasm",
    run: (lib, input) => lib.format(input, "a.py"),
    inputs: ["x=1", "def f(a,b):\n  return a+b\n", "class A:\n  pass"],
    fault: nested("x = ", "(", ")", 10_000) + "\n",
  },
  {
    name: "@wasm-fmt/yamlfmt 0.1.2 (wasm-bindgen 0.2.106)", dir: "@wasm-fmt/yamlfmt", js: "yamlfmt.js", wasm: "yamlfmt_bg.wasm",
    run: (lib, input) => lib.format(input, "a.yaml"),
    inputs: ["a:   1", "list: [1,   2]", "k:\n  - x\n  -   y"],
    fault: nested("a: ", "[", "]", 10_000),
  },
];

let copies = 0;
/** A fresh, not yet initialised copy of the library's generated bindings. */
const bindingsOf = (lib) => import(`${ROOT}/node_modules/${lib.dir}/${lib.js}?copy=${copies++}`);
/** initSync in the form the bindings take: `{ module }` from wasm-bindgen 0.2.93, else the module. */
const initPlain = (b, module) => b.initSync(/getPrototypeOf\(module\)/.test(String(b.initSync)) ? { module } : module);
const moduleOf = (lib) => new WebAssembly.Module(readFileSync(`${ROOT}/node_modules/${lib.dir}/${lib.wasm}`));

for (const lib of LIBS) {
  test(`${lib.name}: same results as unwrapped; a real fault is a Fault, the next call right; 200 alternations`, async () => {
    const module = moduleOf(lib);
    const plain = await bindingsOf(lib);
    const plainExports = initPlain(plain, module);
    const wrapped = resilient(await bindingsOf(lib), { module });
    for (const input of lib.inputs) assert.equal(lib.run(wrapped, input), lib.run(plain, input), input);

    assert.throws(() => lib.run(wrapped, lib.fault), (e) => e instanceof Fault && e.kind === "trap" && e.cause instanceof WebAssembly.RuntimeError);
    assert.equal(wrapped.resets, 1);
    assert.equal(lib.run(wrapped, lib.inputs[0]), lib.run(plain, lib.inputs[0]), "the next call is right");
    // Unwrapped, the same fault leaves the library broken: its next call throws or is wrong.
    const broken = await bindingsOf(lib);
    initPlain(broken, module);
    assert.throws(() => lib.run(broken, lib.fault), WebAssembly.RuntimeError);
    let right;
    try {
      right = lib.run(broken, lib.inputs[0]) === lib.run(plain, lib.inputs[0]);
    } catch {
      right = false;
    }
    assert.equal(right, false, "the unwrapped library should stay broken (else this test proves nothing)");

    // 50 alternations warm up (V8 compiles the fault path's functions, fills its pools); RSS is
    // then measured over 200 more, each of which replaces the instance.
    const WARMUP = 50, ALTERNATIONS = 200;
    let wrong = 0, rss0;
    const settle = async () => (await settledMemory()).rss;
    for (let i = 0; i < WARMUP + ALTERNATIONS; i++) {
      if (i == WARMUP) rss0 = await settle();
      try {
        lib.run(wrapped, lib.fault);
        wrong++;
      } catch (e) {
        if (!(e instanceof Fault)) wrong++;
      }
      const input = lib.inputs[i % lib.inputs.length];
      if (lib.run(wrapped, input) !== lib.run(plain, input)) wrong++;
    }
    const grown = ((await settle()) - rss0) / MiB;
    // Replaced instances are released: what stays is about one instance, not 200 of them.
    const instance = plainExports.memory.buffer.byteLength / MiB;
    console.log(`# ${lib.name}: ${WARMUP}+${ALTERNATIONS} alternations, ${wrong} wrong, RSS ${grown >= 0 ? "+" : ""}${grown.toFixed(1)} MiB over the last ${ALTERNATIONS} (one instance's memory ${instance.toFixed(1)} MiB)`);
    assert.equal(wrong, 0);
    assert.equal(wrapped.resets, 1 + WARMUP + ALTERNATIONS);
    assert.ok(grown < 16 + 2 * instance, `RSS grew ${grown.toFixed(1)} MiB over ${ALTERNATIONS} replaced instances`);
  });
}

test("@swc/wasm-web's async export: settles with the result, or rejects with a Fault and resets once", async () => {
  const [lib] = LIBS;
  const module = moduleOf(lib);
  const wrapped = resilient(await bindingsOf(lib), { module });
  const [input] = lib.inputs;
  const expected = lib.run(wrapped, input);
  assert.equal((await wrapped.transform(input, SWC_OPTIONS)).code, expected);
  await assert.rejects(wrapped.transform(lib.fault, SWC_OPTIONS), (e) => e instanceof Fault && e.kind === "trap");
  assert.equal(wrapped.resets, 1);
  assert.equal((await wrapped.transform(input, SWC_OPTIONS)).code, expected);
});

test("@swc/wasm-web (0.2.84 glue, closures as heap indexes): a sync fault while async calls are queued", async () => {
  const [lib] = LIBS;
  const wrapped = resilient(await bindingsOf(lib), { module: moduleOf(lib) });
  const [input] = lib.inputs;
  const expected = lib.run(wrapped, input);
  const uncaught = [];
  const onError = (e) => uncaught.push(e);
  process.on("uncaughtException", onError).on("unhandledRejection", onError);
  try {
    const queued = [1, 2, 3].map(() => wrapped.transform(input, SWC_OPTIONS)); // their tasks wait in the microtask queue
    const fault = (() => {
      try {
        lib.run(wrapped, lib.fault);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(fault instanceof Fault);
    for (const p of queued) await assert.rejects(p, (e) => e === fault);
    await new Promise((r) => setTimeout(r, 20));
    // The dead instance's queued tasks were disarmed: had they run on the new instance, it
    // would have trapped (a second reset) or answered wrong.
    assert.equal(wrapped.resets, 1);
    assert.equal((await wrapped.transform(input, SWC_OPTIONS)).code, expected);
    assert.equal(lib.run(wrapped, input), expected);
    assert.deepEqual(uncaught, []);
  } finally {
    process.off("uncaughtException", onError).off("unhandledRejection", onError);
  }
});
