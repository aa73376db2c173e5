// Shared test helpers: load a built example through glue.js, start workerd on loopback.
import { readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { request as httpRequest } from "node:http";
import { connect, createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createRuntime, createWorker } from "tinyworker";
import { faultsImports } from "../examples/faults/imports.js";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
const IMPORTS = { faults: faultsImports };
/** Examples that link an allocator (built once per backend). */
const WITH_ALLOCATOR = new Set(["faults", "proxy", "room"]);

/** The backends `make test` asked for (all four unless ALLOC was given). */
export const TEST_ALLOCS = (process.env.TEST_ALLOCS ?? "talc dlmalloc bump wee_alloc").split(/\s+/).filter(Boolean);
/** The builds `make test` asked for (both unless BUILD was given). */
export const TEST_BUILDS = (process.env.TEST_BUILDS ?? "abort unwind").split(/\s+/).filter(Boolean);

/** build/<example>.<alloc>.<build>, as scripts/build.sh lays it out. */
export const dirOf = (example, alloc = "talc", build = "abort") =>
  `${ROOT}/build/${example}.${WITH_ALLOCATOR.has(example) ? alloc : "none"}.${build}`;

/** The optimised module `make build-all` wrote for `example`. */
export const wasmOf = (example, alloc, build) => readFileSync(`${dirOf(example, alloc, build)}/app.wasm`);

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

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts workerd serving build/<example> on a free loopback port; waits until it answers. */
export const startWorkerd = (example, alloc, build) => startWorkerdConfig(`${dirOf(example, alloc, build)}/config.capnp`);

/** Starts workerd with `config` on a free loopback port; waits until it answers. */
export async function startWorkerdConfig(config) {
  const port = await freePort();
  const args = ["serve", config, "--socket-addr", `http=127.0.0.1:${port}`];
  return startServer(`${ROOT}/node_modules/.bin/workerd`, args, { port });
}

/**
 * Starts a local HTTP server process that will listen on 127.0.0.1:`port` and waits (up to
 * `seconds`) until it answers. `detached` runs it in its own process group, stopped as a
 * whole (wrangler dev starts a workerd of its own). Resolves to { base, pid, output, get, stop }.
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

/** The fault routes of examples/faults and what each 500's body must contain. */
export const FAULT_ROUTES = [
  ["/panic", "panic: injected panic"],
  ["/abort", "abort: injected abort"],
  ["/oom", "abort: out of memory"],
  ["/trap", "trap: unreachable"],
  ["/overflow", "trap:"],
  ["/js-throw", "error: thrown on purpose by a JS import"],
  ["/reenter", "reentrant call refused"],
];

/** Whether the instance survives `route` in `build` (DESIGN.md's fault model): the unwind
 * build keeps it after a panic and after a JS exception, because every destructor ran. */
export const keepsInstance = (build, route) =>
  build === "unwind" && ["/panic", "/js-throw", "/reenter"].includes(route);

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

/** utime + stime of a process (e.g. workerd), in µs. */
export const cpuUs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // clock ticks at USER_HZ = 100
};

/** The resident memory of a process, in MiB. */
export const rssMiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/)[1]) / 1024;

/**
 * A raw HTTP/1.1 request on a socket of its own: `head` (request line and headers, without the
 * blank line) is sent at once, then `body` if given. Resolves `response` to { status, body } when
 * the server answers (or to an Error); `socket` is there to trickle more, reset or close.
 */
export function rawRequest(base, head, body) {
  const { hostname, port } = new URL(base);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.setNoDelay(true);
  const response = new Promise((resolve) => {
    const chunks = [];
    socket.on("data", (d) => {
      chunks.push(d);
      const text = Buffer.concat(chunks).toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = text.slice(0, end).match(/content-length: (\d+)/i);
      if (!length || text.length >= end + 4 + Number(length[1])) resolve({ status: Number(text.split(" ")[1]), body: text.slice(end + 4) });
    });
    socket.on("error", (e) => resolve(e));
    socket.on("close", () => resolve(new Error("closed without an answer")));
  });
  socket.write(`${head}\r\n\r\n`);
  if (body !== undefined) socket.write(body);
  return { socket, response };
}

/**
 * POSTs `mib` MiB of 1 MiB chunks without content-length (chunked) to `url`, stopping when the
 * server answers or refuses. Resolves to { status, sent }: the status, or the error when the
 * server closed the connection before the client read an answer; `sent` MiB were written.
 */
export function chunkedUpload(url, mib) {
  return new Promise((resolve) => {
    let sent = 0;
    const req = httpRequest(url, { method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode, sent });
    });
    // A refusal may close the connection under the upload, so the write fails before the
    // answer is read: wait for the answer a moment before settling for the error.
    req.on("error", (e) => setTimeout(() => resolve({ status: String(e), sent }), 1000));
    const chunk = Buffer.alloc(1 << 20, 7);
    const more = () => {
      while (sent < mib && !req.destroyed) {
        sent++;
        if (!req.write(chunk)) return req.once("drain", more);
      }
      req.end();
    };
    more();
  });
}
