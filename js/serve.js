// Serving: a module as a Worker (createWorker: one runtime, or a pool for a module that
// suspends), an RPC entrypoint and a Workflow, with the answers to faults (object.js: classes).
import { tooLarge } from "./fault.js";
import { pool } from "./pool.js";
import { compiled, createRuntime, suspending } from "./runtime.js";
import { BRIDGE, EMAIL, ENV_VARS, EVENTS, HOST_IMPORTS, OBJECT_EVENTS, OBJECTS, QUEUE_BATCH, QUEUE_MESSAGE, REQUEST_PARTS, RPC, STORAGE, TAIL, WEB_SOCKETS, WORKFLOWS } from "tinyworker/features";
import {
  EXPORT_SCHEDULED, EXPORT_QUEUE, EXPORT_QUEUE_MESSAGE, EXPORT_WS_MESSAGE, EXPORT_WS_CLOSE, EXPORT_WS_ERROR, EXPORT_RPC, EXPORT_FETCH, EXPORT_EMAIL, EXPORT_TAIL, EXPORT_WORKFLOW,
} from "./abi.js";

// The default fault response: nothing internal reaches the client, only an id to find the
// console.error line by.
const genericFault = (fault, id) => new Response(`internal error (fault ${id})\n`, { status: 500 });

// Whether the handler's response can be one the platform refuses: a module with no input at all
// (hello) answers one constant response, and its glue carries no check for it.
const REFUSABLE = REQUEST_PARTS || ENV_VARS || BRIDGE || STORAGE || HOST_IMPORTS;

// Logs fault `e` of an event (console.error, under a fresh id, as a request's fault); the id.
export const logFault = (e) => {
  const id = crypto.randomUUID().slice(0, 8);
  console.error(`tinyworker: fault ${id}: ${e.message}`, e.where ?? "", e.cause ?? "");
  return id;
};

// What the platform sees of an event whose handler faulted or failed: an Error (a failed
// invocation: a cron run counted as failed, a queue batch delivered again, an alarm retried)
// that names the fault's id and nothing of the module.
export const failedEvent = (what, e) => new Error(`tinyworker: the ${what} handler ${e.kind == "failed" ? "returned an error" : `faulted (fault ${logFault(e)})`}`);

