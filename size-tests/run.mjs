// The size gate: builds every example × allocator × build, measures what each ships
// (wasm raw / wasm-opt -Oz / gzip / brotli; the JS as shipped, i.e. worker.js: the entry
// bundled with the parts of the glue package it uses, minified), writes
// size-tests/report.json and a per-function breakdown of the biggest rows, and fails when a
// row exceeds its budget in size-tests/budgets.toml.
//
//   node size-tests/run.mjs build     build the matrix and what the tests load beside it (make build-all)
//   node size-tests/run.mjs check     measure, report, breakdown, enforce budgets (make size-check)
//   node size-tests/run.mjs table     print the README table from report.json (make size-table)
// Environment: ALLOCS / BUILDS narrow the matrix; BUDGETS names another budgets file.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { bundle } from "../scripts/bundle.mjs";
import { list, settings } from "../scripts/settings.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const HERE = `${ROOT}size-tests`;
const pick = (env, all) => (process.env[env] ? process.env[env].split(/\s+/).filter(Boolean) : all);
const ALLOCS = pick("ALLOCS", list("ALLOCS"));
const BUILDS = pick("BUILDS", list("BUILDS"));
const BUDGETS = process.env.BUDGETS ?? `${HERE}/budgets.toml`;
/** Metrics a budget may bound. */
const BUDGETED = ["wasm_opt", "wasm_gz", "total_gz"];
/** Rows whose functions are broken down: the biggest few plus the hello rows. */
const BREAKDOWN_BIGGEST = 3;

/** [example, alloc, build] rows: settings.mk's SIZE_ROWS (`*`: every backend asked for), for every build. */
export function matrix() {
  const rows = [];
  for (const build of BUILDS) {
    const fixed = [], each = [];
    for (const row of list("SIZE_ROWS")) {
      const [example, alloc] = row.split(".");
      if (alloc == "*") each.push(example);
      else fixed.push([example, alloc, build]);
    }
    rows.push(...fixed);
    for (const alloc of ALLOCS) for (const example of each) rows.push([example, alloc, build]);
  }
  return rows;
}

const id = ([example, alloc, build]) => `${example}.${alloc}.${build}`;
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const br = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

function build(row, env = {}) {
  execFileSync(`${ROOT}scripts/build.sh`, row, { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ...env } });
}

/**
 * `row` built by scripts/build.sh without waiting (with `env` added), up to its optimised module,
 * then shipped (scripts/bundle.mjs) in this process: resolves when it is.
 */
async function started(row, env = {}) {
  const child = spawn(`${ROOT}scripts/build.sh`, row, { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env, SHIP: "0" } });
  let printed = "";
  child.stdout.on("data", (chunk) => (printed += chunk));
  // (A script that cannot be started at all, not found or not executable, is an 'error', no 'close'.)
  const code = await new Promise((resolve, reject) => {
    child.on("error", (e) => reject(new Error(`scripts/build.sh ${row.join(" ")} did not start`, { cause: e })));
    child.on("close", resolve);
  });
  if (code) throw new Error(`scripts/build.sh ${row.join(" ")} exited with ${code}`);
  // (Its last line: what the build printed before it, if anything, is not the answer.)
  const [opt, out] = printed.trim().split("\n").pop().split(" ");
  await bundle(row[0], opt, 8787, out);
}

/**
 * What the tests load beside the matrix, per build (settings.mk's TEST_EXTRAS: example.alloc,
 * the alloc empty for the example's default), and the exnref encoding of counter's unwind build.
 */
function extras() {
  const rows = [];
  for (const build of BUILDS) for (const entry of list("TEST_EXTRAS")) {
    const [example, alloc] = entry.split(".");
    if (!(example == "headers" && build != "abort")) rows.push([[example, alloc ?? "", build]]);
  }
  if (BUILDS.includes("unwind")) rows.push([["counter", "", "unwind"], { EH: "exnref" }]);
  return rows;
}

