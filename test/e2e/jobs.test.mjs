// examples/jobs under wrangler dev (its local queue, KV and cron), both builds: a cron event and
// a queue batch arrive with their fields; a panic, an abort, out of memory and a trap in either
// handler are the platform's failed invocation, and the next event runs on a healthy instance;
// the consumer takes one message at a time (`queue_message!`): a message that faults is
// delivered again alone, and one that faults on every delivery never takes its batch-mates with
// it. (The batch form, `queue_consumer!`, is examples/bindings': test/e2e/bindings.test.mjs.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { TEST_BUILDS, assertLogged, dirOf, withWranglerDev } from "../helpers.mjs";

const FAULTS = ["panic", "abort", "oom", "trap"];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `done(value)`, for at most `seconds`; the last value. */
async function until(read, done, seconds = 30) {
  const deadline = Date.now() + seconds * 1000;
  let value;
  while (!done((value = await read())) && Date.now() < deadline) await sleep(200);
  return value;
}

const withJobs = (build, name, fn) => withWranglerDev(dirOf("jobs", "talc", build), `jobs-${name}-${build}`, fn);

const scheduled = (server, cron) => fetch(`${server.base}/__scheduled?cron=${encodeURIComponent(cron)}`, { signal: AbortSignal.timeout(10_000) });
const logLines = async (server) => (await server.get("/log"))[1].split("\n").filter(Boolean).sort();

for (const build of TEST_BUILDS) {
  test(`wrangler dev, ${build} build: cron events arrive with their fields; a fault fails only its own run`, async () => {
    await withJobs(build, "cron", async (server) => {
      assert.deepEqual(await server.get("/ticks"), [200, "0\n"]);
      const before = Date.now();
      assert.equal((await scheduled(server, "*/5 * * * *")).status, 200);
      assert.deepEqual(await server.get("/ticks"), [200, "1\n"]);
      const [, last] = await server.get("/last-tick");
      const [, cron, time] = last.match(/^cron=(.*) time=(\d+)\n$/);
      assert.equal(cron, "*/5 * * * *");
      assert.ok(Math.abs(Number(time) - before) < 60_000, `scheduled time ${time} near ${before}`);
      for (const [i, kind] of FAULTS.entries()) {
        const failed = await scheduled(server, kind);
        assert.equal(failed.status, 500, `${kind}: the platform's failed invocation`);
        assert.doesNotMatch(await failed.text(), /asked to|RuntimeError|unreachable/, "no panic text reaches the caller");
        // The next event succeeds (a fresh instance, or the kept one).
        assert.equal((await scheduled(server, "0 * * * *")).status, 200, `after ${kind}`);
        assert.deepEqual(await server.get("/ticks"), [200, `${i + 2}\n`]);
      }
      await assertLogged(server, /tinyworker: fault [0-9a-f]{8}: panic: asked to panic/);
      assert.deepEqual(await server.get("/"), [200, "jobs: POST /enqueue, GET /log, GET /ticks\n"]);
    });
  });

  test(`wrangler dev, ${build} build: a message at a time; a fault redelivers only its message; a poison message takes no batch-mate with it`, async () => {
    await withJobs(build, "queue", async (server) => {
      // One message: its fields.
      const sent = Date.now();
      assert.equal((await fetch(`${server.base}/enqueue`, { method: "POST", body: "first é" })).status, 202);
      assert.deepEqual(await until(() => logLines(server), (l) => l.length == 1), ["first é"]);
      const [, batch] = await server.get("/last-batch");
      const [queue, message] = batch.split("\n");
      assert.equal(queue, "queue=tinyworker-jobs");
      const [, id, timestamp, attempts, body] = message.match(/^id=(\S+) timestamp=(\d+) attempts=(\d+) body=(.*)$/);
      assert.ok(id.length >= 8, id);
      assert.ok(Math.abs(Number(timestamp) - sent) < 60_000);
      assert.deepEqual([attempts, body], ["1", "first é"]);

      // Each fault in the middle of a batch: only that message is delivered again, once; the
      // ones before and after it are each logged once, on their first delivery.
      const expected = ["first é"];
      for (const kind of FAULTS) {
        const lines = [`${kind}-before-1`, `${kind}-before-2`, kind, `${kind}-after`];
        const response = await fetch(`${server.base}/enqueue-batch`, { method: "POST", body: lines.join("\n") });
        assert.equal(response.status, 202);
        expected.push(`${kind}-before-1`, `${kind}-before-2`, `${kind} (attempt 2)`, `${kind}-after`);
        const log = await until(() => logLines(server), (l) => l.length >= expected.length, 60);
        assert.deepEqual(log, [...expected].sort(), `after a ${kind} in a batch`);
      }
      // Issue 31, item 4: a poison message (it faults on every delivery) in a batch of ten: it
      // is retried alone until its retries run out (max_retries = 2: three deliveries), and
      // every one of its batch-mates is logged exactly once.
      const mates = Array.from({ length: 9 }, (_, i) => `mate-${i}`);
      const poisoned = [...mates.slice(0, 4), "poison-1", ...mates.slice(4)];
      assert.equal((await fetch(`${server.base}/enqueue-batch`, { method: "POST", body: poisoned.join("\n") })).status, 202);
      expected.push(...mates);
      const poison = /tinyworker: fault [0-9a-f]{8}: panic: a poison message/g;
      const deliveries = () => server.output().match(poison)?.length ?? 0;
      await until(() => logLines(server), (l) => l.length >= expected.length && deliveries() >= 3, 60);
      assert.deepEqual(await logLines(server), [...expected].sort(), "each batch-mate of the poison message logged once");
      assert.equal(deliveries(), 3, "the poison message: delivered three times, alone");
      // A message retried explicitly with a delay: delivered again a second later, once.
      const retried = Date.now();
      await fetch(`${server.base}/enqueue`, { method: "POST", body: "retry" });
      expected.push("retry (attempt 2)");
      assert.deepEqual(await until(() => logLines(server), (l) => l.length >= expected.length, 30), [...expected].sort());
      assert.ok(Date.now() - retried >= 1000, "not before its delay");
      // Nothing more arrives later (no message is delivered a third time).
      await sleep(3000);
      assert.deepEqual(await logLines(server), [...expected].sort());
      assert.equal(deliveries(), 3, "the poison message is not delivered again");
      await assertLogged(server, /tinyworker: fault [0-9a-f]{8}: abort: asked to abort/);
    });
  });
}
