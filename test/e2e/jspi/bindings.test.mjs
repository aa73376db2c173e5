// examples/bindings in Node 24 (JSPI), both builds, on in-memory stand-ins of its bindings: no
// value the bridge held outlives its request, whether the request answered or faulted (counted
// on every runtime of the pool), a fault replaces only its own instance, and a host function of
// the Worker's own (async) answers through the bridge.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createWorker } from "tinyworker";
import { TEST_BUILDS, quietly, wasmOf } from "./helpers.mjs";

/** An R2 bucket in memory: what examples/bindings calls of one. */
function bucket() {
  const objects = new Map();
  const object = (key, body, httpMetadata = {}) => ({
    key, size: body.length, etag: "e", httpEtag: '"e"', httpMetadata, customMetadata: {},
    arrayBuffer: async () => body.slice().buffer,
    get body() {
      return new Blob([body]).stream();
    },
  });
  return {
    get: async (key) => objects.get(key) ?? null,
    head: async (key) => objects.get(key) ?? null,
    put: async (key, body, options) => {
      if (body instanceof ReadableStream) body = await new Response(body).arrayBuffer();
      objects.set(key, object(key, new Uint8Array(body), options?.httpMetadata));
      return objects.get(key);
    },
    delete: async (keys) => [keys].flat().forEach((k) => objects.delete(k)),
    list: async ({ prefix = "" } = {}) => ({ objects: [...objects.values()].filter((o) => o.key.startsWith(prefix)), truncated: false }),
  };
}

for (const build of TEST_BUILDS) {
  test(`Node 24, ${build} build: nothing the bridge holds outlives its request; faults replace only their instance`, async () => {
    let looked = 0;
    const lookup = async (key) => {
      await new Promise((r) => setTimeout(r, 1));
      looked++;
      return `looked up ${key}`;
    };
    const worker = createWorker(wasmOf("bindings", "talc", build), { host: { lookup } });
    const env = { BUCKET: bucket() };
    const send = (path, init) => worker.fetch(new Request(`http://bindings.test${path}`, init), env, { waitUntil() {} });
    const text = async (path, init) => {
      const r = await send(path, init);
      return [r.status, await r.text()];
    };
    assert.deepEqual(await text("/r2/k", { method: "PUT", body: "value" }), [201, "stored\n"]);
    assert.deepEqual(await text("/r2/k"), [200, "value"]);
    assert.deepEqual(await text("/host/x"), [200, "looked up x"]);
    assert.equal(looked, 1, "the async host function ran");
    assert.equal((await text("/random/64"))[1].length > 0, true);
    assert.deepEqual(await text("/sha256", { method: "POST", body: "abc" }), [200, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"]);
    assert.deepEqual(await text("/rpc/x"), [500, "internal error\n"], "an absent binding is an error value, not a fault");
    // Instances that replaced another (each runtime's first does not count).
    const replacements = () => worker.pool.reduce((n, r) => n + r.instances - 1, 0);
    assert.equal(replacements(), 0);
    await quietly(async () => {
      for (const path of ["/r2-then-panic/k", "/r2-then-oom/k", "/r2-then-panic/absent"]) {
        const [status, body] = await text(path);
        assert.equal(status, 500, path);
        assert.match(body, /^internal error \(fault [0-9a-f]{8}\)\n$/);
      }
    });
    // Concurrent requests, some faulting, on several instances.
    await quietly(() => Promise.all(Array.from({ length: 40 }, (_, i) => send(i % 5 ? "/host/c" : "/r2-then-panic/k"))));
    assert.deepEqual(await text("/r2/k"), [200, "value"]);
    assert.ok(worker.pool.every((r) => r.held() == 0), `held: ${worker.pool.map((r) => r.held())}`);
    // (A runtime makes its next instance when it is next used: use each once.)
    for (const r of worker.pool) r.call(() => 0);
    // The abort build replaces the instance of each of the 11 panics and the abort; the unwind
    // build keeps it after a panic (destructors ran) and replaces it after the abort only.
    assert.equal(replacements(), build == "unwind" ? 1 : 11);
  });
}
