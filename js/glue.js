// tinyworker glue, host ABI v2 (docs/ABI.md): serves a tinyworker module as a Worker, tells
// its faults apart, and replaces an instance a fault poisoned. Types: glue.d.ts.
import {
  ABI_VERSION, MODULE_HEADER_WORDS, FLAG_UNWIND, OUTCOME_FAULT, PART_METHOD, PART_URL, PART_HEADERS,
  FAULT_PANIC, FAULT_TOO_LARGE, FAULT_WORDS, HEADER_RECORD_BYTES, ABSENT, IO_FETCH, IO_KV_GET, IO_KV_PUT,
  IO_KV_DELETE, IO_FAILED, IO_INVALID_URL, IO_NO_BINDING, IO_INVALID_ARGUMENT, RESULT_STATUS, RESULT_HEADERS,
  STORAGE_GET, STORAGE_PUT, STORAGE_DELETE, STORAGE_LIST, VALUE_BYTES, VALUE_TEXT, VALUE_NUMBER, VALUE_BIGINT,
  VALUE_BOOLEAN, VALUE_NULL, VALUE_JSON, VALUE_OTHER,
} from "./abi.js";
import { ENV_VARS, FAULT_RECORDS, HOST_IMPORTS, IO, REQUEST_PARTS, STORAGE } from "tinyworker/features";

const { Module, Instance, RuntimeError } = WebAssembly;
const dec = new TextDecoder();

// kind: panic | abort | trap | error (a JS exception from an import) | limit (the request
// does not fit the module's I/O buffer: answered 413, not a fault of the module) | aborted (the
// client went away before the request could run: not a fault either)
export class Fault extends Error {
  constructor(kind, message, cause) {
    super(`${kind}: ${message}`, { cause });
    this.kind = kind;
  }
}
const tooLarge = (cause) => new Fault("limit", "request too large", cause);

// Whether an exception that left wasm is a trap. A RangeError is V8's stack exhaustion when
// the module raised it; one thrown by JavaScript code is counted as a trap too, the
// conservative side: the instance is replaced.
const isTrap = (e) => e instanceof RuntimeError || e instanceof RangeError;

// Whether `module` imports the suspending I/O import (and so must be served through JSPI).
const suspending = (module) => Module.imports(module).some((i) => i.name == "__tw_io");

// The error code of an exception a host call threw: the platform refusing an argument (a
// TypeError or RangeError: a KV key it does not allow, a value too large) is the caller's
// mistake; anything else is a failure of the host.
const hostError = (e) => (e instanceof TypeError || e instanceof RangeError ? IO_INVALID_ARGUMENT : IO_FAILED);

// Whether JSON represents `v` exactly: plain objects and arrays (no holes) of strings, finite
// numbers, booleans and null, not too deep.
const jsonExact = (v, depth = 0) => {
  if (v === null || typeof v == "string" || typeof v == "boolean") return true;
  if (typeof v == "number") return Number.isFinite(v) && !Object.is(v, -0);
  if (typeof v != "object" || depth > 64) return false;
  const proto = Object.getPrototypeOf(v);
  if (Array.isArray(v)) {
    if (proto !== Array.prototype || Object.keys(v).length != v.length) return false;
  } else if (proto !== Object.prototype && proto !== null) {
    return false;
  }
  return Object.values(v).every((item) => jsonExact(item, depth + 1));
};

