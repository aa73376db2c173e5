// The bench tables of docs/guide/speed.md from bench/report.json (`benchTables`, which
// scripts/figures.mjs writes there; run alone, this prints them).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const n = (x) => x.toLocaleString("en-US");

/** Every target and figure of `report` as markdown tables. */
export function benchTables(report) {
  const rows = [
  "| target | requests/s min | median | max | workerd CPU µs/request |",
  "|---|---:|---:|---:|---:|",
  ...Object.entries(report.targets).map(([name, t]) => `| ${name} | ${n(t.min)} | ${n(t.median)} | ${n(t.max)} | ${t.cpu_us_per_request} |`),
  "",
  "| figure | value |",
  "|---|---:|",
  `| \`rps_ratio\` (hello / plain JS, median of per-round ratios) | **${report.rps_ratio}** |`,
  `| \`rps_floor_ratio\` (JS calling a trivial wasm export / plain JS) | ${report.rps_floor_ratio} |`,
  `| \`rps_ratio_loaded\`, \`rps_floor_ratio_loaded\` (the same two, a busy loop sharing workerd's core) | ${report.rps_ratio_loaded}, ${report.rps_floor_ratio_loaded} |`,
  `| \`r2_get_crossings\` (host calls of an R2 read: the object, its body, etag and content type) | ${report.r2_get_crossings} |`,
  report.rps_ratio_vs_workers_rs !== undefined ? `| \`rps_ratio_vs_workers_rs\` (hello / workers-rs 0.8.7 hello) | ${report.rps_ratio_vs_workers_rs} |` : `| \`rps_ratio_vs_workers_rs\` | not measured: ${report.workers_rs_skipped} |`,
  `| \`rps_proxy_ratio\` (examples/proxy \`/origin/x\` / a plain JS Worker doing the same fetch to the same origin) | ${report.rps_proxy_ratio} |`,
  `| \`rps_durable_ratio\` (examples/room \`/incr\` on one object / a plain JS Durable Object doing the same storage write) | ${report.rps_durable_ratio} |`,
  ...(report.durable_call_us == null ? [] : [`| \`durable_call_us\` (examples/room \`/incr\`, one call in one isolate; the JavaScript twin's, without and with \`transactionSync\`) | ${report.durable_call_us} µs (${report.durable_call_us_js}, ${report.durable_call_us_js_tx}) |`]),
  `| \`suspending_call_us\` (one JSPI round trip, Node 24; a plain import call: ${report.plain_import_call_us} µs) | ${report.suspending_call_us} µs |`,
  `| \`per_request_overhead_us\` (warm: hello's fetch path minus plain JS's, in one isolate) | ${report.per_request_overhead_us} µs (${report.glue_path_us} vs ${report.js_path_us}) |`,
  // (hello's upload is the size table's figure, docs/guide/sizes.md; here only beside
  // workers-rs's, as this run measured both.)
  ...(report.bundle_gz_workers_rs ? [`| hello's upload in this run, gzip (wasm + worker.js) | ${n(report.bundle_gz_tinyworker)} B (workers-rs ${n(report.bundle_gz_workers_rs)} B, ${report.bundle_ratio_workers_rs}× larger) |`] : []),
  `| instantiate (compiled module → \`new WebAssembly.Instance\`, Node ${report.environment.node}) | ${report.instantiate_us} µs${report.instantiate_us_workers_rs ? ` (workers-rs ${report.instantiate_us_workers_rs} µs)` : ""} |`,
  `| caught abort → next correct response (re-instantiation included, Node) | ${report.reinstantiate_after_abort_us} µs |`,
  `| load generator | ${report.load_generator} |`,
];
  if (report.before) {
    rows.push("", "| glue | rps_ratio | warm µs per request (over plain JS) | hello upload, gzip |", "|---|---:|---:|---:|");
    for (const b of report.before) rows.push(`| ${b.commit} | ${b.rps_ratio} | ${b.glue_path_us} (+${b.per_request_overhead_us}) | ${n(b.bundle_gz)} B |`);
    rows.push(`| this tree | ${report.rps_ratio} | ${report.glue_path_us} (+${report.per_request_overhead_us}) | ${n(report.bundle_gz_tinyworker)} B |`);
  }
  return rows.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(benchTables(JSON.parse(readFileSync(fileURLToPath(new URL("report.json", import.meta.url)), "utf8"))));
}
