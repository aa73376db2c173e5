// Dynamic Workers (examples/loader under wrangler dev): how long a new tenant's first answer
// takes (its isolate started through the Worker Loader, the tinyworker glue and examples/hello's
// module compiled) and a warm tenant's answer, beside a plain JavaScript tenant's, alternating
// tenants of the two kinds. Each tenant is new code (a distinct version), so each first answer
// starts an isolate. Prints { loader_first_answer_ms, loader_warm_answer_ms,
// loader_first_answer_ms_js, loader_warm_answer_ms_js } (medians) as JSON.
// Usage: node bench/loader.mjs [tenants per kind]
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { ROOT, dirOf } from "../harness/builds.mjs";
import { startWranglerDev } from "../harness/servers.mjs";

const TENANTS = Number(process.argv[2] ?? 10), WARM = 20;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const round = (x) => Math.round(x * 100) / 100;
const hello = readFileSync(`${dirOf("hello", "none")}/app.wasm`);
const js = (i) => `export default { fetch: () => new Response("hello from js tenant ${i}") };`;

/** `wasm` with a custom section naming tenant `name`: the same code, a version of its own. */
const variant = (wasm, name) => Buffer.concat([wasm, Buffer.from([0, 7 + name.length, 6]), Buffer.from("tenant"), Buffer.from(name)]);

/** Milliseconds of one GET of `path` (its body read). */
async function timed(server, path) {
  const start = performance.now();
  const response = await fetch(`${server.base}${path}`);
  await response.arrayBuffer();
  if (response.status != 200) throw new Error(`${path}: ${response.status}`);
  return performance.now() - start;
}

// (wrangler and its workerd on core 1 where there are two; this client on core 0.)
const server = await startWranglerDev(dirOf("loader", "none"), { persist: `${ROOT}/build/bench/loader-state`, pin: cpus().length >= 2 ? "1" : undefined });
const figures = { wasm: { first: [], warm: [] }, js: { first: [], warm: [] } };
try {
  for (let i = 0; i < TENANTS; i++) {
    for (const kind of i % 2 ? ["js", "wasm"] : ["wasm", "js"]) {
      const id = `bench-${kind}-${Date.now()}-${i}`;
      const upload = kind == "wasm" ? fetch(`${server.base}/tenants/${id}`, { method: "POST", body: variant(hello, id) }) : fetch(`${server.base}/tenants/${id}/js`, { method: "POST", body: js(i) });
      if ((await upload).status != 201) throw new Error(`${id}: not stored`);
      figures[kind].first.push(await timed(server, `/t/${id}/`));
      for (let w = 0; w < WARM; w++) figures[kind].warm.push(await timed(server, `/t/${id}/`));
    }
  }
} finally {
  await server.stop();
}
console.log(JSON.stringify({
  loader_first_answer_ms: round(median(figures.wasm.first)),
  loader_warm_answer_ms: round(median(figures.wasm.warm)),
  loader_first_answer_ms_js: round(median(figures.js.first)),
  loader_warm_answer_ms_js: round(median(figures.js.warm)),
}));
