// make bench: speed figures, all measured in one run, each against baselines measured in the
// same run. Writes bench/report.json and prints a table.
//
// Requests/s in workerd, with wrk (pinned with taskset to core 0, workerd to core 1 where there
// are two cores), targets alternating over ROUNDS rounds: a plain JavaScript Worker, a JS
// Worker that calls a trivial wasm export (the floor of any wasm Worker), examples/hello, and
// workers-rs where `make workers-rs` built it. Per target: min / median / max requests/s and
// workerd's CPU µs per request (from /proc/<pid>/stat). The ratios are medians of the per-round
// ratios (each round's targets ran back to back, so they share its noise).
//
// Warm, in one isolate: the glue's whole fetch path repeated inside one request (bench/repeat.js),
// timed by the client; steadier than requests/s. In Node: instantiate (beside an empty module's,
// the engine's floor) and re-instantiate; the request after each kind of fault against a warm
// request of the same Worker. Cold start (bench/cold.mjs): fresh workerd to first answer.
//
// Loaded: the plain JavaScript Worker, the floor and hello again, while a CPU burner (a busy
// loop that ends itself) shares workerd's core, as a busy neighbour would; wrk keeps its own.
// R2 crossings: how many times an R2 read (object, body, etag, content type) calls into the
// host, counted by the runtime's host stand-in (a unit test of the testing feature).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { gzipSync } from "node:zlib";
import wabt from "wabt";
import { createRuntime, createWorker, handle } from "tinyworker";
import { coldStarts } from "./cold.mjs";
import { faultsImports } from "../examples/faults/imports.js";
import { ROOT, dirOf } from "../harness/builds.mjs";
import { startWorkerdConfig, startWranglerDev } from "../harness/servers.mjs";
import { capnpConfig, ship } from "../scripts/bundle.mjs";
import { EXPORT_FETCH, WARM_UP } from "../js/abi.js";

const ROUNDS = Number(process.env.ROUNDS ?? 12);
const SECONDS = Number(process.env.SECONDS ?? 3);
const CONNECTIONS = 8;
const TWO_CORES = cpus().length >= 2;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const round = (x, digits = 2) => Number(x.toFixed(digits));
const now = () => performance.now();
const WORKERD = `${ROOT}/node_modules/.bin/workerd`;

/** Median over 7 runs of the median single-call time of `fn`, in µs (each call timed alone). */
function perSample(fn, samples) {
  const runs = [];
  for (let r = 0; r < 7; r++) {
    const times = [];
    for (let i = 0; i < samples; i++) {
      const t0 = now();
      fn();
      times.push((now() - t0) * 1000);
    }
    runs.push(median(times));
  }
  return median(runs);
}

// ---- Node: instantiate, and the time from a caught abort to the next correct response. These
// run on core 1 alone where there are two (this process's threads pinned with taskset, and
// unpinned before the load rounds, whose workerd and wrk it pins itself).
const pinSelf = (cores) => TWO_CORES && execFileSync("taskset", ["-a", "-p", "-c", cores, String(process.pid)], { stdio: "ignore" });
pinSelf("1");
const helloWasm = readFileSync(`${dirOf("hello")}/app.wasm`);
const helloModule = new WebAssembly.Module(helloWasm);
const instantiate_us = perSample(() => new WebAssembly.Instance(helloModule, {}), 500);
const { parseWat } = await wabt();
const emptyModule = new WebAssembly.Module(parseWat("empty.wat", "(module)").toBinary({}).buffer);
const instantiate_empty_us = perSample(() => new WebAssembly.Instance(emptyModule, {}), 500);
// The floor for any module with a memory: one page, nothing else (V8 reserves the memory's
// address space at instantiation; a memoryless module skips that).
const memoryModule = new WebAssembly.Module(parseWat("memory.wat", "(module (memory 1))").toBinary({}).buffer);
const instantiate_memory_us = perSample(() => new WebAssembly.Instance(memoryModule, {}), 500);
const faults = createRuntime(readFileSync(`${dirOf("faults")}/app.wasm`), { imports: faultsImports });
const afterAbort = [];
for (let r = 0; r < 7; r++) {
  const samples = [];
  for (let i = 0; i < 300; i++) {
    try {
      handle(faults, "GET", "http://b/abort");
    } catch {
      const t0 = now();
      if (handle(faults, "GET", "http://b/").status !== 200) throw new Error("wrong answer after abort");
      samples.push((now() - t0) * 1000);
    }
  }
  afterAbort.push(median(samples));
}
const reinstantiate_after_abort_us = median(afterAbort);

