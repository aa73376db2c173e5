// examples/bindings under wrangler dev (its local simulators of R2, D1, Queues), both builds:
// every route answers exactly as its JavaScript twin (examples/bindings/twin.js, the same calls
// in plain JavaScript) answers the same requests, binary values with every byte value survive,
// absent keys and notes are 404s, and faults in the middle of bridge calls are 500s with the
// generic body, with nothing held afterwards and the next request correct; its queue consumer
// (a batch at a time) redelivers exactly what it had not acknowledged when it faulted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import net from "node:net";
import tls from "node:tls";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, TEST_BUILDS, assertLogged, dirOf, load, startWranglerDev } from "../helpers.mjs";

const generic = /^internal error \(fault [0-9a-f]{8}\)\n$/;

/** A TCP server on 127.0.0.1 for the sockets routes: it answers each chunk with `echo:` and it. */
// (A client that gives up on a connection resets it: each server ignores its sockets' errors.)
const echo = net.createServer((socket) =>
  socket.on("error", () => {}).on("data", (data) => socket.write(Buffer.concat([Buffer.from("echo:"), data]))),
);
await new Promise((resolve) => echo.listen(0, "127.0.0.1", resolve));
const ECHO = `127.0.0.1:${echo.address().port}`;
// TLS servers for the TLS routes, with certificates of fixtures/tls/: `localhost`'s, signed by
// the test CA that wrangler dev's workerd is told to trust (NODE_EXTRA_CA_CERTS, read by
// Miniflare for its "internet" service) and nothing else; and one signed by no one trusted.
// SECURE answers as the echo server does, over TLS from the start; STARTTLS reads `STARTTLS`
// and answers `go` in the clear, then upgrades the same connection and answers `tls:` and each
// chunk.
const pem = (name) => readFileSync(`${ROOT}/fixtures/tls/${name}`);
const TRUSTED = { key: pem("localhost.key"), cert: pem("localhost.pem") };
const echoTls = (socket) => socket.on("error", () => {}).on("data", (data) => socket.write(Buffer.concat([Buffer.from("tls:"), data])));
const secure = tls.createServer(TRUSTED, echoTls);
const untrusted = tls.createServer({ key: pem("untrusted.key"), cert: pem("untrusted.pem") }, echoTls);
const upgrading = net.createServer((socket) =>
  socket.on("error", () => {}).once("data", (data) => {
    if (String(data) != "STARTTLS\r\n") return socket.end("no\n");
    socket.write("go\r\n", () => echoTls(new tls.TLSSocket(socket, { isServer: true, ...TRUSTED })));
  }),
);
for (const server of [secure, untrusted, upgrading]) await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const SECURE = `localhost:${secure.address().port}`;
const UNTRUSTED = `localhost:${untrusted.address().port}`;
const STARTTLS = `localhost:${upgrading.address().port}`;
const WRANGLER_ENV = { NODE_EXTRA_CA_CERTS: `${ROOT}/fixtures/tls/ca.pem` };
// Hyperdrive's database, for wrangler dev: the echo server (Hyperdrive passes bytes through).
const HYPERDRIVE = { ...WRANGLER_ENV, CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: `postgres://tiny:secret@${ECHO}/notes` };
// A port nothing listens on: tcpmux's, privileged and unused. (The port of a server just closed
// was taken once, in a clean clone, by a process of another lane before the request came.)
const CLOSED = "127.0.0.1:1";
const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);
const OPT = "optional bytes";
const hex = (algorithm, data) => createHash(algorithm).update(data).digest("hex");