export function createWorker(wasm, options = {}) {
  const module = BRIDGE && compiled(wasm);
  // A module that suspends in I/O gets one instance per request in flight: JSPI switches the
  // wasm stack, not the module's shadow stack, I/O buffer or statics, so two requests must
  // never interleave on one instance.
  const runtimes = BRIDGE && !(OBJECTS && options.storage) && suspending(module) && pool(module, options);
  // The first runtime, made now so a module of another ABI version is refused at start-up
  // (a Durable Object's is made by its first request, so a fault of its restore hook is that
  // request's).
  const rt = runtimes ? runtimes.take() : createRuntime(module || wasm, options);
  if (runtimes) runtimes.release(rt);
  const worker = {
    runtime: rt,
    // (`ctx`, the request's: its waitUntil, for the refill after it and the bridge's detached
    // calls.)
    async fetch(req, env, ctx) {
      let r, body, reading, made;
      // A request whose body the handler reads as a stream (`options.streamBodies`): a streamed
      // call, within the pool's share for them.
      const streamsBody = BRIDGE && options.streamBodies?.(req);
      try {
        // A Durable Object's instance is made by its first request (its restore hook's fault
        // is that request's); it tells the glue its I/O buffer.
        if (OBJECTS && options.storage) rt.ensure();
        // The body is read before an instance is taken (a slow upload holds none), chunk by
        // chunk, and refused (413) as soon as it passes the I/O buffer, with or without a
        // content-length: what the glue holds stays bounded by it (leaving the loop cancels
        // the rest of the stream).
        // (A request whose body the handler streams, `options.streamBodies`, keeps it unread.)
        if (req.body && !streamsBody) {
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
          r = await runtimes.acquire(req.signal, streamsBody);
          if (!r) return new Response("busy: too many requests in flight, try again shortly\n", { status: 503, headers: { "retry-after": "1" } });
        } else {
          r = rt;
        }
        if (BRIDGE) r.ctx = ctx;
        // The request's event (docs/ABI.md, "Events"): the slots of its answer, and a Durable
        // Object's alarm (read before the call, which cannot wait).
        const event = BRIDGE ? {} : undefined;
        // (`websocket::accept`: the glue listens to the server end, then accepts it.)
        if (WEB_SOCKETS && !(OBJECTS && options.storage)) event.accept = (socket) => listen(socket, env, ctx);
        if (OBJECT_EVENTS && options.alarms) event.alarm = await options.storage.getAlarm();
        const serve = () => (BRIDGE ? r.serve(req, body, env, event) : ENV_VARS ? r.serve(req, body, env) : r.serve(req, body));
        let served;
        if (OBJECTS && options.storage) {
          // A Durable Object runs the call inside its storage transaction, after making sure
          // of its instance (a new one's restore hook runs in a transaction of its own).
          r.ensure(); // again: a fault of another request may have dropped it meanwhile
          try {
            served = options.run ? await options.run(serve) : options.storage.transactionSync(serve);
          } catch (e) {
            // The handler answered an `Err`: its writes were rolled back, its answer goes out.
            if (!e?.rolledBack) throw e;
            served = e.rolledBack;
          }
        } else if (runtimes) {
          // Should the client go away mid-call (workerd reports a reset), the call is
          // cancelled: the host call it waits for answers an error at once, and so does every
          // later one, so it ends at its next read or write and its instance goes back. Its
          // place in the pool is freed at once (should the call never resume, the instance is
          // dropped).
          const abandon = () => {
            runtimes.abandon(r);
            r.cancel(new DOMException("the client went away", "AbortError"));
          };
          req.signal?.addEventListener("abort", abandon);
          try {
            // A handler may start a streamed answer (`stream::start`), within the pool's share
            // for streamed calls: the client gets it at once, while the call goes on writing
            // (docs/ABI.md, "Events"). (Only a module with the bridge is pooled.)
            const streamed = streamedAnswer(event, () => runtimes.stream(r));
            const call = serve();
            served = await Promise.race([call, streamed.started]);
            if (served instanceof Response) {
              // The instance stays this call's until it ends: then the stream is closed, or
              // aborted after a fault (the client sees no clean end of the body).
              const runtime = r;
              r = undefined;
              const ended = streamed.end(call).finally(() => {
                req.signal?.removeEventListener("abort", abandon);
                runtime.after(ctx);
                runtimes.release(runtime);
              });
              ctx?.waitUntil?.(ended);
              return served;
            }
          } finally {
            if (r) req.signal?.removeEventListener("abort", abandon);
          }
        } else {
          served = serve();
        }
        // A Response the handler chose to answer with (a Durable Object's, a subrequest's).
        if (BRIDGE && served.response) return served.response;
        if (REFUSABLE) made = served.status;
        return new Response(served.body.length ? served.body : null, served);
      } catch (e) {
        // The platform refused the response the handler made (a status outside 200-599, a body
        // on a 204): the handler's error, logged as such, not a fault (the instance is fine).
        if (REFUSABLE && made) {
          console.error(`tinyworker: the handler's response (status ${made}) was refused: ${e.message}`);
          return new Response("internal error\n", { status: 500 });
        }
        if (e.kind == "limit") return new Response("request too large\n", { status: 413 });
        // A client that went away (while sending its body, or while its request waited for an
        // instance) is logged without a fault id: nothing of the module failed.
        if (reading || (BRIDGE && e.kind == "aborted")) {
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
        // (The spare, or what a fault used up, is made after the answer.)
        r?.after(ctx);
        if (runtimes && r) runtimes.release(r);
      }
    },
  };
  if (runtimes) worker.pool = runtimes.all; // every runtime of the pool (tests, monitoring)
  let listen; // (a Worker's own WebSockets: below)
  // The Worker's other events, when the module exports their handlers (`scheduled!`,
  // `queue_consumer!`): each runs on a runtime of its own, as a request does.
  if (EVENTS && !(OBJECTS && options.storage)) {
    // `prepare(platformEvent)` answers the event the handler sees and, for some events,
    // `settle()`: what a fault (or an error) of the handler does instead of the default, throwing
    // a failed invocation to the platform (either way the fault is logged: failedEvent), and
    // `done()`: what follows a handler that succeeded.
    // (Answers the event the handler saw: an RPC method's reply is in it.)
    const on = (name, what, prepare = (event) => [event]) => async (platformEvent, env, ctx) => {
      const [event, settle, done] = prepare(platformEvent);
      let r;
      try {
        r = runtimes ? await runtimes.acquire() : rt;
        if (!r) throw Error(`tinyworker: busy: too many calls in flight for the ${what} event`);
        r.ctx = ctx;
        await r.invoke(name, event, env);
        done?.();
        if (RPC || WORKFLOWS) return event;
      } catch (e) {
        if (!e.kind) throw e;
        const error = failedEvent(what, e);
        if (!settle) throw error;
        settle();
      } finally {
        r?.after(ctx);
        if (runtimes && r) runtimes.release(r);
      }
    };
    if (rt.exports(EXPORT_SCHEDULED)) worker.scheduled = on(EXPORT_SCHEDULED, "scheduled");
    if (QUEUE_BATCH && rt.exports(EXPORT_QUEUE)) worker.queue = on(EXPORT_QUEUE, "queue", trackedBatch);
    // A queue consumer a message at a time (`queue_message!`): each message its own call, in
    // order, each on a healthy instance, so one that faults on every delivery is retried alone.
    if (QUEUE_MESSAGE && rt.exports(EXPORT_QUEUE_MESSAGE)) {
      const one = on(EXPORT_QUEUE_MESSAGE, "queue message", trackedMessage);
      worker.queue = async (batch, env, ctx) => {
        for (const message of batch.messages) await one([batch.queue, message], env, ctx);
      };
    }
    // An email (`email!`): its raw bytes read before the call (the platform caps a message at
    // 25 MiB), its methods called on the message as the platform gave it (locally an RPC stub,
    // whose methods must be called on it), `forward`'s headers made a `Headers`.
    if (EMAIL && rt.exports(EXPORT_EMAIL)) {
      const receive = on(EXPORT_EMAIL, "email", ([m, raw]) => [
        {
          from: m.from,
          to: m.to,
          headers: m.headers,
          rawSize: m.rawSize,
          raw,
          setReject: (reason) => m.setReject(reason),
          forward: (to, headers) => m.forward(to, new Headers(headers)),
          reply: (message) => m.reply(message),
        },
      ]);
      worker.email = async (message, env, ctx) => receive([message, new Uint8Array(await new Response(message.raw).arrayBuffer())], env, ctx);
    }
    // Traces of the Workers this one tails (`tail!`): an array of them, with `traces`, the
    // platform's own, for their JSON.
    if (TAIL && rt.exports(EXPORT_TAIL)) worker.tail = on(EXPORT_TAIL, "tail", (traces) => [Object.assign([...traces], { traces })]);
    // A WebSocket the handler accepted (`websocket::accept`): its events, one at a time and in
    // order, each run as a request is; one that faults or fails closes that socket with 1011.
    if (WEB_SOCKETS) {
      const handlers = [
        ["message", EXPORT_WS_MESSAGE, (webSocket, e) => ({ webSocket, message: e.data })],
        ["close", EXPORT_WS_CLOSE, (webSocket, e) => ({ webSocket, code: e.code, reason: e.reason, wasClean: e.wasClean })],
        ["error", EXPORT_WS_ERROR, (webSocket, e) => ({ webSocket, error: e.error ?? e })],
      ].filter(([, name]) => rt.exports(name));
      listen = (socket, env, ctx) => {
        if (!handlers.length) throw Error("tinyworker: the module has no web_socket! handlers to hear the socket");
        let turn = Promise.resolve();
        // (Binary messages as ArrayBuffers, the module's bytes: the standard's default, which
        // newer compatibility dates take, is a Blob.)
        socket.binaryType = "arraybuffer";
        for (const [type, name, event] of handlers) {
          const handle = on(name, `websocket ${type}`);
          socket.addEventListener(type, (e) => {
            turn = turn.then(() => handle(event(socket, e), env, ctx)).catch(() => {
              try {
                socket.close(1011, "internal error");
              } catch {} // (already closing)
            });
          });
        }
        socket.accept();
      };
    }
    // An RPC method (`rpc!(class Name ...)`, createEntrypoint): its arguments are its event, its
    // reply the event's `result`; a fault or an error rejects this call only.
    // A Workflow's run (`workflow!`, createWorkflow): its event the run's parameters and its
    // `step` and `sleep`; its output the event's `result`.
    if (WORKFLOWS) worker.workflow = async (run, env, ctx) => (await on(EXPORT_WORKFLOW, "workflow run")(run, env, ctx)).result;
    if (RPC) worker.rpc = async (method, args, env, ctx) => (await on(EXPORT_RPC + method, `rpc method ${method}`)([...args], env, ctx)).result;
  }
  return worker;
}

/** The RPC methods (`rpc!`) `module` exports for class `className`. */
export const rpcMethods = (module, className) => {
  const suffix = `_${className}`;
  return WebAssembly.Module.exports(module)
    .map((e) => e.name)
    .filter((name) => name.startsWith(EXPORT_RPC) && name.endsWith(suffix))
    .map((name) => name.slice(EXPORT_RPC.length, -suffix.length));
};

/**
 * A Workers RPC entrypoint whose methods the module serves (`rpc!(class Calc { ... })`):
 * `export const Calc = createEntrypoint(wasm, { className: "Calc", base: WorkerEntrypoint })`,
 * bound by another Worker with `[[services]] entrypoint = "Calc"`. Each method runs as a
 * request does (a pool for a module that waits for I/O); a fault or an error rejects that call
 * with an Error naming the fault's id. With a `fetch` of the class (`__tw_fetch_<Name>`), the
 * entrypoint serves requests too.
 */
export function createEntrypoint(wasm, options = {}) {
  if (!options.className) throw Error("tinyworker: createEntrypoint needs the className of `rpc!(class <Name> { ... })`");
  const module = compiled(wasm);
  const worker = createWorker(module, options);
  const Base = options.base ?? class {
    constructor(ctx, env) {
      this.ctx = ctx;
      this.env = env;
    }
  };
  const Entrypoint = class extends Base {};
  for (const method of rpcMethods(module, options.className)) {
    Entrypoint.prototype[method] = function (...args) {
      return worker.rpc(method, args, this.env, this.ctx);
    };
  }
  if (worker.runtime.exports(EXPORT_FETCH)) {
    Entrypoint.prototype.fetch = function (request) {
      return worker.fetch(request, this.env, this.ctx);
    };
  }
  return Entrypoint;
}

/**
 * A Workflow class whose run and steps the module serves (`workflow!(class Order { ... })`):
 * `export const Order = createWorkflow(wasm, { className: "Order", base: WorkflowEntrypoint })`,
 * bound with `[[workflows]] class_name = "Order"`. `run` runs on an instance of the module's
 * pool; each of its steps (`Run::step`) runs inside the platform's `step.do` on another
 * instance, as an RPC method does (its input and attempt its arguments, its reply the step's
 * persisted result), while the run waits: a finished step is answered from the platform's store
 * when the run replays, never run again. A step's fault or error fails that attempt (the
 * platform retries it by the step's options); the run's, the instance.
 */
export function createWorkflow(wasm, options = {}) {
  if (!options.className) throw Error("tinyworker: createWorkflow needs the className of `workflow!(class <Name> { ... })`");
  const worker = createWorker(compiled(wasm), options);
  const Base = options.base ?? class {
    constructor(ctx, env) {
      this.ctx = ctx;
      this.env = env;
    }
  };
  return class extends Base {
    run(event, step) {
      const { env, ctx } = this;
      // What the platform threw through a step or a sleep (a pause, a termination, a step out of
      // retries): the run's own error, rethrown as it is, so the platform reads it.
      let interrupted;
      const through = (promise) =>
        promise.catch((e) => {
          throw (interrupted = e);
        });
      const run = {
        params: event.payload,
        instanceId: event.instanceId,
        step: (name, input, config) => {
          const body = (context) => worker.rpc(name, [input, context?.attempt ?? 1], env, ctx);
          return through(config ? step.do(name, config, body) : step.do(name, body));
        },
        sleep: (name, ms) => through(step.sleep(name, ms)),
      };
      return worker.workflow(run, env, ctx).catch((e) => {
        throw interrupted ?? e;
      });
    }
  };
}

/** A message as the handler sees it, its ack or retry noted in `open` (which drops it). */
const tracked = (m, open) => {
  const settling = (how) => (options) => {
    open.delete(m);
    return m[how](options);
  };
  return { id: m.id, timestamp: m.timestamp, attempts: m.attempts, body: m.body, ack: settling("ack"), retry: settling("retry") };
};

/**
 * One message of a batch as a `queue_message!` handler sees it (`{ queue, message }`): after a
 * fault or an error it is retried, alone; after a handler that returned, acknowledged. Either
 * only if the handler did not acknowledge or retry it itself.
 */
function trackedMessage([queue, m]) {
  const open = new Set([m]);
  const settle = (how) => () => open.has(m) && m[how]();
  return [{ queue, message: tracked(m, open) }, settle("retry"), settle("ack")];
}

/**
 * A queue batch as the consumer sees it, each message's ack and retry noted; and what a fault
 * does: every message the consumer had not acknowledged or retried is retried, explicitly, and
 * the invocation ends without an exception. That is the platform's rule for a consumer that
 * throws (acknowledged messages are never delivered again), made explicit because Miniflare's
 * simulator delivers a throwing consumer's whole batch again, acknowledged messages too.
 */
function trackedBatch(batch) {
  const open = new Set(batch.messages);
  const messages = batch.messages.map((m) => tracked(m, open));
  const all = (how) => (options) => {
    open.clear();
    return batch[how](options);
  };
  const event = { queue: batch.queue, messages, ackAll: all("ackAll"), retryAll: all("retryAll") };
  return [event, () => open.forEach((m) => m.retry())];
}

/**
 * A streamed answer's two ends for one request: `event.stream(init)`, which the handler calls
 * through the bridge, makes a pipe (when `admit()` says the pool has room for one more streamed
 * call: else it throws, an error for the handler), resolves `started` with a Response of its
 * readable end and answers its writer; `end(call)` closes the writer when the call ends, or,
 * after a fault (logged), aborts it, so the client sees the body end uncleanly.
 */
function streamedAnswer(event, admit) {
  let start, writer;
  const started = new Promise((resolve) => (start = resolve));
  event.stream = (init) => {
    if (!admit()) throw Error("tinyworker: busy: the pool's share for streamed calls is full");
    // (workerd's IdentityTransformStream passes each chunk on as written; elsewhere a
    // TransformStream.)
    const pipe = new (globalThis.IdentityTransformStream ?? TransformStream)();
    writer = pipe.writable.getWriter();
    start(new Response(pipe.readable, init));
    return writer;
  };
  const end = (call) =>
    call.then(
      () => writer.close().catch(() => {}), // (already closed by the handler, or the client left)
      (e) => {
        const id = e.kind ? logFault(e) : "-";
        return writer.abort(new Error(`tinyworker: the handler faulted mid-stream (fault ${id})`)).catch(() => {});
      },
    );
  return { started, end };
}
