// examples/bindings under wrangler dev (its local simulators of R2, D1, Queues), both builds:
// every route answers exactly as its JavaScript twin (examples/bindings/twin.js, the same calls
// in plain JavaScript) answers the same requests, binary values with every byte value survive,
// absent keys and notes are 404s, and faults in the middle of bridge calls are 500s with the
// generic body, with nothing held afterwards and the next request correct.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, TEST_BUILDS, dirOf, startWranglerDev } from "../helpers.mjs";

const generic = /^internal error \(fault [0-9a-f]{8}\)\n$/;
const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);

/** The twin's folder: its worker.js and the example's wrangler.toml. */
function twinDir() {
  const dir = `${ROOT}/build/bindings-twin`;
  mkdirSync(dir, { recursive: true });
  copyFileSync(`${ROOT}/examples/bindings/twin.js`, `${dir}/worker.js`);
  const toml = readFileSync(`${dirOf("bindings")}/wrangler.toml`, "utf8").replace('name = "tinyworker-bindings"', 'name = "tinyworker-bindings-twin"');
  writeFileSync(`${dir}/wrangler.toml`, toml);
  return dir;
}

/** The requests both servers answer, in order: [method, path, body?, headers?]. */
const PLAN = [
  ["GET", "/"],
  ["GET", "/r2/absent"],
  ["HEAD", "/r2/absent"],
  ["PUT", "/r2/bytes", ALL_BYTES, { "content-type": "application/octet-stream" }],
  ["GET", "/r2/bytes"],
  ["HEAD", "/r2/bytes"],
  ["GET", "/r2-range/bytes?offset=250&length=6"],
  ["PUT", "/r2/dir/a", "A", { "content-type": "text/plain" }],
  ["PUT", "/r2/dir/b", "B"],
  ["GET", "/r2-list?prefix=dir/"],
  ["DELETE", "/r2/dir/a"],
  ["GET", "/r2/dir/a"],
  ["GET", "/r2-list?prefix=dir/"],
  ["GET", "/d1/count"],
  ["POST", "/d1/notes", "first note é"],
  ["POST", "/d1/notes", "second"],
  ["GET", "/d1/notes/1"],
  ["GET", "/d1/notes/2"],
  ["GET", "/d1/notes/99"],
  ["GET", "/d1/count"],
  ["POST", "/queue", ALL_BYTES],
  ["POST", "/sha256", ALL_BYTES],
  ["POST", "/sha256", ""],
  ["GET", "/nothing-here"],
];

/** Sends `[method, path, body, headers]`; { status, headers (content-type, etag, x-size), body }. */
async function send(server, [method, path, body, headers]) {
  const r = await fetch(`${server.base}${path}`, { method, body, headers, signal: AbortSignal.timeout(20_000) });
  const pick = Object.fromEntries(["content-type", "etag", "x-size"].map((n) => [n, r.headers.get(n)]));
  return { status: r.status, headers: pick, body: Buffer.from(await r.arrayBuffer()).toString("hex") };
}

let twin;
test.before(async () => {
  twin = { persist: mkdtempSync(join(tmpdir(), "bindings-twin-")) };
  twin.server = await startWranglerDev(twinDir(), { persist: twin.persist });
  twin.answers = [];
  for (const request of PLAN) twin.answers.push(await send(twin.server, request));
});
test.after(async () => {
  await twin?.server?.stop();
  rmSync(twin.persist, { recursive: true, force: true });
});

for (const build of TEST_BUILDS) {
  test(`wrangler dev, ${build} build: every route answers as the JavaScript twin`, async () => {
    const persist = mkdtempSync(join(tmpdir(), `bindings-${build}-`));
    const server = await startWranglerDev(dirOf("bindings", "talc", build), { persist });
    try {
      for (const [i, request] of PLAN.entries()) {
        assert.deepEqual(await send(server, request), twin.answers[i], `${request[0]} ${request[1]}`);
      }
      // What differs by nature: random bytes (their number and kind), the clock (close).
      for (const n of [0, 1, 256, 65536]) {
        const r = await fetch(`${server.base}/random/${n}`);
        assert.equal((await r.arrayBuffer()).byteLength, n);
        assert.equal(r.headers.get("content-type"), "application/octet-stream");
      }
      const [a, b] = await Promise.all([server.get("/random/32"), server.get("/random/32")]);
      assert.notEqual(a[1], b[1], "random");
      assert.equal((await server.get("/random/65537"))[0], 400);
      const time = Number((await server.get("/time"))[1]);
      assert.ok(Math.abs(time - Date.now()) < 60_000, `the clock: ${time}`);
      // The digest is SHA-256.
      const big = Buffer.alloc(50_000, 7);
      const digest = await (await fetch(`${server.base}/sha256`, { method: "POST", body: big })).text();
      assert.equal(digest, createHash("sha256").update(big).digest("hex"));
    } finally {
      await server.stop();
      rmSync(persist, { recursive: true, force: true });
    }
  });

  test(`wrangler dev, ${build} build: faults in the middle of bridge calls`, async () => {
    const persist = mkdtempSync(join(tmpdir(), `bindings-faults-${build}-`));
    const server = await startWranglerDev(dirOf("bindings", "talc", build), { persist });
    try {
      await fetch(`${server.base}/r2/object`, { method: "PUT", body: ALL_BYTES });
      for (const path of ["/r2-then-panic/object", "/d1-then-abort", "/r2-then-oom/object", "/r2-then-panic/absent"]) {
        const [status, body] = await server.get(path);
        assert.equal(status, 500, path);
        assert.match(body, generic, `${path}: nothing internal in the body`);
        assert.deepEqual(await server.get("/"), [200, "ok\n"], `after ${path}`);
        assert.deepEqual(Buffer.from(await (await fetch(`${server.base}/r2/object`)).arrayBuffer()), Buffer.from(ALL_BYTES));
      }
      // The note the aborted request wrote before it aborted is there: D1 has no transaction
      // around a request (unlike a Durable Object's storage).
      assert.equal((await server.get("/d1/count"))[1], "1");
      assert.match(server.output(), /tinyworker: fault [0-9a-f]{8}: panic: panicked after an R2 get/);
      assert.match(server.output(), /tinyworker: fault [0-9a-f]{8}: abort: aborted after a D1 write/);
      assert.match(server.output(), /tinyworker: fault [0-9a-f]{8}: abort: out of memory/);
    } finally {
      await server.stop();
      rmSync(persist, { recursive: true, force: true });
    }
  });
}
