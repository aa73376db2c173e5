// The trust figures of a pooled Worker (examples/proxy, abort build) in workerd on 127.0.0.1:
// what slow, abandoning, streaming and many clients cost it, beside a plain JavaScript Worker
// doing the same (bench/js-trust.js) where one compares. Prints a table and writes
// bench/trust.json. `node bench/trust.mjs [root]` measures the checkout at `root` (default: this
// one; it must have built build/proxy.talc.abort and build/chat.talc.abort), so an older commit
// in a worktree is measured by the same client. workerd is pinned to core 1 where there are two.
//
// - rss: workerd's RSS before and after one 150 MiB chunked upload (no content-length)
// - queue: a pool capped at 128 instances: 1,152 concurrent GET /slow?ms=300 (128 run, 1,024
//   queue): workerd CPU per queued request beyond what the same requests cost unqueued (9
//   rounds of 128), and the latency a hand-off adds
// - uploads: GET / latency (median of 20) alone and with 200 slow uploads in flight
// - abandoned: 1,300 GET /slow?ms=5000 whose clients reset after 0.8 s; how long until GET /
//   answers and 200 × /slow?ms=50 all succeed (or "not within 20 s")
// - suspended: 1,300 concurrent GET /slow?ms=2000 in flight: GET / latency (median of 10) while
//   they are, workerd's RSS per request in flight, beside the twin
// - streamed: 130 and 500 stalled streaming clients (half uploads to /sha256 that send one byte,
//   half readers of /stream-then-panic that never read): GET / latency (median of 10)
// - generated: a client of GET /generated-upload/digest?kib=100000000 (100 GB written by the
//   handler) that resets after 1 s: workerd's CPU (ms per s) and RSS each second for 12 s after
// - grown: 32 concurrent GET /origin/big?mib=10 (each 10 MiB read into wasm): workerd's RSS
//   before, right after and 36 s after, beside the twin
// - r2_reads: 32 concurrent GET /r2/<key> of a 10 MiB object, examples/bindings and its twin
//   under wrangler dev: workerd's RSS before, right after and 36 s after
// - chat_history: examples/chat under wrangler dev, 40 messages of 1 MB in a room: GET
//   /room/<r>/history's status, bytes and time
// - sockets: 1,000 WebSockets in 100 rooms of examples/chat and of its twin (wrangler dev):
//   workerd's RSS before and with them
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chunkedUpload, rawRequest, unreadRequest } from "../harness/http.mjs";
import { cpuUs, freePort, rssMiB, startServer, startWranglerDev } from "../harness/servers.mjs";
import { ship } from "../scripts/bundle.mjs";
import proxyConfig from "../examples/proxy/config.mjs";