// The request after a fault against a warm request of the same Worker (createWorker's runtime:
// its spare, and the refill the Worker schedules after each answer, `runtime.after`). A sample is
// the glue's whole call for GET / (runtime.serve: the call guard, the instance, the module, the
// response record), after a request that faulted or not; fault and warm samples alternate. (The
// Response object Node makes around it is the platform's, and its noise would drown the
// difference.) Two schedules: `scheduled`, as a Worker runs, the refill in its timer and the
// sample after it (both after the timer's ~1 ms idle wait, whose cold caches are most of a
// sample); `back_to_back`, the refill the Worker scheduled run at once and the sample right after
// it, nothing between them to hide what the refill left behind (the strictest case).
const recovery = await (async () => {
  const worker = createWorker(readFileSync(`${dirOf("faults")}/app.wasm`), { imports: faultsImports });
  const rt = worker.runtime;
  const macrotask = () => new Promise((resolve) => setTimeout(resolve, 0));
  const request = (path) => ({ method: "GET", url: `http://b${path}`, headers: [] });
  // Runs the refill `rt.after()` schedules now instead of in its timer.
  const refillNow = () => {
    const setTimer = globalThis.setTimeout;
    let scheduled;
    globalThis.setTimeout = (fn) => (scheduled = fn);
    try {
      rt.after();
    } finally {
      globalThis.setTimeout = setTimer;
    }
    scheduled?.();
  };
  const after = async (path, backToBack) => {
    try {
      rt.serve(request(path));
    } catch {} // (the fault)
    if (backToBack) refillNow();
    else {
      rt.after();
      await macrotask();
    }
    const t0 = now();
    const r = rt.serve(request("/"));
    const us = (now() - t0) * 1000;
    if (r.status !== 200) throw new Error(`wrong answer after ${path}: ${r.status}`);
    return us;
  };
  const error = console.error;
  console.error = () => {}; // (every fault is logged)
  try {
    const runs = {};
    for (const [schedule, backToBack, pairs] of [["", false, 100], ["back_to_back_", true, 300]]) {
      for (let r = 0; r < 7; r++) {
        // (The kinds take turns within a run, so that all of them and the warm calls share its
        // moment: a drift of the machine between runs moves them all alike.)
        const samples = {};
        for (let i = 0; i < pairs; i++) {
          for (const kind of ["panic", "abort", "oom", "trap"]) {
            const warm = await after("/", backToBack);
            const next = await after(`/${kind}`, backToBack);
            (samples.warm ??= []).push(warm);
            (samples[kind] ??= []).push(next);
            (samples[`${kind}_extra`] ??= []).push(next - warm); // (each pair shares its moment's noise)
          }
        }
        for (const [k, v] of Object.entries(samples)) (runs[schedule + k] ??= []).push(median(v));
      }
    }
    return Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, round(median(v))]));
  } finally {
    console.error = error;
  }
})();
// What a spare keeps resident: the growth of this process's RSS over 200 instances of the faults
// module, each readied as the glue readies its spare (one warm-up call), per instance.
const spare_resident_kib = (() => {
  const module = new WebAssembly.Module(readFileSync(`${dirOf("faults")}/app.wasm`));
  const stubs = {};
  for (const i of WebAssembly.Module.imports(module)) {
    (stubs[i.module] ??= {})[i.name] = i.kind == "tag" ? new WebAssembly.Tag({ parameters: ["i32"] }) : () => 0;
  }
  const rss = () => Number(readFileSync("/proc/self/statm", "utf8").split(" ")[1]) * 4096;
  const kept = [];
  const before = rss();
  for (let i = 0; i < 200; i++) {
    const exports = new WebAssembly.Instance(module, stubs).exports;
    exports[EXPORT_FETCH](WARM_UP);
    kept.push(exports);
  }
  return round((rss() - before) / kept.length / 1024, 1);
})();
pinSelf(`0-${cpus().length - 1}`);
const warm_request_us = recovery.warm;
const next_after_fault_us = Object.fromEntries(["panic", "abort", "oom", "trap"].map((k) => [k, recovery[k]]));
const next_after_fault_extra_us = Object.fromEntries(["panic", "abort", "oom", "trap"].map((k) => [k, recovery[`${k}_extra`]]));
const warm_back_to_back_us = recovery.back_to_back_warm;
const next_after_fault_back_to_back_us = Object.fromEntries(["panic", "abort", "oom", "trap"].map((k) => [k, recovery[`back_to_back_${k}`]]));

