// The docs a user reads are checked like code: every JavaScript block of README.md and
// docs/guide/ is type-checked against the glue's types (tsc --strict, a file per block); every
// page with a Rust block is compiled by the runtime's doc tests (`cargo test --doc -- guide`,
// in make test-host), which this test makes sure include it; and every measured figure is the
// one its report holds (scripts/figures.mjs check). Each failure names its file and line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers.mjs";
import { DOCS } from "../../scripts/figures.mjs";

/** The fenced blocks of `lang` in `file`: { line, code }. */
function blocks(file, lang) {
  const out = [];
  const lines = readFileSync(`${ROOT}${file}`, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== "```" + lang) continue;
    const start = i + 1;
    while (++i < lines.length && lines[i].trim() !== "```");
    out.push({ line: start, code: lines.slice(start, i).join("\n") });
  }
  return out;
}

test("every JavaScript block of the README and the guide type-checks against the glue's types", () => {
  const dir = mkdtempSync(join(ROOT, "build", "guide-js-"));
  try {
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(ROOT, "js"), join(dir, "node_modules", "tinyworker"));
    // What a Worker's entry has beside it: its module (`import wasm from "./app.wasm"`), and,
    // for resilient()'s page, a wasm-bindgen library's bindings.
    // The platform's own module (`cloudflare:workers`), as far as the docs use it: the classes an
    // RPC class extends.
    const platformClass = "{ constructor(ctx: unknown, env: unknown); }";
    writeFileSync(
      join(dir, "ambient.d.ts"),
      'declare module "*.wasm" { const module: WebAssembly.Module; export default module; }\n' +
        `declare module "cloudflare:workers" { export class WorkerEntrypoint ${platformClass} export class DurableObject ${platformClass} export class WorkflowEntrypoint ${platformClass} }\n` +
        `declare module "cloudflare:email" { export class EmailMessage { constructor(from: string, to: string, raw: unknown); } }\n`,
    );
    writeFileSync(join(dir, "my_lib.d.ts"), "export function render(input: string): string;\nexport function initSync(module: unknown): unknown;\n");
    const files = ["ambient.d.ts", "my_lib.d.ts"];
    for (const file of DOCS) {
      for (const { line, code } of blocks(file, "js")) {
        // Each block as a module of its own: a Worker's entry, complete with its imports.
        const name = `${file.replace(/[/.]/g, "_")}_${line}.js`;
        writeFileSync(join(dir, name), `${code}\nexport {};\n`);
        files.push(name);
      }
    }
    assert.ok(files.length > 4, "the docs have JavaScript blocks");
    const compilerOptions = { strict: true, allowJs: true, checkJs: true, noEmit: true, target: "es2022", module: "nodenext", moduleResolution: "nodenext", lib: ["es2022", "dom", "dom.iterable"], types: [] };
    const config = { compilerOptions, files };
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(config));
    const tsc = spawnSync(`${ROOT}node_modules/.bin/tsc`, ["-p", dir], { encoding: "utf8" });
    assert.equal(tsc.status, 0, `a JavaScript block of the docs does not type-check (file names: <doc>_<line>.ts):\n${tsc.stdout}${tsc.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every page with a Rust block is compiled by the runtime's doc tests", () => {
  const lib = readFileSync(`${ROOT}runtime/src/lib.rs`, "utf8");
  for (const file of DOCS) {
    if (!blocks(file, "rust").length) continue;
    assert.ok(lib.includes(`include_str!("../../${file}")`), `${file} has Rust blocks the doc tests do not include (runtime/src/lib.rs, mod guide)`);
  }
  // No block escapes the compiler.
  for (const file of DOCS) {
    for (const lang of ["rust,ignore", "rust,no_run", "rust,compile_fail"]) {
      assert.deepEqual(blocks(file, lang).map((b) => `${file}:${b.line}`), [], `a ${lang} block`);
    }
  }
});

test("every measured figure of the README and the guide is its report's", () => {
  const check = spawnSync(process.execPath, [`${ROOT}scripts/figures.mjs`, "check"], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
  // The front door stays a front door.
  assert.ok(readFileSync(`${ROOT}README.md`, "utf8").split("\n").length <= 250, "README.md is at most 250 lines");
});
