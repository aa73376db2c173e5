// Bodies of any size through examples/proxy in workerd, both builds: a 200 MiB origin body passed
// through without entering wasm (workerd's RSS and the instance's memory stay flat), a 200 MiB
// upload read in chunks and hashed in Rust, 10,000 server-sent events in order as they are
// written, a fault after 1 MiB of a streamed body (the client sees it end uncleanly; the next
// request is right), and a client that leaves mid-stream (the handler stops writing, no fault).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ROOT, TEST_BUILDS, assertLogged, cpuUs, startWorkerdConfig } from "../helpers.mjs";

const MIB = 1048576;
// The origin's /big pattern: byte k is (7k + 3) mod 256, 64 KiB that repeat.
const PATTERN = Uint8Array.from({ length: 65536 }, (_, k) => (7 * k + 3) & 255);
const patternHash = (mib) => {
  const hash = createHash("sha256");
  for (let i = 0; i < mib * 16; i++) hash.update(PATTERN);
  return hash.digest("hex");
};
const rssMib = (pid) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]) / 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function withProxy(build, fn) {
  const server = await startWorkerdConfig(`${ROOT}/build/proxy.talc.${build}/config.capnp`);
  try {
    await fn(server);
  } catch (e) {
    e.message += `\n--- workerd output ---\n${server.output().slice(-3000)}`;
    throw e;
  } finally {
    await server.stop();
  }
}

