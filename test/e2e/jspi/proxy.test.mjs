// examples/proxy in Node 24 (JSPI on by default), both builds: every route, concurrency on a
// pool of instances, faults around a suspension, the pool's cap; and hello stays synchronous.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createWorker } from "tinyworker";
import { TEST_BUILDS, envOf, quietly, startOrigin, wasmOf } from "./helpers.mjs";
import { clientMistakes, concurrentSlow, everyRoute, poolCap, slowWithFaults } from "../proxy-scenarios.mjs";

for (const build of TEST_BUILDS) {
  test(`Node 24, ${build} build: every route of examples/proxy`, async () => {
    const origin = await startOrigin();
    try {
      const worker = createWorker(wasmOf("proxy", "talc", build));
      const env = envOf(origin.url);
      await quietly(() => everyRoute((path, init) => worker.fetch(new Request(`http://proxy.test${path}`, init), env)));
      assert.ok(worker.pool.length >= 1);
      assert.equal(worker.runtime, worker.pool[0], "worker.runtime is the first runtime, as glue.d.ts says");
      assert.ok(worker.pool.every((r) => typeof r.serve == "function"), "the pool holds runtimes only");
    } finally {
      await origin.close();
    }
  });

  test(`Node 24, ${build} build: a client's mistakes are 400s and a too-large answer keeps the instance`, async () => {
    const origin = await startOrigin();
    try {
      const worker = createWorker(wasmOf("proxy", "talc", build));
      const env = envOf(origin.url);
      await clientMistakes((path, init) => worker.fetch(new Request(`http://proxy.test${path}`, init), env));
      assert.deepEqual(worker.pool.map((r) => r.instances), worker.pool.map(() => 1), "no instance was replaced");
    } finally {
      await origin.close();
    }
  });

  test(`Node 24, ${build} build: the pool releases idle instances beyond its warm set`, async () => {
    const origin = await startOrigin();
    try {
      const env = envOf(origin.url);
      const worker = createWorker(wasmOf("proxy", "talc", build), { pool: { warm: 2, idleMs: 200 } });
      const send = (path) => worker.fetch(new Request(`http://proxy.test${path}`), env);
      await Promise.all(Array.from({ length: 20 }, () => send("/slow?ms=50")));
      assert.equal(worker.pool.length, 20, "one instance per request in flight");
      await send("/");
      assert.equal(worker.pool.length, 20, "none idle long enough yet");
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(await send("/").then((r) => r.text()), "ok");
      assert.equal(worker.pool.length, 2, "the warm set is kept, the rest released");
      await Promise.all(Array.from({ length: 5 }, () => send("/slow?ms=20")));
      assert.equal(worker.pool.length, 5, "and the pool grows again under load");
    } finally {
      await origin.close();
    }
  });

  test(`Node 24, ${build} build: concurrency, faults around suspensions, the pool's cap`, async () => {
    const origin = await startOrigin();
    try {
      const env = envOf(origin.url);
      const worker = createWorker(wasmOf("proxy", "talc", build));
      const send = (path, init) => worker.fetch(new Request(`http://proxy.test${path}`, init), env);
      const { elapsed } = await concurrentSlow(send);
      console.log(`# 64 × /slow?ms=200 in ${Math.round(elapsed)} ms on ${worker.pool.length} instances`);
      await quietly(() => slowWithFaults(send));
      const capped = createWorker(wasmOf("proxy", "talc", build), { pool: { instances: 2, queue: 1 } });
      await poolCap((path, init) => capped.fetch(new Request(`http://proxy.test${path}`, init), env));
      assert.equal(capped.pool.length, 2);
    } finally {
      await origin.close();
    }
  });
}

test("Node 24: hello imports nothing and is served without promising, synchronously", () => {
  const module = wasmOf("hello", "none", "abort");
  assert.deepEqual(WebAssembly.Module.imports(module), []);
  const worker = createWorker(module);
  assert.equal(worker.pool, undefined, "no pool: one instance, called directly");
  const served = worker.runtime.serve({ method: "GET", url: "http://x/", headers: [] });
  assert.ok(!(served instanceof Promise), "the export is not wrapped in WebAssembly.promising");
  assert.equal(new TextDecoder().decode(served.body), "hello");
});
