// Test helpers: a built example through glue.js in Node, its faults quietly, the garbage
// collector; and, re-exported, the harness shared with bench/ (servers, clients, build paths).
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createRuntime, createWorker } from "tinyworker";
import { faultsImports } from "../examples/faults/imports.js";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, wasmOf } from "../harness/builds.mjs";
import { startWorkerdConfig, startWranglerDev } from "../harness/servers.mjs";
import { ship } from "../scripts/bundle.mjs";
import proxyConfig from "../examples/proxy/config.mjs";

export * from "../harness/builds.mjs";
export * from "../harness/servers.mjs";
export * from "../harness/http.mjs";

const IMPORTS = { faults: faultsImports };

/**
 * workerd serving examples/proxy of `build` (its origin, KV and outbound services beside it),
 * behind an entry of its own when `options` is given: `createWorker(wasm, <options>)`, the
 * options as the source of an object literal (so it may hold functions). Without: the example's
 * own entry.
 */
export async function serveProxy(build, options) {
  const dir = `${ROOT}/build/proxy.talc.${build}`;
  if (!options) return startWorkerdConfig(`${dir}/config.capnp`);
  const out = `${ROOT}/build/proxy-${createHash("sha256").update(options).digest("hex").slice(0, 12)}.${build}`;
  mkdirSync(out, { recursive: true });
  const entry = `${out}.entry.js`;
  writeFileSync(entry, `import wasm from "./app.wasm";\nimport { createWorker } from "tinyworker";\nexport default createWorker(wasm, ${options});\n`);
  await ship({ out, name: "proxy-options", sources: { "worker.js": entry }, assets: { "app.wasm": `${dir}/app.wasm` } });
  for (const f of ["origin.js", "kv.js", "outbound.js"]) copyFileSync(`${dir}/${f}`, `${out}/${f}`);
  writeFileSync(`${out}/config.capnp`, proxyConfig("127.0.0.1:8787"));
  return startWorkerdConfig(`${out}/config.capnp`);
}

/**
 * Runs `fn(server)` against wrangler dev serving `dir` with its state in a fresh temporary folder
 * (`name` in its name), with startWranglerDev's `options` (`configs`: Workers beside it): a
 * failure carries the end of wrangler's output; the server is stopped and the state removed
 * either way.
 */
export async function withWranglerDev(dir, name, fn, options = {}) {
  const persist = mkdtempSync(join(tmpdir(), `${name}-`));
  const server = await startWranglerDev(dir, { ...options, persist });
  try {
    await fn(server);
  } catch (e) {
    e.message += `\n--- wrangler dev output ---\n${server.output().slice(-4000)}`;
    throw e;
  } finally {
    await server.stop();
    rmSync(persist, { recursive: true, force: true });
  }
}

/** Asserts that `server` logs a line matching `pattern` (waiting for it a while: wrangler and
 * workerd print a log line after the response it was written for). */
export async function assertLogged(server, pattern, message) {
  assert.match(await server.logged(pattern), pattern, message);
}

/** A fault response that carries the fault's message (the tests that check messages opt in). */
export const detailed = (fault) => new Response(`${fault.message}\n`, { status: 500 });

/** A Worker object for a built example; options: alloc, build, and the glue's own (fault
 * responses carry the message unless `faultResponse` says otherwise). */
export const workerOf = (example, options = {}) =>
  createWorker(wasmOf(example, options.alloc, options.build), { imports: IMPORTS[example], faultResponse: detailed, ...options });

export const runtimeOf = (example, options = {}) =>
  createRuntime(wasmOf(example, options.alloc, options.build), { imports: IMPORTS[example], ...options });

/** GET `path` from a Worker object; resolves to [status, body text]. */
export async function get(worker, path) {
  const response = await worker.fetch(new Request(`http://example.test${path}`));
  return [response.status, await response.text()];
}

/** Runs `fn` with console.error silenced (the glue logs every fault), returning the log. */
export async function quietly(fn) {
  const original = console.error;
  const log = [];
  console.error = (...args) => log.push(args.map(String).join(" "));
  try {
    await fn();
  } finally {
    console.error = original;
  }
  return log;
}






/** A full garbage collection (V8's `gc`, reached without a command-line flag). */
export const gc = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc");
})();

/**
 * Collects until the heap stops shrinking (finalizers run in tasks between collections and
 * free more: three rounds in a row without a change), then returns process.memoryUsage().
 */
export async function settledMemory() {
  let last = Infinity;
  for (let i = 0, still = 0; i < 40 && still < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
    const now = process.memoryUsage().heapUsed;
    still = now >= last - 64 * 1024 ? still + 1 : 0;
    last = Math.min(last, now);
  }
  return process.memoryUsage();
}