// ---- The Workers under load, each laid out in build/bench/<name>/.
const floorWasm = `${ROOT}/build/bench-floor.wasm`;
mkdirSync(`${ROOT}/build`, { recursive: true });
writeFileSync(floorWasm, parseWat("floor.wat", '(module (func (export "answer") (result i32) i32.const 42))').toBinary({}).buffer);
const layout = async (name, sources, assets, text) => {
  const out = await ship({ out: `${ROOT}/build/bench/${name}`, name, sources, assets });
  if (text) writeFileSync(`${out}/config.capnp`, capnpConfig(["worker.js", ...Object.keys(assets)], "127.0.0.1:8787", { text }));
  return `${out}/config.capnp`;
};
const jsDir = `${ROOT}/build/bench/js_baseline`;
mkdirSync(jsDir, { recursive: true });
copyFileSync(`${ROOT}/bench/js-baseline.js`, `${jsDir}/worker.js`);
writeFileSync(`${jsDir}/config.capnp`, capnpConfig(["worker.js"], "127.0.0.1:8787"));

const targets = {
  js_baseline: `${jsDir}/config.capnp`,
  js_wasm_floor: await layout("js_wasm_floor", { "worker.js": `${ROOT}/bench/floor.js` }, { "floor.wasm": floorWasm }),
  tinyworker: `${dirOf("hello")}/config.capnp`,
};
// The proxy pair: examples/proxy and a plain JS Worker doing the same fetch, each with the
// proxy's own services (origin, KV, outbound router) in one workerd; loaded on /origin/x.
const proxyDir = `${ROOT}/build/proxy.talc.abort`;
const { default: proxyConfig } = await import("../examples/proxy/config.mjs");
const jsProxy = await ship({ out: `${ROOT}/build/bench/js_proxy`, name: "js_proxy", sources: { "worker.js": `${ROOT}/bench/js-proxy.js` }, assets: { "app.wasm": `${proxyDir}/app.wasm` } });
for (const f of ["origin.js", "kv.js", "outbound.js"]) copyFileSync(`${proxyDir}/${f}`, `${jsProxy}/${f}`);
writeFileSync(`${jsProxy}/config.capnp`, proxyConfig("127.0.0.1:8787"));
targets.proxy = `${proxyDir}/config.capnp`;
targets.js_proxy = `${jsProxy}/config.capnp`;
// The Durable Object pair: examples/room and a plain JS Durable Object doing the same storage
// write, each with SQLite-backed storage on disk (fresh folders); loaded on /incr of one object.
const roomDir = `${ROOT}/build/room.talc.abort`;
const { default: roomConfig } = await import("../examples/room/config.mjs");
const roomStorage = (name) => (rmSync(`${ROOT}/build/bench/${name}-storage`, { recursive: true, force: true }), `${ROOT}/build/bench/${name}-storage`);
writeFileSync(`${roomDir}/config-bench.capnp`, roomConfig("127.0.0.1:8787", { storage: roomStorage("durable") }));
const jsRoom = await ship({ out: `${ROOT}/build/bench/js_durable`, name: "js_durable", sources: { "worker.js": `${ROOT}/bench/js-room.js` }, assets: { "app.wasm": `${roomDir}/app.wasm` } });
writeFileSync(`${jsRoom}/config.capnp`, roomConfig("127.0.0.1:8787", { storage: roomStorage("js_durable") }));
targets.durable = `${roomDir}/config-bench.capnp`;
targets.js_durable = `${jsRoom}/config.capnp`;
const PATHS = { proxy: "/origin/x", js_proxy: "/origin/x", durable: "/incr?name=bench", js_durable: "/incr?name=bench" };
const EXPECTED = { proxy: "origin x", js_proxy: "origin x", durable: /^\d+$/, js_durable: /^\d+$/ };

