// Bad input over real HTTP to workerd: oversized bodies, unknown methods, bytes that are not
// UTF-8 in headers and paths, empty bodies. Each gets a clear 4xx (or a correct 2xx), never
// a 500, and never replaces the instance (its /served counter keeps counting).
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { TEST_BUILDS, startWorkerd } from "../helpers.mjs";

/** Sends raw request bytes; resolves to [status, body] (bounded by a 10 s timeout). */
function raw(base, bytes) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error("timed out")));
    socket.on("data", (d) => chunks.push(d));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const [head, ...rest] = text.split("\r\n\r\n");
      const status = Number(head.split(" ")[1]);
      const chunked = /transfer-encoding: chunked/i.test(head);
      const body = rest.join("\r\n\r\n");
      resolve([status, chunked ? body.replace(/^[0-9a-f]+\r\n|\r\n[0-9a-f]+\r\n|\r\n0\r\n\r\n$/gi, "") : body]);
    });
    socket.end(Buffer.from(bytes, "latin1"));
  });
}

const request = (line, headers = [], body = "") =>
  `${line} HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n${headers.map((h) => `${h}\r\n`).join("")}\r\n${body}`;

test("workerd: bad input gets clear 4xx answers and never a fault", async () => {
  const server = await startWorkerd("faults", "talc", "abort");
  try {
    const served = async () => Number((await raw(server.base, request("GET /served")))[1]);
    const before = await served();

    // Oversized: refused from content-length alone, before the body is read.
    let [status, body] = await raw(server.base, request("POST /echo", ["Content-Length: 100000000"], "abc"));
    assert.deepEqual([status, body], [413, "request too large\n"]);
    // A length that would wrap to a small i32 (2^32 + 5) is still refused before reading.
    [status, body] = await raw(server.base, request("POST /echo", ["Content-Length: 4294967301"], "abc"));
    assert.deepEqual([status, body], [413, "request too large\n"]);
    // Oversized, and actually sent.
    const big = "x".repeat(64 * 1024 + 1);
    [status, body] = await raw(server.base, request("POST /echo", [`Content-Length: ${big.length}`], big));
    assert.deepEqual([status, body], [413, "request too large\n"]);

    // An empty body echoes as empty; a small one round-trips.
    [status, body] = await raw(server.base, request("POST /echo", ["Content-Length: 0"]));
    assert.deepEqual([status, body], [200, ""]);
    [status, body] = await raw(server.base, request("POST /echo", ["Content-Length: 5"], "a\u00ffb\u0000c"));
    assert.equal(status, 200);
    assert.equal(Buffer.from(body, "latin1").length, 5);

    // Methods the handler does not serve: 405 from the handler; ones workerd's parser
    // does not know: its own 4xx/5xx before any Worker runs (never a fault of ours).
    [status, body] = await raw(server.base, request("PROPFIND /"));
    assert.deepEqual([status, body], [405, "method not allowed: use GET, HEAD or POST"]);
    [status] = await raw(server.base, request("FROBNICATE /"));
    assert.ok(status >= 400 && status !== 500, `FROBNICATE -> ${status}`);

    // Bytes that are not UTF-8: in a header value (U+FFFD each to JS, its UTF-8 to the module)
    // and in the path (refused by workerd itself before any Worker runs).
    [status, body] = await raw(server.base, request("GET /", ["X-Bad: \xff\xfe\x80"]));
    assert.deepEqual([status, body], [200, "ok"]);
    [status, body] = await raw(server.base, request("GET /\xff\xfe"));
    assert.deepEqual([status, body], [400, "invalid URI"], "workerd refuses a path that is not UTF-8");

    // Nothing above was a fault: the same instance served it all.
    assert.ok((await served()) > before, "the instance was replaced");
    assert.doesNotMatch(server.output(), /tinyworker: (panic|abort|trap|error)/);
  } finally {
    await server.stop();
  }
});

for (const build of TEST_BUILDS) {
  test(`workerd, ${build} build: a request whose parts overflow the buffer is a 413 that keeps the instance`, async () => {
    // examples/counter keeps its count in a static: a replaced instance would start over at 0.
    const server = await startWorkerd("counter", "none", build);
    try {
      for (const n of ["1", "2"]) assert.deepEqual(await raw(server.base, request("GET /incr")), [200, n]);
      // The body fits the 64 KiB buffer, the URL the handler reads after it does not: the
      // runtime refuses the part (in the abort build by throwing past the handler's frames).
      const body = "x".repeat(64 * 1024 - 8);
      const url = `/incr?${"q".repeat(64)}`;
      assert.deepEqual(await raw(server.base, request(`POST ${url}`, [`Content-Length: ${body.length}`], body)), [413, "request too large\n"]);
      assert.deepEqual(await raw(server.base, request("GET /count")), [200, "2"], "the same instance, its count intact");
      assert.deepEqual(await raw(server.base, request("GET /incr")), [200, "3"]);
      assert.doesNotMatch(server.output(), /tinyworker: fault/);
    } finally {
      await server.stop();
    }
  });
}
