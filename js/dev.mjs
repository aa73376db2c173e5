// tinyworker/dev: a Worker project's own `wrangler dev` for its integration tests. Starts it on
// a free port of 127.0.0.1, with its state (KV, Durable Objects) in a fresh temporary folder,
// waits until it answers, and stops it (and what it started) when asked.
//
//   const server = await devServer();            // in the project's folder
//   const response = await server.fetch("/hello/Ada");
//   await server.stop();
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

/** A port nobody listens on now, on 127.0.0.1. */
export const freePort = () =>
  new Promise((done, fail) => {
    const probe = createServer().once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });

/**
 * Starts `wrangler dev` for the project in `cwd` (its wrangler.toml; the [build] command runs
 * first) and resolves when it answers HTTP. `seconds`: how long the build and start may take.
 * `args`: more arguments for wrangler dev. Rejects with wrangler's output when it exits or
 * does not answer in time.
 */
export async function devServer({ cwd = process.cwd(), seconds = 180, args = [] } = {}) {
  const major = +process.versions.node.split(".")[0];
  if (major < 22) throw new Error(`tinyworker/dev: wrangler needs Node.js 22 or later; this is ${process.version}`);
  const wrangler = join(dirname(createRequire(join(resolve(cwd), "package.json")).resolve("wrangler/package.json")), "bin/wrangler.js");
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), "tinyworker-dev-"));
  const child = spawn(
    process.execPath,
    [wrangler, "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state, "--show-interactive-dev-session=false", ...args],
    { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  let output = "";
  const keep = (chunk) => (output = (output + chunk).slice(-8192));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let exited = null;
  child.once("exit", (code, signal) => (exited = `exited (${signal ?? code})`));

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited === null) {
      const gone = new Promise((done) => child.once("exit", done));
      try {
        process.kill(-child.pid, "SIGTERM"); // wrangler and the workerd it started
      } catch {}
      const timer = setTimeout(() => { try { process.kill(-child.pid, "SIGKILL"); } catch {} }, 5000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(state, { recursive: true, force: true });
  };
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (exited !== null) {
      await stop();
      throw new Error(`tinyworker/dev: wrangler dev ${exited} before answering:\n${output}`);
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`tinyworker/dev: wrangler dev did not answer on ${url} in ${seconds} s:\n${output}`);
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  return {
    url,
    /** `fetch` of `path` on the server (redirects not followed). */
    fetch: (path, init = {}) => fetch(url + path, { redirect: "manual", ...init }),
    /** What wrangler printed last (up to 8 KiB): the Worker's logs. */
    output: () => output,
    stop,
  };
}
