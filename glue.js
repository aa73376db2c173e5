// tinyworker glue: instantiates a tinyworker wasm module, crosses the call boundary,
// tells faults apart by the tag it owns, and re-instantiates a poisoned instance.
const enc = new TextEncoder(), dec = new TextDecoder();
const KINDS = { 1: "panic", 2: "abort" };
const NULL_BODY = [101, 204, 205, 304];
const MAX_I32 = 0x7fffffff;

// A fault that ended a call. kind: panic | abort | trap | error (a JS exception from an import).
export class Fault extends Error {
  constructor(kind, message, cause, where) {
    super(`${kind}: ${message}`, { cause });
    this.name = "Fault";
    this.kind = kind;
    this.where = where;
  }
}

// The runtime around one module: `handle` serves a request, `call` runs any export.
export function createRuntime(wasm, options = {}) {
  const module = wasm instanceof WebAssembly.Module ? wasm : new WebAssembly.Module(wasm);
  const tag = new WebAssembly.Tag({ parameters: ["i32"] });
  // The unwind build exports tw_fault: panics are caught inside and destructors have run.
  const unwind = WebAssembly.Module.exports(module).some((e) => e.name === "tw_fault");
  let x = null, sp0 = 0, busy = false;

  const rt = {
    instances: 0,
    build: unwind ? "unwind" : "abort",
    call(fn) {
      if (busy) throw new Error("tinyworker: reentrant call refused (an import called back into the module)");
      if (!x) boot();
      busy = true;
      try {
        return fn(x);
      } catch (e) {
        if (e instanceof Fault) throw e; // caught inside the module: nothing escaped
        const f = classify(e);
        // An exception skipped wasm's epilogues: put the shadow stack back, or it leaks.
        if (x.__stack_pointer) x.__stack_pointer.value = sp0;
        // Keep the instance only where no destructor was skipped: in the unwind build a JS
        // exception from an import unwound every Rust frame (a trap or abort never does).
        if (!((f.kind === "error" && unwind) || (f.kind === "panic" && options.keepAfterPanic))) x = null;
        throw f;
      } finally {
        busy = false;
      }
    },
    handle(method, url, headers, body = new Uint8Array()) {
      const head = [method, url, headers.map(([n, v]) => `${n}:${v}\n`).join("")].map((s) => enc.encode(s));
      const size = head.reduce((n, p) => n + p.length, body.length);
      return rt.call((x) => {
        const ptr = size > MAX_I32 ? 0 : x.tw_buf(size);
        if (!ptr) return { status: 413, headers: [], body: enc.encode("request too large\n") };
        let at = ptr;
        for (const p of [...head, body]) new Uint8Array(x.memory.buffer, at, p.length).set(p), (at += p.length);
        const rec = x.tw_fetch(head[0].length, head[1].length, head[2].length, body.length);
        // Views are taken after the call: the handler may have grown memory.
        if (rec & 1) throw fault(rec - 1); // unwind build: a panic caught at the boundary
        const w = words(rec, 5), hs = [];
        for (let i = 0; i < w[2]; i++) {
          const h = words(w[1] + 16 * i, 4);
          hs.push([str(h[0], h[1]), str(h[2], h[3])]);
        }
        return { status: w[0], headers: hs, body: new Uint8Array(x.memory.buffer.slice(w[3], w[3] + w[4])) };
      });
    },
    // Allocator statistics, when the module links tinyworker-alloc.
    stats() {
      if (!x) boot();
      if (!x.tw_alloc_stats) return null;
      const [inUse, peak, allocations, failures, limit] = words(x.tw_alloc_stats(), 5);
      return { inUse, peak, allocations, failures, limit };
    },
  };

  function boot() {
    const env = { ...options.imports?.(rt), __cpp_exception: tag };
    x = new WebAssembly.Instance(module, { env }).exports;
    sp0 = x.__stack_pointer?.value;
    rt.instances++;
  }
  const words = (ptr, n) => Array.from(new Uint32Array(x.memory.buffer, ptr, n));
  const str = (ptr, len) => dec.decode(new Uint8Array(x.memory.buffer, ptr, len));

  // The fault record at `ptr`: kind, message, file, line, column.
  function fault(ptr, cause) {
    const [kind, msg, msgLen, file, fileLen, line, column] = words(ptr, 7);
    const where = fileLen ? { file: str(file, fileLen), line, column } : undefined;
    return new Fault(KINDS[kind] ?? "abort", str(msg, msgLen), cause, where);
  }

  function classify(e) {
    if (e instanceof WebAssembly.Exception && e.is(tag)) return fault(e.getArg(tag, 0), e);
    if (e instanceof WebAssembly.RuntimeError) {
      // The unwind build aborts by trapping (so no destructor runs); its record says why.
      const rec = unwind && x.tw_fault();
      return rec && words(rec, 1)[0] ? fault(rec, e) : new Fault("trap", e.message, e);
    }
    if (e instanceof RangeError && /call stack/.test(e.message)) return new Fault("trap", "stack overflow", e);
    return new Fault("error", e?.message ?? String(e), e);
  }
  return rt;
}

// The Worker: `export default createWorker(wasm)` in a module that imports the .wasm.
export function createWorker(wasm, options) {
  const rt = createRuntime(wasm, options);
  return {
    runtime: rt,
    async fetch(request) {
      try {
        const body = new Uint8Array(await request.arrayBuffer());
        const r = rt.handle(request.method, request.url, [...request.headers], body);
        return new Response(NULL_BODY.includes(r.status) ? null : r.body, r);
      } catch (e) {
        console.error(`tinyworker: ${e.message}`, e.where ?? "", e.cause ?? "");
        return new Response(`${e instanceof Fault ? e.message : `error: ${e.message}`}\n`, { status: 500 });
      }
    },
  };
}
