// Node 24 (JSPI on by default) around examples/proxy: the same origin and KV services the
// workerd config runs, behind a real HTTP server on 127.0.0.1 and a KV binding that speaks
// workerd's KV protocol to the KV service.
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import origin from "../../../examples/proxy/services/origin.js";
import kvService from "../../../examples/proxy/services/kv.js";

// Workers' global `scheduler` (`pending::timer`, `platform::sleep`): Node has it in a module.
globalThis.scheduler ??= (await import("node:timers/promises")).scheduler;

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
export const TEST_BUILDS = (process.env.TEST_BUILDS ?? "abort unwind").split(/\s+/).filter(Boolean);
export const wasmOf = (example, alloc, build) => new WebAssembly.Module(readFileSync(`${ROOT}/build/${example}.${alloc}.${build}/app.wasm`));

/** `fn()` with console.error silenced (the faults a test causes on purpose log). */
export const quietly = async (fn) => {
  const original = console.error;
  console.error = () => {};
  try {
    return await fn();
  } finally {
    console.error = original;
  }
};

/** The origin Worker served over HTTP on a free loopback port; resolves to { url, close }. */
export async function startOrigin() {
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const response = await origin.fetch(new Request(`http://origin.local${req.url}`, { method: req.method, headers: req.headers, body }));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** A KV binding as workerd makes one: get/put/delete as HTTP requests to the KV service. */
export const kvBinding = (service = kvService) => {
  const url = (key) => `https://fake-host/${encodeURIComponent(key)}?urlencoded=true`;
  return {
    async get(key, type) {
      const response = await service.fetch(new Request(url(key)));
      if (response.status === 404) return null;
      return type === "arrayBuffer" ? response.arrayBuffer() : response.text();
    },
    async put(key, value) {
      await service.fetch(new Request(url(key), { method: "PUT", body: value }));
    },
    async delete(key) {
      await service.fetch(new Request(url(key), { method: "DELETE" }));
    },
  };
};

/** The env examples/proxy expects, with its origin at `originUrl`. */
export const envOf = (originUrl) => ({ GREETING: "hello from the env", ORIGIN: originUrl, CACHE: kvBinding() });
