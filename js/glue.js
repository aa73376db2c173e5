// tinyworker glue, host ABI v1 (docs/ABI.md): serves a tinyworker module as a Worker, tells
// its faults apart, and replaces an instance a fault poisoned. Types: glue.d.ts.
import {
  ABI_VERSION, MODULE_HEADER_WORDS, FLAG_UNWIND, OUTCOME_FAULT, PART_METHOD, PART_URL, PART_HEADERS,
  FAULT_PANIC, FAULT_TOO_LARGE, FAULT_WORDS, HEADER_RECORD_BYTES,
} from "./abi.js";
import { FAULT_RECORDS, HOST_IMPORTS, REQUEST_PARTS } from "tinyworker/features";

const { Module, Instance, RuntimeError } = WebAssembly;
const dec = new TextDecoder();

// kind: panic | abort | trap | error (a JS exception from an import) | limit (the request
// does not fit the module's I/O buffer: answered 413, not a fault of the module)
export class Fault extends Error {
  constructor(kind, message, cause, where) {
    super(`${kind}: ${message}`, { cause });
    this.kind = kind;
    this.where = where;
  }
}
const tooLarge = (cause) => new Fault("limit", "request too large", cause);

// Whether an exception that left wasm is a trap. A RangeError is V8's stack exhaustion when
// the module raised it; one thrown by JavaScript code is counted as a trap too, the
// conservative side: the instance is replaced.
const isTrap = (e) => e instanceof RuntimeError || e instanceof RangeError;

