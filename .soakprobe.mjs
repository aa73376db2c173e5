// Time per route of the bindings soak under wrangler dev (abort build): N requests, 8 connections.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dirOf, startWranglerDev } from "./test/helpers.mjs";
import { load } from "./harness/http.mjs";
const build = process.argv[2] ?? "abort";
const N = Number(process.argv[3] ?? 300);
const persist = mkdtempSync(join(tmpdir(), "probe-"));
const server = await startWranglerDev(dirOf("bindings", "talc", build), { persist, configs: ["greeter.toml"] });
await fetch(`${server.base}/r2/soak`, { method: "PUT", body: "soak value" });
for (const path of ["/time", "/r2/soak", "/host/s", "/rpc/s", "/d1/count", "/r2-then-panic/soak", "/d1-then-abort", "/r2-then-oom/soak"]) {
  let bad = 0;
  const r = await load({ base: server.base, requests: N, connections: 8, seconds: 120, plan: () => path, seen: (i, x) => { if (x instanceof Error) bad++; } });
  console.log(`${path}: ${(r.seconds * 1000 / N).toFixed(2)} ms/request amortised, ${Math.round(N / r.seconds)} rps, errors ${bad}`);
}
await server.stop();
