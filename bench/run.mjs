// make bench: speed figures, each a median over several runs, all measured in this one run,
// with ratios against baselines measured alongside (a plain JS Worker; the workers-rs hello
// world where `make workers-rs` could build it). Writes bench/report.json, prints a table.
import { readFileSync, writeFileSync, existsSync, mkdirSync, copyFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { createRuntime, handle } from "tinyworker";
import { faultsImports } from "../examples/faults/imports.js";
import { ROOT, dirOf, startWorkerdConfig } from "../test/helpers.mjs";
import { capnpConfig } from "../scripts/bundle.mjs";
import { load } from "./http.mjs";

const RUNS = 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const round = (x, digits = 2) => Number(x.toFixed(digits));
const now = () => performance.now();

/** Median over RUNS of the mean time per call of `fn`, in µs. */
function perCall(fn, calls) {
  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = now();
    for (let i = 0; i < calls; i++) fn();
    runs.push(((now() - t0) * 1000) / calls);
  }
  return median(runs);
}

// Node: instantiate, re-instantiate after an abort, the glue boundary.
const helloWasm = readFileSync(`${dirOf("hello")}/app.wasm`);
const helloModule = new WebAssembly.Module(helloWasm);
const imports = { env: { __cpp_exception: new WebAssembly.Tag({ parameters: ["i32"] }) } };
/** Median over RUNS of the median single-call time of `fn`, in µs (each call timed alone). */
function perSample(fn, samples) {
  const runs = [];
  for (let r = 0; r < RUNS; r++) {
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

// Each instantiation timed alone: a back-to-back loop would mostly time the collection of
// the previous instances' memories.
const instantiate_us = perSample(() => new WebAssembly.Instance(helloModule, imports), 500);

const faults = createRuntime(readFileSync(`${dirOf("faults")}/app.wasm`), { imports: faultsImports });
const afterAbort = [];
for (let r = 0; r < RUNS; r++) {
  const samples = [];
  for (let i = 0; i < 300; i++) {
    try {
      handle(faults, "GET", "http://b/abort", []);
    } catch {
      const t0 = now(); // the abort was caught: time until the next correct response
      if (handle(faults, "GET", "http://b/", []).status !== 200) throw new Error("wrong answer after abort");
      samples.push((now() - t0) * 1000);
    }
  }
  afterAbort.push(median(samples));
}
const reinstantiate_after_abort_us = median(afterAbort);

const hello = createRuntime(helloWasm);
const per_request_overhead_us = perCall(() => handle(hello, "GET", "http://b/", []), 20000);
const raw = hello.call((x) => x);
const raw_export_call_us = perCall(() => raw.__tw_fetch(0), 200000);

// workerd: requests/s for hello, a plain JS Worker and (if built) workers-rs, alternating.

const jsDir = `${ROOT}/build/js-baseline`;
mkdirSync(jsDir, { recursive: true });
copyFileSync(`${ROOT}/bench/js-baseline.js`, `${jsDir}/worker.js`);
writeFileSync(`${jsDir}/config.capnp`, capnpConfig(["worker.js"], "127.0.0.1:8787"));

const WORKERS_RS = `${ROOT}/build/workers-rs`;
const targets = { tinyworker: `${dirOf("hello")}/config.capnp`, js_baseline: `${jsDir}/config.capnp` };
const skipped = {};
if (existsSync(`${WORKERS_RS}/config.capnp`)) targets.workers_rs = `${WORKERS_RS}/config.capnp`;
else skipped.workers_rs = "build/workers-rs is missing: run `make workers-rs` (needs wasm-bindgen-cli and worker-build)";

const servers = {};
for (const [name, config] of Object.entries(targets)) servers[name] = await startWorkerdConfig(config);
const rps = Object.fromEntries(Object.keys(targets).map((n) => [n, []]));
try {
  const burst = async (name, requests, seconds) => {
    let wrong = 0;
    const r = await load({
      base: servers[name].base, requests, connections: 8, seconds, plan: () => "/",
      seen: (_, res) => (res instanceof Error || res.status !== 200 || res.body !== "hello") && wrong++,
    });
    if (wrong) throw new Error(`${name}: ${wrong} wrong answers`);
    return r.sent / r.seconds;
  };
  for (const name of Object.keys(targets)) await burst(name, 2000, 5); // warm up
  for (let r = 0; r < 5; r++) for (const name of Object.keys(targets)) rps[name].push(await burst(name, 15000, 4));
} finally {
  for (const s of Object.values(servers)) await s.stop();
}

const report = {
  instantiate_us: round(instantiate_us),
  reinstantiate_after_abort_us: round(reinstantiate_after_abort_us),
  per_request_overhead_us: round(per_request_overhead_us),
  raw_export_call_us: round(raw_export_call_us, 3),
  rps_tinyworker: Math.round(median(rps.tinyworker)),
  rps_js_baseline: Math.round(median(rps.js_baseline)),
};
report.rps_ratio = round(report.rps_tinyworker / report.rps_js_baseline);
const gz = (f) => gzipSync(readFileSync(f), { level: 9 }).length;
report.bundle_gz_tinyworker = gz(`${dirOf("hello")}/app.wasm`) + gz(`${dirOf("hello")}/worker.js`);
if (targets.workers_rs) {
  const meta = JSON.parse(readFileSync(`${WORKERS_RS}/bundle.json`, "utf8"));
  const module = new WebAssembly.Module(readFileSync(`${WORKERS_RS}/${meta.wasm}`));
  // Instantiation only: every import is a stub of the right kind (nothing runs).
  const stubs = {};
  for (const i of WebAssembly.Module.imports(module)) {
    const stub = { function: () => {}, memory: new WebAssembly.Memory({ initial: 17 }), tag: WebAssembly.JSTag };
    (stubs[i.module] ??= {})[i.name] = stub[i.kind];
  }
  report.rps_workers_rs = Math.round(median(rps.workers_rs));
  report.rps_ratio_vs_workers_rs = round(report.rps_tinyworker / report.rps_workers_rs);
  report.bundle_gz_workers_rs = meta.files.reduce((n, f) => n + gz(`${WORKERS_RS}/${f}`), 0);
  report.bundle_ratio_workers_rs = round(report.bundle_gz_workers_rs / report.bundle_gz_tinyworker, 1);
  report.instantiate_us_workers_rs = round(perSample(() => new WebAssembly.Instance(module, stubs), 500));
  report.instantiate_ratio_workers_rs = round(report.instantiate_us_workers_rs / report.instantiate_us, 1);
} else {
  report.workers_rs_skipped = skipped.workers_rs;
}
report.environment = { node: process.version, runs: RUNS, rps_runs: 5, connections: 8, cores: (await import("node:os")).cpus().length };

writeFileSync(`${ROOT}/bench/report.json`, JSON.stringify(report, null, 1) + "\n");
console.log("| figure | value |\n|---|---:|");
for (const [k, v] of Object.entries(report)) if (typeof v !== "object") console.log(`| ${k} | ${v} |`);
if (report.workers_rs_skipped) console.log(`\nworkers-rs comparison skipped: ${report.workers_rs_skipped}`);