export function createRuntime(wasm, options = {}) {
  const module = wasm instanceof Module ? wasm : new Module(wasm);
  const tag = FAULT_RECORDS && new WebAssembly.Tag({ parameters: ["i32"] });
  // The current instance (null after a fault poisoned it), what its header says, and the
  // request being served (for __tw_request).
  let x, u8, u32, flags, io, faultAt, responseAt, sp, busy, request;
  // Memory as bytes and as words, viewed anew after the module grew it (which detaches the
  // old buffer); records are read word by word, without allocating per request.
  const view = () => u8.length || ((u8 = new Uint8Array(x.memory.buffer)), (u32 = new Uint32Array(u8.buffer)));
  const bytes = (at, len) => (view(), u8.subarray(at, at + len));
  const text = (at, len) => dec.decode(bytes(at, len));

  // The module's imports: what it needs of these (features.js), and the caller's.
  const env = {};
  if (FAULT_RECORDS) env.__cpp_exception = tag;
  // env.__tw_request: request part `which` as UTF-8 at `dst`, if it fits in `room`; its length.
  if (REQUEST_PARTS) {
    const enc = new TextEncoder();
    env.__tw_request = (which, dst, room) => {
      let s = which == PART_METHOD ? request.method : which == PART_URL ? request.url : "";
      if (which == PART_HEADERS) for (const [name, value] of request.headers) s += `${name}:${value}\n`;
      const { read, written } = enc.encodeInto(s, bytes(dst, room));
      return read < s.length ? enc.encode(s).length : written;
    };
  }

  const instantiate = () => {
    const e = new Instance(module, { env: { ...env, ...options.imports?.(rt) } }).exports;
    const abi = e.__tw_abi, h = abi && new Uint32Array(e.memory.buffer, abi.value, MODULE_HEADER_WORDS);
    if (h?.[0] != ABI_VERSION) throw Error(`tinyworker: module ABI v${h?.[0] ?? "none"}, glue ABI v${ABI_VERSION}`);
    [, flags, io, rt.capacity, faultAt, responseAt] = h;
    (x = e), (sp = e.__stack_pointer?.value), (u8 = []); // views made on first use
    rt.instances++;
  };

  // The fault record as a Fault. (A module without fault records can only report a request
  // too large, and only if the glue let one through.)
  const record = !FAULT_RECORDS ? tooLarge : (cause) => {
    view();
    const [kind, message, messageLen, file, fileLen, line, column] = u32.subarray(faultAt >> 2, (faultAt >> 2) + FAULT_WORDS);
    return kind == FAULT_TOO_LARGE ? tooLarge(cause)
      : new Fault(kind == FAULT_PANIC ? "panic" : "abort", text(message, messageLen), cause, fileLen ? `${text(file, fileLen)}:${line}:${column}` : undefined);
  };

  // The response record: status, headers (an object; pairs when a name repeats), body view.
  const response = () => {
    view();
    const at = responseAt >> 2;
    let headers = Object.create(null), pairs;
    // Two header arrays (address, count): the fixed headers, then the computed ones.
    for (let array = at + 1; array < at + 5; array += 2) {
      for (let h = u32[array] >> 2, end = h + u32[array + 1] * (HEADER_RECORD_BYTES >> 2); h < end; h += 4) {
        const n = text(u32[h], u32[h + 1]).toLowerCase(), v = text(u32[h + 2], u32[h + 3]);
        if (pairs) pairs.push([n, v]);
        else if (n in headers) (pairs = Object.entries(headers)).push([n, v]);
        else headers[n] = v;
      }
    }
    return { status: u32[at], headers: pairs ?? headers, body: bytes(u32[at + 5], u32[at + 6]) };
  };

  const rt = {
    instances: 0,
    call(fn) {
      // Only an import can call back into the module while it runs (JS runs one thing at a time).
      if (HOST_IMPORTS && busy) throw Error("tinyworker: reentrant call refused");
      if (!x) instantiate();
      busy = true;
      try {
        return fn(x);
      } catch (e) {
        if (e instanceof Fault) throw e; // read from the record after a fault caught inside
        // Ours: the tag, or a trap while the record names a fault (the unwind build's abort).
        const f = FAULT_RECORDS && ((e instanceof WebAssembly.Exception && e.is(tag)) || (e instanceof RuntimeError && (view(), u32[faultAt >> 2]))) ? record(e)
          : new Fault(isTrap(e) ? "trap" : "error", e?.message ?? e, e);
        // Escaped: keep the instance only if no destructor was skipped (the unwind build
        // unwound every Rust frame for a JS exception) and restore the stack pointer those
        // frames never popped; otherwise replace it. (A module that imports nothing can only
        // trap: it is always replaced.)
        if ((FAULT_RECORDS || HOST_IMPORTS) && sp && ((f.kind == "error" && flags & FLAG_UNWIND) || (f.kind == "panic" && options.keepAfterPanic))) x.__stack_pointer.value = sp;
        else x = null;
        throw f;
      } finally {
        busy = false;
      }
    },
    serve(req, body) {
      const length = body?.byteLength ?? 0;
      if (length > rt.capacity) throw tooLarge();
      return rt.call((x) => {
        if (length) bytes(io, length).set(new Uint8Array(body)); // a view of an ArrayBuffer, or a copy of a Uint8Array
        request = req;
        if (x.__tw_fetch(length) == OUTCOME_FAULT) throw record();
        return response();
      });
    },
  };
  instantiate();
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

export function createWorker(wasm, options = {}) {
  const rt = createRuntime(wasm, options);
  return {
    runtime: rt,
    async fetch(req) {
      try {
        // refuse a body that cannot fit before reading it into memory
        if (req.body && +req.headers.get("content-length") > rt.capacity) throw tooLarge();
        const r = rt.serve(req, req.body && (await req.arrayBuffer()));
        return new Response(r.body.length ? r.body : null, r);
      } catch (e) {
        if (e.kind == "limit") return new Response("request too large\n", { status: 413 });
        const id = crypto.randomUUID().slice(0, 8);
        console.error(`tinyworker: fault ${id}: ${e.message}`, e.where ?? "", e.cause ?? "");
        try {
          return (options.faultResponse ?? genericFault)(e, id);
        } catch {
          return genericFault(e, id);
        }
      }
    },
  };
}

// resilient(bindings, { module, onReset }): a wasm-bindgen library (`--target web` output,
// not yet initialised) that survives traps and aborts. A faulting call throws a Fault
// (kind trap, cause kept), a fresh instance from `module` serves the next call, objects of
// the dead instance throw "stale instance", and errors thrown on purpose pass unchanged.
export function resilient(bindings, { module, onReset } = {}) {
  module = module instanceof Module ? module : new Module(module);
  let instance, imports, generation = 0;
  const born = new WeakMap(), live = new Set(), classes = new Set();
  // The bindings keep `wasm = instance.exports` out of reach; give them exports that forward
  // to whichever instance is current, by lending initSync a WebAssembly.Instance that does.
  const forward = {};
  for (const { name } of Module.exports(module)) Object.defineProperty(forward, name, { get: () => instance.exports[name] });
  const lend = function (m, i) {
    (imports = i), (instance = new Instance(m, i));
    return { exports: forward };
  };
  WebAssembly.Instance = lend;
  try {
    bindings.initSync({ module });
  } finally {
    WebAssembly.Instance = Instance;
  }
  if (!instance) throw Error("resilient: the bindings were initialised already; pass them before init");

  const api = { resets: 0 };
  const reset = (f) => {
    instance.exports.memory.grow(0); // detaches the bindings' cached views of the dead memory
    instance = new Instance(module, imports);
    instance.exports.__wbindgen_start?.();
    generation++;
    // Unregister the dead objects' finalizers, or they would free their pointers in the new instance.
    for (const ref of live) ref.deref()?.__destroy_into_raw();
    live.clear();
    api.resets++;
    onReset?.(f);
  };
  const call = (fn, self, args) => {
    let result;
    try {
      result = fn.apply(self, args);
    } catch (e) {
      if (!isTrap(e)) throw e; // thrown on purpose: unchanged, nothing reset
      const f = new Fault("trap", e.message, e);
      reset(f);
      throw f;
    }
    if (classes.has(result?.constructor)) born.set(result, generation), live.add(new WeakRef(result));
    return result;
  };
  const wrap = (fn) => function (...args) {
    return call(fn, this, args);
  };
  for (const [name, value] of Object.entries(bindings)) {
    if (name == "default" || name == "initSync" || typeof value != "function") continue;
    if (!/^class\b/.test(Function.prototype.toString.call(value))) {
      api[name] = wrap(value);
      continue;
    }
    classes.add(value);
    for (const key of Reflect.ownKeys(value.prototype)) {
      const d = Object.getOwnPropertyDescriptor(value.prototype, key);
      if (key == "constructor" || key == "__destroy_into_raw") continue;
      for (const part of ["value", "get", "set"]) {
        const fn = d[part];
        if (typeof fn != "function") continue;
        d[part] = function (...args) {
          if (born.get(this) !== generation) {
            if (key == "free" || key === Symbol.dispose) return; // already released with its instance
            throw new Error(`stale instance: this ${name} belonged to a wasm instance that a fault replaced`);
          }
          return call(fn, this, args);
        };
      }
      Object.defineProperty(value.prototype, key, d);
    }
    for (const key of Object.getOwnPropertyNames(value)) {
      const fn = value[key]; // static methods, e.g. constructors that return Self
      if (typeof fn == "function" && key != "__wrap") value[key] = wrap(fn);
    }
    api[name] = new Proxy(value, { construct: (C, args, target) => call(() => Reflect.construct(C, args, target), null, []) });
  }
  return api;
}