for (const build of TEST_BUILDS) {
  test(`workerd, ${build} build: 200 MiB passed through from the origin, memory flat`, async () => {
    await withProxy(build, async (server) => {
      await server.get("/stream/big?mib=1"); // warm
      await sleep(100);
      const pages = (await server.get("/memory"))[1];
      const before = rssMib(server.pid);
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMib(server.pid))), 50);
      const response = await fetch(`${server.base}/stream/big?mib=200`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "application/octet-stream");
      assert.equal(response.headers.get("x-tinyworker"), "streamed");
      const hash = createHash("sha256");
      let length = 0;
      for await (const chunk of response.body) {
        hash.update(chunk);
        length += chunk.byteLength;
      }
      clearInterval(sampler);
      assert.equal(length, 200 * MIB);
      assert.equal(hash.digest("hex"), patternHash(200));
      assert.ok(peak - before < 16, `workerd RSS grew ${(peak - before).toFixed(1)} MiB (< 16)`);
      await sleep(100); // (the instance goes back to the pool once the stream has ended)
      assert.equal((await server.get("/memory"))[1], pages, "the instance's linear memory did not grow");
      // The origin's status and a missing route pass through too.
      assert.deepEqual(await server.get("/stream/x"), [200, "origin x"]);
      assert.deepEqual(await server.get("/stream/nope"), [404, "no such origin route"]);
    });
  });

  test(`workerd, ${build} build: an origin's 16 headers forwarded as the platform holds them`, async () => {
    await withProxy(build, async (server) => {
      const response = await fetch(`${server.base}/headers-of/many-headers`);
      assert.equal(response.status, 203);
      assert.equal(await response.text(), "many");
      for (let i = 1; i <= 13; i++) assert.equal(response.headers.get(`x-h${i}`), `value ${i}`);
      assert.deepEqual(response.headers.getSetCookie(), ["a=1; Path=/", "b=2; Path=/"]);
      assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
      assert.equal(response.headers.get("x-tinyworker"), "forwarded");
      assert.deepEqual(await server.get("/headers-of/nope"), [404, "no such origin route"]);
    });
  });

  test(`workerd, ${build} build: a 200 MiB upload read in chunks and hashed in Rust`, async () => {
    await withProxy(build, async (server) => {
      let sent = 0;
      const body = new ReadableStream({
        pull(controller) {
          if (sent >= 200 * 16) return controller.close();
          controller.enqueue(PATTERN.slice());
          sent++;
        },
      });
      const response = await fetch(`${server.base}/sha256`, { method: "POST", body, duplex: "half" });
      assert.deepEqual([response.status, await response.text()], [200, `${patternHash(200)}\n`]);
      // A small body, and none.
      const small = await fetch(`${server.base}/sha256`, { method: "POST", body: "abc" });
      assert.equal(await small.text(), `${createHash("sha256").update("abc").digest("hex")}\n`);
      const empty = await fetch(`${server.base}/sha256`, { method: "POST" });
      assert.equal(await empty.text(), `${createHash("sha256").digest("hex")}\n`);
      // The upload passed on to the origin as it arrives (its echo of 1 MiB).
      const echoed = await fetch(`${server.base}/upload/echo`, { method: "POST", body: PATTERN.slice(0, 4096) });
      const echo = await echoed.json();
      assert.equal(echo.method, "POST");
      assert.equal(echo.body, Buffer.from(PATTERN.slice(0, 4096)).toString("hex"));
      // A subrequest whose body the handler writes after starting it: 1,000 KiB, as the origin
      // counts and hashes it.
      const generated = createHash("sha256");
      for (let k = 0; k < 1000; k += 16) generated.update(PATTERN.subarray(0, Math.min(16, 1000 - k) * 1024));
      assert.deepEqual(await server.get("/generated-upload/digest?kib=1000"), [200, `${generated.digest("hex")} ${1000 * 1024}\n`]);
    });
  });

  test(`workerd, ${build} build: 10,000 server-sent events, in order, as they are written`, async () => {
    await withProxy(build, async (server) => {
      const response = await fetch(`${server.base}/sse?n=10000`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "text/event-stream");
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let text = "";
      let chunks = 0;
      let firstAt;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks++;
        text += decoder.decode(value, { stream: true });
        if (firstAt === undefined && text.includes("\n\n")) firstAt = chunks;
      }
      const events = text.split("\n\n").filter(Boolean);
      assert.equal(events.length, 10000);
      events.forEach((e, i) => assert.equal(e, `data: ${i + 1}`));
      // Sent as written: the first event came in an early chunk, not with the whole body.
      assert.ok(firstAt === 1 && chunks > 10, `first event in chunk ${firstAt} of ${chunks}`);
    });
  });

  test(`workerd, ${build} build: a fault mid-stream ends the body uncleanly; a client that leaves stops the writes`, async () => {
    await withProxy(build, async (server) => {
      const response = await fetch(`${server.base}/stream-then-panic?mib=1`);
      assert.equal(response.status, 200);
      let received = 0;
      await assert.rejects(async () => {
        for await (const chunk of response.body) received += chunk.byteLength;
      }, "the body does not end cleanly");
      assert.ok(received >= MIB / 2 && received <= MIB, `received ${received} bytes before the end`);
      assert.deepEqual(await server.get("/"), [200, "ok"]);
      await assertLogged(server, /tinyworker: fault [0-9a-f]{8}: panic: panicked after streaming/);

      // A client that goes away mid-stream: the handler's next write fails (an error value, not
      // a fault) and it stops; workerd goes idle.
      const faults = (server.output().match(/tinyworker: fault/g) ?? []).length;
      const controller = new AbortController();
      const endless = await fetch(`${server.base}/sse?n=100000000`, { signal: controller.signal });
      const reader = endless.body.getReader();
      for (let i = 0; i < 5; i++) await reader.read();
      controller.abort();
      await sleep(500);
      const cpu = cpuUs(server.pid);
      await sleep(1000);
      assert.ok(cpuUs(server.pid) - cpu < 200_000, "workerd is idle: the handler stopped writing");
      assert.deepEqual(await server.get("/sse?n=2"), [200, "data: 1\n\ndata: 2\n\n"]);
      assert.equal((server.output().match(/tinyworker: fault/g) ?? []).length, faults, "leaving is not a fault");
    });
  });
}
