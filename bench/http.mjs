// A small keep-alive HTTP/1.1 client for load on 127.0.0.1 (no dependencies): the soak and
// the benchmark share it, so both measure with the same client.
import { Agent, request } from "node:http";

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
