// Every measured figure of the docs comes from its report: size-tests/report.json (`make
// size-check`), bench/report.json (`make bench`) and bench/trust.json (`make bench-trust`).
// README.md and docs/guide/*.md mark them, and this script writes what is between the marks:
//   <!-- table:NAME -->...<!-- /table:NAME -->   a generated table (TABLES below)
//   <!--fig SOURCE PATH-->VALUE<!--/fig-->        one figure: SOURCE size | bench | trust; PATH a
//                                                 row and metric (size: hello.none.abort.total_gz)
//                                                 or a dotted path into the report
// Usage: node scripts/figures.mjs write   (make figures; also make size-table, bench-table)
//        node scripts/figures.mjs check   (exits 1 naming each figure that differs: a test runs it)
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sizeTable } from "../size-tests/run.mjs";
import { benchTables } from "../bench/table.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const json = (file) => JSON.parse(readFileSync(`${ROOT}${file}`, "utf8"));
const REPORTS = {
  size: () => Object.fromEntries(json("size-tests/report.json").map((r) => [`${r.example}.${r.alloc}.${r.build}`, r])),
  bench: () => json("bench/report.json"),
  trust: () => json("bench/trust.json"),
};
const cached = {};
const report = (source) => {
  if (!REPORTS[source]) throw new Error(`figures: no report ${source}`);
  return (cached[source] ??= REPORTS[source]());
};

/** A number as the docs write it: thousands separated, as measured otherwise. */
export const format = (value) => (typeof value == "number" && Number.isInteger(value) ? value.toLocaleString("en-US") : String(value));

/** The value at `path` of report `source` (size: `<example>.<alloc>.<build>.<metric>`). */
export function figure(source, path) {
  const parts = path.split(".");
  let value = report(source);
  if (source == "size") value = value[parts.splice(0, 3).join(".")];
  for (const part of parts) value = value?.[part];
  if (value === undefined || typeof value == "object") throw new Error(`figures: ${source} has no figure ${path}`);
  return format(value);
}

/** The size rows of the README: what a Worker of each kind ships. */
const FRONT_ROWS = ["hello.none.abort", "hello.talc.abort", "counter.none.abort", "router.none.abort", "proxy.talc.abort", "bindings.talc.abort", "jobs.talc.abort", "chat.talc.abort"];

const TABLES = {
  // README: a few rows, gzip sizes.
  sizes: () => {
    const rows = report("size");
    return [
      "| Worker | wasm, gzip | glue (worker.js), gzip | uploaded, gzip |",
      "|---|---:|---:|---:|",
      ...FRONT_ROWS.map((id) => {
        const r = rows[id];
        return `| \`${id}\` | ${format(r.wasm_gz)} B | ${format(r.glue_gz)} B | **${format(r.total_gz)} B** |`;
      }),
    ].join("\n");
  },
  // docs/guide/sizes.md: every row.
  "sizes-all": () => sizeTable(json("size-tests/report.json")),
  // README: the ratios against baselines of the same run.
  speed: () => {
    const b = report("bench");
    const rows = [
      ["requests/s, hello / a plain JavaScript Worker", b.rps_ratio],
      ["requests/s, JavaScript calling a trivial wasm export / plain JavaScript (the floor)", b.rps_floor_ratio],
      ["the same two with a busy neighbour on workerd's core: hello (the floor)", `${b.rps_ratio_loaded} (${b.rps_floor_ratio_loaded})`],
      ["requests/s, examples/proxy / a JavaScript proxy to the same origin", b.rps_proxy_ratio],
      ["requests/s, a Durable Object / its JavaScript twin", b.rps_durable_ratio],
      // (From the first report that measured it in one isolate on.)
      ...(b.durable_call_us == null ? [] : [["a Durable Object's request in one isolate, µs (its JavaScript twin's in a transaction; without)", `${b.durable_call_us} (${b.durable_call_us_js_tx}; ${b.durable_call_us_js})`]]),
      ["requests/s, one D1 query / its JavaScript twin", b.rps_d1_ratio],
      ["chat broadcasts/s / the JavaScript twin", b.chat_msgs_ratio],
      ["a synchronous bridge call, µs (the same call in JavaScript)", `${b.bridge_call_us} (${b.js_call_us})`],
      ["the same call answering a held value, released, µs", b.bridge_held_call_us],
      ["host calls of an R2 read (the object, its body, etag and content type)", b.r2_get_crossings],
      ["the request after a fault / a warm request", b.next_after_fault_ratio],
      ["a fresh workerd's first answer / a plain JavaScript Worker's", b.cold_start_ratio_vs_js],
      // (Where the run built workers-rs's hello: make bench does, from 2026-12-07 on.)
      ...(b.rps_ratio_vs_workers_rs == null
        ? []
        : [
            ["requests/s, hello / workers-rs's hello", b.rps_ratio_vs_workers_rs],
            ["a fresh workerd's first answer / workers-rs's hello's", b.cold_start_ratio_vs_workers_rs],
          ]),
      // (From the first report that measured Dynamic Workers on.)
      ...(b.loader_first_answer_ms == null
        ? []
        : [
            ["Dynamic Workers: a new tenant's first answer, ms (a JavaScript tenant's)", `${b.loader_first_answer_ms} (${b.loader_first_answer_ms_js})`],
            ["Dynamic Workers: a warm tenant's answer, ms (a JavaScript tenant's)", `${b.loader_warm_answer_ms} (${b.loader_warm_answer_ms_js})`],
          ]),
    ];
    return ["| figure (`make bench`) | value |", "|---|---:|", ...rows.map(([name, value]) => `| ${name} | ${format(value)} |`)].join("\n");
  },
  // docs/guide/speed.md: every target and figure.
  "speed-all": () => benchTables(report("bench")),
};

/** `text` with every marked table and figure written from the reports. */
export function written(text) {
  return text
    .replace(/(<!-- table:([\w-]+) -->)\n[\s\S]*?(<!-- \/table:\2 -->)/g, (_, open, name, close) => {
      if (!TABLES[name]) throw new Error(`figures: no table ${name}`);
      return `${open}\n${TABLES[name]()}\n${close}`;
    })
    .replace(/(<!--fig (\w+) ([\w.-]+)-->)[^<]*(<!--\/fig-->)/g, (_, open, source, path, close) => `${open}${figure(source, path)}${close}`);
}

/** The docs whose figures come from reports. */
export const DOCS = ["README.md", ...readdirSync(`${ROOT}docs/guide`).filter((f) => f.endsWith(".md")).map((f) => `docs/guide/${f}`)];

if (import.meta.url === `file://${process.argv[1]}`) {
  const command = process.argv[2];
  let differs = 0;
  for (const file of DOCS) {
    const text = readFileSync(`${ROOT}${file}`, "utf8");
    const fresh = written(text);
    if (fresh == text) continue;
    if (command == "write") {
      writeFileSync(`${ROOT}${file}`, fresh);
      console.log(`figures: wrote ${file}`);
    } else {
      differs++;
      const [a, b] = [text.split("\n"), fresh.split("\n")];
      const line = a.findIndex((l, i) => l != b[i]);
      console.error(`figures: ${file}:${line + 1} differs from its report:\n  - ${a[line]}\n  + ${b[line]}`);
    }
  }
  if (command != "write" && command != "check") {
    console.error("usage: node scripts/figures.mjs write | check");
    process.exit(2);
  }
  if (differs) {
    console.error("figures: run `make figures` (after `make size-check` or `make bench`)");
    process.exit(1);
  }
}
