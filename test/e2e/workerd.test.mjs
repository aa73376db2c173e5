// The built examples served by real workerd on 127.0.0.1: every fault route over HTTP,
// each followed by a correct 200, and the fault logged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FAULT_ROUTES, assertLogged, startWorkerd } from "../helpers.mjs";

test("workerd serves hello", async () => {
  const server = await startWorkerd("hello");
  try {
    assert.deepEqual(await server.get("/"), [200, "hello"]);
  } finally {
    await server.stop();
  }
});

test("workerd: every fault route answers 500 and the next request is 200", async () => {
  const server = await startWorkerd("faults");
  try {
    for (const [route, expected] of FAULT_ROUTES) {
      const [status, body] = await server.get(route);
      assert.equal(status, 500, `${route} -> ${status} ${body}`);
      assert.ok(body.includes(expected), `${route}: ${JSON.stringify(body)} lacks ${JSON.stringify(expected)}`);
      assert.deepEqual(await server.get("/"), [200, "ok"], `after ${route}`);
    }
    await assertLogged(server, /tinyworker: fault [0-9a-f]{8}: panic: injected panic/, "faults are logged with an id");
  } finally {
    await server.stop();
  }
});

test("workerd: the counter keeps state between requests", async () => {
  const server = await startWorkerd("counter");
  try {
    for (const n of [1, 2, 3]) assert.deepEqual(await server.get("/incr"), [200, String(n)]);
    assert.deepEqual(await server.get("/count"), [200, "3"]);
  } finally {
    await server.stop();
  }
});