const WORKERS_RS = `${ROOT}/build/workers-rs`;
const skipped = {};
if (existsSync(`${WORKERS_RS}/config.capnp`)) targets.workers_rs = `${WORKERS_RS}/config.capnp`;
else skipped.workers_rs = "build/workers-rs is missing: run `make workers-rs` (needs wasm-bindgen-cli and worker-build)";
const repeat = (target) => layout(`repeat_${target}`, { "worker.js": `${ROOT}/bench/repeat.js` }, { "app.wasm": `${dirOf("hello")}/app.wasm` }, { TARGET: target });
const warmTargets = { tinyworker: await repeat("tinyworker"), js: await repeat("js") };

// BEFORE=<commit>[,<commit>...]: hello and its glue as they were at each commit, built in a git
// worktree and measured in this same run (the before/after of each change).
const before = (process.env.BEFORE ?? "").split(",").filter(Boolean);
for (const commit of before) {
  const dir = `${ROOT}/build/before-${commit}`;
  spawnSync("git", ["worktree", "remove", "--force", dir], { cwd: ROOT });
  execFileSync("git", ["worktree", "add", "--detach", dir, commit], { cwd: ROOT, stdio: "ignore" });
  execFileSync("ln", ["-sfn", `${ROOT}/node_modules`, `${dir}/node_modules`]);
  const built = execFileSync(`${dir}/scripts/build.sh`, ["hello", "", "abort"], { cwd: dir, encoding: "utf8" }).trim().split("\n").pop();
  targets[`before_${commit}`] = `${dir}/${built}/config.capnp`;
  // Its glue under the same repeat harness: "tinyworker" resolved to that commit's glue.
  const glue = existsSync(`${dir}/js/glue.js`) ? `${dir}/js/glue.js` : `${dir}/glue.js`;
  const out = await ship({ out: `${ROOT}/build/bench/repeat_${commit}`, name: `repeat_${commit}`, sources: { "worker.js": `${ROOT}/bench/repeat.js` }, assets: { "app.wasm": `${dir}/${built}/app.wasm` }, alias: { tinyworker: glue } });
  writeFileSync(`${out}/config.capnp`, capnpConfig(["worker.js", "app.wasm"], "127.0.0.1:8787", { text: { TARGET: "tinyworker" } }));
  warmTargets[`before_${commit}`] = `${out}/config.capnp`;
}

