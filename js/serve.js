// Serving: a module as a Worker (createWorker: one runtime, or a pool for a module that
// suspends) and as a Durable Object class (createDurableObject), with the answers to faults.
import { tooLarge } from "./fault.js";
import { pool } from "./pool.js";
import { createRuntime, doesIo, suspending } from "./runtime.js";
import { BRIDGE, ENV_VARS, IO, STORAGE } from "tinyworker/features";

// The default fault response: nothing internal reaches the client, only an id to find the
// console.error line by.
const genericFault = (fault, id) => new Response(`internal error (fault ${id})\n`, { status: 500 });

export function createWorker(wasm, options = {}) {
  const module = (IO || BRIDGE) && (wasm instanceof WebAssembly.Module ? wasm : new WebAssembly.Module(wasm));
  // A module that suspends in I/O gets one instance per request in flight: JSPI switches the
  // wasm stack, not the module's shadow stack, I/O buffer or statics, so two requests must
  // never interleave on one instance.
  const runtimes = (IO || BRIDGE) && !options.storage && suspending(module) && pool(module, options);
  // The first runtime, made now so a module of another ABI version is refused at start-up
  // (a Durable Object's is made by its first request, so a fault of its restore hook is that
  // request's).
  const rt = runtimes ? runtimes.take() : createRuntime(module || wasm, options);
  if (runtimes) runtimes.release(rt);
  const worker = {
    runtime: rt,
    async fetch(req, env) {
      // The ctx of the request (its waitUntil), for the bridge's detached calls. (Read from
      // `arguments` so that a Worker without the bridge declares no parameter it never uses.)
      const ctx = BRIDGE ? arguments[2] : undefined;
      let r, body, reading;
      try {
        // A Durable Object's instance is made by its first request (its restore hook's fault
        // is that request's); it tells the glue its I/O buffer.
        if (STORAGE && options.storage) rt.ensure();
        // The body is read before an instance is taken (a slow upload holds none), chunk by
        // chunk, and refused (413) as soon as it passes the I/O buffer, with or without a
        // content-length: what the glue holds stays bounded by it (leaving the loop cancels
        // the rest of the stream).
        if (req.body) {
          if (+req.headers.get("content-length") > rt.capacity) throw tooLarge();
          const chunks = [];
          let length = 0;
          reading = true;
          for await (const chunk of req.body) {
            if ((length += chunk.byteLength) > rt.capacity) throw tooLarge();
            chunks.push(chunk);
          }
          reading = false;
          body = await new Blob(chunks).arrayBuffer();
        }
        if (runtimes) {
          r = await runtimes.acquire(req.signal);
          if (!r) return new Response("busy: too many requests in flight, try again shortly\n", { status: 503, headers: { "retry-after": "1" } });
        } else {
          r = rt;
        }
        if (BRIDGE) r.ctx = ctx;
        const serve = () => (ENV_VARS || IO || BRIDGE ? r.serve(req, body, env) : r.serve(req, body));
        let served;
        if (STORAGE && options.storage) {
          // A Durable Object runs the call inside its storage transaction, after making sure
          // of its instance (a new one's restore hook runs in a transaction of its own).
          r.ensure(); // again: a fault of another request may have dropped it meanwhile
          served = options.storage.transactionSync(serve);
        } else if (runtimes) {
          // Should the client go away mid-call, workerd cancels this request: the instance
          // then leaves the pool instead of staying busy forever.
          const abandon = () => runtimes.abandon(r);
          req.signal?.addEventListener("abort", abandon);
          try {
            served = await serve();
          } finally {
            req.signal?.removeEventListener("abort", abandon);
          }
        } else {
          served = serve();
        }
        return new Response(served.body.length ? served.body : null, served);
      } catch (e) {
        if (e.kind == "limit") return new Response("request too large\n", { status: 413 });
        // A client that went away (while sending its body, or while its request waited for an
        // instance) is logged without a fault id: nothing of the module failed.
        if (reading || ((IO || BRIDGE) && e.kind == "aborted")) {
          console.error("tinyworker: request aborted", e);
          return new Response(null, { status: 400 });
        }
        const id = crypto.randomUUID().slice(0, 8);
        console.error(`tinyworker: fault ${id}: ${e.message}`, e.where ?? "", e.cause ?? "");
        try {
          return (options.faultResponse ?? genericFault)(e, id);
        } catch {
          return genericFault(e, id);
        }
      } finally {
        if (runtimes && r) runtimes.release(r);
      }
    },
  };
  if (runtimes) worker.pool = runtimes.all; // every runtime of the pool (tests, monitoring)
  return worker;
}

// Refuses storage that is not SQLite-backed: every tinyworker Durable Object needs its
// synchronous API (ctx.storage.kv, transactionSync). workerd says so in a message naming the
// fix; this says it when the object is made, not as a failure of every storage call.
function requireSqlite(storage) {
  try {
    void storage.sql.databaseSize;
  } catch (cause) {
    throw new Error(
      "tinyworker: a Durable Object needs SQLite-backed storage: declare its class under `new_sqlite_classes` in wrangler.toml's migrations (workerd: `enableSql = true`)",
      { cause },
    );
  }
}

/**
 * A Durable Object class for a module built with `durable_object!`: export it from the Worker
 * entry (`export const Room = createDurableObject(wasm)`). Every object has its own instance
 * of the module, so a fault in one object never touches another, and the module reaches its
 * object's storage (`ctx.storage.kv`) synchronously. Each request runs inside
 * `ctx.storage.transactionSync`: a request that ends in a fault leaves storage exactly as it was
 * before it (the transaction rolls back); one that answers keeps all its writes. Requests to
 * one object run one at a time on its instance (the call into the module is synchronous). The
 * class must be SQLite-backed (`new_sqlite_classes`); constructing it refuses other storage.
 */
export function createDurableObject(wasm, options = {}) {
  const module = wasm instanceof WebAssembly.Module ? wasm : new WebAssembly.Module(wasm);
  if (IO && doesIo(module)) throw Error("tinyworker: a Durable Object module must not suspend: its storage calls are synchronous, inside one transaction");
  return class {
    constructor(ctx, env) {
      requireSqlite(ctx.storage);
      const worker = createWorker(module, { ...options, storage: ctx.storage, lazy: true });
      this.runtime = worker.runtime;
      this.fetch = (req) => (BRIDGE ? worker.fetch(req, env, ctx) : worker.fetch(req, env));
    }
  };
}

