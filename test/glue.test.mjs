// glue.js with the real built modules in Node's V8: responses, every fault route,
// re-instantiation, reentrancy, limits and statistics.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Fault } from "../glue.js";
import { FAULT_ROUTES, get, quietly, runtimeOf, wasmOf, workerOf } from "./helpers.mjs";

test("hello answers GET / with 200 hello and needs no allocator or tag", async () => {
  const worker = workerOf("hello");
  const response = await worker.fetch(new Request("http://example.test/"));
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "hello");
  assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(wasmOf("hello")));
  assert.deepEqual(imports, [], "hello cannot fault, so it imports nothing");
  assert.equal(worker.runtime.stats(), null, "no allocator linked");
});

for (const [route, expected] of FAULT_ROUTES) {
  test(`faults ${route}: 500 with "${expected}", the next GET / is 200 ok`, async () => {
    const worker = workerOf("faults");
    assert.deepEqual(await get(worker, "/"), [200, "ok"]);
    const log = await quietly(async () => {
      const [status, body] = await get(worker, route);
      assert.equal(status, 500);
      assert.ok(body.includes(expected), `body ${JSON.stringify(body)} lacks ${JSON.stringify(expected)}`);
    });
    assert.equal(log.length, 1, "the fault is logged once with console.error");
    assert.ok(log[0].includes(expected.split(":")[0]));
    assert.deepEqual(await get(worker, "/"), [200, "ok"]);
    assert.equal(worker.runtime.instances, 2, "the abort build re-instantiates after every fault");
  });
}

test("faults are classified by kind, with the source location of Rust faults", () => {
  const rt = runtimeOf("faults");
  const kinds = {};
  for (const [route] of FAULT_ROUTES) {
    try {
      rt.handle("GET", `http://example.test${route}`, []);
      assert.fail(`${route} did not fault`);
    } catch (e) {
      assert.ok(e instanceof Fault, `${route}: ${e}`);
      kinds[route] = e.kind;
      if (route === "/panic") assert.match(e.where.file, /faults\/src\/lib\.rs$/);
      if (route === "/js-throw") assert.equal(e.cause.message, "thrown on purpose by a JS import");
    }
  }
  assert.deepEqual(kinds, {
    "/panic": "panic",
    "/abort": "abort",
    "/oom": "abort",
    "/trap": "trap",
    "/overflow": "trap",
    "/js-throw": "error",
    "/reenter": "error",
  });
});

test("every fault route in a row: each answered, each next request correct", async () => {
  const worker = workerOf("faults");
  await quietly(async () => {
    for (let round = 0; round < 3; round++) {
      for (const [route, expected] of FAULT_ROUTES) {
        const [status, body] = await get(worker, route);
        assert.equal(status, 500);
        assert.ok(body.includes(expected));
        assert.deepEqual(await get(worker, "/"), [200, "ok"]);
      }
    }
  });
  assert.equal(worker.runtime.instances, 1 + 3 * FAULT_ROUTES.length);
});

test("the counter keeps state across requests; a fresh instance starts at 0", async () => {
  const worker = workerOf("counter");
  for (const n of [1, 2, 3]) assert.deepEqual(await get(worker, "/incr"), [200, String(n)]);
  assert.deepEqual(await get(worker, "/count"), [200, "3"]);
  assert.deepEqual(await get(workerOf("counter"), "/count"), [200, "0"]);
  assert.equal((await get(worker, "/nope"))[0], 404);
});

test("a reentrant call is refused with a clear Error, and the outer call ends in a 500", () => {
  const rt = runtimeOf("faults");
  let inner;
  rt.call(() => {
    try {
      rt.call(() => assert.fail("the nested call ran"));
    } catch (e) {
      inner = e;
    }
  });
  assert.match(inner.message, /reentrant call refused/);
  assert.equal(rt.handle("GET", "http://example.test/", []).status, 200);
});

test("a request larger than the I/O buffer gets 413 without calling the handler", async () => {
  const worker = workerOf("hello");
  const big = new Uint8Array(64 * 1024 + 1);
  const response = await worker.fetch(new Request("http://example.test/", { method: "POST", body: big }));
  assert.equal(response.status, 413);
  assert.match(await response.text(), /too large/);
  assert.equal(worker.runtime.instances, 1, "not a fault");
});

test("methods, headers, bodies and URLs cross intact", async () => {
  const rt = runtimeOf("counter");
  const r = rt.handle("PATCH", "http://example.test/count?x=é", [["x-a", "b:c"]], new Uint8Array([0xff, 0]));
  assert.equal(r.status, 200);
  assert.equal(new TextDecoder().decode(r.body), "0");
});

test("allocator statistics are visible through the glue", async () => {
  const worker = workerOf("faults");
  await get(worker, "/");
  const stats = worker.runtime.stats();
  assert.equal(stats.limit, 8 << 20);
  await quietly(() => get(worker, "/oom"));
  // The instance that ran out of memory is gone; its successor starts clean.
  await get(worker, "/");
  assert.equal(worker.runtime.stats().failures, 0);
});

test("a memory view taken before growth is never used after it", () => {
  // /oom grows memory by megabytes inside the call; the glue must read the fault record
  // from a fresh view, or the message would be garbage or throw.
  const rt = runtimeOf("faults");
  assert.throws(() => rt.handle("GET", "http://example.test/oom", []), { message: "abort: out of memory" });
});

test("an invalid status from a handler becomes a 500, not an exception", async () => {
  const worker = workerOf("hello");
  worker.runtime.handle = () => ({ status: 42, headers: [], body: new Uint8Array() });
  const log = await quietly(async () => assert.equal((await get(worker, "/"))[0], 500));
  assert.equal(log.length, 1);
});
