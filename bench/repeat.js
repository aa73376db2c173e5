// The warm in-isolate measurement of `make bench`: `GET /?n=<count>` runs a Worker's whole
// fetch path <count> times inside one request (no HTTP in between), so the client's latency
// for it, divided by <count>, is that path's cost per request; far steadier than requests/s.
// The same file wraps tinyworker (TARGET "tinyworker") and the plain JS baseline.
import wasm from "./app.wasm";
import { createWorker } from "tinyworker";

const HEADERS = { "content-type": "text/plain; charset=utf-8" };
const targets = {
  tinyworker: createWorker(wasm),
  js: { fetch: async () => new Response("hello", { headers: HEADERS }) },
};

export default {
  async fetch(request, env) {
    const target = targets[env.TARGET];
    const n = Number(new URL(request.url).searchParams.get("n")) || 0;
    if (!n) return target.fetch(request);
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const response = await target.fetch(new Request("http://bench.invalid/"));
      bytes += response.status === 200 ? 1 : 0;
    }
    return new Response(bytes === n ? "ok" : `wrong: ${n - bytes} of ${n}`, { status: bytes === n ? 200 : 500 });
  },
};
