// The Worker entry of examples/loader: the Rust module routes and keeps the tenants' modules;
// `tenant` (a host function it calls) starts a tenant's Worker through the Worker Loader, one
// isolate per tenant and code version (the loader caches it by that id), with no network of its
// own (`globalOutbound: null`) and a CPU limit per request, and passes the request on.
import wasm from "./app.wasm";
import tenantGlue from "./tenant.txt";
import { createWorker } from "tinyworker";

/** The milliseconds of CPU a tenant's request may use. */
const TENANT_CPU_MS = 50;

/** Runs `request` (on path `path`) on tenant `id`'s module of version `version`, kept in `modules`. */
function tenant(loader, modules, id, version, path, request) {
  const worker = loader.get(`${id}:${version}`, async () => ({
    compatibilityDate: "2026-11-01",
    mainModule: "worker.js",
    // (A version is `wasm-<hash>` or `js-<hash>`: a JavaScript tenant, the baseline, is its code.)
    modules: version.startsWith("js-")
      ? { "worker.js": await modules.get(`code:${id}:${version}`, "text") }
      : { "worker.js": tenantGlue, "app.wasm": { wasm: await modules.get(`code:${id}:${version}`, "arrayBuffer") } },
    globalOutbound: null,
    limits: { cpuMs: TENANT_CPU_MS },
  }));
  const url = new URL(request.url);
  url.pathname = path;
  return worker.getEntrypoint().fetch(new Request(url, request));
}

export default createWorker(wasm, { host: { tenant } });
