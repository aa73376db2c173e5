// Headers both ways: response headers computed per request (a redirect's location, an
// echoed origin; owned ones and repeated set-cookie with an allocator), over HTTP in workerd
// and in Node; and request headers that reach the module only when the handler reads them,
// then arrive exactly (repeated names combined, non-ASCII values as the JS strings say).
import { test } from "node:test";
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import { createRuntime, handle } from "tinyworker";
import { ROOT, assertLogged, startWorkerdConfig, wasmOf } from "../helpers.mjs";

const dirOf = (alloc) => `${ROOT}/build/headers.${alloc}.abort`;
const readWasm = (alloc) => readFileSync(`${dirOf(alloc)}/app.wasm`);

for (const alloc of ["none", "talc"]) {
  test(`workerd, headers example (${alloc === "none" ? "no allocator" : alloc}): computed location and echoed origin over HTTP`, async () => {
    const server = await startWorkerdConfig(`${dirOf(alloc)}/config.capnp`);
    try {
      let r = await fetch(`${server.base}/redirect?to=/new/place`, { redirect: "manual" });
      assert.equal(r.status, 302);
      assert.equal(r.headers.get("location"), "/new/place");
      assert.equal(r.headers.get("content-type"), "text/plain; charset=utf-8");
      r = await fetch(`${server.base}/cors`, { headers: { origin: "https://app.example" } });
      assert.equal(r.headers.get("access-control-allow-origin"), "https://app.example");
      assert.equal(r.headers.get("vary"), "origin");
      r = await fetch(`${server.base}/cors`);
      assert.equal(r.headers.get("access-control-allow-origin"), null, "no origin, nothing echoed");
      // A second request computes its own headers (nothing left over from the first).
      r = await fetch(`${server.base}/redirect?to=/other`, { redirect: "manual" });
      assert.equal(r.headers.get("location"), "/other");
      if (alloc === "talc") {
        r = await fetch(`${server.base}/login?user=ada`, { redirect: "manual" });
        assert.equal(r.status, 303);
        assert.equal(r.headers.get("location"), "/users/ada");
        assert.deepEqual(r.headers.getSetCookie(), ["user=ada; Path=/; HttpOnly", "seen=1; Path=/"]);
        assert.equal(r.headers.get("etag"), '"ada"');
      } else {
        assert.equal((await fetch(`${server.base}/login?user=ada`)).status, 404, "owned headers need an allocator");
      }
      // The limit of computed headers: 8 without an allocator (a ninth is refused: a 500 with
      // the glue's generic body, no panic, and the next request served), any number with one.
      r = await fetch(`${server.base}/many?n=8`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get("x-8"), "1");
      r = await fetch(`${server.base}/many?n=12`);
      if (alloc === "talc") {
        assert.equal(r.status, 200);
        assert.equal(r.headers.get("x-12"), "1");
      } else {
        assert.equal(r.status, 500);
        assert.match(await r.text(), /^internal error \(fault [0-9a-f]{8}\)\n$/);
        assert.equal(r.headers.get("x-1"), null, "nothing of the refused response");
        await assertLogged(server, /more than EXTRA_HEADERS \(8\) computed response headers without an allocator: use Response::try_header.*examples\/headers\/src\/lib\.rs:\d+/);
      }
      assert.equal((await fetch(`${server.base}/many?n=1`)).status, 200, "the next request is served");
    } finally {
      await server.stop();
    }
  });
}

test("talc: many owned headers spill to the heap and are freed with the next request", () => {
  const rt = createRuntime(readWasm("talc"));
  for (let i = 0; i < 200; i++) {
    const r = handle(rt, "GET", `http://h/login?user=u${i}`);
    assert.deepEqual(r.headers.filter(([n]) => n === "set-cookie").map(([, v]) => v), [`user=u${i}; Path=/; HttpOnly`, "seen=1; Path=/"]);
  }
  const words = rt.call((x) => new Uint32Array(x.memory.buffer, x.__tw_alloc_stats(), 5));
  assert.ok(words[0] < 1024, `in use after 200 requests: ${words[0]} B`);
});

test("request headers reach the module only when the handler reads them, and then exactly", () => {
  let reads = 0;
  const headers = [["x-one", "1"], ["accept", "text/html, application/json"], ["x-name", "é ü"], ["cookie", "a=1; b=2"]];
  const spy = { [Symbol.iterator]: () => (reads++, headers[Symbol.iterator]()) };
  const hello = createRuntime(wasmOf("hello", "none", "abort"));
  assert.equal(hello.serve({ method: "GET", url: "http://h/", headers: spy }).status, 200);
  assert.equal(reads, 0, "hello never reads headers, so the glue never iterates them");
  const echo = createRuntime(readWasm("talc"));
  const r = handle(echo, "GET", "http://h/headers", spy);
  assert.equal(reads, 1, "read once, on demand");
  assert.equal(new TextDecoder().decode(r.body), headers.map(([n, v]) => `${n}: ${v}\n`).join(""));
});

test("workerd: every request header arrives exactly, repeated names combined as the platform does", async () => {
  const server = await startWorkerdConfig(`${dirOf("talc")}/config.capnp`);
  try {
    // A client sends UTF-8 on the wire (fetch sends each character of a header string as one
    // byte, so the UTF-8 bytes go as a Latin-1 string); workerd decodes it, the handler reads it.
    const utf8 = (text) => Buffer.from(text).toString("latin1");
    const sent = new Headers([["x-a", "1"], ["x-a", "2"], ["x-name", utf8("é ü 日本")], ["x-b", "b:c"]]);
    const r = await fetch(`${server.base}/headers`, { headers: sent });
    const lines = (await r.text()).split("\n").filter(Boolean);
    for (const expected of ["x-a: 1, 2", "x-name: é ü 日本", "x-b: b:c"]) assert.ok(lines.includes(expected), `${expected} in ${JSON.stringify(lines)}`);
  } finally {
    await server.stop();
  }
});
