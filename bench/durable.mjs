// A Durable Object's request in one isolate (bench/durable-repeat.js under workerd, on core 1
// where there are two): the time of n = 4,000 calls of /incr minus that of n = 0, per call,
// median of alternating rounds, for examples/room's class (durable_call_us), its JavaScript
// twin (durable_call_us_js) and the twin inside transactionSync (durable_call_us_js_tx, the
// guarantee tinyworker's class gives). Steadier than requests/s: rps_durable_ratio's gap, split
// into the transaction's part and the glue's and wasm's. Prints JSON (make bench runs it).
// Usage: node bench/durable.mjs [rounds]
import { availableParallelism } from "node:os";
import { rmSync, writeFileSync } from "node:fs";
import { dirOf, ROOT } from "../harness/builds.mjs";
import { startWorkerdConfig } from "../harness/servers.mjs";
import { ship } from "../scripts/bundle.mjs";
import roomConfig from "../examples/room/config.mjs";

const ROUNDS = Number(process.argv[2] ?? 9);
const N = 4000;
const TARGETS = ["tinyworker", "js", "js_tx"];
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const out = await ship({
  out: `${ROOT}/build/bench/durable_repeat`,
  name: "durable_repeat",
  sources: { "worker.js": `${ROOT}/bench/durable-repeat.js`, "js-room.js": `${ROOT}/bench/js-room.js` },
  assets: { "app.wasm": `${dirOf("room", "talc", "abort")}/app.wasm` },
});
const storage = `${out}/storage`;
rmSync(storage, { recursive: true, force: true });
writeFileSync(`${out}/config.capnp`, roomConfig("127.0.0.1:8787", { storage }));
const server = await startWorkerdConfig(`${out}/config.capnp`, { pin: availableParallelism() >= 2 ? "1" : undefined });
try {
  const time = async (target, n) => {
    const t0 = performance.now();
    const response = await fetch(`${server.base}/?t=${target}&n=${n}`);
    const body = await response.text();
    if (response.status != 200) throw new Error(`${target}: ${body}`);
    return performance.now() - t0;
  };
  for (const target of TARGETS) await time(target, N); // warm-up
  const runs = Object.fromEntries(TARGETS.map((t) => [t, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const target of TARGETS) runs[target].push(((await time(target, N)) - (await time(target, 0))) * 1000 / N);
  }
  const us = (target) => Number(median(runs[target]).toFixed(2));
  console.log(JSON.stringify({ durable_call_us: us("tinyworker"), durable_call_us_js: us("js"), durable_call_us_js_tx: us("js_tx") }));
} finally {
  await server.stop();
}
