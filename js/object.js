// Durable Objects: a module's class (createDurableObject), each object its own instance, each
// call inside its storage transaction (or, `io: true`, an overlay committed when it answers).
import { compiled } from "./runtime.js";
import { createWorker, failedEvent, logFault, rpcMethods } from "./serve.js";
import { BRIDGE, CLASSES, EVENTS, OBJECT_EVENTS, RPC } from "tinyworker/features";
import { EXPORT_ALARM, EXPORT_RPC, EXPORT_SOCKET_CLOSE, EXPORT_SOCKET_ERROR, EXPORT_SOCKET_MESSAGE } from "./abi.js";

/**
 * A Durable Object that waits for I/O (`createDurableObject(wasm, { io: true })`): what its
 * module sees of its state, and how each call runs. Calls run one at a time (a second waits for
 * the first to answer, so none interleaves on the instance); the key-value writes of a call are
 * kept in an overlay its reads see, and committed in one `transactionSync` when it answers, or
 * dropped when it faults. Its SQL is refused: a statement commits as it runs, which no overlay
 * can hold back.
 */
function waitingObject(ctx) {
  const kv = ctx.storage.kv;
  const DELETED = {};
  let writes = new Map();
  const read = (key) => {
    const value = writes.get(key);
    return value === undefined ? kv.get(key) : value === DELETED ? undefined : value;
  };
  const overlay = {
    get: read,
    put: (key, value) => void writes.set(key, value),
    delete(key) {
      const had = read(key) !== undefined;
      writes.set(key, DELETED);
      return had;
    },
    list({ prefix = "" } = {}) {
      const entries = new Map(kv.list({ prefix }));
      for (const [key, value] of writes) if (key.startsWith(prefix)) value === DELETED ? entries.delete(key) : entries.set(key, value);
      return [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    },
  };
  // `target` with some properties of its own, its methods bound to it (the platform's refuse
  // another `this`).
  const view = (target, own) =>
    new Proxy(target, { get: (t, p) => (Object.hasOwn(own, p) ? own[p] : typeof t[p] == "function" ? t[p].bind(t) : t[p]) });
  const storage = view(ctx.storage, {
    kv: overlay,
    get sql() {
      throw new Error("tinyworker: a Durable Object that waits for I/O (io: true) has no SQL: a statement commits as it runs, before the call answers; use its key-value storage");
    },
  });
  let queue = Promise.resolve();
  const run = (call) => {
    const turn = queue.then(async () => {
      try {
        const result = await call();
        const committed = writes;
        writes = new Map();
        if (committed.size) ctx.storage.transactionSync(() => committed.forEach((value, key) => (value === DELETED ? kv.delete(key) : kv.put(key, value))));
        return result;
      } catch (e) {
        writes = new Map();
        throw e;
      }
    });
    queue = turn.catch(() => {});
    return turn;
  };
  return { state: view(ctx, { storage }), run };
}

// Whether `storage` is SQLite-backed: only that storage has the synchronous API (ctx.storage.kv,
// transactionSync) the module's storage calls use. A class declared under `new_classes` has not:
// its calls run without a transaction, and each storage call answers BRIDGE_WOULD_SUSPEND
// (`storage::Error::WouldSuspend`), since its operations are Promises.
function hasSqlite(storage) {
  try {
    return void storage.sql.databaseSize, true;
  } catch {
    return false;
  }
}
// What the module's storage calls reach in an object without SQLite: nothing (no `kv`), and its
// restore hook runs as a plain call.
const NO_SQLITE = { transactionSync: (call) => call() };

/**
 * A Durable Object class for a module built with `durable_object!`: export it from the Worker
 * entry (`export const Room = createDurableObject(wasm)`; for a class named in
 * `durable_object!(class Room { ... })`, `createDurableObject(wasm, { className: "Room" })`).
 * Every object has its own instance of the module, so a fault in one object never touches
 * another, and the module reaches its object's storage (`ctx.storage.kv`, `ctx.storage.sql`)
 * synchronously. Each call (a request, the alarm, a WebSocket message or close) runs inside
 * `ctx.storage.transactionSync`: a call that ends in a fault leaves storage exactly as it was
 * before it (the transaction rolls back); one that answers keeps all its writes. Calls to one
 * object run one at a time on its instance (the call into the module is synchronous). An alarm
 * that faults or fails is thrown to the platform, which runs it again; a WebSocket message that
 * does closes that socket with 1011 and no other. A class without SQLite (`new_classes`) runs
 * too, but without a transaction, and its module's storage calls answer `WouldSuspend`: that
 * storage has no synchronous API (docs/guide/durable-objects.md). A class with RPC methods
 * (`rpc!(object Name ...)`) extends the platform's DurableObject (`options.base`), which RPC
 * requires: the object as above, its methods on the prototype (the platform calls those over
 * RPC, not own properties).
 */
export function createDurableObject(wasm, options = {}) {
  const module = compiled(wasm);
  const suffix = CLASSES && options.className ? `_${options.className}` : "";
  const has = (name) => EVENTS && WebAssembly.Module.exports(module).some((e) => e.name == name + suffix);
  const alarms = OBJECT_EVENTS && has(EXPORT_ALARM);
  const Class = class {
    constructor(ctx, env) {
      const platformStorage = ctx.storage, sqlite = hasSqlite(platformStorage); // (storage read once: a call into the runtime)
      // How each call runs: in one synchronous transaction, or (`io: true`) through JSPI, one
      // at a time, its writes committed when it answers; without SQLite, as a plain call.
      const io = BRIDGE && options.io && waitingObject(ctx);
      const state = io ? io.state : ctx;
      const run = io ? io.run : sqlite ? (call) => platformStorage.transactionSync(call) : NO_SQLITE.transactionSync;
      const storage = sqlite ? state.storage : NO_SQLITE;
      const worker = createWorker(module, { ...options, storage, lazy: true, run, ...(OBJECT_EVENTS && { alarms }) }); // (alarms: read before each call)
      const rt = (this.runtime = worker.runtime);
      if (BRIDGE) rt.ctx = state; // (the object's state: its storage for the restore hook, its WebSockets)
      this.fetch = (req) => worker.fetch(req, env, state);
      // An event of the object, like a request: its instance made sure of, the call in the
      // storage transaction; a fault thrown as the Fault (an alarm's to the platform, which runs
      // it again, as a failed invocation).
      const invoke = EVENTS && (async (name, event) => {
        if (alarms) event.alarm = await ctx.storage.getAlarm();
        rt.ensure();
        rt.ctx = state;
        try {
          await run(() => rt.invoke(name, event, env));
        } finally {
          rt.after(state);
        }
      });
      if (OBJECT_EVENTS && alarms) {
        this.alarm = (alarmInfo) =>
          invoke(EXPORT_ALARM, { alarmInfo }).catch((e) => {
            throw e.kind ? failedEvent("alarm", e) : e;
          });
      }
      // A WebSocket event that faulted is logged; a message's (`socket`) closes its socket with
      // 1011 (a close's or an error's is closing already).
      const logged = (e, socket) => {
        if (!e.kind) throw e;
        if (e.kind != "failed") logFault(e);
        try {
          socket?.close(1011, "internal error");
        } catch {} // (already closing)
      };
      if (OBJECT_EVENTS && has(EXPORT_SOCKET_MESSAGE)) this.webSocketMessage = (webSocket, message) => invoke(EXPORT_SOCKET_MESSAGE, { webSocket, message }).catch((e) => logged(e, webSocket));
      if (OBJECT_EVENTS && has(EXPORT_SOCKET_CLOSE)) this.webSocketClose = (webSocket, code, reason, wasClean) => invoke(EXPORT_SOCKET_CLOSE, { webSocket, code, reason, wasClean }).catch(logged);
      if (OBJECT_EVENTS && has(EXPORT_SOCKET_ERROR)) this.webSocketError = (webSocket, error) => invoke(EXPORT_SOCKET_ERROR, { webSocket, error }).catch(logged);
      // An RPC method of the class (`rpc!(object Name ...)`), in the object's transaction: its
      // arguments are its event, its reply the event's `result`; a fault or an error rolls its
      // writes back and rejects this call only.
      if (RPC) {
        this.__tw_rpc = async (method, args) => {
          const event = [...args];
          try {
            await invoke(EXPORT_RPC + method, event);
          } catch (e) {
            throw e.kind ? failedEvent(`rpc method ${method}`, e) : e;
          }
          return event.result;
        };
      }
    }
  };
  if (!(RPC && options.base)) return Class;
  const Rpc = class extends options.base {
    constructor(ctx, env) {
      super(ctx, env);
      Object.assign(this, new Class(ctx, env));
    }
  };
  for (const method of rpcMethods(module, options.className)) {
    Rpc.prototype[method] = function (...args) {
      return this.__tw_rpc(method, args);
    };
  }
  return Rpc;
}