export function createRuntime(wasm, options = {}) {
  const module = wasm instanceof Module ? wasm : new Module(wasm);
  const tag = FAULT_RECORDS && new WebAssembly.Tag({ parameters: ["i32"] });
  // Only a module that imports the suspending __tw_io is called through WebAssembly.promising.
  const suspends = IO && suspending(module);
  // The current instance (null after a fault poisoned it), what its header says, the request
  // being served (for __tw_request) with its env (for __tw_env and __tw_io), and what the
  // request's I/O operations answered (for __tw_result).
  let x, u8, u32, flags, io, faultAt, responseAt, sp, busy, request, bindings, results, promised;
  // Memory as bytes and as words, viewed anew after the module grew it (which detaches the
  // old buffer); records are read word by word, without allocating per request.
  const view = () => u8.length || ((u8 = new Uint8Array(x.memory.buffer)), (u32 = new Uint32Array(u8.buffer)));
  const bytes = (at, len) => (view(), u8.subarray(at, at + len));
  const text = (at, len) => dec.decode(bytes(at, len));

  // The module's imports: what it needs of these (features.js), and the caller's.
  const env = {};
  if (FAULT_RECORDS) env.__cpp_exception = tag;
  const enc = (REQUEST_PARTS || ENV_VARS || IO || STORAGE) && new TextEncoder();
  // `s` as UTF-8 at `dst` if it fits in `room`; its length in bytes either way.
  const put = (s, dst, room) => {
    const { read, written } = enc.encodeInto(s, bytes(dst, room));
    return read < s.length ? enc.encode(s).length : written;
  };
  // env.__tw_request: request part `which`.
  if (REQUEST_PARTS) {
    env.__tw_request = (which, dst, room) => {
      let s = which == PART_METHOD ? request.method : which == PART_URL ? request.url : "";
      if (which == PART_HEADERS) for (const [name, value] of request.headers) s += `${name}:${value}\n`;
      return put(s, dst, room);
    };
  }
  // env.__tw_env: a text variable or secret of the request's env.
  if (ENV_VARS) {
    env.__tw_env = (name, len, dst, room) => {
      const value = bindings?.[text(name, len)];
      return typeof value == "string" ? put(value, dst, room) : ABSENT;
    };
  }
  // What an I/O or storage operation answered, kept until the request ends; its handle.
  const answer = (status, headers, body) => results.push({ status, headers, body }) - 1;
  if ((IO || STORAGE) && (suspends || options.storage)) {
    // env.__tw_result: part `part` of what operation `handle` answered.
    env.__tw_result = (handle, part, dst, room) => {
      const r = results[handle];
      if (part == RESULT_STATUS) return r.status;
      const b = part == RESULT_HEADERS ? r.headers : r.body;
      if (b.length <= room) bytes(dst, b.length).set(b);
      return b.length;
    };
  }
  // env.__tw_storage: a Durable Object's storage (`options.storage`, its ctx.storage), synchronous.
  if (STORAGE && options.storage) {
    const kv = options.storage.kv;
    // A stored value as [kind, bytes] (docs/ABI.md, "Stored values"): nothing is misread; a
    // value of another kind reaches the module as that kind, never as bytes.
    const stored = (v) => {
      if (v instanceof Uint8Array) return [VALUE_BYTES, v];
      if (ArrayBuffer.isView(v)) return [VALUE_BYTES, new Uint8Array(v.buffer, v.byteOffset, v.byteLength)];
      if (v instanceof ArrayBuffer) return [VALUE_BYTES, new Uint8Array(v)];
      switch (typeof v) {
        case "string":
          return [VALUE_TEXT, enc.encode(v)];
        case "number": {
          const b = new Uint8Array(8);
          new DataView(b.buffer).setFloat64(0, v, true);
          return [VALUE_NUMBER, b];
        }
        case "bigint":
          return [VALUE_BIGINT, enc.encode(String(v))];
        case "boolean":
          return [VALUE_BOOLEAN, new Uint8Array([v ? 1 : 0])];
      }
      if (v === null) return [VALUE_NULL, new Uint8Array()];
      if (jsonExact(v)) return [VALUE_JSON, enc.encode(JSON.stringify(v))];
      return [VALUE_OTHER, enc.encode(Object.prototype.toString.call(v).slice(8, -1))];
    };
    const word = (n) => new Uint8Array(new Uint32Array([n]).buffer);
    env.__tw_storage = (op, at) => {
      view();
      const [key, keyLen, value, valueLen] = u32.subarray(at >> 2, (at >> 2) + 4);
      const name = text(key, keyLen);
      try {
        switch (op) {
          case STORAGE_GET: {
            const v = kv.get(name);
            if (v === undefined) return ABSENT;
            const [kind, body] = stored(v);
            return answer(kind, [], body);
          }
          case STORAGE_PUT:
            kv.put(name, bytes(value, valueLen).slice());
            return 0;
          case STORAGE_DELETE:
            return kv.delete(name) ? 1 : 0;
          case STORAGE_LIST: {
            // Each entry as key length (u32 LE), key, kind, value length, value.
            const chunks = [];
            let length = 0;
            for (const [k, v] of kv.list({ prefix: name })) {
              const [kind, body] = stored(v);
              const keyBytes = enc.encode(k);
              chunks.push(word(keyBytes.length), keyBytes, word(kind), word(body.length), body);
              length += 12 + keyBytes.length + body.length;
            }
            const list = new Uint8Array(length);
            let offset = 0;
            for (const chunk of chunks) {
              list.set(chunk, offset);
              offset += chunk.length;
            }
            return answer(0, [], list);
          }
          default:
            return IO_FAILED; // an operation this glue does not know: refused, never guessed
        }
      } catch (e) {
        return hostError(e);
      }
    };
  }
  if (suspends) {
    if (!WebAssembly.Suspending) throw Error("tinyworker: the module does I/O through JSPI, which this engine lacks (workerd has it; Node from 24)");
    // env.__tw_io: a subrequest or a KV operation. Suspending: the module waits for the
    // Promise while the isolate serves other requests (on other instances). Every failure is
    // an error code for the module, never an exception.
    env.__tw_io = new WebAssembly.Suspending(async (op, at) => {
      view();
      const w = u32.slice(at >> 2, (at >> 2) + 10); // the record: five (address, length) pairs
      const str = (i) => text(w[2 * i], w[2 * i + 1]);
      const data = (i) => bytes(w[2 * i], w[2 * i + 1]).slice();
      if (op == IO_FETCH) {
        const name = str(4), target = name ? bindings?.[name] : globalThis;
        if (typeof target?.fetch != "function") return IO_NO_BINDING;
        const url = str(1);
        if (!URL.canParse(url)) return IO_INVALID_URL;
        const headers = [];
        for (let h = w[4] >> 2, end = h + 4 * w[5]; h < end; h += 4) headers.push([text(u32[h], u32[h + 1]), text(u32[h + 2], u32[h + 3])]);
        let subrequest;
        try {
          // What the platform refuses to build (a body on a GET, a header it does not allow) is
          // an invalid argument; what fails once sent is a failure.
          subrequest = new Request(url, { method: str(0), headers, body: w[7] ? data(3) : undefined });
        } catch (e) {
          return hostError(e);
        }
        try {
          const response = await target.fetch(subrequest);
          const body = new Uint8Array(await response.arrayBuffer());
          let head = "";
          for (const [n, v] of response.headers) head += `${n}:${v}\n`;
          return answer(response.status, enc.encode(head), body);
        } catch {
          return IO_FAILED;
        }
      }
      if (op != IO_KV_GET && op != IO_KV_PUT && op != IO_KV_DELETE) return IO_FAILED; // refused, never guessed
      const kv = bindings?.[str(0)], key = str(1);
      if (typeof kv?.get != "function") return IO_NO_BINDING;
      try {
        if (op == IO_KV_GET) {
          const value = await kv.get(key, "arrayBuffer");
          return value == null ? ABSENT : answer(200, new Uint8Array(), new Uint8Array(value));
        }
        await (op == IO_KV_PUT ? kv.put(key, data(2)) : kv.delete(key));
        return 0;
      } catch (e) {
        return hostError(e);
      }
    });
  }

  const instantiate = () => {
    const e = new Instance(module, { env: HOST_IMPORTS ? { ...env, ...options.imports?.(rt) } : env }).exports;
    const abi = e.__tw_abi, h = abi && new Uint32Array(e.memory.buffer, abi.value, MODULE_HEADER_WORDS);
    if (h?.[0] != ABI_VERSION) throw Error(`tinyworker: module ABI v${h?.[0] ?? "none"}, glue ABI v${ABI_VERSION}`);
    [, flags, io, rt.capacity, faultAt, responseAt] = h; // (version, flags, ...: docs/ABI.md)
    x = e;
    u8 = []; // views made on first use
    // The stack pointer to restore when an instance is kept after a fault (none can be kept
    // for a module that imports nothing: it can only trap).
    if (FAULT_RECORDS || HOST_IMPORTS || IO) sp = e.__stack_pointer?.value;
    if (suspends) promised = WebAssembly.promising(e.__tw_fetch);
    rt.instances++;
    if (STORAGE && options.storage && e.__tw_restore) restore();
  };

  // A Durable Object's restore hook, once per new instance, to rebuild in-memory state. It runs
  // like a request: its storage reads answer, it is guarded against reentry, and it runs in a
  // storage transaction of its own, so a hook that faults writes nothing and leaves no instance
  // behind (the request that needed the instance gets the fault; the next one a fresh instance).
  const restore = () => {
    results = [];
    busy = true;
    try {
      options.storage.transactionSync(() => x.__tw_restore());
    } catch (e) {
      const f = fault(e);
      x = null;
      throw f;
    } finally {
      busy = false;
      results = undefined;
    }
  };

  // The fault record as a Fault. (A module without fault records can only report a request
  // too large, and only if the glue let one through.)
  const record = !FAULT_RECORDS ? tooLarge : (cause) => {
    view();
    const [kind, message, messageLen, file, fileLen, line, column] = u32.subarray(faultAt >> 2, (faultAt >> 2) + FAULT_WORDS);
    if (kind == FAULT_TOO_LARGE) return tooLarge(cause);
    const f = new Fault(kind == FAULT_PANIC ? "panic" : "abort", text(message, messageLen), cause);
    // Where it was raised, when the record says.
    if (fileLen) f.where = `${text(file, fileLen)}:${line}:${column}`;
    return f;
  };

  // The response record: status, headers (an object; pairs when a name repeats), body view.
  const response = () => {
    view();
    const at = responseAt >> 2;
    // Headers init from an object appends each entry, so names that differ only in case are
    // all kept; a name that repeats exactly needs [name, value] pairs instead.
    let headers = { __proto__: null }, pairs;
    // Two header arrays (address, count): the fixed headers, then the computed ones.
    for (let array = at + 1; array < at + 5; array += 2) {
      for (let h = u32[array] >> 2, end = h + u32[array + 1] * (HEADER_RECORD_BYTES >> 2); h < end; h += 4) {
        const n = text(u32[h], u32[h + 1]), v = text(u32[h + 2], u32[h + 3]);
        if (pairs) pairs.push([n, v]);
        else if (n in headers) (pairs = Object.entries(headers)).push([n, v]);
        else headers[n] = v;
      }
    }
    return { status: u32[at], headers: pairs ?? headers, body: bytes(u32[at + 5], u32[at + 6]) };
  };

  // An exception that left the module, as a Fault; the instance is dropped unless it may be kept.
  const fault = (e) => {
    if (e instanceof Fault) return e; // read from the record after a fault caught inside
    // Ours: the tag, or a trap while the record names a fault (the unwind build's abort).
    // (What leaves a module that imports nothing can only be a trap.)
    const f = FAULT_RECORDS && ((e instanceof WebAssembly.Exception && e.is(tag)) || (e instanceof RuntimeError && (view(), u32[faultAt >> 2]))) ? record(e)
      : new Fault(!(FAULT_RECORDS || HOST_IMPORTS || IO) || isTrap(e) ? "trap" : "error", e?.message ?? e, e);
    // Keep the instance only if no destructor was skipped (the unwind build unwound every
    // Rust frame for a JS exception), or for a request too large (the runtime's own refusal at
    // a part read: bad input never replaces the instance), and restore the stack pointer those
    // frames never popped; otherwise replace it. (A module that imports nothing can only trap.)
    if ((FAULT_RECORDS || HOST_IMPORTS || IO) && sp && (f.kind == "limit" || (f.kind == "error" && flags & FLAG_UNWIND) || (f.kind == "panic" && options.keepAfterPanic))) x.__stack_pointer.value = sp;
    else x = null;
    return f;
  };

  const rt = {
    instances: 0,
    call(fn) {
      // Only an import can call into the module while it runs (JS runs one thing at a time), or
      // a second request while the first is suspended in I/O: both are refused.
      if ((HOST_IMPORTS || IO) && busy) throw Error("tinyworker: reentrant call refused");
      if (!x) instantiate();
      // (A module that imports nothing cannot call back in: no guard to keep.)
      if (HOST_IMPORTS || IO) busy = true;
      try {
        const result = fn(x);
        // A module that suspends answers with a Promise: it stays busy (`busy` holds the
        // Promise) until that settles.
        if (IO && result instanceof Promise) {
          return (busy = result.then(
            (r) => ((busy = false), r),
            (e) => {
              busy = false;
              throw fault(e);
            },
          ));
        }
        return result;
      } catch (e) {
        throw fault(e);
      } finally {
        if ((HOST_IMPORTS || IO) && (!IO || busy === true)) busy = false;
      }
    },
    serve(req, body, env) {
      const length = body?.byteLength ?? 0;
      if (length > rt.capacity) throw tooLarge();
      return rt.call((x) => {
        // The body (a Uint8Array, or an ArrayBuffer seen through one).
        if (length) bytes(io, length).set(new Uint8Array(body));
        request = req;
        if (ENV_VARS || IO) bindings = env;
        if (STORAGE || IO) results = [];
        // The response, or the fault the outcome reports (the same, once the Promise settles).
        if (IO && promised) {
          return promised(length).then((outcome) => {
            if (outcome == OUTCOME_FAULT) throw record();
            return response();
          });
        }
        // (Only a module with fault records can report one: for any other the glue's own
        // capacity check above is the only limit.)
        if (x.__tw_fetch(length) == OUTCOME_FAULT && FAULT_RECORDS) throw record();
        return response();
      });
    },
  };
  if (STORAGE) {
    // Makes sure of a healthy instance (a new one after a fault dropped the last, restored if
    // it is a Durable Object's); a fault of its restore hook is thrown as that Fault.
    rt.ensure = () => x || instantiate();
  }
  if (!(STORAGE && options.lazy)) instantiate();
  return rt;
}

