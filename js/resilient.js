// resilient(): abort recovery for wasm-bindgen libraries used from JavaScript Workers. It
// shares only Fault (and what counts as a trap) with the rest of the glue.
import { Fault, isTrap } from "./fault.js";

const GENERATION = Symbol("tinyworker.generation"), REF = Symbol("tinyworker.ref"), OWNER = Symbol("tinyworker.owner");

// resilient(bindings, { module, onReset }): a wasm-bindgen library (`--target web` output,
// wasm-bindgen 0.2.84 to 0.2.130 tested, not yet initialised) that survives traps and aborts. A
// faulting call throws a Fault (kind trap, cause kept), a fresh instance from `module` serves
// the next call, objects of the dead instance throw "stale instance" (also as arguments), async
// calls of the dead instance reject with the Fault, its queued callbacks never run, and errors
// thrown on purpose pass unchanged. Bookkeeping is bounded by the objects alive, not created.
export function resilient(bindings, { module, onReset } = {}) {
  // (Read here, not when the file loads, so that a bundle that never calls resilient() keeps
  // nothing of this file.)
  const { Module, Instance } = WebAssembly;
  // The library's state: its instance and the imports it was made with, its generation (one
  // per instance), how deep the API's calls are, its async calls in flight (each rejects with
  // the Fault if its instance dies first).
  const r = { _module: module instanceof Module ? module : new Module(module), _generation: 0, _depth: 0, _pending: new Set(), _api: { resets: 0 } };
  r._objects = objectsOf(r);
  r._closures = closuresOf(r);
  r._reset = (cause) => {
    const f = new Fault("trap", cause.message, cause);
    // Formatting a stack drops its frames, which would pin the dead instance (the trap's frames,
    // and the Fault's: they include the guard holding the dead instance's export).
    void cause.stack, void f.stack;
    r._objects._destroyAll();
    r._closures._disarm();
    r._instance.exports.memory?.grow(0); // detaches the bindings' cached views of the dead memory
    r._instance = new Instance(r._module, r._imports);
    r._generation++, r._exports._point();
    r._instance.exports.__wbindgen_start?.();
    for (const reject of r._pending) reject(f);
    r._pending.clear();
    r._api.resets++;
    onReset?.(f);
    return f;
  };
  r._exports = exportsOf(r);
  WebAssembly.Instance = r._exports._lend;
  try {
    // wasm-bindgen 0.2.93 and later take `initSync({ module })`; 0.2.92 and earlier the module.
    const form = /getPrototypeOf\(module\) === Object\.prototype/.test(String(bindings.initSync));
    bindings.initSync(form ? { module: r._module } : r._module);
  } finally {
    WebAssembly.Instance = Instance;
  }
  if (!r._instance) throw Error("resilient: the bindings were initialised already; pass them before init");
  const calls = callsOf(r);
  for (const [name, value] of Object.entries(bindings)) {
    if (name == "default" || name == "initSync") continue;
    // Enums (frozen objects) and other values pass through; functions and classes are guarded.
    if (typeof value != "function") r._api[name] = value;
    else if (!/^class\b/.test(Function.prototype.toString.call(value))) r._api[name] = calls._wrap(value);
    else r._api[name] = classOf(r, calls, value);
  }
  return r._api;
}

/**
 * The library's objects of the current instance (of state `r`), so a reset can unregister their
 * finalizers (else they would free in the new instance). An object made in this job waits in
 * `recent` (obj[REF] is its slot; free() empties it, and the last slot pops, so create-and-free
 * stays in one slot); at the job's end the rest are held weakly in `live` (obj[REF] becomes the
 * WeakRef) and leave it when freed or collected: bookkeeping is bounded by the objects alive,
 * not the objects made.
 */
function objectsOf(r) {
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
  return {
    /** `obj` was freed: it leaves the bookkeeping. */
    _forget(obj) {
      const ref = obj[REF];
      if (typeof ref != "number") return live.delete(ref);
      if (ref == recent.length - 1) recent.pop();
      else recent[ref] = undefined;
    },
    /** An object of the library joins the current instance (every object comes through a class's __wrap or its constructor). */
    _adopt(obj) {
      if (obj && typeof obj == "object" && !(GENERATION in obj)) {
        (obj[GENERATION] = r._generation), (obj[REF] = recent.push(obj) - 1);
        if (!flushing) (flushing = true), queueMicrotask(flush);
      }
      return obj;
    },
    /** A reset: every object of the dead instance destroyed into a raw pointer (never freed in the new one). */
    _destroyAll() {
      for (const obj of recent) obj?.__destroy_into_raw();
      for (const ref of live) ref.deref()?.__destroy_into_raw();
      (recent = []), live.clear();
    },
  };
}

