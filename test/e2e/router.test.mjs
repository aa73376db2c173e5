// examples/router over HTTP in workerd: routes with parameters, 404 and 405 with `allow`, HEAD,
// percent-decoding, query parameters, JSON read and written without an allocator; and
// examples/router_serde (the same routes with serde_json) answering the same where the two
// agree by design (serde_json re-serialises an echoed document; tinyworker's echoes it as sent);
// and examples/router_sjc (serde-json-core: typed structs, borrowed strings) where it can;
// and examples/router_try (the same routes with `?`: the same statuses, generic error bodies).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ROOT, startWorkerdConfig } from "../helpers.mjs";

const CASES = [
  // [method, path, body, status, content type, answer]
  ["GET", "/users/42", null, 200, "application/json", '{"id":"42","path":"/users/42"}'],
  ["GET", "/users/caf%C3%A9", null, 200, "application/json", '{"id":"café","path":"/users/caf%C3%A9"}'],
  ["GET", "/users/a%2Fb", null, 200, "application/json", '{"id":"a/b","path":"/users/a%2Fb"}'],
  ["GET", "/users/%zz", null, 400, "text/plain; charset=utf-8", "bad id\n"],
  ["GET", "/users/", null, 404, "text/plain; charset=utf-8", "not found\n"],
  ["GET", "/users", null, 404, "text/plain; charset=utf-8", "not found\n"],
  ["GET", "/users/1/", null, 404, "text/plain; charset=utf-8", "not found\n"],
  ["GET", "//users/1", null, 404, "text/plain; charset=utf-8", "not found\n"],
  ["PUT", "/users/7", '{"name": "Ad\\u00e9 \\"A\\"\\n"}', 200, "application/json", '{"id":"7","name":"Adé \\"A\\"\\n"}'],
  ["PUT", "/users/7", '{"name": 1}', 422, "text/plain; charset=utf-8", "name: a string\n"],
  ["PUT", "/users/7", '{"name": "x"', 400, "text/plain; charset=utf-8", "not JSON\n"],
  ["POST", "/echo", "[1,2", 400, "text/plain; charset=utf-8", "not JSON\n"],
  ["GET", "/search?q=a+b%20c%26", null, 200, "application/json", '{"q":"a b c&"}'],
  ["GET", "/search?x=1", null, 200, "application/json", '{"q":null}'],
  ["GET", "/search?q=%", null, 400, "text/plain; charset=utf-8", "bad query\n"],
  ["GET", "/files/css/a%2Fb.css", null, 200, "text/plain; charset=utf-8", "css/a%2Fb.css"],
  ["GET", "/files/", null, 200, "text/plain; charset=utf-8", ""],
  ["GET", "/nope", null, 404, "text/plain; charset=utf-8", "not found\n"],
];

async function check(base, [method, path, body, status, type, answer]) {
  const r = await fetch(`${base}${path}`, { method, body });
  assert.deepEqual([r.status, r.headers.get("content-type"), await r.text()], [status, type, answer], `${method} ${path}`);
}

test("workerd, router_sjc: the routes serde-json-core can serve", async () => {
  const server = await startWorkerdConfig(`${ROOT}/build/router_sjc.none.abort/config.capnp`);
  try {
    // (Not: a string with escapes, which it cannot borrow; a field of the wrong type, which a
    // typed read reports as not JSON; /echo, which needs any document.)
    const can = ([method, path, body, status]) => !(method == "PUT" && (body.includes("\\") || status == 422)) && path != "/echo";
    for (const c of CASES) if (can(c)) await check(server.base, c);
    await check(server.base, ["PUT", "/users/7", '{"name": "Ada"}', 200, "application/json", '{"id":"7","name":"Ada"}']);
    assert.equal((await fetch(`${server.base}/echo`, { method: "POST", body: "{}" })).status, 501);
    assert.equal((await fetch(`${server.base}/users/1`, { method: "DELETE" })).headers.get("allow"), "GET, HEAD, PUT");
  } finally {
    await server.stop();
  }
});

test("workerd, router_try: the same routes with `?`: the same answers, generic error bodies, the message logged", async () => {
  const server = await startWorkerdConfig(`${ROOT}/build/router_try.none.abort/config.capnp`);
  const generic = { 400: "bad request\n", 404: "not found\n", 422: "unprocessable content\n" };
  try {
    for (const [method, path, body, status, type, answer] of CASES) {
      // (An error is its status's generic body: the message is for the log, not the client.)
      await check(server.base, [method, path, body, status, type, status == 200 ? answer : generic[status]]);
    }
    const r = await fetch(`${server.base}/users/1`, { method: "DELETE" });
    assert.deepEqual([r.status, r.headers.get("allow")], [405, "GET, HEAD, PUT"]);
    const echo = await fetch(`${server.base}/echo`, { method: "POST", body: '{"b": [1, 2.5e3, "\\u00e9"], "a": {}}' });
    assert.deepEqual(await echo.json(), { kind: "object", members: 2, value: { b: [1, 2500, "é"], a: {} } });
    // A body that is not UTF-8 is the client's mistake, a 400; each error logs its message.
    assert.equal((await fetch(`${server.base}/echo`, { method: "POST", body: new Uint8Array([0xff]) })).status, 400);
    for (const line of [/PUT \/users\/7: 422 name: a string/, /GET \/search: 400 /, /POST \/echo: 400 /]) assert.match(await server.logged(line), line);
  } finally {
    await server.stop();
  }
});

for (const [example, alloc] of [["router", "none"], ["router_serde", "talc"]]) {
  test(`workerd, ${example}: routes, parameters, 404/405, JSON both ways`, async () => {
    const server = await startWorkerdConfig(`${ROOT}/build/${example}.${alloc}.abort/config.capnp`);
    try {
      for (const c of CASES) await check(server.base, c);
      // 405 names the methods the path has (GET brings HEAD), once each.
      const r = await fetch(`${server.base}/users/1`, { method: "DELETE" });
      assert.equal(r.status, 405);
      assert.equal(r.headers.get("allow"), "GET, HEAD, PUT");
      assert.equal(await r.text(), "method not allowed\n");
      const head = await fetch(`${server.base}/users/1`, { method: "HEAD" });
      assert.equal(head.status, 200, "a GET route answers HEAD");
      assert.equal(await head.text(), "");
      // The echo: tinyworker's writes the document as sent; serde_json's as it re-serialises it.
      const echo = await fetch(`${server.base}/echo`, { method: "POST", body: '{"b": [1, 2.5e3, "\\u00e9"], "a": {}}' });
      assert.equal(echo.headers.get("content-type"), "application/json");
      const answer = await echo.json();
      assert.deepEqual([answer.kind, answer.members], ["object", 2]);
      assert.deepEqual(answer.value, { b: [1, 2500, "é"], a: {} });
    } finally {
      await server.stop();
    }
  });
}