/** `runtime.serve` with explicit parts; header pairs and a copy of the body (tests, Node). */
export function handle(runtime, method, url, headers = [], body) {
  const r = runtime.serve({ method, url, headers }, body);
  return { status: r.status, headers: Array.isArray(r.headers) ? r.headers : Object.entries(r.headers), body: r.body.slice() };
}

// The default fault response: nothing internal reaches the client, only an id to find the
// console.error line by.
const genericFault = (fault, id) => new Response(`internal error (fault ${id})\n`, { status: 500 });

/**
 * A pool of runtimes for a module that suspends: one instance per request in flight, at most
 * `instances`; beyond that up to `queue` requests wait. A waiting request is woken by the
 * request that releases an instance (workerd delivers that wake-up in the waiting request's
 * own context, since the waiter still has a timer of its own pending: without one it would be
 * cancelled as hung), and by its own timer once a second should a wake-up be lost; one whose
 * client went away leaves the queue at once. Idle instances beyond `warm` are released after
 * `idleMs` without work.
 */
function pool(module, options) {
  const { instances = 128, queue = 1024, warm = 4, idleMs = 30_000 } = options.pool ?? {};
  const all = []; // every runtime (tests, monitoring)
  const idle = []; // idle runtimes, the most recently released last
  const waiting = []; // the wake-up of each queued request, first come first
  const create = () => all[all.push(createRuntime(module, options)) - 1];
  const take = () => idle.pop() ?? (all.length < instances ? create() : null);
  const forget = (runtime) => {
    const at = all.indexOf(runtime);
    if (at >= 0) all.splice(at, 1);
  };
  // Releases idle runtimes beyond `warm` that have had no work for `idleMs` (the oldest first).
  const shrink = (now) => {
    while (idle.length > warm && now - idle[0].idleSince > idleMs) forget(idle.shift());
  };
  return {
    all,
    take,
    /**
     * A runtime for one request: an idle one, or a new one under the cap; else the request
     * waits for one. Resolves to null when `queue` requests wait already; throws an "aborted"
     * Fault when the client went away while it waited (it never starts).
     */
    async acquire(signal) {
      let runtime = take();
      if (runtime || waiting.length >= queue) return runtime;
      for (let again = false; ; again = true) {
        let wake, timer;
        const woken = new Promise((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, 1000);
        });
        // A request woken for nothing (another took the instance first) keeps its place.
        if (again) waiting.unshift(wake);
        else waiting.push(wake);
        signal?.addEventListener("abort", wake);
        await woken;
        clearTimeout(timer);
        signal?.removeEventListener("abort", wake);
        const at = waiting.indexOf(wake);
        if (at >= 0) waiting.splice(at, 1);
        if (signal?.aborted) throw new Fault("aborted", "the client went away while the request waited for an instance");
        if ((runtime = take())) return runtime;
      }
    },
    release(runtime) {
      if (runtime.abandoned) return;
      runtime.idleSince = Date.now();
      idle.push(runtime);
      shrink(runtime.idleSince);
      waiting.shift()?.();
    },
    // A runtime whose request's client went away mid-call: workerd cancels that request, so its
    // call never resumes and never releases it. It leaves the pool (the cap counts it no more).
    abandon(runtime) {
      runtime.abandoned = true;
      forget(runtime);
    },
  };
}