/**
 * The matrix and the extras, built in two lines at once: one per build (each build its own
 * target dir, so neither waits for the other's lock), the matrix of a build first. A build's
 * compile is mostly one core (LTO, one codegen unit), so two lines use both cores of a 2-core
 * machine.
 */
async function buildAll() {
  // (An extra that is also a size row, such as proxy.talc, is built once.)
  const key = ([row, env]) => JSON.stringify([row, env ?? {}]);
  const jobs = [...new Map([...matrix().map((row) => [row]), ...extras()].map((job) => [key(job), job])).values()];
  const lines = new Map();
  for (const job of jobs) lines.set(job[0][2], [...(lines.get(job[0][2]) ?? []), job]);
  await Promise.all([...lines.values()].map(async (line) => {
    for (const [row, env] of line) await started(row, env);
  }));
}

function measure([example, alloc, build]) {
  const dir = `${ROOT}build/${example}.${alloc}.${build}`;
  const raw = readFileSync(`${ROOT}target/raw/${example}/${alloc}.${build}.wasm`);
  const wasm = readFileSync(`${dir}/app.wasm`);
  const glue = readFileSync(`${dir}/worker.js`); // the entry bundled with the glue it uses
  const row = {
    example, alloc, build,
    wasm_raw: raw.length, wasm_opt: wasm.length, wasm_gz: gz(wasm), wasm_br: br(wasm),
    glue_raw: glue.length, glue_gz: gz(glue), glue_br: br(glue),
  };
  row.total_gz = row.wasm_gz + row.glue_gz; // everything the Worker uploads; the budgeted figure
  row.total_br = row.wasm_br + row.glue_br;
  return row;
}

/** Sections and the biggest functions and data segments of a names-kept build. */
function breakdown(row) {
  const key = [row.example, row.alloc, row.build];
  build(key, { NAMES: "1" });
  const wasm = `${ROOT}build/names/${id(key)}/app.wasm`;
  const dump = (flag) => execFileSync(`${ROOT}node_modules/.bin/wasm-objdump`, [flag, wasm], { encoding: "utf8" });
  const sections = dump("-h").split("\n").filter((l) => l.includes("size=")).map((l) => l.trim());
  const details = dump("-x").split("\n");
  const items = [];
  for (const l of details) {
    let m = l.match(/^ - func\[\d+\] size=(\d+) <(.+)>$/);
    if (m) items.push([Number(m[1]), `code  ${m[2]}`]);
    m = l.match(/^ - segment\[\d+\] <?([^>]*)>? ?memory=\d+ size=(\d+)/);
    if (m) items.push([Number(m[2]), `data  ${m[1] || "segment"}`]);
  }
  items.sort((a, b) => b[0] - a[0]);
  const text = [
    `${id(key)}: ${row.wasm_opt} B after wasm-opt -Oz (this copy keeps its name section), ${row.wasm_gz} B gzip`,
    "", "sections:", ...sections.map((s) => `  ${s}`),
    "", "functions and data segments, biggest first (bytes, kind, name):",
    ...items.map(([size, what]) => `  ${String(size).padStart(6)}  ${what}`),
  ].join("\n");
  mkdirSync(`${HERE}/breakdown`, { recursive: true });
  writeFileSync(`${HERE}/breakdown/${id(key)}.txt`, text + "\n");
}

