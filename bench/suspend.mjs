// The cost of one suspending call through JSPI (Node 24): a promising export that calls a
// WebAssembly.Suspending import whose Promise is already resolved, timed over many calls.
// Prints { suspending_call_us, plain_call_us } as JSON (bench/run.mjs runs it).
import wabt from "wabt";

const { parseWat } = await wabt();
const wat = `(module (import "env" "io" (func $io (param i32) (result i32)))
  (func (export "run") (param i32) (result i32) (call $io (local.get 0))))`;
const module = new WebAssembly.Module(parseWat("s.wat", wat).toBinary({}).buffer);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
async function time(run, calls = 100_000) {
  const runs = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await run(i);
    runs.push(((performance.now() - t0) * 1000) / calls);
  }
  return median(runs);
}
const suspending = WebAssembly.promising(new WebAssembly.Instance(module, { env: { io: new WebAssembly.Suspending(async (v) => v) } }).exports.run);
const plain = new WebAssembly.Instance(module, { env: { io: (v) => v } }).exports.run;
await time(suspending, 20_000);
console.log(JSON.stringify({ suspending_call_us: Number((await time(suspending)).toFixed(2)), plain_call_us: Number((await time(async (i) => plain(i))).toFixed(2)) }));
