// Allocator backends side by side, in one run: the bytes each adds to the allocbench
// module over a minimal never-freeing arena (raw, wasm-opt -Oz, gzip -9), and the throughput of one
// fixed mixed workload (median of several runs, ratio to talc). Prints a Markdown table.
// Usage: node bench/alloc.mjs   (after `make alloc-bench-build`; `make alloc-bench` does both)
import { readFileSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { createRuntime, handle } from "tinyworker";

const ALLOCS = ["talc", "dlmalloc", "bump", "wee_alloc"];
const RUNS = 9, REQUESTS = 400, ROUNDS = 20;
const raw = (a) => statSync(`target/raw/allocbench/${a}.abort.wasm`).size;
const opt = (a) => readFileSync(`build/allocbench.${a}.abort/app.wasm`);
const gz = (buf) => gzipSync(buf, { level: 9 }).length;

const base = { raw: raw("baseline"), opt: opt("baseline").length, gz: gz(opt("baseline")) };
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// Interleave backends so drift on a noisy machine hits all of them alike.
const times = Object.fromEntries(ALLOCS.map((a) => [a, []]));
const expected = createRuntime(opt("talc")).handle("GET", `http://b/?n=${ROUNDS}`, []).body.join();
for (let run = 0; run < RUNS; run++) {
  for (const a of ALLOCS) {
    const rt = createRuntime(opt(a));
    handle(rt, "GET", "http://b/?n=1", []); // instantiate and warm up
    const start = process.hrtime.bigint();
    for (let i = 0; i < REQUESTS; i++) {
      const r = handle(rt, "GET", `http://b/?n=${ROUNDS}`, []);
      if (r.status !== 200 || r.body.join() !== expected) throw new Error(`${a}: wrong answer`);
    }
    times[a].push(Number(process.hrtime.bigint() - start) / 1e6);
  }
}

const talc = median(times.talc);
console.log(`| backend | added raw | added wasm-opt -Oz | added gzip | workload median (ms) | throughput vs talc |`);
console.log(`|---|---:|---:|---:|---:|---:|`);
for (const a of ALLOCS) {
  const m = median(times[a]);
  const o = opt(a);
  console.log(
    `| ${a} | ${raw(a) - base.raw} | ${o.length - base.opt} | ${gz(o) - base.gz} | ${m.toFixed(1)} | ${(talc / m).toFixed(2)}× |`,
  );
}
console.log(
  `\nbaseline (a never-freeing arena, ~no allocator): raw ${base.raw} B, -Oz ${base.opt} B, gzip ${base.gz} B; ` +
    `${RUNS} runs × ${REQUESTS} requests × ${ROUNDS} rounds; node ${process.version}`,
);
