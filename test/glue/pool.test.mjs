// The pool (js/pool.js) on a hand-written module, in Node: a runtime per request in flight up to
// the cap, a bounded queue woken by releases (no polling), a waiter whose client went away
// leaving at once, abandoned runtimes leaving the pool, idle ones beyond the warm set released.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pool } from "../../js/pool.js";
import { handle } from "../../js/runtime.js";
import { fixture } from "./fixtures.mjs";

const module = fixture();

test("up to `instances` runtimes, then a queue of `queue`, then null (503)", async () => {
  const p = pool(module, { pool: { instances: 2, queue: 1 } });
  const [a, b] = [await p.acquire(), await p.acquire()];
  assert.ok(a && b && a !== b);
  const waiting = p.acquire();
  assert.equal(await p.acquire(), null, "the queue is full");
  const t0 = performance.now();
  setTimeout(() => p.release(a), 20);
  assert.equal(await waiting, a, "woken by the release");
  assert.ok(performance.now() - t0 < 500, "by the release, not by its fallback timer");
  assert.equal(p.all.length, 2);
});

test("a waiter whose client went away leaves the queue at once and never starts", async () => {
  const p = pool(module, { pool: { instances: 1, queue: 1 } });
  const only = await p.acquire();
  const controller = new AbortController();
  const waiting = p.acquire(controller.signal);
  controller.abort();
  await assert.rejects(waiting, (e) => e.kind == "aborted");
  const next = p.acquire();
  p.release(only);
  assert.equal(await next, only, "its place went to the next");
});

test("an abandoned runtime leaves the pool; its late release changes nothing", async () => {
  const p = pool(module, { pool: { instances: 1, queue: 0 } });
  const r = await p.acquire();
  p.abandon(r);
  assert.equal(p.all.length, 0);
  const fresh = await p.acquire();
  assert.ok(fresh && fresh !== r, "the cap counts it no more");
  p.release(r);
  p.release(fresh);
  assert.deepEqual(p.all, [fresh]);
});

test("idle runtimes beyond the warm set are released after idleMs", async () => {
  const p = pool(module, { pool: { warm: 1, idleMs: 50 } });
  const all = await Promise.all(Array.from({ length: 5 }, () => p.acquire()));
  for (const r of all) p.release(r);
  assert.equal(p.all.length, 5);
  await new Promise((resolve) => setTimeout(resolve, 80));
  p.release(await p.acquire());
  assert.equal(p.all.length, 1);
});

test("the memory budget counts each instance as it is made and again as its call ends", async () => {
  // Two pages each; a call grows its instance by one page (64 KiB).
  const growing = fixture({ body: "(drop (memory.grow (i32.const 1))) (i32.const 0)" });
  const page = 64 << 10;
  const p = pool(growing, { pool: { memory: 6 * page, queue: 0 } });
  const [a, b] = [await p.acquire(), await p.acquire()];
  assert.equal(handle(a, "GET", "http://x/").status, 200);
  p.release(a); // a: 3 pages now
  // 4 + 3 pages in use: a third instance (2 more) fits no longer, though it did before the call.
  assert.equal(await p.acquire(), a, "the idle one");
  assert.equal(await p.acquire(), null, "no room for a new one");
  p.release(b);
  p.abandon(a); // a leaves the pool, and its pages the sum
  const c = await p.acquire();
  assert.equal(c, b);
  const d = await p.acquire();
  assert.ok(d && d !== a, "a new one fits in what a held");
  assert.equal(p.all.length, 2);
});