/** workerd serving `config`, pinned to core 1 when there are two. */
const serve = (config) => startWorkerdConfig(config, { pin: TWO_CORES ? "1" : undefined });
/** utime + stime of a process, in µs. */
const cpuUs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // clock ticks at USER_HZ = 100
};
/** One wrk run against `base`: requests/s, requests, and the server's CPU µs meanwhile. */
function wrk(server, seconds, path = "/") {
  const args = ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, `${server.base}${path}`];
  const cpu0 = cpuUs(server.pid);
  const run = TWO_CORES ? spawnSync("taskset", ["-c", "0", "wrk", ...args], { encoding: "utf8" }) : spawnSync("wrk", args, { encoding: "utf8" });
  const cpu = cpuUs(server.pid) - cpu0;
  if (run.status !== 0) throw new Error(`wrk failed: ${run.stderr}`);
  const rps = Number(run.stdout.match(/Requests\/sec:\s+([\d.]+)/)[1]);
  const requests = Number(run.stdout.match(/(\d+) requests in/)[1]);
  const errors = run.stdout.match(/Non-2xx or 3xx responses: (\d+)|Socket errors: .*/);
  if (errors) throw new Error(`wrk saw errors against ${server.base}: ${errors[0]}`);
  return { rps, cpu_us_per_request: cpu / requests };
}

const servers = {};
const results = Object.fromEntries(Object.keys(targets).map((n) => [n, { rps: [], cpu: [] }]));
const LOADED = ["js_baseline", "js_wasm_floor", "tinyworker"];
const LOADED_ROUNDS = Math.max(4, ROUNDS >> 1);
const loaded = Object.fromEntries(LOADED.map((n) => [n, []]));
const warm = {};
try {
  for (const [name, config] of Object.entries({ ...targets, ...Object.fromEntries(Object.entries(warmTargets).map(([n, c]) => [`warm_${n}`, c])) })) {
    servers[name] = await serve(config);
  }
  for (const name of Object.keys(targets)) {
    const [status, body] = await servers[name].get(PATHS[name] ?? "/");
    const expected = EXPECTED[name] ?? "hello";
    if (status !== 200 || !(expected instanceof RegExp ? expected.test(body) : body === expected)) throw new Error(`${name} answers ${status} ${JSON.stringify(body)}, not 200 ${expected}`);
    wrk(servers[name], 2, PATHS[name]); // warm up
  }
  // Each round runs every target once, in an order rotated by one per round, so no target
  // always runs first (or right after the same neighbour).
  const rotated = (names, r) => names.map((_, i) => names[(i + r) % names.length]);
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of rotated(Object.keys(targets), r)) {
      const { rps, cpu_us_per_request } = wrk(servers[name], SECONDS, PATHS[name]);
      results[name].rps.push(rps);
      results[name].cpu.push(cpu_us_per_request);
    }
  }
  // Loaded: the floor's three targets again, each round with a burner on workerd's core (one
  // process, bounded by its own clock and killed after the rounds).
  const burnMs = (LOADED_ROUNDS * LOADED.length * (SECONDS + 2) + 30) * 1000;
  const burn = `const end = Date.now() + ${burnMs}; while (Date.now() < end);`;
  const burner = TWO_CORES ? spawn("taskset", ["-c", "1", process.execPath, "-e", burn], { stdio: "ignore" }) : spawn(process.execPath, ["-e", burn], { stdio: "ignore" });
  try {
    for (let r = 0; r < LOADED_ROUNDS; r++) {
      for (const name of rotated(LOADED, r)) loaded[name].push(wrk(servers[name], SECONDS).rps);
    }
  } finally {
    burner.kill();
  }
  // Warm: N requests' worth of fetch path inside one request, 20 times, rotating.
  const N = 20_000;
  const times = Object.fromEntries(Object.keys(warmTargets).map((t) => [t, []]));
  for (let r = 0; r < 21; r++) {
    for (const target of rotated(Object.keys(warmTargets), r)) {
      const t0 = now();
      const [status, body] = await servers[`warm_${target}`].get(`/?n=${N}`);
      if (status !== 200 || body !== "ok") throw new Error(`warm ${target}: ${status} ${body}`);
      if (r) times[target].push(((now() - t0) * 1000) / N); // the first round warms up
    }
  }
  warm.glue_us = median(times.tinyworker);
  warm.js_us = median(times.js);
  for (const commit of before) warm[`before_${commit}`] = median(times[`before_${commit}`]);
} finally {
  for (const s of Object.values(servers)) await s.stop();
}

