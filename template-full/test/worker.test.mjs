// The built Worker over HTTP (`npm test`): the project's own `wrangler dev` with its local
// simulators (the KV namespace, the Durable Object, .dev.vars), started with fresh state and
// stopped by the test (tinyworker/dev). Needs Node.js 22 or later.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { devServer } from "tinyworker/dev";

let server;
before(async () => (server = await devServer()));
after(() => server?.stop());

const json = async (path, init) => {
  const response = await server.fetch(path, init);
  const body = await response.text();
  return [response.status, response.headers.get("content-type")?.startsWith("application/json") ? JSON.parse(body) : body];
};

test("routes with parameters answer JSON; unknown ones 404 and 405", async () => {
  assert.deepEqual(await json("/hello/Ada%20%22L%22"), [200, { greeting: 'Hello, Ada "L"!' }]);
  assert.equal((await server.fetch("/nope")).status, 404);
  const wrong = await server.fetch("/notes/a", { method: "POST" });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get("allow"), "GET, HEAD, PUT, DELETE");
});

test("the secret from .dev.vars guards /me", async () => {
  const token = readFileSync(".dev.vars", "utf8").match(/^API_TOKEN="(.*)"$/m)[1];
  assert.equal((await server.fetch("/me")).status, 401);
  assert.deepEqual(await json("/me", { headers: { authorization: `Bearer ${token}` } }), [200, { authorized: true }]);
});

test("notes round-trip through the KV namespace", async () => {
  assert.equal((await server.fetch("/notes/n1")).status, 404);
  const text = 'two lines\nand "quotes" é';
  assert.deepEqual(await json("/notes/n1", { method: "PUT", body: JSON.stringify({ text }) }), [201, { key: "n1", stored: true }]);
  assert.deepEqual(await json("/notes/n1"), [200, { key: "n1", text }]);
  assert.deepEqual(await json("/notes/n2", { method: "PUT", body: "{not json" }), [400, { error: "the body is not JSON" }]);
  assert.equal((await server.fetch("/notes/n1", { method: "DELETE" })).status, 204);
  assert.equal((await server.fetch("/notes/n1")).status, 404);
});

test("each counter is its own Durable Object", async () => {
  assert.deepEqual(await json("/counters/a", { method: "POST" }), [200, { count: 1 }]);
  assert.deepEqual(await json("/counters/a", { method: "POST" }), [200, { count: 2 }]);
  assert.deepEqual(await json("/counters/b"), [200, { count: 0 }]);
  assert.deepEqual(await json("/counters/a"), [200, { count: 2 }]);
});

test("a fault is a 500 without its text, and the next request is served", async () => {
  const [status, body] = await json("/fault");
  assert.equal(status, 500);
  assert.match(body, /^internal error \(fault [0-9a-f]{8}\)\n$/);
  assert.deepEqual(await json("/hello/again"), [200, { greeting: "Hello, again!" }]);
});
