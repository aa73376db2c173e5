// The built Worker over HTTP (`npm test`): the project's own `wrangler dev`, as `npx wrangler
// dev` serves it, started and stopped by the test (tinyworker/dev). Needs Node.js 22 or later.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { devServer } from "tinyworker/dev";

let server;
before(async () => (server = await devServer()));
after(() => server?.stop());

const text = async (path, init) => {
  const response = await server.fetch(path, init);
  return [response.status, await response.text()];
};

test("the routes answer", async () => {
  assert.deepEqual(await text("/"), [200, "hello from {{name}}\n"]);
  assert.deepEqual(await text("/echo?a=1"), [200, "a=1"]);
  const go = await server.fetch("/go?to=/there");
  assert.equal(go.status, 302);
  assert.equal(go.headers.get("location"), "/there");
  assert.deepEqual(await text("/nope"), [404, "not found\n"]);
});

test("a fault is a 500 without its text, and the next request is served", async () => {
  const [status, body] = await text("/panic");
  assert.equal(status, 500);
  assert.match(body, /^internal error \(fault [0-9a-f]{8}\)\n$/);
  assert.doesNotMatch(body, /on purpose/);
  assert.deepEqual(await text("/"), [200, "hello from {{name}}\n"]);
});