const root = resolve(process.argv[2] ?? new URL("..", import.meta.url).pathname);
const config = `${root}/build/proxy.talc.abort/config.capnp`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function serve(file = config) {
  const port = await freePort();
  const workerd = `${root}/node_modules/.bin/workerd`;
  const args = ["serve", file, "--socket-addr", `http=127.0.0.1:${port}`];
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

/** examples/proxy behind an entry whose pool is capped at 128 instances (the queue's figures). */
async function serveCapped() {
  const dir = `${root}/build/proxy.talc.abort`;
  const out = `${root}/build/bench/proxy-capped`;
  mkdirSync(out, { recursive: true });
  const entry = `${out}.entry.js`;
  writeFileSync(entry, `import wasm from "./app.wasm";\nimport { createWorker } from "tinyworker";\nexport default createWorker(wasm, { pool: { instances: 128 } });\n`);
  await ship({ out, name: "proxy-capped", sources: { "worker.js": entry }, assets: { "app.wasm": `${dir}/app.wasm` } });
  for (const f of ["origin.js", "kv.js", "outbound.js"]) copyFileSync(`${dir}/${f}`, `${out}/${f}`);
  writeFileSync(`${out}/config.capnp`, proxyConfig("127.0.0.1:8787"));
  return serve(`${out}/config.capnp`);
}

async function queue() {
  const server = await serveCapped();
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

/** The twin (bench/js-trust.js) with the proxy's services, in workerd. */
async function serveTwin() {
  const dir = `${root}/build/proxy.talc.abort`;
  const out = `${root}/build/bench/js-trust`;
  await ship({ out, name: "js-trust", sources: { "worker.js": `${root}/bench/js-trust.js` }, assets: { "app.wasm": `${dir}/app.wasm` } });
  for (const f of ["origin.js", "kv.js", "outbound.js"]) copyFileSync(`${dir}/${f}`, `${out}/${f}`);
  writeFileSync(`${out}/config.capnp`, proxyConfig("127.0.0.1:8787"));
  return serve(`${out}/config.capnp`);
}

/** `n` raw clients of `head` (+ `body`) that stall and never read; their sockets. */
const stalled = (server, n, head, body) => Array.from({ length: n }, () => unreadRequest(server.base, head, body));

async function suspended() {
  const one = async (server) => {
    for (let i = 0; i < 3; i++) await get(server, "/");
    const before = rssMiB(server.pid);
    const slow = Array.from({ length: 1300 }, () => rawRequest(server.base, "GET /slow?ms=2000 HTTP/1.1\r\nHost: x"));
    await sleep(800);
    const rss = rssMiB(server.pid);
    const times = [];
    for (let i = 0; i < 10; i++) times.push((await get(server, "/")).ms);
    const answers = await Promise.all(slow.map((c) => c.response));
    for (const { socket } of slow) socket.destroy();
    return { get_ms: +median(times).toFixed(2), answered_200: answers.filter((a) => a.status === 200).length, rss_kib_per_request: Math.round(((rss - before) * 1024) / 1300) };
  };
  const server = await serve();
  const twin = await serveTwin();
  try {
    return { tinyworker: await one(server), js: await one(twin) };
  } finally {
    await server.stop();
    await twin.stop();
  }
}

async function streamed() {
  const server = await serve();
  try {
    const out = {};
    for (const n of [130, 500]) {
      const clients = [
        ...stalled(server, n / 2, "POST /sha256 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000", "x"),
        ...stalled(server, n / 2, "GET /stream-then-panic?mib=64 HTTP/1.1\r\nHost: x"),
      ];
      // The readers' answers fill their sockets' buffers first (CPU a JavaScript Worker would
      // spend too), then everything stalls: measured once workerd is quiet (or after 30 s).
      for (let quiet = 0, t = 0; quiet < 2 && t < 60; t++) {
        const cpu = cpuUs(server.pid);
        await sleep(500);
        quiet = cpuUs(server.pid) - cpu < 50_000 ? quiet + 1 : 0;
      }
      const times = [], statuses = new Set();
      for (let i = 0; i < 10; i++) {
        const r = await get(server, "/", 10_000);
        times.push(r.ms);
        statuses.add(r.status);
      }
      out[`clients_${n}`] = { get_ms: +median(times).toFixed(2), statuses: [...statuses] };
      for (const socket of clients) socket.resetAndDestroy();
      await sleep(1000);
    }
    return out;
  } finally {
    await server.stop();
  }
}

async function generated() {
  const server = await serve();
  try {
    const client = rawRequest(server.base, "GET /generated-upload/digest?kib=100000000 HTTP/1.1\r\nHost: x");
    await sleep(1000);
    const writing = get(server, "/", 10_000);
    client.socket.resetAndDestroy();
    const seconds = [];
    let cpu = cpuUs(server.pid);
    for (let i = 0; i < 12; i++) {
      await sleep(1000);
      const now = cpuUs(server.pid);
      seconds.push({ cpu_ms: Math.round((now - cpu) / 1000), rss_mib: +rssMiB(server.pid).toFixed(1) });
      cpu = now;
    }
    return { get_while_written_ms: +(await writing).ms.toFixed(2), after_reset: seconds };
  } finally {
    await server.stop();
  }
}

async function grown() {
  const one = async (server) => {
    for (let i = 0; i < 3; i++) await get(server, "/");
    const before = rssMiB(server.pid);
    await Promise.all(Array.from({ length: 32 }, () => fetch(`${server.base}/origin/big?mib=10`).then((r) => r.arrayBuffer())));
    const after = rssMiB(server.pid);
    await sleep(36_000);
    return { before_mib: +before.toFixed(1), after_mib: +after.toFixed(1), after_36s_mib: +rssMiB(server.pid).toFixed(1) };
  };
  const server = await serve();
  const twin = await serveTwin();
  try {
    const [tinyworker, js] = await Promise.all([one(server), one(twin)]);
    return { tinyworker, js };
  } finally {
    await server.stop();
    await twin.stop();
  }
}

async function chatHistory() {
  const persist = mkdtempSync(join(tmpdir(), "trust-chat-"));
  const server = await startWranglerDev(`${root}/build/chat.talc.abort`, { persist });
  try {
    const socket = new WebSocket(`${server.base.replace("http", "ws")}/room/big`);
    let received = 0;
    socket.addEventListener("message", () => received++);
    await new Promise((resolve, reject) => (socket.addEventListener("open", resolve), socket.addEventListener("error", reject)));
    for (let i = 0; i < 40; i++) socket.send(`${i}:`.padEnd(1_000_000, "m"));
    for (const deadline = Date.now() + 120_000; received < 40 && Date.now() < deadline; ) await sleep(100);
    socket.close();
    const t0 = performance.now();
    const r = await fetch(`${server.base}/room/big/history`);
    const bytes = (await r.arrayBuffer()).byteLength;
    return { messages: received, status: r.status, bytes, ms: Math.round(performance.now() - t0) };
  } finally {
    await server.stop();
    rmSync(persist, { recursive: true, force: true });
  }
}

/** The RSS of the workerd processes of wrangler dev's process group `group`, in MiB. */
const workerdRssMiB = (group) =>
  execFileSync("pgrep", ["-g", String(group), "workerd"], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .reduce((sum, pid) => sum + rssMiB(Number(pid)), 0);

/** The chat twin's folder (examples/chat/twin.js with the example's wrangler.toml). */
function chatTwin() {
  const dir = `${root}/build/bench/chat-twin-trust`;
  mkdirSync(dir, { recursive: true });
  copyFileSync(`${root}/examples/chat/twin.js`, `${dir}/worker.js`);
  writeFileSync(`${dir}/wrangler.toml`, readFileSync(`${root}/build/chat.talc.abort/wrangler.toml`, "utf8").replace('name = "tinyworker-chat"', 'name = "tinyworker-chat-twin"'));
  return dir;
}

/** 1,000 WebSockets in 100 rooms (10 each) of examples/chat and of its twin: workerd's RSS. */
async function sockets() {
  const one = async (dir) => {
    const persist = mkdtempSync(join(tmpdir(), "trust-sockets-"));
    const server = await startWranglerDev(dir, { persist });
    try {
      const before = workerdRssMiB(server.pid);
      const open = [];
      for (let room = 0; room < 100; room++) {
        for (let i = 0; i < 10; i++) {
          const socket = new WebSocket(`${server.base.replace("http", "ws")}/room/s${room}`);
          open.push(new Promise((resolve, reject) => (socket.addEventListener("open", () => resolve(socket)), socket.addEventListener("error", reject))));
        }
      }
      const all = await Promise.all(open);
      await sleep(2000);
      const during = workerdRssMiB(server.pid);
      for (const socket of all) socket.close();
      return { before_mib: +before.toFixed(1), with_1000_sockets_mib: +during.toFixed(1), kib_per_socket: Math.round(((during - before) * 1024) / 1000) };
    } finally {
      await server.stop();
      rmSync(persist, { recursive: true, force: true });
    }
  };
  return { tinyworker: await one(`${root}/build/chat.talc.abort`), js: await one(chatTwin()) };
}

/** The bindings twin's folder (examples/bindings/twin.js, its services, the example's toml). */
function bindingsTwin() {
  const dir = `${root}/build/bench/bindings-twin-trust`;
  mkdirSync(dir, { recursive: true });
  copyFileSync(`${root}/examples/bindings/twin.js`, `${dir}/worker.js`);
  for (const f of ["greeter.js", "greeter.toml"]) copyFileSync(`${root}/examples/bindings/services/${f}`, `${dir}/${f}`);
  writeFileSync(`${dir}/wrangler.toml`, readFileSync(`${root}/build/bindings.talc.abort/wrangler.toml`, "utf8").replace('name = "tinyworker-bindings"', 'name = "tinyworker-bindings-twin"'));
  return dir;
}

/** 32 concurrent GET /r2/<key> of a 10 MiB object (examples/bindings and its twin, wrangler dev):
 * workerd's RSS before, right after and 36 s after. */
async function r2Reads() {
  const one = async (dir) => {
    const persist = mkdtempSync(join(tmpdir(), "trust-r2-"));
    const server = await startWranglerDev(dir, { persist, configs: ["greeter.toml"] });
    try {
      const put = await fetch(`${server.base}/r2/ten`, { method: "PUT", body: Buffer.alloc(10 << 20, 7) });
      if (put.status != 201) throw new Error(`PUT: ${put.status}`);
      const before = workerdRssMiB(server.pid);
      const lengths = await Promise.all(Array.from({ length: 32 }, () => fetch(`${server.base}/r2/ten`).then((r) => r.arrayBuffer()).then((b) => b.byteLength)));
      if (lengths.some((n) => n != 10 << 20)) throw new Error("a read was short");
      const after = workerdRssMiB(server.pid);
      await sleep(36_000);
      return { before_mib: +before.toFixed(1), after_mib: +after.toFixed(1), after_36s_mib: +workerdRssMiB(server.pid).toFixed(1) };
    } finally {
      await server.stop();
      rmSync(persist, { recursive: true, force: true });
    }
  };
  // (One after the other: two wrangler dev at once contend for their inspector port.)
  return { tinyworker: await one(`${root}/build/bindings.talc.abort`), js: await one(bindingsTwin()) };
}

// Each scenario in turn, named on stderr as it starts (`only=name,name make bench-trust` runs
// those alone).
const scenarios = { rss, queue, uploads, abandoned, suspended, streamed, generated, grown, r2_reads: r2Reads, chat_history: chatHistory, sockets };
const only = process.env.only?.split(",");
const report = { root };
for (const [name, run] of Object.entries(scenarios)) {
  if (only && !only.includes(name)) continue;
  console.error(`bench/trust: ${name}`);
  report[name] = await run();
}
console.log(JSON.stringify(report, null, 2));
// (`only`: those scenarios replace theirs in the report, the others stay.)
const file = new URL("trust.json", import.meta.url);
const merged = only ? { ...JSON.parse(readFileSync(file, "utf8")), ...report } : report;
if (!process.argv[2]) writeFileSync(file, JSON.stringify(merged, null, 2) + "\n");