export function createWorker(wasm, options = {}) {
  const module = IO && (wasm instanceof Module ? wasm : new Module(wasm));
  // A module that suspends in I/O gets one instance per request in flight: JSPI switches the
  // wasm stack, not the module's shadow stack, I/O buffer or statics, so two requests must
  // never interleave on one instance.
  const runtimes = IO && suspending(module) && pool(module, options);
  // The first runtime, made now so a module of another ABI version is refused at start-up
  // (a Durable Object's is made by its first request, so a fault of its restore hook is that
  // request's).
  const rt = runtimes ? runtimes.take() : createRuntime(module || wasm, options);
  if (runtimes) runtimes.release(rt);
  const worker = {
    runtime: rt,
    async fetch(req, env) {
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
        const serve = () => (ENV_VARS || IO ? r.serve(req, body, env) : r.serve(req, body));
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
        if (reading || (IO && e.kind == "aborted")) {
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
      "tinyworker: a Durable Object needs SQLite-backed storage: declare its class under `new_sqlite_classes` " +
        "(not `new_classes`) in the migrations of wrangler.toml (with workerd: `enableSql = true`)",
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
  const module = wasm instanceof Module ? wasm : new Module(wasm);
  if (IO && suspending(module)) throw Error("tinyworker: a Durable Object module must not suspend: its storage calls are synchronous, inside one transaction");
  return class {
    constructor(ctx, env) {
      requireSqlite(ctx.storage);
      const worker = createWorker(module, { ...options, storage: ctx.storage, lazy: true });
      this.runtime = worker.runtime;
      this.fetch = (req) => worker.fetch(req, env);
    }
  };
}

// resilient(bindings, { module, onReset }): a wasm-bindgen library (`--target web` output,
// wasm-bindgen 0.2.84 to 0.2.130 tested, not yet initialised) that survives traps and aborts. A
// faulting call throws a Fault (kind trap, cause kept), a fresh instance from `module` serves
// the next call, objects of the dead instance throw "stale instance" (also as arguments), async
// calls of the dead instance reject with the Fault, its queued callbacks never run, and errors
// thrown on purpose pass unchanged. Bookkeeping is bounded by the objects alive, not created.
export function resilient(bindings, { module, onReset } = {}) {
  module = module instanceof Module ? module : new Module(module);
  const GENERATION = Symbol("tinyworker.generation"), REF = Symbol("tinyworker.ref");
  const api = { resets: 0 };
  let instance, imports, generation = 0, depth = 0;
  // The current instance's objects, so a reset can unregister their finalizers (else they would
  // free in the new instance). An object made in this job waits in `recent` (obj[REF] is its
  // slot; free() empties it, and the last slot pops, so create-and-free stays in one slot); at
  // the job's end the rest are held weakly in `live` (obj[REF] becomes the WeakRef) and leave it
  // when freed or collected: bookkeeping is bounded by the objects alive, not the objects made.
  let recent = [], flushing = false;
  const live = new Set(), collected = new FinalizationRegistry((ref) => live.delete(ref));
  const flush = () => {
    for (const obj of recent) {
      if (!obj) continue;
      const ref = (obj[REF] = new WeakRef(obj));
      live.add(ref), collected.register(obj, ref); // no unregister token: a late callback for a freed one is harmless
    }
    (flushing = false), (recent = []);
  };
  const forget = (obj) => {
    const r = obj[REF];
    if (typeof r != "number") return live.delete(r);
    if (r == recent.length - 1) recent.pop();
    else recent[r] = undefined;
  };
  // Async calls in flight: each rejects with the Fault if its instance dies first.
  const pending = new Set();
  // The current instance's Rust closures (the `state` of each JS function the bindings make for
  // one: its pointers into the instance, and the registry that destroys it when collected), so a
  // reset can disarm them: neither collecting nor calling a dead one reaches the new instance.
  const closures = new Set(), OWNER = Symbol("tinyworker.owner");
  const closureGone = new FinalizationRegistry((ref) => closures.delete(ref));
  const track = (registry, state) => {
    if (!state || typeof state != "object") return;
    if (!(OWNER in state)) {
      const ref = new WeakRef(state);
      closures.add(ref), closureGone.register(state, ref);
    }
    state[OWNER] = registry ?? state[OWNER] ?? null;
  };
  const disarm = () => {
    for (const ref of closures) {
      const state = ref.deref();
      if (!state) continue;
      state[OWNER]?.unregister(state); // its finalizer would destroy it in the new instance
      (state.cnt = Infinity), (state.a = NaN); // never destroyed, and its calls are dropped (guardExport)
    }
    closures.clear();
  };

  const reset = (cause) => {
    const f = new Fault("trap", cause.message, cause);
    // Formatting a stack drops its frames, which would pin the dead instance (the trap's frames,
    // and the Fault's: they include the guard holding the dead instance's export).
    void cause.stack, void f.stack;
    for (const obj of recent) obj?.__destroy_into_raw();
    for (const ref of live) ref.deref()?.__destroy_into_raw();
    (recent = []), live.clear(), disarm();
    instance.exports.memory?.grow(0); // detaches the bindings' cached views of the dead memory
    instance = new Instance(module, imports);
    generation++, point();
    instance.exports.__wbindgen_start?.();
    for (const reject of pending) reject(f);
    pending.clear();
    api.resets++;
    onReset?.(f);
    return f;
  };

  // The bindings keep `wasm = instance.exports` out of reach: give them exports that forward to
  // whichever instance is current, by lending initSync an Instance whose exports do. Each
  // function catches a trap: inside a call of the API it becomes that call's Fault; outside
  // one (a callback, an async task) the instance is reset and the exception goes no further.
  const forward = {}, exported = Module.exports(module);
  const point = () => {
    for (const { name, kind } of exported) forward[name] = kind == "function" ? guardExport(instance.exports[name]) : instance.exports[name];
  };
  const trapped = (e) => {
    if (!isTrap(e)) throw e;
    const f = reset(e);
    if (depth) throw f;
  };
  // Wasm functions take their declared parameters and ignore `this`: a guard of the same arity
  // lets V8 call straight through (a rest parameter with apply costs several times more). A
  // call from a disarmed closure of a dead instance (NaN for its pointer, outside any call of
  // the API) is dropped before it reaches the new instance.
  const dead = (a, b) => !depth && (a !== a || b !== b);
  const guardExport = (fn) => {
    switch (fn.length) {
      case 0: return () => { try { return fn(); } catch (e) { trapped(e); } };
      case 1: return (a) => { if (dead(a)) return; try { return fn(a); } catch (e) { trapped(e); } };
      case 2: return (a, b) => { if (dead(a, b)) return; try { return fn(a, b); } catch (e) { trapped(e); } };
      case 3: return (a, b, c) => { if (dead(a, b)) return; try { return fn(a, b, c); } catch (e) { trapped(e); } };
      default: return (...args) => { if (dead(args[0], args[1])) return; try { return fn(...args); } catch (e) { trapped(e); } };
    }
  };
  // An import that makes the JS function of a Rust closure: note the closure's state (and the
  // registry that would destroy it) as the bindings record it, `register(real, state)` on their
  // FinalizationRegistry (0.2.9x on) or `real.original = state` (before); both hooks live only
  // for this one call. A function it returns by value (reference types) runs only while its
  // instance is current; one returned as a heap index is disarmed at a reset instead.
  const makingClosures = (fn) => function (...args) {
    const made = [], FR = FinalizationRegistry.prototype, { register } = FR;
    let real;
    try {
      // (Frozen intrinsics refuse the hooks: then the closure goes untracked, nothing else.)
      FR.register = function (target, held, token) {
        if (typeof target == "function") made.push(this, held);
        return register.call(this, target, held, token);
      };
      Object.defineProperty(Function.prototype, "original", {
        configurable: true,
        set(state) {
          Object.defineProperty(this, "original", { value: state, writable: true, enumerable: true, configurable: true });
          made.push(null, state);
        },
      });
    } catch {}
    try {
      real = fn.apply(this, args);
    } finally {
      if (FR.register !== register) FR.register = register;
      if (Object.getOwnPropertyDescriptor(Function.prototype, "original")?.set) delete Function.prototype.original;
      for (let i = 0; i < made.length; i += 2) track(made[i], made[i + 1]);
    }
    if (typeof real != "function") return real;
    const g = generation;
    return Object.assign(function (...a) {
      if (g != generation) return;
      try {
        return real.apply(this, a);
      } catch (e) {
        // Unless the call trapped and reset the instance: the bindings' cleanup after it throws.
        if (g == generation) throw e;
      }
    }, real);
  };
  const lend = function (m, given) {
    for (const ns of Object.values(given)) {
      for (const [key, value] of Object.entries(ns)) {
        if (typeof value == "function" && /\bmake(Mut)?Closure\(/.test(String(value))) ns[key] = makingClosures(value);
      }
    }
    (imports = given), (instance = new Instance(m, given)), point();
    return { exports: forward };
  };
  WebAssembly.Instance = lend;
  try {
    // wasm-bindgen 0.2.93 and later take `initSync({ module })`; 0.2.92 and earlier the module.
    const form = /getPrototypeOf\(module\) === Object\.prototype/.test(String(bindings.initSync));
    bindings.initSync(form ? { module } : module);
  } finally {
    WebAssembly.Instance = Instance;
  }
  if (!instance) throw Error("resilient: the bindings were initialised already; pass them before init");

  // An object of the library joins the current instance (every object comes through a class's
  // __wrap or its constructor, also inside arrays and through callbacks).
  const adopt = (obj) => {
    if (obj && typeof obj == "object" && !(GENERATION in obj)) {
      (obj[GENERATION] = generation), (obj[REF] = recent.push(obj) - 1);
      if (!flushing) (flushing = true), queueMicrotask(flush);
    }
    return obj;
  };
  const stale = (obj) => new Error(`stale instance: this ${obj.constructor?.name ?? "object"} belonged to a wasm instance that a fault replaced`);
  // Arguments (and arrays of them) that are objects of a dead instance are refused before the
  // library sees them, so the call touches nothing.
  const checkOne = (a) => {
    if (a === null || typeof a != "object") return;
    if (GENERATION in a && a[GENERATION] !== generation) throw stale(a);
    if (Array.isArray(a)) check(a);
  };
  const check = (args) => {
    for (let i = 0; i < args.length; i++) checkOne(args[i]);
  };
  // What a throw from inside a call becomes: a trap replaces the instance and is that call's
  // Fault; a Fault (never a trap: an export's guard made it), or an error thrown on purpose,
  // passes unchanged.
  const fault = (e) => (isTrap(e) ? reset(e) : e);
  // An async export: its Promise rejects with the Fault if the instance dies meanwhile.
  const settled = (result) => {
    if (!(result instanceof Promise)) return result;
    return new Promise((resolve, reject) => {
      pending.add(reject);
      result.then(resolve, reject).finally(() => pending.delete(reject));
    });
  };
  const call = (fn, self, args) => {
    check(args);
    depth++;
    try {
      return settled(fn.apply(self, args));
    } catch (e) {
      throw fault(e);
    } finally {
      depth--;
    }
  };
  // A function of the API; common arities get a guard without a rest parameter (cheaper in V8).
  const wrap = (fn) => {
    switch (fn.length) {
      case 0: return function () { depth++; try { return settled(fn.call(this)); } catch (e) { throw fault(e); } finally { depth--; } };
      case 1: return function (a) { checkOne(a), depth++; try { return settled(fn.call(this, a)); } catch (e) { throw fault(e); } finally { depth--; } };
      case 2: return function (a, b) { checkOne(a), checkOne(b), depth++; try { return settled(fn.call(this, a, b)); } catch (e) { throw fault(e); } finally { depth--; } };
      default: return function (...args) { return call(fn, this, args); };
    }
  };

  // Every method, getter and setter of a class (on its prototype) and every static (on the
  // class): an object's members refuse it once its instance is dead; free() of a dead one is a
  // no-op (its memory went with the instance); __wrap, which makes every object, adopts it.
  const guardMembers = (target, ofObjects) => {
    for (const key of Reflect.ownKeys(target)) {
      const d = Object.getOwnPropertyDescriptor(target, key);
      if (key == "constructor" || key == "__destroy_into_raw" || key == "prototype" || !d.configurable) continue;
      if (key == "__wrap") {
        const fn = d.value;
        target[key] = (ptr) => adopt(fn.call(target, ptr));
        continue;
      }
      const freeing = ofObjects && (key == "free" || key === Symbol.dispose);
      for (const part of ["value", "get", "set"]) {
        const fn = d[part];
        if (typeof fn != "function") continue;
        d[part] = !ofObjects
          ? wrap(fn)
          : function (...args) {
              if (this[GENERATION] !== generation) {
                if (freeing) return; // already released with its instance
                throw stale(this);
              }
              if (freeing) forget(this);
              return call(fn, this, args);
            };
      }
      Object.defineProperty(target, key, d);
    }
  };

  for (const [name, value] of Object.entries(bindings)) {
    if (name == "default" || name == "initSync") continue;
    if (typeof value != "function") {
      api[name] = value; // enums (frozen objects) and other values pass through
      continue;
    }
    if (!/^class\b/.test(Function.prototype.toString.call(value))) {
      api[name] = wrap(value);
      continue;
    }
    guardMembers(value.prototype, true);
    guardMembers(value, false);
    // The class itself stays the bindings' (their __wrap makes objects of it); the API's is a
    // constructor sharing its prototype, so instanceof and statics work as on the original.
    // (Not a Proxy: V8 runs a construct trap about ten times slower than this.)
    const C = value;
    const Wrapped = function (...args) {
      if (!new.target) throw new TypeError(`Class constructor ${C.name} cannot be invoked without 'new'`);
      if (args.length) check(args);
      let obj;
      depth++;
      try {
        obj = new C(...args);
      } catch (e) {
        throw fault(e);
      } finally {
        depth--;
      }
      return adopt(obj);
    };
    Object.defineProperty(Wrapped, "name", { value: C.name });
    Wrapped.prototype = C.prototype;
    for (const key of Reflect.ownKeys(C)) if (!(key in Wrapped)) Object.defineProperty(Wrapped, key, Object.getOwnPropertyDescriptor(C, key));
    api[name] = Wrapped;
  }
  return api;
}
