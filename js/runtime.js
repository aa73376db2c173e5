// One runtime: a tinyworker module's current instance, with the imports it asks for, serving
// one call at a time; it classifies what leaves the module and keeps or replaces the instance.
import { hostImports } from "./imports.js";
import {
  ABI_VERSION, MODULE_HEADER_WORDS, HEADER_VERSION, FLAG_UNWIND, OUTCOME_FAULT, FAULT_PANIC, FAULT_TOO_LARGE, FAULT_WORDS, HEADER_RECORD_WORDS,
  RESPONSE_HEADERS, RESPONSE_EXTRA, RESPONSE_BODY, RESPONSE_BODY_LEN, HEADERS_STATIC, IMPORT_MODULE, IMPORT_CALL, EXPORT_HEADER,
  EXPORT_FETCH, EXPORT_STACK_POINTER, EXPORT_RESTORE, OUTCOME_FAILED, EXPORT_TERMINATED, WARM_UP, EXPORT_START, EXPORT_FUEL,
} from "./abi.js";
import { Fault, tooLarge, isTrap } from "./fault.js";
import { BRIDGE, CLASSES, ENV_VARS, EVENTS, FAULT_RECORDS, FUEL, HOST_IMPORTS, LOG, OBJECTS, REQUEST_PARTS, RESTORE, START, STORAGE } from "tinyworker/features";

const { Module, Instance } = WebAssembly;
const decoder = new TextDecoder();
// (Made for every module that writes strings into its memory: request parts, variables, I/O
// answers, stored values, and the bridge's string and JSON reads.)
const encoder = (REQUEST_PARTS || ENV_VARS || STORAGE || BRIDGE) && new TextEncoder();

/** Whether `module` imports the I/O import (which always suspends: a Durable Object refuses it). */

/**
 * Whether a Worker serves `module` through JSPI: it imports the I/O import or the bridge
 * (whose calls may answer a Promise).
 */
export const suspending = (module) => Module.imports(module).some((i) => i.name == IMPORT_CALL);

/** `wasm` compiled: a WebAssembly.Module as it is, bytes compiled (synchronously). */
export const compiled = (wasm) => (wasm instanceof Module ? wasm : new Module(wasm));

/**
 * A metered module's trap while its tank (`__tw_fuel` of `exports`) is empty, as a Fault: the
 * call ran out of fuel (tinyworker/meter); false for any other exception.
 */
const outOfFuel = (exports, e) =>
  e instanceof WebAssembly.RuntimeError && exports[EXPORT_FUEL]?.value === 0 && new Fault("trap", "out of fuel: the call's loops ran all the iterations the meter allows", e);

