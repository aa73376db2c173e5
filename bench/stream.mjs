// What a body costs on its way through a Worker, for a 50 MiB origin body, same run: workerd's
// CPU per MiB passed through examples/proxy (GET /stream/big, the body never in wasm), through a
// plain JavaScript Worker (`return fetch(...)`), and copied into wasm whole (GET /origin/big,
// today's path; 20 MiB, since the heap limit, 32 MiB, refuses 50), and workerd's peak RSS growth
// during the pass-through. workerd on core 1 where there are two. Prints the keys as JSON.
// Usage: node bench/stream.mjs [rounds]
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { ROOT } from "../harness/builds.mjs";
import { cpuUs, startServer, freePort } from "../harness/servers.mjs";
import { ship } from "../scripts/bundle.mjs";

const ROUNDS = Number(process.argv[2] ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rssMib = (pid) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]) / 1024;
const proxyDir = `${ROOT}/build/proxy.talc.abort`;
const { default: proxyConfig } = await import("../examples/proxy/config.mjs");
const js = await ship({ out: `${ROOT}/build/bench/js_passthrough`, name: "js_passthrough", sources: { "worker.js": `${ROOT}/bench/js-passthrough.js` }, assets: { "app.wasm": `${proxyDir}/app.wasm` } });
for (const f of ["origin.js", "kv.js", "outbound.js"]) copyFileSync(`${proxyDir}/${f}`, `${js}/${f}`);
writeFileSync(`${js}/config.capnp`, proxyConfig("127.0.0.1:8787"));

async function serve(config) {
  const port = await freePort();
  const args = ["serve", config, "--socket-addr", `http=127.0.0.1:${port}`];
  const workerd = `${ROOT}/node_modules/.bin/workerd`;
  return cpus().length >= 2 ? startServer("taskset", ["-c", "1", workerd, ...args], { port }) : startServer(workerd, args, { port });
}

/** workerd's CPU µs per MiB for `path` (a body of `mib` MiB), median of ROUNDS; and peak RSS growth. */
async function measure(server, path, mib) {
  const cpu = [];
  let peak = 0;
  for (let r = 0; r <= ROUNDS; r++) {
    const before = rssMib(server.pid);
    let top = before;
    const sampler = setInterval(() => (top = Math.max(top, rssMib(server.pid))), 20);
    const start = cpuUs(server.pid);
    const response = await fetch(`${server.base}${path}`);
    let length = 0;
    for await (const chunk of response.body) length += chunk.byteLength;
    const used = cpuUs(server.pid) - start;
    clearInterval(sampler);
    if (response.status != 200 || length != mib * 1048576) throw new Error(`${path}: ${response.status}, ${length} bytes`);
    if (r > 0) cpu.push(used / mib); // (round 0 warms up)
    if (r > 0) peak = Math.max(peak, top - before);
  }
  return { cpu: Math.round(median(cpu)), peak: Number(peak.toFixed(1)) };
}

const servers = { tinyworker: await serve(`${proxyDir}/config.capnp`), js: await serve(`${js}/config.capnp`) };
try {
  const passthrough = await measure(servers.tinyworker, "/stream/big?mib=50", 50);
  const passthroughJs = await measure(servers.js, "/stream/big?mib=50", 50);
  const copyin = await measure(servers.tinyworker, "/origin/big?mib=20", 20);
  console.log(JSON.stringify({
    passthrough_cpu_us_per_mib: passthrough.cpu,
    passthrough_cpu_us_per_mib_js: passthroughJs.cpu,
    copyin_cpu_us_per_mib: copyin.cpu,
    passthrough_peak_rss_mib: passthrough.peak,
    passthrough_peak_rss_mib_js: passthroughJs.peak,
  }));
} finally {
  for (const server of Object.values(servers)) await server.stop();
}