/** The budgets file: `["example.alloc.build"]` tables of `metric = bytes`; nothing else. */
export function parseBudgets(text, file = "budgets.toml") {
  const budgets = {};
  let table = null;
  text.split("\n").forEach((line, i) => {
    const l = line.replace(/#.*/, "").trim();
    if (!l) return;
    let m = l.match(/^\["([\w.]+)"\]$/);
    if (m) return void (table = budgets[m[1]] = {});
    m = l.match(/^(\w+)\s*=\s*(\d+)$/);
    if (m && table && BUDGETED.includes(m[1])) return void (table[m[1]] = Number(m[2]));
    throw new Error(`${file}:${i + 1}: expected ["example.alloc.build"] or one of ${BUDGETED.join(", ")} = <bytes>: ${line}`);
  });
  return budgets;
}

const COLUMNS = ["wasm_raw", "wasm_opt", "wasm_gz", "wasm_br", "glue_raw", "glue_gz", "glue_br", "total_gz", "total_br"];

/** The table of every row of `report` (the guide's size table, docs/guide/sizes.md). */
export function sizeTable(report) {
  const head = `| example | alloc | build | ${COLUMNS.join(" | ")} |`;
  const rule = `|---|---|---|${COLUMNS.map(() => "---:").join("|")}|`;
  const lines = report.map((r) => `| ${r.example} | ${r.alloc} | ${r.build} | ${COLUMNS.map((c) => r[c]).join(" | ")} |`);
  return [head, rule, ...lines].join("\n");
}

function toolchains() {
  const v = (cmd, args) => execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8" }).trim().split("\n")[0];
  const nightly = settings.NIGHTLY;
  return {
    rustc: v("rustc", ["--version"]),
    nightly: v("rustc", [`+${nightly}`, "--version"]),
    wasm_opt: v(`${ROOT}node_modules/.bin/wasm-opt`, ["--version"]),
    esbuild: JSON.parse(readFileSync(`${ROOT}node_modules/esbuild/package.json`, "utf8")).version,
    node: process.version,
  };
}

/** Writes `text` to `file` whole: a reader at the same time (a test) sees the old file or the new. */
function writeWhole(file, text) {
  writeFileSync(`${file}.${process.pid}`, text);
  renameSync(`${file}.${process.pid}`, file);
}

function check() {
  const report = matrix().map(measure);
  writeWhole(`${HERE}/report.json`, JSON.stringify(report, null, 1) + "\n");
  writeWhole(`${HERE}/toolchains.json`, JSON.stringify(toolchains(), null, 1) + "\n");
  console.log(sizeTable(report));
  if (process.env.SIZE_BREAKDOWN !== "0") {
    const biggest = [...report].sort((a, b) => b.total_gz - a.total_gz).slice(0, BREAKDOWN_BIGGEST);
    for (const row of new Set([...biggest, ...report.filter((r) => r.example === "hello")])) breakdown(row);
    console.log(`\nbreakdown: size-tests/breakdown/ (${biggest.map((r) => id([r.example, r.alloc, r.build])).join(", ")} and hello)`);
  }

  const budgets = parseBudgets(readFileSync(BUDGETS, "utf8"), BUDGETS);
  const over = [], unbudgeted = [];
  for (const row of report) {
    const key = id([row.example, row.alloc, row.build]);
    if (!budgets[key]) unbudgeted.push(key);
    for (const [metric, limit] of Object.entries(budgets[key] ?? {})) {
      if (row[metric] > limit) over.push(`${key} ${metric} = ${row[metric]} B > budget ${limit} B (+${row[metric] - limit})`);
    }
  }
  if (unbudgeted.length) over.push(`rows without a budget (add them to ${BUDGETS}): ${unbudgeted.join(", ")}`);
  if (over.length) {
    console.error(`\nsize-check FAILED:\n  ${over.join("\n  ")}`);
    process.exit(1);
  }
  console.log(`\nsize-check passed: ${report.length} rows within ${BUDGETS}`);
}

// (Imported for sizeTable by scripts/figures.mjs: no command then.)
const command = import.meta.url === `file://${process.argv[1]}` && process.argv[2];
if (command === "build") await buildAll();
else if (command === "check") check();
else if (command === "table") console.log(sizeTable(JSON.parse(readFileSync(`${HERE}/report.json`, "utf8"))));
else if (command !== false) {
  console.error("usage: node size-tests/run.mjs build | check | table");
  process.exit(2);
}
