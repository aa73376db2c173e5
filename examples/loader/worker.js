// The Worker entry of examples/loader: the Rust module routes and keeps the tenants' modules;
// `tenant` (a host function it calls) starts a tenant's Worker through the Worker Loader, one
// isolate per tenant and code version (the loader caches it by that id), with no network of its
// own (`globalOutbound: null`) and a CPU limit per request, and passes the request on; `meter`
// (another) puts the fuel meter in a tenant's module as it is uploaded.
import wasm from "./app.wasm";
import tenantGlue from "./tenant.txt";
import { createWorker } from "tinyworker";
import { meter } from "tinyworker/meter";

/** The milliseconds of CPU a tenant's request may use (the platform enforces it). */
const TENANT_CPU_MS = 50;
/**
 * The loop iterations a tenant's request may run (its module's meter: enforced wherever it
 * runs, wrangler dev included, which enforces no CPU limit): about the 50 ms above of a tight loop.
 */
const TENANT_FUEL = 50_000_000;

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

/** A tenant's module with the fuel meter in it (a MeterError names what it could not read). */
const metered = (code) => meter(code, { fuel: TENANT_FUEL });

export default createWorker(wasm, { host: { tenant, meter: metered } });