const summary = (name) => {
  const { rps, cpu } = results[name];
  return { min: Math.round(Math.min(...rps)), median: Math.round(median(rps)), max: Math.round(Math.max(...rps)), cpu_us_per_request: round(median(cpu)) };
};
const ratio = (a, b) => round(median(results[a].rps.map((x, i) => x / results[b].rps[i])));
const loadedRatio = (a, b) => round(median(loaded[a].map((x, i) => x / loaded[b][i])));
// The crossings of one R2 read, from the runtime's own count (on the host; the same Rust code
// the module runs, one crossing per import call).
const crossingsTest = execFileSync("cargo", ["test", "-q", "--locked", "-p", "tinyworker", "--features", "testing", "--lib", "an_r2_read_crosses", "--", "--nocapture"], { cwd: ROOT, encoding: "utf8" });
const r2_get_crossings = Number(crossingsTest.match(/r2_get_crossings (\d+)/)[1]);
const gz = (f) => gzipSync(readFileSync(f), { level: 9 }).length;
const wrkVersion = (spawnSync("wrk", ["--version"], { encoding: "utf8" }).stdout || "").split("\n")[0].split(" [")[0];
// One suspending call through JSPI, on npm's Node 24 (Node 22 has no WebAssembly.Suspending).
const suspend = JSON.parse(execFileSync(`${ROOT}/node_modules/node24/bin/node`, [`${ROOT}/bench/suspend.mjs`], { cwd: ROOT, encoding: "utf8" }));
// The host bridge per call, on Node 24 (bench/bridge.mjs).
const bridge = JSON.parse(execFileSync(`${ROOT}/node_modules/node24/bin/node`, [`${ROOT}/bench/bridge.mjs`], { cwd: ROOT, encoding: "utf8" }));
// A Durable Object's request in one isolate, against its JavaScript twin with and without a
// transaction (bench/durable.mjs).
const durable = JSON.parse(execFileSync(process.execPath, [`${ROOT}/bench/durable.mjs`, String(Math.max(5, ROUNDS))], { cwd: ROOT, encoding: "utf8" }).trim().split("\n").at(-1));

// One D1 query per request under wrangler dev (its local D1): examples/bindings' GET
// /d1/notes/1 against its JavaScript twin, alternating rounds, wrangler (and its workerd) on core
// 1 where there are two.
const d1 = { rust: [], js: [] };
{
  const pinned = (dir, configs) => startWranglerDev(dir, { persist: `${ROOT}/build/bench/${dir.split("/").pop()}-state`, configs, pin: TWO_CORES ? "1" : undefined });
  const twin = `${ROOT}/build/bindings-twin`;
  mkdirSync(twin, { recursive: true });
  copyFileSync(`${ROOT}/examples/bindings/twin.js`, `${twin}/worker.js`);
  for (const f of ["greeter.js", "greeter.toml"]) copyFileSync(`${ROOT}/examples/bindings/services/${f}`, `${twin}/${f}`);
  writeFileSync(`${twin}/wrangler.toml`, readFileSync(`${dirOf("bindings")}/wrangler.toml`, "utf8").replace('name = "tinyworker-bindings"', 'name = "tinyworker-bindings-twin"'));
  const d1Servers = { rust: await pinned(dirOf("bindings"), ["greeter.toml"]), js: await pinned(twin, ["greeter.toml"]) };
  try {
    for (const server of Object.values(d1Servers)) {
      await fetch(`${server.base}/d1/notes`, { method: "POST", body: "a note to read" });
      wrk(server, 2, "/d1/notes/1");
    }
    for (let r = 0; r < Math.max(4, ROUNDS >> 1); r++) {
      for (const name of r % 2 ? ["js", "rust"] : ["rust", "js"]) d1[name].push(wrk(d1Servers[name], SECONDS, "/d1/notes/1").rps);
    }
  } finally {
    for (const server of Object.values(d1Servers)) await server.stop();
  }
}

