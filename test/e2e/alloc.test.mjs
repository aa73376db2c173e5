// Every allocator backend in a real module through glue.js: out of memory is an abort
// and the next request is fine, try_reserve fails gracefully, statistics are visible.
import { test } from "node:test";
import assert from "node:assert/strict";
import { allocStats } from "tinyworker/stats";
import { TEST_ALLOCS, TEST_BUILDS, get, quietly, startWorkerd, workerOf as workerOfBuild } from "../helpers.mjs";

for (const build of TEST_BUILDS) {
const workerOf = (example, options) => workerOfBuild(example, { build, ...options });
for (const alloc of TEST_ALLOCS) {
  test(`${build} ${alloc}: /oom is a 500 "abort: out of memory", the next request is 200`, async () => {
    const worker = workerOf("faults", { alloc });
    const log = await quietly(async () => {
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(await get(worker, "/oom"), [500, "abort: out of memory\n"]);
        assert.deepEqual(await get(worker, "/"), [200, "ok"]);
      }
    });
    assert.equal(log.length, 3);
    assert.equal(worker.runtime.instances, 4, "each out-of-memory abort re-instantiates");
  });

  test(`${build} ${alloc}: a failed try_reserve is an error value, not a fault`, async () => {
    const worker = workerOf("faults", { alloc });
    const [status, body] = await get(worker, "/try-reserve");
    assert.equal(status, 200);
    assert.match(body, /try_reserve failed gracefully/);
    assert.equal(worker.runtime.instances, 1, "no re-instantiation");
    assert.equal(allocStats(worker.runtime).failures, 1);
    // A later panic with a static message is still a panic, not out of memory.
    await quietly(async () => assert.deepEqual(await get(worker, "/panic"), [500, "panic: injected panic\n"]));
  });

  test(`${build} ${alloc}: owned bodies and statistics`, async () => {
    const worker = workerOf("faults", { alloc });
    const [status, body] = await get(worker, "/alloc?n=5000");
    assert.equal(status, 200);
    assert.equal(body, "x".repeat(5000));
    const during = allocStats(worker.runtime);
    assert.equal(during.inUse, 5000, "the response body is alive until the next request");
    assert.ok(during.peak >= 5000 && during.allocations >= 1 && during.limit === 8 << 20, JSON.stringify(during));
    await get(worker, "/");
    assert.equal(allocStats(worker.runtime).inUse, 0, "freed (or reset) when the next request starts");
    for (let i = 0; i < 200; i++) assert.equal((await get(worker, "/alloc?n=100000"))[1].length, 100000);
    assert.ok(allocStats(worker.runtime).peak < 1 << 20, "no growth across requests");
  });
}
}

test("workerd: /oom and /try-reserve over HTTP with the bump backend", async () => {
  const alloc = TEST_ALLOCS.includes("bump") ? "bump" : TEST_ALLOCS[0];
  const server = await startWorkerd("faults", alloc);
  try {
    const text = (p) => server.get(p);
    assert.deepEqual(await text("/oom"), [500, "abort: out of memory\n"]);
    assert.deepEqual(await text("/"), [200, "ok"]);
    assert.equal((await text("/try-reserve"))[0], 200);
    assert.equal((await text("/alloc?n=70000"))[1].length, 70000);
  } finally {
    await server.stop();
  }
});

for (const build of TEST_BUILDS) {
  for (const alloc of TEST_ALLOCS) {
    test(`${build} ${alloc}: an OOM hook that frees a cache makes the retry succeed`, async () => {
      const worker = workerOfBuild("faults", { alloc, build });
      assert.deepEqual(await get(worker, "/oom-hook"), [200, "the OOM hook freed the cache and the allocation succeeded"]);
      assert.equal(worker.runtime.instances, 1);
      assert.equal(allocStats(worker.runtime).failures, 0, "the retry succeeded, nothing failed");
    });
  }
}