/**
 * The current instance's Rust closures (of state `r`: the `state` of each JS function the
 * bindings make for one: its pointers into the instance, and the registry that destroys it when
 * collected), so a reset can disarm them: neither collecting nor calling a dead one reaches the
 * new instance. `_making(fn)` wraps an import that makes closures.
 */
function closuresOf(r) {
  const closures = new Set(), closureGone = new FinalizationRegistry((ref) => closures.delete(ref));
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
  return { _disarm: disarm, _making: (fn) => makingClosures(r, fn, track) };
}

/**
 * An import `fn` that makes the JS function of a Rust closure: note the closure's state (and the
 * registry that would destroy it) as the bindings record it (`track`), `register(real, state)`
 * on their FinalizationRegistry (0.2.9x on) or `real.original = state` (before); both hooks live
 * only for this one call. A function it returns by value (reference types) runs only while its
 * instance is current; one returned as a heap index is disarmed at a reset instead.
 */
const makingClosures = (r, fn, track) =>
  function (...args) {
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
    const g = r._generation;
    return Object.assign(function (...a) {
      if (g != r._generation) return;
      try {
        return real.apply(this, a);
      } catch (e) {
        // Unless the call trapped and reset the instance: the bindings' cleanup after it throws.
        if (g == r._generation) throw e;
      }
    }, real);
  };

/**
 * The exports the bindings use (of state `r`): they keep `wasm = instance.exports` out of reach,
 * so `_lend` (in place of WebAssembly.Instance while initSync runs) gives them exports that
 * forward to whichever instance is current. Each function catches a trap: inside a call of the
 * API it becomes that call's Fault; outside one (a callback, an async task) the instance is
 * reset and the exception goes no further. `_point()` points them at the current instance.
 */
