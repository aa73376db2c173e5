// The trust figures of a pooled Worker (examples/proxy, abort build) in workerd on 127.0.0.1:
// what slow, abandoning and flooding clients cost it. Prints a table and writes
// bench/trust.json. `node bench/trust.mjs [root]` measures the checkout at `root` (default:
// this one; it must have built build/proxy.talc.abort), so an older commit in a worktree is
// measured by the same client: `git worktree add /tmp/old <commit>`, build it there, then
// `node bench/trust.mjs /tmp/old`. workerd is pinned to core 1 (taskset) where there are two.
//
// - rss: workerd's RSS before and after one 150 MiB chunked upload (no content-length)
// - queue: 1,152 concurrent GET /slow?ms=300 (128 run, 1,024 queue): workerd CPU per queued
//   request beyond what the same requests cost unqueued (9 rounds of 128), and the latency a
//   hand-off adds (the run's time beyond 9 × 300 ms, per round after the first)
// - uploads: GET / latency (median of 20) alone and with 200 slow uploads in flight
// - abandoned: 1,300 GET /slow?ms=5000 whose clients reset after 0.8 s; how long until GET /
//   answers and 200 × /slow?ms=50 all succeed (or "not within 20 s")
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { chunkedUpload, rawRequest } from "../harness/http.mjs";
import { cpuUs, freePort, rssMiB, startServer } from "../harness/servers.mjs";

const root = resolve(process.argv[2] ?? new URL("..", import.meta.url).pathname);
const config = `${root}/build/proxy.talc.abort/config.capnp`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function serve() {
  const port = await freePort();
  const workerd = `${root}/node_modules/.bin/workerd`;
  const args = ["serve", config, "--socket-addr", `http=127.0.0.1:${port}`];
  // (taskset execs workerd: the pid is workerd's own)
  return cpus().length >= 2 ? startServer("taskset", ["-c", "1", workerd, ...args], { port }) : startServer(workerd, args, { port });
}

const get = async (server, path, timeout = 20_000) => {
  const t0 = performance.now();
  try {
    const r = await fetch(`${server.base}${path}`, { signal: AbortSignal.timeout(timeout) });
    return { status: r.status, body: await r.text(), ms: performance.now() - t0 };
  } catch (e) {
    return { status: 0, body: String(e), ms: performance.now() - t0 };
  }
};

async function rss() {
  const server = await serve();
  try {
    for (let i = 0; i < 3; i++) await get(server, "/");
    const before = rssMiB(server.pid);
    const { status, sent } = await chunkedUpload(`${server.base}/origin/echo`, 150);
    await sleep(500);
    return { status, sent_mib: sent, before_mib: +before.toFixed(1), after_mib: +rssMiB(server.pid).toFixed(1) };
  } finally {
    await server.stop();
  }
}

/** `n` concurrent GET `path`; resolves to { answers, elapsed ms, cpu µs of workerd }. */
async function concurrent(server, path, n) {
  const cpu0 = cpuUs(server.pid), t0 = performance.now();
  const answers = await Promise.all(Array.from({ length: n }, () => get(server, path, 60_000)));
  return { answers, elapsed: performance.now() - t0, cpu: cpuUs(server.pid) - cpu0 };
}

async function queue() {
  const server = await serve();
  try {
    await concurrent(server, "/slow?ms=300", 128); // warm: 128 instances
    let base = 0;
    for (let i = 0; i < 9; i++) base += (await concurrent(server, "/slow?ms=300", 128)).cpu;
    const run = await concurrent(server, "/slow?ms=300", 1152);
    const ok = run.answers.filter((a) => a.status === 200).length;
    return {
      answered_200: ok,
      cpu_us_per_queued_request: Math.round((run.cpu - base) / 1024),
      cpu_us_unqueued_total: Math.round(base),
      cpu_us_queued_total: Math.round(run.cpu),
      elapsed_ms: Math.round(run.elapsed),
      handoff_added_ms_per_round: Math.round((run.elapsed - 9 * 300) / 8),
    };
  } finally {
    await server.stop();
  }
}

async function uploads() {
  const server = await serve();
  try {
    const alone = [];
    for (let i = 0; i < 20; i++) alone.push((await get(server, "/")).ms);
    const slow = [];
    for (let i = 0; i < 200; i++) slow.push(rawRequest(server.base, "POST /origin/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000", "x"));
    await sleep(500);
    const during = [];
    const statuses = [];
    for (let i = 0; i < 20; i++) {
      const r = await get(server, "/", 10_000);
      during.push(r.ms);
      statuses.push(r.status);
    }
    for (const { socket } of slow) socket.destroy();
    return { get_ms_alone: +median(alone).toFixed(2), get_ms_with_200_uploads: +median(during).toFixed(2), statuses: [...new Set(statuses)] };
  } finally {
    await server.stop();
  }
}

async function abandoned() {
  const server = await serve();
  try {
    const clients = [];
    for (let i = 0; i < 1300; i++) clients.push(rawRequest(server.base, "GET /slow?ms=5000 HTTP/1.1\r\nHost: x"));
    await sleep(800);
    for (const { socket } of clients) socket.resetAndDestroy();
    const t0 = performance.now();
    while (performance.now() - t0 < 20_000) {
      const first = await get(server, "/", 2000);
      if (first.status === 200) {
        const burst = await concurrent(server, "/slow?ms=50", 200);
        if (burst.answers.every((a) => a.status === 200)) return { unavailable_ms: Math.round(performance.now() - t0) };
      }
      await sleep(100);
    }
    return { unavailable_ms: "not within 20 s" };
  } finally {
    await server.stop();
  }
}

const report = { root, rss: await rss(), queue: await queue(), uploads: await uploads(), abandoned: await abandoned() };
console.log(JSON.stringify(report, null, 2));
if (!process.argv[2]) writeFileSync(new URL("trust.json", import.meta.url), JSON.stringify(report, null, 2) + "\n");
