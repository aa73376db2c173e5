// tinyworker glue: serve a wasm module, classify faults, replace poisoned instances (glue.d.ts)
const { Module, Instance, Tag, Exception, RuntimeError } = WebAssembly;
const enc = new TextEncoder(), dec = new TextDecoder();
const tooLarge = () => ({ status: 413, headers: [], body: enc.encode("request too large\n") });

// kind: panic | abort | trap | error (a JS exception from an import)
export class Fault extends Error {
  constructor(kind, message, cause, where) {
    super(`${kind}: ${message}`, { cause });
    Object.assign(this, { kind, where });
  }
}

// A trap, or V8's stack exhaustion, as a Fault; null for any other exception.
const trapOf = (e) =>
  e instanceof RuntimeError ? new Fault("trap", e.message, e)
  : e instanceof RangeError && /call stack/.test(e.message) ? new Fault("trap", "stack overflow", e)
  : null;

export function createRuntime(wasm, options = {}) {
  const module = wasm instanceof Module ? wasm : new Module(wasm);
  const tag = new Tag({ parameters: ["i32"] });
  let x, sp, busy;
  // new views per read: memory.grow detaches buffers
  const u32 = (at, n) => new Uint32Array(x.memory.buffer, at, n);
  const str = ([at, len]) => dec.decode(new Uint8Array(x.memory.buffer, at, len));
  // record: kind (1 panic, 2 abort), message, file, line, column
  const record = (at, cause) => {
    const [kind, ...r] = u32(at, 7);
    return new Fault(kind == 1 ? "panic" : "abort", str(r), cause, r[3] && `${str(r.slice(2))}:${r[4]}:${r[5]}`);
  };
  const classify = (e) =>
    e instanceof Exception && e.is(tag) ? record(e.getArg(tag, 0), e)
    // an unwind build's abort traps; its record says so
    : e instanceof RuntimeError && x.tw_fault && u32(x.tw_fault(), 1)[0] ? record(x.tw_fault(), e)
    : trapOf(e) ?? new Fault("error", e?.message ?? e, e);

  const rt = {
    instances: 0,
    call(fn) {
      if (busy) throw Error("tinyworker: reentrant call refused");
      if (!x) {
        x = new Instance(module, { env: { ...options.imports?.(rt), __cpp_exception: tag } }).exports;
        sp = x.__stack_pointer?.value;
        rt.instances++;
      }
      busy = true;
      try {
        return fn(x);
      } catch (e) {
        if (e instanceof Fault) throw e; // caught inside wasm
        const f = classify(e);
        // escaped: restore the stack; drop the instance if destructors were skipped
        if (sp) x.__stack_pointer.value = sp;
        if (!((f.kind == "error" && x.tw_fault) || (f.kind == "panic" && options.keepAfterPanic))) x = null;
        throw f;
      } finally {
        busy = false;
      }
    },
    handle(method, url, headers, body = new Uint8Array()) {
      const head = headers.map(([name, value]) => `${name}:${value}\n`).join("");
      const parts = [method, url, head].map((s) => enc.encode(s)).concat([body]);
      const size = parts.reduce((n, p) => n + p.length, 0);
      return rt.call((x) => {
        let at = size >> 31 ? 0 : x.tw_buf(size);
        for (const p of at ? parts : []) new Uint8Array(x.memory.buffer).set(p, at), (at += p.length);
        const res = at && x.tw_fetch(...parts.map((p) => p.length));
        if (!res) return tooLarge();
        if (res & 1) throw record(res - 1); // caught by the unwind build
        const [status, hs, count, ...b] = u32(res, 5);
        headers = [];
        for (let h = hs; h < hs + 16 * count; h += 16) headers.push([str(u32(h, 2)), str(u32(h + 8, 2))]);
        return { status, headers, body: new Uint8Array(x.memory.buffer.slice(b[0], b[0] + b[1])) };
      });
    },
  };
  return rt;
}

export function createWorker(wasm, options) {
  const rt = createRuntime(wasm, options);
  return {
    runtime: rt,
    async fetch(req) {
      try {
        // refuse a body that cannot fit before reading it into memory
        const length = +req.headers.get("content-length") || 0;
        const fits = length >= 0 && length < 2 ** 31 && rt.call((x) => x.tw_buf(length));
        const r = fits ? rt.handle(req.method, req.url, [...req.headers], new Uint8Array(await req.arrayBuffer())) : tooLarge();
        return new Response(r.body.length ? r.body : null, r);
      } catch (e) {
        console.error("tinyworker:", e.message, e.where ?? "", e.cause ?? "");
        return new Response(e.message + "\n", { status: 500 });
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
      const f = trapOf(e);
      if (!f) throw e; // thrown on purpose: unchanged, nothing reset
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
