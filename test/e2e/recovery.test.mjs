// Recovery that costs the next request nothing, in Node's V8 with the built faults example, for
// each build: the spare instance (made after an answer, taken into use by the request after a
// fault), and the platform's kill and CPU signals, simulated as workerd does them: a shim of
// WebAssembly.Instance registers every instance exporting __instance_terminated (workerd's own
// shim does the same), execution is killed for real (V8's TerminateExecution, by a vm timeout:
// no catch or finally of the call runs), then 1 is written to every registered instance's word.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import vm from "node:vm";
import { faultsImports } from "../../examples/faults/imports.js";

// workerd's registration, before the glue is loaded (it reads WebAssembly.Instance once).
const registered = [];
let made = 0;
const NativeInstance = WebAssembly.Instance;
WebAssembly.Instance = function Instance(module, imports) {
  const instance = new NativeInstance(module, imports);
  made++;
  const { __instance_terminated: terminated, __instance_signal: signal, memory } = instance.exports;
  if (terminated instanceof WebAssembly.Global) registered.push({ memory, terminated: terminated.value, signal: signal?.value });
  return instance;
};
WebAssembly.Instance.prototype = NativeInstance.prototype;
// (Everything that loads the glue is imported after the shim.)
const { createWorker } = await import("tinyworker");
const { FAULT_ROUTES, TEST_BUILDS, detailed, quietly, wasmOf } = await import("../helpers.mjs");
const SIGXCPU = 24;
/** What workerd writes to every registered instance: `word` is "terminated" or "signal". */
const write = (word, value) => registered.forEach((r) => (new Uint32Array(r.memory.buffer)[r[word] >> 2] = value));
const macrotask = () => new Promise((resolve) => setTimeout(resolve, 0));

for (const build of TEST_BUILDS) {
  describe(`${build} build`, () => {
    // The faults Worker, whose host work (`/spin`) may stand in for workerd's CPU signal.
    const worker = (options = {}) => {
      const host = { signalAfter: 0, work: 0 };
      const imports = (rt) => ({
        ...faultsImports(rt),
        faults_work() {
          if (++host.work === host.signalAfter) write("signal", SIGXCPU);
        },
      });
      const w = createWorker(wasmOf("faults", "talc", build), { imports, faultResponse: detailed, ...options });
      const get = async (path) => {
        const response = await w.fetch(new Request(`http://example.test${path}`));
        return [response.status, await response.text()];
      };
      return { w, host, get };
    };

    test("the module exports the words workerd writes, and clears the signal as each call begins", () => {
      const exports = WebAssembly.Module.exports(new WebAssembly.Module(wasmOf("faults", "talc", build))).map((e) => `${e.name}:${e.kind}`);
      assert.ok(exports.includes("__instance_terminated:global") && exports.includes("__instance_signal:global"));
    });

    for (const [route] of FAULT_ROUTES) {
      test(`after ${route}, the next request runs on the spare (no instantiation on its time); the refill makes a new spare`, async () => {
        const { w, get } = worker();
        assert.deepEqual(await get("/"), [200, "ok"]);
        await macrotask(); // the spare is made after the first answer
        const before = made;
        await quietly(() => get(route));
        const replaced = w.runtime.instances;
        const start = made;
        assert.deepEqual(await get("/"), [200, "ok"]);
        assert.equal(made, start, "the request after the fault instantiated nothing");
        // (A fault the unwind build keeps the instance after made no spare necessary.)
        await macrotask();
        assert.ok(made - before <= 1, "one new spare at most, after the answer");
        assert.ok(w.runtime.instances >= replaced);
        // Two faults in a row, the second before the refill: still answered right.
        await quietly(() => get(route));
        await quietly(() => get(route));
        assert.deepEqual(await get("/"), [200, "ok"]);
      });
    }

    test("`spare: false`: no spare; the instance a fault used up is made after the answer, or by the next request", async () => {
      const { w, get } = worker({ spare: false });
      assert.deepEqual(await get("/"), [200, "ok"]);
      await macrotask();
      let start = made;
      assert.equal(made - start, 0, "nothing made ahead of need");
      await quietly(() => get("/abort"));
      await macrotask();
      assert.equal(made - start, 1, "the instance, after the answer");
      assert.deepEqual(await get("/"), [200, "ok"]);
      assert.equal(made - start, 1);
      // A request that comes before the refill makes its own (the runtime used directly: no
      // refill scheduled).
      start = made;
      assert.throws(() => w.runtime.serve({ method: "GET", url: "http://example.test/abort", headers: [] }), /abort/);
      assert.deepEqual(await get("/"), [200, "ok"]);
      assert.equal(made - start, 1);
      assert.equal(w.runtime.instances, 3);
    });

    test("a call the platform kills mid-way (CPU limit) leaves no busy or half-run instance: the next request is answered on a fresh one", async () => {
      const { w, get } = worker();
      assert.deepEqual(await get("/"), [200, "ok"]);
      assert.deepEqual(await get("/served"), [200, "2"]);
      await macrotask();
      // The kill: V8 terminates the execution inside wasm; nothing of the glue's call returns.
      let response;
      assert.throws(
        () => vm.runInNewContext("go()", { go: () => (response = w.fetch(new Request("http://example.test/spin"))) }, { timeout: 100 }),
        (e) => e.code === "ERR_SCRIPT_EXECUTION_TIMEOUT",
      );
      assert.equal(response, undefined, "the call never returned");
      write("terminated", 1);
      const log = await quietly(async () => {
        assert.deepEqual(await get("/"), [200, "ok"], "answered, not refused as reentrant");
      });
      assert.ok(log.some((line) => line.includes("a call was cut off")), log.join("\n"));
      assert.deepEqual(await get("/served"), [200, "2"], "a fresh instance (its count started over)");
      // The guard still refuses a real reentrant call, and the instance after it is healthy.
      let status, body;
      await quietly(async () => ([status, body] = await get("/reenter")));
      assert.equal(status, 500);
      assert.match(body, /reentrant call refused/);
      assert.deepEqual(await get("/"), [200, "ok"]);
      // A kill written while no call runs (another Worker's, in the same isolate) is no fault.
      write("terminated", 1);
      const quiet = await quietly(async () => assert.deepEqual(await get("/"), [200, "ok"]));
      assert.equal(quiet.length, 0);
    });

    test("the handler sees the CPU signal workerd writes, and the next call starts without it", async () => {
      const { host, get } = worker();
      host.signalAfter = 1000;
      assert.deepEqual(await get("/spin"), [503, "1000"], "stopped after the round in which the signal came");
      assert.deepEqual(await get("/"), [200, "ok"]);
      host.work = 0;
      host.signalAfter = 3;
      assert.deepEqual(await get("/spin"), [503, "3"], "the old signal was cleared when the call began");
    });
  });
}