export function createRuntime(wasm, options = {}) {
  const module = wasm instanceof Module ? wasm : new Module(wasm); // (written out: terser would keep `compiled` a call)
  const tag = FAULT_RECORDS && new WebAssembly.Tag({ parameters: ["i32"] });
  // Only a module that imports __tw_call is called through WebAssembly.promising, and
  // a Durable Object's only with `io: true` (else its calls run inside one synchronous
  // transaction).
  const suspends = BRIDGE && (!(OBJECTS && options.storage) || options.io) && suspending(module);

  // The runtime's state. (Variables of this closure rather than fields of an object: the
  // bundlers users run shorten variable names but never property names.)
  let instance; // the current instance's exports; null once a fault poisoned it
  let bytesView, wordsView; // its memory as bytes and as u32 words (made anew after it grew)
  let flags, ioAt, faultAt, responseAt; // from its module header: build flags, where the I/O buffer and records are
  let stackPointer; // __stack_pointer at instantiation, restored when an instance is kept after a fault
  let busy; // a call is running (or, for a module that suspends, its Promise): a second one is refused
  let spare; // an instance made ahead of need (its exports): the next one after a fault
  let terminatedAt; // where the instance's __instance_terminated word is (workerd writes 1 there)
  let refillSince; // when the pending refill was scheduled (Date.now()), if one is
  let request, env, results; // the request being served, its env, and what its operations answered
  let promised; // exports through WebAssembly.promising, by name, for a module that suspends
  let cancelled, wake; // why the call in flight was cancelled; what settles the host call it waits for
  let turns = 0; // host calls the call in flight waited for
  let started; // the current instance ran its start hook (`start!`), or has none
  // A Durable Object class named in `durable_object!(class Name ...)` has its exports as
  // `<export>_<Name>` (one module may serve a Worker and several classes).
  const suffix = CLASSES && options.className ? `_${options.className}` : "";
  const fetchExport = CLASSES ? EXPORT_FETCH + suffix : EXPORT_FETCH;
  const restoreExport = CLASSES ? EXPORT_RESTORE + suffix : EXPORT_RESTORE;
  // The bridge's state of the call being served: the values it holds (a handle is an index;
  // all released when the call ends), its last error, its ctx (waitUntil; a Durable Object's
  // state), its event (docs/ABI.md, "Events"), and the Worker's host functions.
  const bridge = BRIDGE && {
    values: [],
    host: options.host,
    // The request, whole: the glue read its body before the call, so a request passed on (to a
    // Durable Object, a service) is made anew around that body, once.
    request: () => (request?.bodyUsed ? (request = new Request(request, { body: requestBody })) : request),
  };
  let requestBody; // the body the glue read, for bridge.request()

  // Memory as words, viewed anew after the module grew it (which detaches the old buffer);
  // records are read word by word, without allocating per request.
  const words = () => {
    if (!bytesView.length) {
      bytesView = new Uint8Array(instance.memory.buffer);
      wordsView = new Uint32Array(bytesView.buffer);
    }
    return wordsView;
  };
  const bytes = (at, len) => (words(), bytesView.subarray(at, at + len));
  const text = (at, len) => decoder.decode(bytes(at, len));
  // `s` as UTF-8 at `dst` if it fits in `room`; its length in bytes either way.
  const put = (s, dst, room) => {
    const { read, written } = encoder.encodeInto(s, bytes(dst, room));
    return read < s.length ? encoder.encode(s).length : written;
  };
  // What an I/O or storage operation answered, kept until the request ends; its handle.
  const answer = (status, headers, body) => results.push({ status, headers, body }) - 1;

  // The module's imports: what it can ask for of these (features.js), and the caller's.
  // What a suspended host call waits for: its own answer, or, once the call was cancelled, `fail`
  // of the reason at once (and at once for every later host call of that call). Every 16th
  // answer of a call comes through a timer: a call whose host calls all answer inside the process
  // (writes into a pipe another Worker of the same workerd reads) would otherwise keep workerd's
  // event loop from ever polling its sockets, so no other request is accepted and a client that
  // resets is never noticed.
  const waitFor = (promise, fail) =>
    cancelled ? fail(cancelled) : new Promise((resolve, reject) => {
      wake = () => resolve(fail(cancelled));
      promise.then(++turns & 15 ? resolve : (answer) => setTimeout(resolve, 0, answer), reject);
    });
  const imports = hostImports(tag, words, bytes, text, put, encoder, answer, () => request, () => env, () => results, STORAGE && options.storage, suspends, bridge, BRIDGE && waitFor);

  // A new instance of the module (its exports), not yet in use.
  const fresh = () => new Instance(module, { [IMPORT_MODULE]: HOST_IMPORTS ? { ...imports, ...options.imports?.(rt) } : imports }).exports;
  // A Worker keeps a spare instance, made after a request was answered, so that the request
  // after a fault runs at once (`spare: false`: none; a pooled or a Durable Object's runtime has
  // none: the pool's other instances, or the object's restore hook, stand in).
  const spares = options.spare ?? !(OBJECTS && options.storage);

  // Takes the spare, or a new instance, into use.
  const instantiate = () => {
    const exports = spare || fresh();
    spare = undefined;
    const at = exports[EXPORT_HEADER];
    const header = at && new Uint32Array(exports.memory.buffer, at.value, MODULE_HEADER_WORDS);
    const version = header?.[HEADER_VERSION];
    if (version != ABI_VERSION) throw Error(`tinyworker: module ABI v${version ?? "none"}, glue ABI v${ABI_VERSION}`);
    // The header's words in their order (abi.js); flags and fault record unread where no fault is kept.
    if (FAULT_RECORDS || HOST_IMPORTS || BRIDGE) [, flags, ioAt, rt.capacity, faultAt, responseAt] = header; else [, , ioAt, rt.capacity, , responseAt] = header;
    instance = exports;
    bytesView = []; // views made on first use
    // (Read only where a busy guard may also mean reentry: in a module with imports.)
    if (HOST_IMPORTS || BRIDGE) terminatedAt = exports[EXPORT_TERMINATED]?.value >> 2;
    // (None can be kept for a module that imports nothing: it can only trap.)
    if (FAULT_RECORDS || HOST_IMPORTS || BRIDGE) stackPointer = exports[EXPORT_STACK_POINTER]?.value;
    if (suspends) promised = {};
    if (START) started = !exports[EXPORT_START];
    rt.instances++;
    if (RESTORE && options.storage && exports[restoreExport]) restore();
  };

  // A Durable Object's restore hook, once per new instance, to rebuild in-memory state. It runs
  // like a request: its storage reads answer, it is guarded against reentry, and it runs in a
  // storage transaction of its own, so a hook that faults writes nothing and leaves no instance
  // behind (the request that needed the instance gets the fault; the next one a fresh instance).
  const restore = () => {
    results = [];
    if (BRIDGE) enter(undefined, undefined, {});
    busy = true;
    try {
      options.storage.transactionSync(() => instance[restoreExport]());
    } catch (e) {
      const f = fault(e);
      instance = null;
      throw f;
    } finally {
      busy = false;
      results = undefined;
      if (BRIDGE) release();
    }
  };

  // The start hook of a new instance, inside its first call (which is marked busy): its fault or
  // error is that call's, and no instance is kept whose hook did not finish.
  const start = () => {
    started = true;
    try {
      const outcome = instance[EXPORT_START]();
      if (outcome == OUTCOME_FAULT) throw record();
      if (outcome == OUTCOME_FAILED) throw new Fault("failed", "the start hook returned an error");
    } catch (e) {
      const f = fault(e);
      instance = null;
      throw f;
    }
  };

  // Makes sure of a healthy instance: the spare or a new one after a fault dropped the last
  // (restored, if it is a Durable Object's; a fault of its restore hook is thrown as that Fault).
  const ensureInstance = () => instance || instantiate();

  // Whether a refill has work: no instance, or no spare where one is kept.
  const stale = () => !instance || (spares && !spare);
  // Makes what a fault used up, off any request's time: the instance (restored, for a Durable
  // Object), then the spare. (A restore hook's fault is left for the next request to meet.)
  const refill = () => {
    refillSince = 0;
    try {
      if (!busy && !instance) {
        ensureInstance();
        ready(instance);
      }
      if (spares && !spare) spare = ready(fresh());
      // (Last, so that the views the next request reads are the newest thing made.)
      if (instance) words();
    } catch {}
  };
  // Readies a new instance off any request's time: calls its fetch export once with a length no
  // buffer has, which the runtime refuses before any of the handler runs (docs/ABI.md, "A
  // warm-up call"): V8's first call into an instance costs ~2 us more than the next. Its other
  // pages are left for the OS to map at their first write: writing every page ahead kept them
  // all resident (12 KiB per spare without: `spare_resident_kib` in make bench) and made the
  // next request slower, not faster (the kernel's page clearing evicts what that request needs
  // from the CPU's caches).
  const ready = (exports) => {
    exports[fetchExport]?.(WARM_UP);
    return exports;
  };

  // A call the platform cut off (workerd killed the isolate's execution, for CPU, and wrote 1 to
  // the instance's __instance_terminated): no finally of it ran, so the instance is left
  // half-run and still marked busy. It is dropped like an aborted one.
  const killed = () => instance && terminatedAt && words()[terminatedAt];
  const cutOff = () => {
    busy = false;
    instance = null;
    release();
    console.error("tinyworker: a call was cut off");
  };

  // The fault record as a Fault. (A module without fault records can only report a request
  // too large, and only if the glue let one through.)
  const record = (cause) => {
    if (!FAULT_RECORDS) return tooLarge(cause);
    const [kind, message, messageLen, file, fileLen, line, column] = words().subarray(faultAt >> 2, (faultAt >> 2) + FAULT_WORDS);
    if (kind == FAULT_TOO_LARGE) return tooLarge(cause);
    const f = new Fault(kind == FAULT_PANIC ? "panic" : "abort", text(message, messageLen), cause);
    // Where it was raised, when the record says.
    if (fileLen) f.where = `${text(file, fileLen)}:${line}:${column}`;
    return f;
  };

  // Header array `array` of the response record (its address and count words) as [name,
  // value] pairs, appended to `pairs` (a Headers init appends each, so every name is kept:
  // repeated ones, ones that differ only in case).
  const headerPairs = (u32, array, pairs = []) => {
    for (let h = u32[array] >> 2, end = h + (u32[array + 1] & ~HEADERS_STATIC) * HEADER_RECORD_WORDS; h < end; h += HEADER_RECORD_WORDS) {
      pairs.push([text(u32[h], u32[h + 1]), text(u32[h + 2], u32[h + 3])]);
    }
    return pairs;
  };
  // Headers init for `pairs`: an object (workerd converts a record several times faster than a
  // sequence), or the pairs themselves when a name repeats exactly or is `__proto__` (which a
  // record conversion may skip).
  const headersInit = (pairs) => {
    const names = new Set(pairs.map(([name]) => name));
    return names.size < pairs.length || names.has("__proto__") ? pairs : Object.fromEntries(pairs);
  };
  // Fixed headers the module marked immutable statics (HEADERS_STATIC), decoded once, by
  // address (the same in every instance of the module): [pairs, init], never changed once made.
  const staticHeaders = {};
  const decodedOnce = (pairs) => [pairs, headersInit(pairs)];

  // The response record: status, headers (an object, or pairs when a name repeats), body view.
  const response = () => {
    const u32 = words();
    const at = responseAt >> 2; // (the status is word RESPONSE_STATUS, 0)
    // Two header arrays (address, count): the fixed headers, then the computed ones.
    const fixed = at + RESPONSE_HEADERS;
    const computed = u32[at + RESPONSE_EXTRA + 1];
    let headers;
    if (u32[fixed + 1] & HEADERS_STATIC) {
      const [pairs, init] = (staticHeaders[u32[fixed]] ??= decodedOnce(headerPairs(u32, fixed)));
      headers = computed ? headersInit(headerPairs(u32, at + RESPONSE_EXTRA, [...pairs])) : init;
    } else {
      headers = headersInit(headerPairs(u32, at + RESPONSE_EXTRA, headerPairs(u32, fixed)));
    }
    return { status: u32[at], headers, body: bytes(u32[at + RESPONSE_BODY], u32[at + RESPONSE_BODY_LEN]) };
  };

  // Whether the instance may be kept after fault `f`: only if no destructor was skipped (the
  // unwind build unwound every Rust frame for a JS exception; a panic when the Worker opted in
  // with keepAfterPanic), or for a request too large (the runtime's own refusal at a part read:
  // bad input never replaces the instance), and only if the stack pointer can be restored.
  // (A module that imports nothing can only trap: never kept.)
  const keepable = (f) =>
    (FAULT_RECORDS || HOST_IMPORTS || BRIDGE) &&
    stackPointer &&
    (f.kind == "limit" || (f.kind == "error" && flags & FLAG_UNWIND) || (f.kind == "panic" && options.keepAfterPanic));

  // An exception that left the module, as a Fault; the instance is kept (its stack pointer, which
  // the escaped frames never popped, restored) or dropped.
  const fault = (e) => {
    if (e instanceof Fault) return e; // read from the record after a fault caught inside
    if (OBJECTS && e?.rolledBack) return e; // a handler's `Err`, not a fault (the instance is kept)
    // Ours: the tag, or a trap while the record names a fault (the unwind build's abort); a metered
    // module's trap with its fuel spent. What leaves a module that imports nothing is a trap.
    const f =
      FAULT_RECORDS && ((e instanceof WebAssembly.Exception && e.is(tag)) || (e instanceof WebAssembly.RuntimeError && words()[faultAt >> 2]))
        ? record(e)
        : (FUEL && outOfFuel(instance, e)) || new Fault(!(FAULT_RECORDS || HOST_IMPORTS || BRIDGE) || isTrap(e) ? "trap" : "error", e?.message ?? e, e);
    if (keepable(f)) instance[EXPORT_STACK_POINTER].value = stackPointer;
    else instance = null;
    return f;
  };

  // Releases what the bridge held for the request that ended (answered or faulted).
  const release = () => {
    if (BRIDGE) {
      cancelled = wake = undefined;
      turns = 0;
    }
    if (BRIDGE) {
      bridge.values = [];
      bridge.error = bridge.ctx = bridge.event = requestBody = undefined;
    }
  };

  // Export `name` of the current instance, through WebAssembly.promising for a module that
  // suspends (made once per instance).
  const exported = (name) => (suspends ? (promised[name] ??= WebAssembly.promising(instance[name])) : instance[name]);

  // What every call starts with: the request (if any), its env, fresh results, and the
  // bridge's ctx and event.
  const enter = (req, requestEnv, event) => {
    request = req;
    if (ENV_VARS || BRIDGE) env = requestEnv;
    if (STORAGE) results = [];
    if (BRIDGE) {
      bridge.ctx = rt.ctx; // the call's ctx, which the Worker set (its waitUntil; an object's state)
      bridge.event = event;
    }
  };

  const rt = {
    instances: 0,
    call(fn) {
      // Only an import can call into the module while it runs (JS runs one thing at a time), or
      // a second request while the first is suspended in I/O: both are refused. A call still
      // marked busy whose instance says the platform killed execution was cut off instead. (A
      // module that imports nothing cannot call back in: busy then only means cut off.)
      if (busy) {
        if ((HOST_IMPORTS || BRIDGE) && !killed()) throw Error("tinyworker: reentrant call refused");
        cutOff();
      }
      ensureInstance();
      // (The platform writes the word of every instance in the isolate: cleared, so that it
      // speaks of this call only.)
      if ((HOST_IMPORTS || BRIDGE) && terminatedAt) words()[terminatedAt] = 0;
      busy = true;
      try {
        if (START && !started) start();
        const result = fn(instance);
        // A module that suspends answers with a Promise: it stays busy (`busy` holds the
        // Promise) until that settles.
        if (BRIDGE && result instanceof Promise) {
          busy = result.then(
            (r) => {
              busy = false;
              release();
              return r;
            },
            (e) => {
              busy = false;
              release();
              throw fault(e);
            },
          );
          return busy;
        }
        release();
        return result;
      } catch (e) {
        release();
        throw fault(e);
      } finally {
        if (!BRIDGE || busy === true) busy = false;
      }
    },
    // After a request or event was answered: schedules the refill (a fault used the instance or
    // the spare up; the first request's answer makes the spare), in `ctx.waitUntil` where there
    // is a ctx (workerd cancels a timer of a request that ended).
    // (One at a time: requests answered before it ran schedule none, unless it was never run in
    // a second, as when a caller without a ctx ended the request its timer belonged to.)
    after(ctx) {
      if (!stale() || Date.now() - refillSince < 1000) return;
      refillSince = Date.now();
      const later = new Promise((done) => setTimeout(() => done(refill()), 0));
      ctx?.waitUntil?.(later);
    },
    // Serves a request; its response record (with a bridge, also what the handler put in the
    // event's slots: a `response` to answer with instead, a `webSocket` for a 101).
    serve(req, body, requestEnv) {
      // (Read from `arguments`, so that glue without the bridge declares no parameter for it.)
      const event = BRIDGE ? arguments[3] : undefined;
      const length = body?.byteLength ?? 0;
      if (length > rt.capacity) throw tooLarge();
      return rt.call((exports) => {
        // The body (a Uint8Array, or an ArrayBuffer seen through one).
        if (length) bytes(ioAt, length).set(new Uint8Array(body));
        if (REQUEST_PARTS || LOG || BRIDGE) request = req; // (only the request's imports read it)
        if (ENV_VARS || BRIDGE) env = requestEnv;
        if (STORAGE) results = [];
        if (BRIDGE) {
          bridge.ctx = rt.ctx; // the request's ctx, which the Worker set (its waitUntil)
          bridge.event = event;
          requestBody = body;
        }
        const answer = () => {
          const r = response();
          if (event) [r.response, r.webSocket] = [event.response, event.webSocket];
          return r;
        };
        // The response, or the fault the outcome reports (the same, once the Promise settles).
        // A Durable Object handler's `Err` (OUTCOME_FAILED) is thrown out of the object's
        // transaction, which rolls its writes back; serve.js then sends its answer.
        if (BRIDGE && suspends) {
          return exported(fetchExport)(length).then((outcome) => {
            if (outcome == OUTCOME_FAULT) throw record();
            if (OBJECTS && outcome == OUTCOME_FAILED && options.storage) throw { rolledBack: BRIDGE ? answer() : response() };
            return BRIDGE ? answer() : response();
          });
        }
        // (Only a module with fault records can report one: for any other the glue's own
        // capacity check above is the only limit.)
        const outcome = exports[fetchExport](length);
        if (outcome == OUTCOME_FAULT && FAULT_RECORDS) throw record();
        if (OBJECTS && outcome == OUTCOME_FAILED && options.storage) throw { rolledBack: BRIDGE ? answer() : response() };
        return BRIDGE ? answer() : response();
      });
    },
  };
  // Serves an event through export `name` (docs/ABI.md, "Events"): settles when the handler
  // succeeded; throws its fault, or a "failed" Fault when it returned an error (the instance is
  // kept: nothing of it failed).
  if (EVENTS) {
    rt.invoke = (name, event, requestEnv) =>
      rt.call(() => {
        enter(undefined, requestEnv, event);
        const settle = (outcome) => {
          if (outcome == OUTCOME_FAULT) throw record();
          if (outcome == OUTCOME_FAILED) throw new Fault("failed", "the handler returned an error");
        };
        const outcome = exported(name + suffix)();
        return suspends ? outcome.then(settle) : settle(outcome);
      });
    // Whether the module has export `name` (for this class).
    rt.exports = (name) => Module.exports(module).some((e) => e.name == name + suffix);
  }
  if (OBJECTS) rt.ensure = ensureInstance;
  // Whether the platform killed execution since this runtime's call began (the pool's sweep);
  // the bytes of linear memory its instance holds (the pool's budget); and `cancel(reason)`:
  // the call in flight gets `reason` as the answer of the host call it waits for, and of every
  // later one (its client went away: it ends at its next read or write).
  if (BRIDGE) {
    rt.killed = killed;
    rt.stale = stale;
    rt.memory = () => (instance ? words().byteLength : 0); // (the cached view: no buffer getter per read)
    rt.cancel = (reason) => {
      cancelled = reason;
      wake?.();
    };
  }
  // How many values the bridge holds now (tests: none is left once a request ended).
  if (BRIDGE) rt.held = () => Object.keys(bridge.values).length;
  if (!(OBJECTS && options.lazy)) instantiate();
  return rt;
}

/** `runtime.serve` with explicit parts; header pairs and a copy of the body (tests, Node). */
export function handle(runtime, method, url, headers = [], body) {
  const r = runtime.serve({ method, url, headers }, body);
  return { status: r.status, headers: Array.isArray(r.headers) ? r.headers.map(([name, value]) => [name, value]) : Object.entries(r.headers), body: r.body.slice() };
}