/** The twin's folder: its worker.js and the example's wrangler.toml. */
function twinDir() {
  const dir = `${ROOT}/build/bindings-twin`;
  mkdirSync(dir, { recursive: true });
  copyFileSync(`${ROOT}/examples/bindings/twin.js`, `${dir}/worker.js`);
  for (const f of ["greeter.js", "greeter.toml"]) copyFileSync(`${ROOT}/examples/bindings/services/${f}`, `${dir}/${f}`);
  cpSync(`${ROOT}/examples/bindings/public`, `${dir}/public`, { recursive: true });
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
  ["GET", "/r2-stream/bytes"],
  ["GET", "/r2-stream/absent"],
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
  ["DELETE", "/r2-many?keys=dir/b,bytes,absent"],
  ["GET", "/r2-list?prefix="],
  ["POST", "/d1/batch", "third\nfourth ü\n"],
  ["GET", "/d1/all"],
  ["POST", "/d1/blob", ALL_BYTES],
  ["GET", "/d1/blob/1"],
  ["GET", "/d1/blob/9"],
  ["POST", "/queue-batch", "one\ntwo\n"],
  ["GET", "/kv/absent"],
  ["PUT", "/kv/bytes", ALL_BYTES],
  ["GET", "/kv/bytes"],
  ["PUT", "/kv/meta?ttl=3600", "v", { "x-metadata": '{"owner":"é","n":[1,2]}' }],
  ["GET", "/kv-meta/meta"],
  ["GET", "/kv-meta/bytes"],
  ["GET", "/kv-meta/absent"],
  ["GET", "/kv-list?prefix="],
  ["DELETE", "/kv/bytes"],
  ["GET", "/kv/bytes"],
  ["GET", "/kv/a%2F..%2Fb"],
  ["GET", "/cache/page"],
  ["PUT", "/cache/page", ALL_BYTES],
  ["GET", "/cache/page"],
  ["DELETE", "/cache/page"],
  ["DELETE", "/cache/page"],
  ["GET", "/cache/page"],
  ["PUT", "/cache/page?cache=named", "in a named cache"],
  ["GET", "/cache/page?cache=named"],
  ["GET", "/cache/page"],
  ["DELETE", "/cache/page?cache=named"],
  ["GET", "/rpc/world"],
  ["GET", "/static/hello.txt"],
  ["GET", "/static/data.json"],
  ["GET", "/static/absent.txt"],
  ["GET", "/asset/hello.txt"],
  ["GET", "/asset/absent.txt"],
  ["GET", "/host/k1"],
  // A TCP socket from Rust: a round trip to a server of the test's own, and an address that refuses.
  ["GET", "/hyperdrive"],
  ["POST", "/hyperdrive", "through the pool"],
  ["POST", `/tcp/${ECHO}`, "ping"],
  ["POST", `/tcp/${ECHO}`, ALL_BYTES],
  ["POST", `/tcp/${CLOSED}`, "x"],
  // TLS: from the start, and plain TCP upgraded; a server whose certificate no one trusted
  // signed, and a server that speaks no TLS, refused (502s, the platform's reason in the log).
  ["POST", `/tls/${SECURE}`, "over tls"],
  ["POST", `/tls/${SECURE}`, ALL_BYTES],
  ["POST", `/starttls/${STARTTLS}`, "upgraded"],
  ["POST", `/tls/${UNTRUSTED}`, "x"],
  ["POST", `/tls/${ECHO}`, "x"],
  ["POST", `/starttls/${ECHO}`, "x"],
  ["PUT", "/r2/owned/x", "with an owner", { "x-owner": "ann" }],
  ["GET", "/r2/owned/x"],
  ["PUT", "/r2/owned/y/z", "deeper"],
  ["GET", "/r2-list?prefix=owned/&delimiter=/"],
  ["GET", "/r2-list?prefix=owned/&limit=1"],
  ["PUT", "/kv/text", "héllo text"],
  ["GET", "/kv-text/text"],
  ["GET", "/kv-text/absent"],
  // Issue 31, item 5: what was stored is read back whatever its size: a content type and custom
  // metadata past 128 B, a text past 4 KiB, and one past the request's memory (64 KiB).
  ["PUT", "/r2/long-meta", "long metadata", { "content-type": `application/x-${"t".repeat(300)}`, "x-owner": "o".repeat(300) }],
  ["GET", "/r2/long-meta"],
  ["HEAD", "/r2/long-meta"],
  ["GET", "/r2-stream/long-meta"],
  ["PUT", "/kv/long-text", "é".repeat(5000)],
  ["GET", "/kv-text/long-text"],
  ["PUT", "/kv/huge-text", "h".repeat(100_000)],
  ["GET", "/kv-text/huge-text"],
  ["PUT", `/kv/expiring?expiration=${Math.floor(Date.now() / 1000) + 3600}`, "soon gone"],
  ["GET", "/kv/expiring"],
  ["GET", "/kv-list?prefix=&limit=1"],
  ["GET", "/kv-list?prefix=&limit=1&pages"],
  ["GET", "/r2-list?prefix=owned/&limit=1&pages"],
  ["GET", "/r2-list?prefix=&delimiter=/&limit=1&pages"],
  // Integers exact or refused: 2^53 + 1 would be stored as 2^53 (D1 takes numbers).
  ["GET", "/d1/int/9007199254740991"],
  ["GET", "/d1/int/-9007199254740991"],
  ["GET", "/d1/int/9007199254740993"],
  ["GET", "/d1/int/-9007199254740993"],
  ["GET", "/d1/int/x"],
  ["POST", "/d1/typed", "a text"],
  ["GET", "/d1/typed/1"],
  // D1's other reads: exec's statement count, first(column), raw() with and without names.
  ["GET", "/d1/exec"],
  ["GET", "/d1/first/text"],
  ["GET", "/d1/first/id"],
  ["GET", "/d1/raw"],
  ["GET", "/d1/raw?columns"],
  ["POST", "/d1/clear"],
  ["GET", "/d1/count"],
  ["GET", "/d1/first/text"],
  ["GET", "/d1/raw?columns"],
  ["POST", "/queue-json?delay=1", '{"n":[1,"x"]}'],
  ["GET", "/monotonic"],
  ["GET", "/error-name"],
  ["GET", "/var-json/SETTINGS"],
  ["GET", "/var-json/NOPE"],
  ["GET", "/sleep/5"],
  ["GET", "/sleep/6000"],
  ["GET", "/sleep/x"],
  ["GET", "/nothing-here"],
  // R2's options: HTTP metadata, a checksum and a storage class on put; a suffix, conditions
  // (a 304 without the body, a 412 without a write) and `include` on list.
  ["PUT", "/r2-if/opt", OPT, { "content-type": "text/x-opt", "cache-control": "max-age=60", "content-language": "fr", "content-disposition": "inline", "x-storage-class": "InfrequentAccess", "x-sha256": hex("sha256", OPT) }],
  ["GET", "/r2-if/opt"],
  ["GET", "/r2-if/opt?suffix=5"],
  ["GET", "/r2-if/opt", undefined, { "if-none-match": `"${hex("md5", OPT)}"` }],
  ["GET", "/r2-if/opt", undefined, { "if-none-match": '"00000000000000000000000000000000"' }],
  ["PUT", "/r2-if/opt", "again", { "if-match": '"00000000000000000000000000000000"' }],
  ["GET", "/r2-if/opt"],
  ["PUT", "/r2-if/opt", "again", { "if-match": `"${hex("md5", OPT)}"` }],
  ["GET", "/r2-if/opt"],
  ["PUT", "/r2-if/bad", "bytes", { "x-sha256": "00".repeat(32) }],
  ["GET", "/r2-if/bad"],
  ["PUT", "/r2-if/opt", "x", { "x-storage-class": "Glacier" }],
  ["GET", "/r2-if/opt?suffix=x"],
  ["PUT", "/r2/listed/a", "A", { "content-type": "text/a", "x-owner": "ann" }],
  ["PUT", "/r2/listed/b", "B"],
  ["GET", "/r2-list?prefix=listed/&include"],
  ["GET", "/r2-list?prefix=listed/&after=listed/a"],
  // D1 sessions (read replicas): the same count from any start.
  ["GET", "/d1/session"],
  ["GET", "/d1/session?start=primary"],
];