// Cold start of hello, the plain JavaScript Worker and (when built) workers-rs' hello: workerd
// on core 1, this process (whose polling for the first answer would otherwise share workerd's
// core while it starts) on core 0; 21 starts each at least (7 gave ratios 1.00-1.12 for one tree).
pinSelf("0");
const cold = await coldStarts(
  { tinyworker: targets.tinyworker, js: targets.js_baseline, ...(targets.workers_rs && { workers_rs: targets.workers_rs }) },
  Math.max(21, ROUNDS),
);
pinSelf(`0-${cpus().length - 1}`);

// Broadcasts through one chat room against its JavaScript twin, under wrangler dev
// (bench/chat.mjs; this Node, 22, has the WebSocket client).
const chat = JSON.parse(execFileSync(process.execPath, [`${ROOT}/bench/chat.mjs`, String(Math.max(4, ROUNDS >> 1))], { cwd: ROOT, encoding: "utf8" }).trim().split("\n").at(-1));

// Dynamic Workers: a new tenant's first answer and a warm one through examples/loader, beside a
// plain JavaScript tenant's (bench/loader.mjs).
const loader = JSON.parse(execFileSync(process.execPath, [`${ROOT}/bench/loader.mjs`, String(Math.max(6, ROUNDS))], { cwd: ROOT, encoding: "utf8" }).trim().split("\n").at(-1));

// A 50 MiB body through examples/proxy, passed through and copied in, against a plain JS
// Worker's pass-through (bench/stream.mjs).
const streams = JSON.parse(execFileSync(process.execPath, [`${ROOT}/bench/stream.mjs`, "5"], { cwd: ROOT, encoding: "utf8" }).trim().split("\n").at(-1));

