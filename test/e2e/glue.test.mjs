// glue.js with the real built modules in Node's V8, for each build: responses, every fault
// route, re-instantiation, reentrancy, limits and statistics.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Fault, handle } from "tinyworker";
import { allocStats } from "tinyworker/stats";
import { FAULT_ROUTES, TEST_BUILDS, get, keepsInstance, quietly, runtimeOf, wasmOf, workerOf } from "../helpers.mjs";

for (const build of TEST_BUILDS) {
  describe(`${build} build`, () => {
    const worker = (example, options = {}) => workerOf(example, { build, ...options });
    const runtime = (example, options = {}) => runtimeOf(example, { build, ...options });

    test("hello answers GET / with 200 hello and needs no allocator or tag", async () => {
      const w = worker("hello");
      const response = await w.fetch(new Request("http://example.test/"));
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "hello");
      assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
      assert.equal(allocStats(w.runtime), null, "no allocator linked");
      const flags = w.runtime.call((x) => new Uint32Array(x.memory.buffer, x.__tw_abi.value, 2)[1]);
      assert.equal(flags & 1, build === "unwind" ? 1 : 0, "the module header's FLAG_UNWIND marks the unwind build");
      if (build === "abort") {
        const imports = WebAssembly.Module.imports(new WebAssembly.Module(wasmOf("hello", "none", build)));
        assert.deepEqual(imports, [], "hello cannot fault, so it imports nothing");
      }
    });

    for (const [route, expected] of FAULT_ROUTES) {
      const kept = keepsInstance(build, route);
      test(`faults ${route}: 500 with "${expected}", the next GET / is 200 ok, instance ${kept ? "kept" : "replaced"}`, async () => {
        const w = worker("faults");
        assert.deepEqual(await get(w, "/"), [200, "ok"]);
        const log = await quietly(async () => {
          const [status, body] = await get(w, route);
          assert.equal(status, 500);
          assert.ok(body.includes(expected), `body ${JSON.stringify(body)} lacks ${JSON.stringify(expected)}`);
        });
        assert.equal(log.length, 1, "the fault is logged once with console.error");
        assert.ok(log[0].includes(expected.split(":")[0]));
        assert.deepEqual(await get(w, "/"), [200, "ok"]);
        assert.equal(w.runtime.instances, kept ? 1 : 2);
      });
    }

    test("faults are classified by kind, with the source location of Rust faults", () => {
      const rt = runtime("faults");
      const kinds = {};
      for (const [route] of FAULT_ROUTES) {
        try {
          handle(rt, "GET", `http://example.test${route}`, []);
          assert.fail(`${route} did not fault`);
        } catch (e) {
          assert.ok(e instanceof Fault, `${route}: ${e}`);
          kinds[route] = e.kind;
          if (route === "/panic") assert.match(e.where, /faults\/src\/lib\.rs:\d+:\d+$/);
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
      const w = worker("faults");
      await quietly(async () => {
        for (let round = 0; round < 3; round++) {
          for (const [route, expected] of FAULT_ROUTES) {
            const [status, body] = await get(w, route);
            assert.equal(status, 500);
            assert.ok(body.includes(expected));
            assert.deepEqual(await get(w, "/"), [200, "ok"]);
          }
        }
      });
      const replacing = FAULT_ROUTES.filter(([route]) => !keepsInstance(build, route)).length;
      assert.equal(w.runtime.instances, 1 + 3 * replacing);
    });

    test("the counter keeps state across requests; a fresh instance starts at 0", async () => {
      const w = worker("counter");
      for (const n of [1, 2, 3]) assert.deepEqual(await get(w, "/incr"), [200, String(n)]);
      assert.deepEqual(await get(w, "/count"), [200, "3"]);
      assert.deepEqual(await get(worker("counter"), "/count"), [200, "0"]);
      assert.equal((await get(w, "/nope"))[0], 404);
    });

    test("a reentrant call is refused with a clear Error, and the outer call goes on", () => {
      const rt = runtime("faults");
      let inner;
      rt.call(() => {
        try {
          rt.call(() => assert.fail("the nested call ran"));
        } catch (e) {
          inner = e;
        }
      });
      assert.match(inner.message, /reentrant call refused/);
      assert.equal(handle(rt, "GET", "http://example.test/", []).status, 200);
    });

    test("a request larger than the I/O buffer gets 413 without calling the handler", async () => {
      const w = worker("hello");
      const big = new Uint8Array(64 * 1024 + 1);
      const response = await w.fetch(new Request("http://example.test/", { method: "POST", body: big }));
      assert.equal(response.status, 413);
      assert.match(await response.text(), /too large/);
      assert.equal(w.runtime.instances, 1, "not a fault");
    });

    test("methods, headers, bodies and URLs cross intact", () => {
      const rt = runtime("counter");
      const r = handle(rt, "PATCH", "http://example.test/count?x=é", [["x-a", "b:c"]], new Uint8Array([0xff, 0]));
      assert.equal(r.status, 200);
      assert.equal(new TextDecoder().decode(r.body), "0");
    });

    test("a memory view taken before growth is never used after it", () => {
      // /oom grows memory by megabytes inside the call; the glue must read the fault record
      // from a fresh view, or the message would be garbage or throw.
      const rt = runtime("faults");
      assert.throws(() => handle(rt, "GET", "http://example.test/oom", []), { message: "abort: out of memory" });
    });

    test("an invalid status from a handler becomes a 500, not an exception", async () => {
      const w = worker("hello");
      w.runtime.serve = () => ({ status: 42, headers: {}, body: new Uint8Array() });
      const log = await quietly(async () => assert.equal((await get(w, "/"))[0], 500));
      assert.equal(log.length, 1);
    });
  });
}