function exportsOf(r) {
  const forward = {}, exported = WebAssembly.Module.exports(r._module);
  const trapped = (e) => {
    if (!isTrap(e)) throw e;
    const f = r._reset(e);
    if (r._depth) throw f;
  };
  // Wasm functions take their declared parameters and ignore `this`: a guard of the same arity
  // lets V8 call straight through (a rest parameter with apply costs several times more). A
  // call from a disarmed closure of a dead instance (NaN for its pointer, outside any call of
  // the API) is dropped before it reaches the new instance.
  const dead = (a, b) => !r._depth && (a !== a || b !== b);
  const guardExport = (fn) => {
    switch (fn.length) {
      case 0: return () => { try { return fn(); } catch (e) { trapped(e); } };
      case 1: return (a) => { if (dead(a)) return; try { return fn(a); } catch (e) { trapped(e); } };
      case 2: return (a, b) => { if (dead(a, b)) return; try { return fn(a, b); } catch (e) { trapped(e); } };
      case 3: return (a, b, c) => { if (dead(a, b)) return; try { return fn(a, b, c); } catch (e) { trapped(e); } };
      default: return (...args) => { if (dead(args[0], args[1])) return; try { return fn(...args); } catch (e) { trapped(e); } };
    }
  };
  const point = () => {
    for (const { name, kind } of exported) forward[name] = kind == "function" ? guardExport(r._instance.exports[name]) : r._instance.exports[name];
  };
  const lend = function (m, given) {
    for (const ns of Object.values(given)) {
      for (const [key, value] of Object.entries(ns)) {
        if (typeof value == "function" && /\bmake(Mut)?Closure\(/.test(String(value))) ns[key] = r._closures._making(value);
      }
    }
    (r._imports = given), (r._instance = new r._Instance(m, given)), point();
    return { exports: forward };
  };
  r._Instance = WebAssembly.Instance;
  return { _point: point, _lend: lend };
}

/**
 * The calls of the API (of state `r`): `_wrap(fn)` a function of the API; `_call(fn, self,
 * args)` one call, its arguments checked (an object of a dead instance, or an array holding one,
 * is refused before the library sees it); `_fault(e)` what a throw from inside a call becomes: a
 * trap replaces the instance and is that call's Fault; a Fault (never a trap: an export's guard
 * made it), or an error thrown on purpose, passes unchanged.
 */
function callsOf(r) {
  const stale = (obj) => new Error(`stale instance: this ${obj.constructor?.name ?? "object"} belonged to a wasm instance that a fault replaced`);
  const checkOne = (a) => {
    if (a === null || typeof a != "object") return;
    if (GENERATION in a && a[GENERATION] !== r._generation) throw stale(a);
    if (Array.isArray(a)) check(a);
  };
  const check = (args) => {
    for (let i = 0; i < args.length; i++) checkOne(args[i]);
  };
  const fault = (e) => (isTrap(e) ? r._reset(e) : e);
  // An async export: its Promise rejects with the Fault if the instance dies meanwhile.
  const settled = (result) => {
    if (!(result instanceof Promise)) return result;
    return new Promise((resolve, reject) => {
      r._pending.add(reject);
      result.then(resolve, reject).finally(() => r._pending.delete(reject));
    });
  };
  const call = (fn, self, args) => {
    check(args);
    r._depth++;
    try {
      return settled(fn.apply(self, args));
    } catch (e) {
      throw fault(e);
    } finally {
      r._depth--;
    }
  };
  // A function of the API; common arities get a guard without a rest parameter (cheaper in V8).
  const wrap = (fn) => {
    switch (fn.length) {
      case 0: return function () { r._depth++; try { return settled(fn.call(this)); } catch (e) { throw fault(e); } finally { r._depth--; } };
      case 1: return function (a) { checkOne(a), r._depth++; try { return settled(fn.call(this, a)); } catch (e) { throw fault(e); } finally { r._depth--; } };
      case 2: return function (a, b) { checkOne(a), checkOne(b), r._depth++; try { return settled(fn.call(this, a, b)); } catch (e) { throw fault(e); } finally { r._depth--; } };
      default: return function (...args) { return call(fn, this, args); };
    }
  };
  return { _wrap: wrap, _call: call, _check: check, _fault: fault, _stale: stale };
}

/**
 * Every method, getter and setter of a class (on its prototype: `ofObjects`) or every static (on
 * the class): an object's members refuse it once its instance is dead; free() of a dead one is a
 * no-op (its memory went with the instance); __wrap, which makes every object, adopts it.
 */
function guardMembers(r, calls, target, ofObjects) {
  for (const key of Reflect.ownKeys(target)) {
    const d = Object.getOwnPropertyDescriptor(target, key);
    if (key == "constructor" || key == "__destroy_into_raw" || key == "prototype" || !d.configurable) continue;
    if (key == "__wrap") {
      const fn = d.value;
      target[key] = (ptr) => r._objects._adopt(fn.call(target, ptr));
      continue;
    }
    const freeing = ofObjects && (key == "free" || key === Symbol.dispose);
    for (const part of ["value", "get", "set"]) {
      const fn = d[part];
      if (typeof fn != "function") continue;
      d[part] = !ofObjects
        ? calls._wrap(fn)
        : function (...args) {
            if (this[GENERATION] !== r._generation) {
              if (freeing) return; // already released with its instance
              throw calls._stale(this);
            }
            if (freeing) r._objects._forget(this);
            return calls._call(fn, this, args);
          };
    }
    Object.defineProperty(target, key, d);
  }
}

/**
 * The API's class for class `C` of the bindings: its members guarded; the class itself stays the
 * bindings' (their __wrap makes objects of it), the API's is a constructor sharing its
 * prototype, so instanceof and statics work as on the original. (Not a Proxy: V8 runs a construct
 * trap about ten times slower than this.)
 */
function classOf(r, calls, C) {
  guardMembers(r, calls, C.prototype, true);
  guardMembers(r, calls, C, false);
  const Wrapped = function (...args) {
    if (!new.target) throw new TypeError(`Class constructor ${C.name} cannot be invoked without 'new'`);
    if (args.length) calls._check(args);
    let obj;
    r._depth++;
    try {
      obj = new C(...args);
    } catch (e) {
      throw calls._fault(e);
    } finally {
      r._depth--;
    }
    return r._objects._adopt(obj);
  };
  Object.defineProperty(Wrapped, "name", { value: C.name });
  Wrapped.prototype = C.prototype;
  for (const key of Reflect.ownKeys(C)) if (!(key in Wrapped)) Object.defineProperty(Wrapped, key, Object.getOwnPropertyDescriptor(C, key));
  return Wrapped;
}
