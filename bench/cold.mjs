// Cold start: the time from a fresh workerd (a fresh isolate) with the Worker to its first
// answer (compile, top-level evaluation and instantiation together, with workerd's own start,
// which every target shares), the median of repeated starts, targets alternating; and workerd's
// resident memory right after that answer. workerd on core 1 where there are two; the caller
// runs on core 0 (bench/run.mjs pins itself there for this), so that its polling never takes
// the core workerd starts on.
//   taskset -c 0 node bench/cold.mjs <starts> <name>=<config.capnp> ...   (prints one JSON line)
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { ROOT } from "../harness/builds.mjs";
import { freePort } from "../harness/servers.mjs";

const WORKERD = `${ROOT}/node_modules/.bin/workerd`;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const rssKib = (pid) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]);

/** One start of `config`: ms from spawn to the first 200, and the RSS (KiB) after it. */
export async function coldStart(config, expected = "hello") {
  const port = await freePort();
  const args = ["serve", config, "--socket-addr", `http=127.0.0.1:${port}`];
  const child = cpus().length >= 2 ? spawn("taskset", ["-c", "1", WORKERD, ...args], { stdio: "ignore" }) : spawn(WORKERD, args, { stdio: "ignore" });
  const t0 = performance.now();
  try {
    for (;;) {
      if (performance.now() - t0 > 20_000) throw new Error(`${config}: no answer within 20 s`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`);
        const body = await response.text();
        const ms = performance.now() - t0;
        if (response.status !== 200 || body !== expected) throw new Error(`${config} answered ${response.status} ${JSON.stringify(body)}`);
        return { ms, rss_kib: rssKib(child.pid) };
      } catch (e) {
        if (e.message.includes("answered")) throw e;
        await sleep(1); // not listening yet
      }
    }
  } finally {
    child.kill("SIGKILL");
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
  }
}

/** Median ms and RSS per target over `starts` starts each, alternating. */
export async function coldStarts(targets, starts) {
  const samples = Object.fromEntries(Object.keys(targets).map((n) => [n, { ms: [], rss: [] }]));
  for (let i = 0; i < starts; i++) {
    for (const [name, config] of Object.entries(targets)) {
      const { ms, rss_kib } = await coldStart(config);
      samples[name].ms.push(ms);
      samples[name].rss.push(rss_kib);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([n, s]) => [n, { ms: Number(median(s.ms).toFixed(1)), rss_kib: median(s.rss) }]));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [starts, ...pairs] = process.argv.slice(2);
  console.log(JSON.stringify(await coldStarts(Object.fromEntries(pairs.map((p) => p.split("="))), Number(starts))));
}