/** Sends `[method, path, body, headers]`; { status, headers (content-type, etag, x-size, x-owner, the R2 metadata ones), body }. */
async function send(server, [method, path, body, headers]) {
  const r = await fetch(`${server.base}${path}`, { method, body, headers, signal: AbortSignal.timeout(20_000) });
  const pick = Object.fromEntries(["content-type", "etag", "x-size", "x-owner", "cache-control", "content-language", "content-disposition", "x-storage-class"].map((n) => [n, r.headers.get(n)]));
  const answer = { status: r.status, headers: pick, body: Buffer.from(await r.arrayBuffer()).toString("hex") };
  // (A D1 session's bookmark, and a static asset's etag (wrangler dev's differs from folder to
  // folder), differ from server to server: only whether there is one.)
  if (/^\/(static|asset)\//.test(path)) answer.headers.etag = answer.headers.etag !== null;
  return path.startsWith("/d1/session") ? { ...answer, bookmark: r.headers.has("x-bookmark") } : answer;
}

let twin;
test.before(async () => {
  twin = { persist: mkdtempSync(join(tmpdir(), "bindings-twin-")) };
  twin.server = await startWranglerDev(twinDir(), { persist: twin.persist, configs: ["greeter.toml"], environment: HYPERDRIVE });
  twin.answers = [];
  for (const request of PLAN) twin.answers.push(await send(twin.server, request));
});
test.after(async () => {
  for (const server of [echo, secure, untrusted, upgrading]) server.close();
  await twin?.server?.stop();
  rmSync(twin.persist, { recursive: true, force: true });
});

for (const build of TEST_BUILDS) {
  test(`wrangler dev, ${build} build: every route answers as the JavaScript twin`, async () => {
    const persist = mkdtempSync(join(tmpdir(), `bindings-${build}-`));
    const server = await startWranglerDev(dirOf("bindings", "talc", build), { persist, configs: ["greeter.toml"], environment: HYPERDRIVE });
    try {
      for (const [i, request] of PLAN.entries()) {
        assert.deepEqual(await send(server, request), twin.answers[i], `${request[0]} ${request[1]}`);
      }
      // (The twin agreeing is not enough: what D1's other reads answered.)
      const answered = (path) => Buffer.from(twin.answers[PLAN.findIndex(([, p]) => p == path)].body, "hex").toString();
      assert.equal(answered("/d1/exec"), "3", "exec ran three statements");
      assert.match(answered("/d1/raw?columns"), /^\[\["id","text"\],\[1,"first note é"\],/);
      assert.match(answered("/d1/first/text"), /^"first note é"$/);
      assert.equal(answered("/error-name"), "SyntaxError");
      // Static assets: the files of public/, as the platform serves them; a 304 for the etag.
      assert.equal(answered("/static/hello.txt"), "hello from a static asset\n");
      assert.equal(answered("/asset/hello.txt"), "hello from a static asset\n");
      assert.deepEqual(["/static/absent.txt", "/asset/absent.txt"].map((p) => twin.answers[PLAN.findIndex(([, q]) => q == p)].status), [404, 404]);
      const asset = await fetch(`${server.base}/static/hello.txt`);
      assert.deepEqual([asset.status, asset.headers.get("content-type"), await asset.text()], [200, "text/plain; charset=utf-8", "hello from a static asset\n"]);
      const again = await fetch(`${server.base}/static/hello.txt`, { headers: { "if-none-match": asset.headers.get("etag") } });
      assert.deepEqual([again.status, await again.text()], [304, ""], "the platform's conditional answer, untouched");
      assert.equal(answered(`/tcp/${ECHO}`), "echo:ping", "a TCP round trip");
      assert.match(answered("/hyperdrive"), /^tiny notes \d+ named\n$/, "Hyperdrive's configuration");
      assert.equal(Buffer.from(twin.answers[PLAN.findIndex(([m, p]) => m == "POST" && p == "/hyperdrive")].body, "hex").toString(), "echo:through the pool", "a round trip through Hyperdrive");
      assert.equal(twin.answers[PLAN.findIndex(([, p]) => p == `/tcp/${CLOSED}`)].status, 502, "nothing listens there");
      assert.equal(answered(`/tls/${SECURE}`), "tls:over tls", "a TLS round trip");
      assert.equal(answered(`/starttls/${STARTTLS}`), "tls:upgraded", "a round trip after the upgrade");
      const refused = [`/tls/${UNTRUSTED}`, `/tls/${ECHO}`, `/starttls/${ECHO}`];
      assert.deepEqual(refused.map((p) => twin.answers[PLAN.findIndex(([, q]) => q == p)].status), [502, 502, 502], "no TLS without a trusted certificate");
      // R2's options did what they say: conditions answered 304 and 412 (and wrote nothing),
      // a wrong checksum stored nothing, a suffix is the last bytes, `include` brought metadata.
      const all = (path) => PLAN.flatMap(([, p], i) => (p == path ? [twin.answers[i]] : []));
      const text = (answer) => Buffer.from(answer.body, "hex").toString();
      const opt = all("/r2-if/opt");
      assert.deepEqual(opt.map((a) => a.status), [201, 200, 304, 200, 412, 200, 201, 200, 400]);
      assert.deepEqual([text(opt[1]), text(opt[5]), text(opt[7])], [OPT, OPT, "again"]);
      assert.deepEqual(opt[1].headers, { "content-type": "text/x-opt", etag: `"${hex("md5", OPT)}"`, "x-size": null, "x-owner": null, "cache-control": "max-age=60", "content-language": "fr", "content-disposition": "inline", "x-storage-class": opt[1].headers["x-storage-class"] });
      // (wrangler dev's simulator keeps no storage class: it names none, "", to either.)
      assert.match(opt[1].headers["x-storage-class"], /^(Standard|InfrequentAccess|)$/);
      assert.deepEqual(all("/r2-if/bad").map((a) => a.status), [400, 404]);
      assert.equal(answered("/r2-if/opt?suffix=5"), "bytes");
      assert.equal(answered("/r2-list?prefix=listed/&include"), "listed/a type=text/a owner=ann\nlisted/b type=text/plain;charset=UTF-8 owner=-\n");
      assert.equal(answered("/r2-list?prefix=listed/&after=listed/a"), "listed/b\n");
      // A session's bookmark, handed to the next request, goes on from there.
      const session = await fetch(`${server.base}/d1/session`);
      const bookmark = session.headers.get("x-bookmark");
      assert.equal(session.status, 200);
      assert.equal(bookmark !== null, twin.answers[PLAN.findIndex(([, p]) => p == "/d1/session")].bookmark, "a bookmark as the twin had one");
      if (bookmark !== null) {
        const next = await fetch(`${server.base}/d1/session?bookmark=${encodeURIComponent(bookmark)}`);
        assert.deepEqual([next.status, await next.text()], [200, await session.text()]);
      }
      assert.equal(answered("/sleep/5"), "slept\n");
      assert.deepEqual(JSON.parse(answered("/var-json/SETTINGS")), { greeting: "hé", limits: [1, 2.5, 3], nested: { on: true } });
      // The timer waits as long as asked (the instance suspended meanwhile).
      const t0 = performance.now();
      assert.deepEqual(await server.get("/sleep/300"), [200, "slept\n"]);
      assert.ok(performance.now() - t0 >= 290, `slept ${performance.now() - t0} ms`);
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
      // Errors of each kind, as the handler's answers: an argument the platform refuses (a KV key
      // of 513 bytes: refused before any call), the binding's own error (its message only in
      // the log), a binding that is not there (in Node 24: test/e2e/jspi/bindings.test.mjs).
      assert.deepEqual(await server.get(`/kv/${"k".repeat(513)}`), [400, "bad request\n"]);
      assert.deepEqual(await server.get("/d1-bad"), [502, "bad gateway\n"]);
      await assertLogged(server, /SELEKT/, "the binding's message is logged");
      // After the answer: a KV put through ctx.waitUntil lands.
      const later = `later-${build}`;
      assert.deepEqual(await (async () => { const r = await fetch(`${server.base}/after/${later}`, { method: "POST", body: "afterwards" }); return [r.status, await r.text()]; })(), [202, "later\n"]);
      let landed;
      for (let i = 0; i < 50 && !landed; i++) {
        const [status, body] = await server.get(`/kv/${later}`);
        if (status == 200) landed = body;
        else await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(landed, "afterwards");
      // Logging at levels, and the request's cf (a placeholder here: no network).
      assert.deepEqual(await server.get("/log"), [200, "logged\n"]);
      // (wrangler prints them as they arrive, after the answer.)
      const lines = ["a debug line", "an info line", "a warn line", "an error line"];
      for (const line of lines) assert.ok((await server.logged(line)).includes(line), line);
      const [cfStatus, cf] = await server.get("/cf");
      assert.equal(cfStatus, 200);
      assert.equal(typeof JSON.parse(cf), "object");
      // Issue 31, item 5 (and 32): an object of any size the platform takes is stored and read
      // back byte for byte, streamed both ways (never whole in wasm): with a content-length and
      // without one (chunked), 200 KB to 100 MiB.
      for (const [key, size, chunked] of [["r2-200k", 200_000], ["r2-20m", 20 << 20, true], ["r2-100m", 100 << 20]]) {
        const data = Buffer.alloc(size);
        for (let i = 0; i < size; i += 4096) data[i] = (i / 4096) & 255;
        const body = chunked ? new Blob([data]).stream() : data;
        const put = await fetch(`${server.base}/r2/${key}`, { method: "PUT", body, duplex: "half", headers: { "content-type": "application/octet-stream" }, signal: AbortSignal.timeout(120_000) });
        assert.deepEqual([put.status, await put.text()], [201, "stored\n"], key);
        const got = await fetch(`${server.base}/r2/${key}`, { signal: AbortSignal.timeout(120_000) });
        assert.equal(got.status, 200, key);
        const back = Buffer.from(await got.arrayBuffer());
        assert.equal(back.length, size, key);
        assert.ok(back.equals(data), `${key}: byte for byte`);
        assert.equal((await fetch(`${server.base}/r2/${key}`, { method: "DELETE" })).status, 204);
      }
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
    const server = await startWranglerDev(dirOf("bindings", "talc", build), { persist, configs: ["greeter.toml"], environment: HYPERDRIVE });
    try {
      await fetch(`${server.base}/r2/object`, { method: "PUT", body: ALL_BYTES });
      for (let i = 0; i < 5; i++) assert.deepEqual(await server.get("/started"), [200, "1"], "the start hook ran once per instance");
      for (const path of ["/r2-then-panic/object", "/d1-then-abort", "/r2-then-oom/object", "/r2-then-panic/absent"]) {
        const [status, body] = await server.get(path);
        assert.equal(status, 500, path);
        assert.match(body, generic, `${path}: nothing internal in the body`);
        assert.deepEqual(await server.get("/"), [200, "ok\n"], `after ${path}`);
        // The instance after the fault ran the start hook once, before its first request.
        assert.deepEqual(await server.get("/started"), [200, "1"], `the start hook, after ${path}`);
        assert.deepEqual(Buffer.from(await (await fetch(`${server.base}/r2/object`)).arrayBuffer()), Buffer.from(ALL_BYTES));
      }
      // The note the aborted request wrote before it aborted is there: D1 has no transaction
      // around a request (unlike a Durable Object's storage).
      assert.equal((await server.get("/d1/count"))[1], "1");
      await assertLogged(server, /tinyworker: fault [0-9a-f]{8}: panic: panicked after an R2 get/);
      await assertLogged(server, /tinyworker: fault [0-9a-f]{8}: abort: aborted after a D1 write/);
      await assertLogged(server, /tinyworker: fault [0-9a-f]{8}: abort: out of memory/);

      // The queue consumer a batch at a time (`queue_consumer!`): each fault in the middle of a
      // batch, after the messages before it were acknowledged: those are never delivered again;
      // it and the ones after it are, once.
      const logLines = async () => (await server.get("/queue-log"))[1].split("\n").filter(Boolean).sort();
      const expected = [];
      for (const kind of ["panic", "abort", "oom", "trap"]) {
        const lines = [`${kind}-before-1`, `${kind}-before-2`, kind, `${kind}-after`];
        assert.equal((await fetch(`${server.base}/queue-batch`, { method: "POST", body: lines.join("\n") })).status, 202);
        expected.push(`${kind}-before-1`, `${kind}-before-2`, `${kind} (attempt 2)`, `${kind}-after (attempt 2)`);
        let log;
        for (const deadline = Date.now() + 60_000; (log = await logLines()).length < expected.length && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual(log, [...expected].sort(), `after a ${kind} in a batch`);
      }
      await new Promise((r) => setTimeout(r, 2000));
      assert.deepEqual(await logLines(), [...expected].sort(), "nothing is delivered a third time");
    } finally {
      await server.stop();
      rmSync(persist, { recursive: true, force: true });
    }
  });
}

for (const build of TEST_BUILDS) {
  test(`wrangler dev, ${build} build: a mixed soak of 10,000 requests over the bindings, ~10 % faults`, async () => {
    const persist = mkdtempSync(join(tmpdir(), `bindings-soak-${build}-`));
    // (It reads no log: wrangler's line per request and the Worker's console.log are left out.)
    const server = await startWranglerDev(dirOf("bindings", "talc", build), { persist, configs: ["greeter.toml"], environment: HYPERDRIVE, logLevel: "warn" });
    try {
      await fetch(`${server.base}/r2/soak`, { method: "PUT", body: "soak value" });
      const good = [
        ["/r2/soak", (b) => b == "soak value"],
        ["/host/s", (b) => b == "looked up s"],
        ["/rpc/s", (b) => b == "hello s"],
        ["/time", (b) => /^\d{13}$/.test(b)],
        ["/d1/count", (b) => /^\d+$/.test(b)],
      ];
      const faults = ["/r2-then-panic/soak", "/d1-then-abort", "/r2-then-oom/soak"];
      let rng = 11;
      const random = () => ((rng = (rng * 1103515245 + 12345) % 2 ** 31), rng / 2 ** 31);
      const plan = Array.from({ length: 10_000 }, () => (random() < 0.1 ? [faults[Math.floor(random() * 3)], null] : good[Math.floor(random() * good.length)]));
      const wrong = [];
      let faulted = 0;
      const run = await load({
        base: server.base, requests: plan.length, connections: 8, seconds: 600,
        plan: (i) => plan[i][0],
        seen(i, r) {
          const [path, ok] = plan[i];
          if (r instanceof Error) wrong.push([path, String(r)]);
          else if (!ok) r.status == 500 && generic.test(r.body) ? faulted++ : wrong.push([path, r.status, r.body]);
          else if (r.status != 200 || !ok(r.body)) wrong.push([path, r.status, r.body]);
        },
      });
      assert.equal(run.unsent, 0);
      assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} lost or wrong`);
      assert.ok(faulted > 800, `${faulted} faults`);
      console.log(`# ${build}: 10,000 requests over the bindings, ${faulted} faults, ${Math.round(run.sent / run.seconds)} requests/s, 0 lost or wrong`);
    } finally {
      await server.stop();
      rmSync(persist, { recursive: true, force: true });
    }
  });
}
