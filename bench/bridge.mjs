// The host bridge's cost per call, on npm's Node 24 (JSPI): examples/bindings' /bridge-loop
// makes n bridge calls inside one request; the time of n = 20,000 minus that of n = 0, per
// call, median of 7 runs. bridge_call_us: `Date.now()` through the bridge as a Worker reads it
// (`platform::now_ms()`: one crossing, the number read in the call; it answers at once: no
// suspension); bridge_held_call_us: the same call answering a held value, then released (two
// crossings); js_call_us: `Date.now()` called in JavaScript; bridge_suspending_call_us: a host
// function that answers a resolved Promise (each call suspends and resumes the module).
// Prints JSON (bench/run.mjs runs it for make bench).
import { readFileSync } from "node:fs";
import { createWorker } from "tinyworker";
import { dirOf } from "../harness/builds.mjs";

const N = 20_000;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const worker = createWorker(readFileSync(`${dirOf("bindings", "talc", "abort")}/app.wasm`), { host: { tick: async () => 0 } });
const time = async (n, kind) => {
  const t0 = performance.now();
  const r = await worker.fetch(new Request(`http://b/bridge-loop?n=${n}&kind=${kind}`), {});
  if ((await r.text()) != String(n)) throw new Error(`bridge-loop answered ${r.status}`);
  return performance.now() - t0;
};
const perCall = async (kind) => {
  const runs = [];
  for (let r = 0; r < 8; r++) {
    const empty = await time(0, kind);
    const full = await time(N, kind);
    if (r) runs.push(((full - empty) * 1000) / N); // the first run warms up
  }
  return Number(median(runs).toFixed(3));
};
const jsRuns = [];
for (let r = 0; r < 8; r++) {
  const t0 = performance.now();
  let sink = 0;
  for (let i = 0; i < N; i++) sink += Date.now();
  if (sink < 0) throw new Error("unreachable");
  if (r) jsRuns.push(((performance.now() - t0) * 1000) / N);
}
console.log(JSON.stringify({ bridge_call_us: await perCall("sync"), bridge_held_call_us: await perCall("held"), js_call_us: Number(median(jsRuns).toFixed(3)), bridge_suspending_call_us: await perCall("async"), node: process.version }));
