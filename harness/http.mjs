// HTTP clients for tests and benchmarks against servers on 127.0.0.1, without dependencies: a
// keep-alive client and bounded load (the soak and the benchmark measure with the same one),
// raw requests on sockets of their own (slow, reset or half-sent), and chunked uploads.
import { Agent, request } from "node:http";
import { connect } from "node:net";

/** `get(path)` resolves to { status, body } (10 s timeout per request); `close()` ends it. */
export function client(base, connections) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const get = (path) =>
    new Promise((resolve, reject) => {
      const req = request(`${base}${path}`, { agent, timeout: 10_000 }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode, body }));
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error("timed out after 10 s")));
      req.on("error", reject);
      req.end();
    });
  return { get, close: () => agent.destroy() };
}

/**
 * Runs `requests` requests for the paths `plan(i)` gives, on `connections` concurrent
 * loops, stopping at `seconds` (what was not sent by then is reported as unsent). Calls
 * `seen(i, response | error)` for each. Resolves to { sent, unsent, seconds }.
 */
export async function load({ base, requests, connections, seconds, plan, seen }) {
  const http = client(base, connections);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = 0, sent = 0;
  async function loop() {
    while (next < requests && performance.now() < deadline) {
      const i = next++;
      sent++;
      try {
        seen(i, await http.get(plan(i)));
      } catch (e) {
        seen(i, e instanceof Error ? e : new Error(String(e)));
      }
    }
  }
  await Promise.all(Array.from({ length: connections }, loop));
  http.close();
  return { sent, unsent: requests - sent, seconds: (performance.now() - started) / 1000 };
}

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
 * A client that sends `head` (and `body`, if given) on a socket of its own and then never reads
 * what the server answers (the socket paused): what a slow or absent reader of a streamed answer
 * does to the server. Resolves to the socket, to reset or close.
 */
export function unreadRequest(base, head, body) {
  const { hostname, port } = new URL(base);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.pause();
  socket.on("error", () => {});
  socket.write(`${head}\r\n\r\n`);
  if (body !== undefined) socket.write(body);
  return socket;
}

/**
 * POSTs `mib` MiB of 1 MiB chunks without content-length (chunked) to `url`, stopping when the
 * server answers or refuses. Resolves to { status, sent }: the status, or the error when the
 * server closed the connection before the client read an answer; `sent` MiB were written.
 */
export function chunkedUpload(url, mib) {
  return new Promise((resolve) => {
    let sent = 0;
    const req = request(url, { method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
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
