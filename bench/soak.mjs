// Fault soak: bounded concurrent load against examples/faults in workerd on 127.0.0.1, ~10 %
// of requests on a random fault route and the rest on `/`, counting every outcome. Lost
// requests, wrong bodies, 200s on fault routes and 500s on `/` must all be zero.
//   node bench/soak.mjs [requests=100000] [connections=8] [--out bench/soak.json]
// Environment: ALLOC and BUILD pick the faults variant (default talc, abort).
import { writeFileSync } from "node:fs";
import { soak } from "../harness/soak.mjs";

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const out = args.includes("--out") ? args.splice(args.indexOf("--out"), 2)[1] : null;
  const result = await soak({
    requests: Number(args[0] ?? 100_000),
    connections: Number(args[1] ?? 8),
    alloc: process.env.ALLOC || "talc",
    build: process.env.BUILD || "abort",
  });
  console.log(JSON.stringify(result, null, 1));
  if (out) writeFileSync(out, JSON.stringify(result, null, 1) + "\n");
  if (result.bad) process.exit(1);
}