const report = {
  rps_ratio: ratio("tinyworker", "js_baseline"),
  rps_floor_ratio: ratio("js_wasm_floor", "js_baseline"),
  rps_ratio_loaded: loadedRatio("tinyworker", "js_baseline"),
  rps_floor_ratio_loaded: loadedRatio("js_wasm_floor", "js_baseline"),
  rps_loaded: Object.fromEntries(LOADED.map((n) => [n, Math.round(median(loaded[n]))])),
  rps_proxy_ratio: ratio("proxy", "js_proxy"),
  rps_durable_ratio: ratio("durable", "js_durable"),
  ...durable,
  rps_d1_ratio: round(median(d1.rust.map((x, i) => x / d1.js[i]))),
  rps_d1: Math.round(median(d1.rust)),
  rps_d1_js: Math.round(median(d1.js)),
  ...streams,
  chat_msgs_ratio: chat.chat_msgs_ratio,
  chat_msgs_per_s: chat.chat_msgs_per_s,
  chat_msgs_per_s_js: chat.chat_msgs_per_s_js,
  ...loader,
  bridge_call_us: bridge.bridge_call_us,
  bridge_held_call_us: bridge.bridge_held_call_us,
  js_call_us: bridge.js_call_us,
  r2_get_crossings,
  bridge_suspending_call_us: bridge.bridge_suspending_call_us,
  suspending_call_us: suspend.suspending_call_us,
  plain_import_call_us: suspend.plain_call_us,
  per_request_overhead_us: round(warm.glue_us - warm.js_us),
  glue_path_us: round(warm.glue_us),
  js_path_us: round(warm.js_us),
  targets: Object.fromEntries(Object.keys(targets).map((n) => [n, summary(n)])),
  instantiate_us: round(instantiate_us),
  instantiate_empty_us: round(instantiate_empty_us),
  instantiate_memory_us: round(instantiate_memory_us),
  reinstantiate_after_abort_us: round(reinstantiate_after_abort_us),
  warm_request_us,
  next_after_fault_us,
  next_after_fault_ratio: round(Math.max(...Object.values(next_after_fault_us)) / warm_request_us),
  next_after_fault_extra_us,
  warm_back_to_back_us,
  next_after_fault_back_to_back_us,
  spare_resident_kib,
  cold_start_ms: Object.fromEntries(Object.entries(cold).map(([n, c]) => [n, c.ms])),
  cold_start_ratio_vs_js: round(cold.tinyworker.ms / cold.js.ms),
  ...(cold.workers_rs && { cold_start_ratio_vs_workers_rs: round(cold.tinyworker.ms / cold.workers_rs.ms) }),
  memory_after_first_answer_kib: Object.fromEntries(Object.entries(cold).map(([n, c]) => [n, c.rss_kib])),
  bundle_gz_tinyworker: gz(`${dirOf("hello")}/app.wasm`) + gz(`${dirOf("hello")}/worker.js`),
  ...(before.length && {
    before: before.map((commit) => ({
      commit,
      rps_ratio: ratio(`before_${commit}`, "js_baseline"),
      glue_path_us: round(warm[`before_${commit}`]),
      per_request_overhead_us: round(warm[`before_${commit}`] - warm.js_us),
      bundle_gz: ((d) => gz(`${d}/app.wasm`) + gz(`${d}/worker.js`))(targets[`before_${commit}`].replace("/config.capnp", "")),
    })),
  }),
  load_generator: `${wrkVersion} -t1 -c${CONNECTIONS} -d${SECONDS}s, ${ROUNDS} alternating rounds; ${TWO_CORES ? "wrk on core 0, workerd on core 1 (taskset)" : "one core: not pinned"}`,
  loaded_by: `a busy loop in one Node process${TWO_CORES ? " on workerd's core (taskset -c 1)" : ""}, ${LOADED_ROUNDS} alternating rounds`,
};
if (targets.workers_rs) {
  report.rps_ratio_vs_workers_rs = ratio("tinyworker", "workers_rs");
  const meta = JSON.parse(readFileSync(`${WORKERS_RS}/bundle.json`, "utf8"));
  report.bundle_gz_workers_rs = meta.files.reduce((n, f) => n + gz(`${WORKERS_RS}/${f}`), 0);
  report.bundle_ratio_workers_rs = round(report.bundle_gz_workers_rs / report.bundle_gz_tinyworker, 1);
  const module = new WebAssembly.Module(readFileSync(`${WORKERS_RS}/${meta.wasm}`));
  const stubs = {};
  for (const i of WebAssembly.Module.imports(module)) {
    const stub = { function: () => {}, memory: new WebAssembly.Memory({ initial: 17 }), tag: WebAssembly.JSTag };
    (stubs[i.module] ??= {})[i.name] = stub[i.kind];
  }
  report.instantiate_us_workers_rs = round(perSample(() => new WebAssembly.Instance(module, stubs), 500));
  report.instantiate_ratio_workers_rs = round(report.instantiate_us_workers_rs / report.instantiate_us, 1);
} else {
  report.workers_rs_skipped = skipped.workers_rs;
}
report.environment = { node: process.version, cores: cpus().length, workerd: execFileSync(WORKERD, ["--version"], { encoding: "utf8" }).trim() };

writeFileSync(`${ROOT}/bench/report.json`, JSON.stringify(report, null, 1) + "\n");
console.log("| target | min | median | max | workerd CPU µs/request |\n|---|---:|---:|---:|---:|");
for (const [name, t] of Object.entries(report.targets)) console.log(`| ${name} | ${t.min} | ${t.median} | ${t.max} | ${t.cpu_us_per_request} |`);
console.log("\n| figure | value |\n|---|---:|");
for (const [k, v] of Object.entries(report)) if (typeof v !== "object") console.log(`| ${k} | ${v} |`);
if (report.workers_rs_skipped) console.log(`\nworkers-rs comparison skipped: ${report.workers_rs_skipped}`);
