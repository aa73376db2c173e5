// What slow, absent and many clients cannot do to a pooled Worker (examples/proxy in workerd over
// HTTP, both builds; issue 31): 1,300 suspended requests never make a request that does not
// suspend wait; streamed calls hold at most their share of the pool, so slow streaming clients
// never freeze the other routes; a streamed call whose client resets stops (its host call
// answers an error, the handler returns, workerd goes idle); an instance grown by one large
// request is not kept.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TEST_BUILDS, cpuUs, rawRequest, rssMiB, serveProxy, unreadRequest } from "../helpers.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];


/** GET `path`, timed: [status, body, ms]. */
async function timed(server, path) {
  const t0 = performance.now();
  const response = await fetch(`${server.base}${path}`, { signal: AbortSignal.timeout(20_000) });
  return [response.status, await response.text(), performance.now() - t0];
}

/** `n` clients of `head` that send `body` and then stall and never read: their sockets. */
const stalled = (server, n, head, body) => Array.from({ length: n }, () => unreadRequest(server.base, head, body));

for (const build of TEST_BUILDS) {
  test(`workerd, ${build} build: 1,300 suspended requests in flight; / never waits behind them`, { timeout: 120_000 }, async () => {
    const server = await serveProxy(build);
    try {
      let finished = 0;
      const slow = Array.from({ length: 1300 }, () => rawRequest(server.base, "GET /slow?ms=3000 HTTP/1.1\r\nHost: x"));
      const answers = Promise.all(slow.map(({ response }) => response.then((r) => (finished++, r))));
      await sleep(1000); // (all 1,300 in flight: each suspended in its subrequest)
      const quick = [];
      for (let i = 0; i < 10; i++) quick.push([...(await timed(server, "/")), finished]);
      assert.ok(quick.every(([status, body]) => status == 200 && body == "ok"), JSON.stringify(quick));
      assert.ok(quick.every(([, , , done]) => done == 0), `/ was answered only once slow requests had finished: ${JSON.stringify(quick)}`);
      const all = await answers;
      assert.equal(all.filter((r) => r.status == 200 && r.body == "slow 3000").length, 1300, "every suspended request answered");
      console.log(`# ${build}: GET / with 1,300 suspended requests in flight: median ${median(quick.map(([, , ms]) => ms)).toFixed(1)} ms`);
      for (const { socket } of slow) socket.destroy();
    } finally {
      await server.stop();
    }
  });

  test(`workerd, ${build} build: streamed calls hold at most their share; slow streaming clients freeze nothing`, { timeout: 120_000 }, async () => {
    // A pool of 8 instances (1 MiB of 128 KiB instances), half of it for streamed calls.
    const server = await serveProxy(build, `{ pool: { memory: ${1 << 20}, streamed: 0.5 }, streamBodies: (r) => new URL(r.url).pathname == "/sha256" }`);
    try {
      const before = [];
      for (let i = 0; i < 5; i++) before.push((await timed(server, "/"))[2]);
      // 130 uploads to a streamed route that trickle one byte and stall, and 130 clients of a
      // streamed answer that never read it.
      const uploads = stalled(server, 130, "POST /sha256 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000", "x");
      const readers = stalled(server, 130, "GET /stream-then-panic?mib=64 HTTP/1.1\r\nHost: x");
      await sleep(1500);
      const during = [];
      for (const path of ["/", "/origin/x", "/", "/origin/x", "/", "/origin/x", "/", "/"]) {
        const [status, body, ms] = await timed(server, path);
        assert.equal(status, 200, `${path} answers while 260 streaming clients stall: ${status} ${body}`);
        during.push(ms);
      }
      console.log(`# ${build}: GET / alone median ${median(before).toFixed(1)} ms, with 260 stalled streaming clients ${median(during).toFixed(1)} ms`);
      for (const socket of [...uploads, ...readers]) socket.resetAndDestroy();
      await sleep(500);
      // Once they left, the streamed share is free again: a streamed upload is served.
      const upload = await fetch(`${server.base}/sha256`, { method: "POST", body: "abc", signal: AbortSignal.timeout(10_000) });
      assert.equal(upload.status, 200);
    } finally {
      await server.stop();
    }
  });

  test(`workerd, ${build} build: a streamed call stops when its client resets; an instance grown by one request is not kept`, { timeout: 120_000 }, async () => {
    const server = await serveProxy(build);
    try {
      // A subrequest body the handler writes (100 GB) for a client that leaves after a second.
      const upload = rawRequest(server.base, "GET /generated-upload/digest?kib=100000000 HTTP/1.1\r\nHost: x");
      await sleep(1000);
      const busy = cpuUs(server.pid);
      await sleep(1000);
      const busyCpu = cpuUs(server.pid) - busy;
      // While it is written, the other routes answer (workerd's loop still polls its sockets).
      assert.deepEqual((await timed(server, "/")).slice(0, 2), [200, "ok"]);
      upload.socket.resetAndDestroy();
      await sleep(1000);
      const [cpu0, rss0] = [cpuUs(server.pid), rssMiB(server.pid)];
      await sleep(2000);
      const [idleCpu, rss1] = [cpuUs(server.pid) - cpu0, rssMiB(server.pid)];
      assert.ok(busyCpu > 300_000, `the upload was being written (${busyCpu} us of CPU in 1 s)`);
      assert.ok(idleCpu < 300_000, `workerd went idle after the client reset: ${idleCpu} us of CPU in 2 s`);
      assert.ok(rss1 - rss0 < 32, `workerd's memory stopped growing: ${rss0.toFixed(0)} -> ${rss1.toFixed(0)} MiB`);
      assert.deepEqual((await timed(server, "/")).slice(0, 2), [200, "ok"]);
      console.log(`# ${build}: generated upload: ${(busyCpu / 1000).toFixed(0)} ms of CPU per second while written, ${(idleCpu / 2000).toFixed(0)} ms per second after the client reset`);

      // 32 requests that each read 10 MiB into wasm at once: none of the grown instances stays in
      // the pool (every instance that answers next is of the module's own size, 2 pages).
      const reads = await Promise.all(Array.from({ length: 32 }, () => fetch(`${server.base}/origin/big?mib=10`).then(async (r) => [r.status, (await r.arrayBuffer()).byteLength])));
      assert.ok(reads.every(([status, length]) => status == 200 && length == 10 << 20));
      const pages = await Promise.all(Array.from({ length: 32 }, () => timed(server, "/memory")));
      assert.deepEqual([...new Set(pages.map(([, body]) => body))], ["2"], "no grown instance kept");
    } finally {
      await server.stop();
    }
  });
}
