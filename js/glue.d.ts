// Types of glue.js, tinyworker's JavaScript side (the host ABI: docs/ABI.md).

/**
 * How a call into the module ended when it did not return: a Rust panic or abort, an engine
 * trap, a JS exception from an import, or a "limit" (a request part did not fit the module's
 * I/O buffer; `serve` and `createWorker` answer it with 413, on the same instance: it is not a
 * fault). "aborted": the client went away before the request could run (a Worker logs it as an
 * aborted request, no fault id).
 */
export type FaultKind = "panic" | "abort" | "trap" | "error" | "limit" | "aborted";

/** A fault that ended a call. */
export class Fault extends Error {
  readonly kind: FaultKind;
  /** Where a Rust fault was raised (`file:line:column`), when the record carries a location. */
  readonly where?: string;
  /** The original exception (a WebAssembly.Exception, RuntimeError, RangeError or the import's error). */
  readonly cause: unknown;
}

/** The exports of a tinyworker module (docs/ABI.md). */
export interface TinyworkerExports {
  memory: WebAssembly.Memory;
  /** The module header's address. */
  __tw_abi: WebAssembly.Global;
  __stack_pointer: WebAssembly.Global;
  /** Serves the request whose body the glue wrote into the I/O buffer; an outcome code. */
  __tw_fetch(bodyLength: number): number;
  /** With an allocator: the address of its statistics. */
  __tw_alloc_stats?(): number;
  [name: string]: unknown;
}

/** The request parts a module may pull: a workerd `Request` has them, and so does a plain object. */
export interface RequestParts {
  method: string;
  url: string;
  /** A `Headers` object or `[name, value]` pairs; values are ByteStrings (one byte per character). */
  headers: Iterable<[string, string]>;
}

export interface RuntimeOptions {
  /** Extra `env` imports the module needs; receives the runtime so an import may call back (refused while busy). */
  imports?: (runtime: Runtime) => Record<string, WebAssembly.ImportValue>;
  /** Keep the instance after a panic instead of re-instantiating (only for handlers whose state a skipped destructor cannot break). */
  keepAfterPanic?: boolean;
  /**
   * Keep a spare instance, made after a request was answered, so that the request after a
   * fault (or after the platform cut a call off) runs at once instead of instantiating on its
   * own time. Costs the module's initial memory once (192 KiB for examples/hello). Default: on
   * for a Worker; off for a pooled runtime (the pool's other instances stand in) and a Durable
   * Object (its restore hook rebuilds the instance after the answer instead).
   */
  spare?: boolean;
  /** A Durable Object's `ctx.storage` (createDurableObject sets it): the module's storage imports use its `kv`. */
  storage?: unknown;
  /** With `storage`: make the first instance when the first request needs it, not now (createDurableObject sets it). */
  lazy?: boolean;
  /**
   * A class named in `durable_object!(class <Name> { ... })` or `rpc!(class <Name> { ... })`: its
   * exports are `<export>_<Name>`.
   */
  className?: string;
  /**
   * The platform's class an RPC class extends (`cloudflare:workers`): `WorkerEntrypoint` for
   * createEntrypoint, `DurableObject` for createDurableObject with RPC methods (`rpc!(object
   * <Name> { ... })`), which the platform calls over RPC only on such a class.
   */
  base?: new (ctx: any, env: any) => object;
  /**
   * A Durable Object whose calls wait for I/O (a subrequest, another object, a digest) through
   * JSPI: calls run one at a time; a call's key-value writes are kept in an overlay its reads
   * see and committed in one `transactionSync` when it answers, or dropped when it faults; SQL
   * is refused (a statement commits as it runs). Its restore hook cannot wait.
   */
  io?: boolean;
  /**
   * Functions of the Worker's own, called from Rust through the bridge (`Target::Host(name)`),
   * sync or async; and classes it constructs (`bridge::construct`), such as the platform's
   * `EmailMessage` (`cloudflare:email`), which only the entry can import.
   */
  host?: Record<string, ((...args: any[]) => unknown) | (new (...args: any[]) => unknown)>;
}

export interface PoolOptions {
  /**
   * The linear memory the pool's instances may hold in all, in bytes (default 256 MiB): a new
   * instance is made, one per request in flight, while the pages of all of them (grown ones
   * included) stay within it. What an instance makes resident is a fraction of its pages: a
   * suspended examples/proxy request costs 19 KiB of RSS more than a plain JavaScript Worker's
   * (`make bench-trust`).
   */
  memory?: number;
  /** Instances at most, whatever their memory (default: no count, only `memory`). */
  instances?: number;
  /**
   * The share of the pool streamed calls may hold (default 0.5): requests whose body the handler
   * reads in chunks (`streamBodies`) and calls that began a streamed answer. A streamed request
   * beyond it waits; a streamed answer beyond it is refused (an error for the handler). Slow
   * or absent streaming clients never take what other requests need.
   */
  streamed?: number;
  /**
   * Requests that may wait for an instance when none fits (default 1,024); one more gets 503.
   * A waiting request sleeps until an instance is released (no polling); one whose client went
   * away (request.signal, with the `enable_request_signal` compatibility flag) leaves at once.
   */
  queue?: number;
  /** Idle instances kept however long they idle (default 4). */
  warm?: number;
  /** Idle instances beyond `warm` are released after this many ms without work (default 30,000). */
  idleMs?: number;
  /**
   * An instance whose memory grew more than this many bytes past the module's own (for one
   * large request) is released when that request ends, so its memory goes back (default 1 MiB).
   */
  grown?: number;
}

export interface WorkerOptions extends RuntimeOptions {
  /**
   * For a module that does I/O (imports the bridge, `__tw_call`, whose `__tw_wait` suspends): the pool of instances that
   * serves it, one per request in flight, because JSPI suspends the wasm stack but not the
   * module's shadow stack, I/O buffer or statics. Ignored for a synchronous module.
   */
  pool?: PoolOptions;
  /**
   * Builds the response to a request that ended in a fault. The default answers
   * `500 internal error (fault <id>)` and nothing else, so no panic text, import message or
   * token reaches the client; `id` also appears in the `console.error` line that logs the
   * fault. To expose details (tests, development):
   * `faultResponse: (fault) => new Response(fault.message + "\n", { status: 500 })`.
   * If it throws, the default answers.
   */
  faultResponse?: (fault: Fault | Error, id: string) => Response;
  /**
   * For a module with the bridge: which requests keep their body unread for the handler to
   * stream (`tinyworker::stream::body_reader`, or passed on with `stream::request_body`), with
   * no size limit but the platform's. Every other body is read whole before an instance is taken,
   * bounded by the module's I/O buffer (413 beyond it). A streamed request holds its instance
   * while its body arrives.
   */
  streamBodies?: (request: Request) => boolean;
}

/** A response as the module wrote it. */
export interface ServedResponse {
  status: number;
  /** An object, or `[name, value]` pairs when a name repeats (e.g. `set-cookie`). Read-only: a static set is shared between responses. */
  headers: Readonly<Record<string, string>> | readonly (readonly [string, string])[];
  /** A view of the module's memory: valid until the next call into the module. */
  body: Uint8Array;
}

export interface HandledResponse {
  status: number;
  headers: [string, string][];
  /** A copy of the body. */
  body: Uint8Array;
}

export interface Runtime {
  /** Instances created so far (1 + re-instantiations). */
  readonly instances: number;
  /** The module's I/O buffer in bytes: the largest body (plus the parts a handler reads) it accepts. */
  readonly capacity: number;
  /**
   * Runs `fn` on a healthy instance (instantiating one if a fault dropped the last). A fault
   * that escapes wasm is classified and thrown as `Fault`; the shadow-stack pointer is
   * restored when the instance is kept; the instance is dropped unless no destructor was
   * skipped (a panic with keepAfterPanic, or a JS exception in the unwind build, which
   * unwound every Rust frame). A call made while another is running (an import calling back
   * in) throws `Error("tinyworker: reentrant call refused")`.
   */
  call<T>(fn: (exports: TinyworkerExports) => T): T;
  /**
   * After a request or event was answered: schedules what a fault used up (the instance, the
   * spare) to be made after this turn, inside `ctx.waitUntil` when given. createWorker calls it.
   */
  after(ctx?: { waitUntil?(promise: Promise<unknown>): void }): void;
  /**
   * Serves one request with one call into the module: the body (if any) is written into the
   * I/O buffer, the method, URL and headers are read from `request` only if the handler asks
   * for them; `env` gives its variables and bindings. A request that does not fit throws a
   * `Fault` of kind "limit". For a module that does I/O the answer is a Promise (the module
   * suspends in its I/O; this instance stays busy meanwhile).
   */
  serve(request: RequestParts, body?: ArrayBuffer | Uint8Array, env?: Record<string, unknown>): ServedResponse | Promise<ServedResponse>;
}

/** `runtime.serve` with explicit parts, returning header pairs and a copy of the body (tests, Node). */
export function handle(
  runtime: Runtime,
  method: string,
  url: string,
  headers?: Iterable<[string, string]>,
  body?: ArrayBuffer | Uint8Array,
): HandledResponse;

/** Instantiates the module once (refusing one of another ABI version) and returns its runtime. */
export function createRuntime(wasm: WebAssembly.Module | BufferSource, options?: RuntimeOptions): Runtime;

/**
 * A Worker object: `export default createWorker(wasm)`. A fault becomes a 500 (see
 * `faultResponse`) and is logged with `console.error`; the next request runs on a healthy
 * instance. Throws at startup if the module speaks another ABI version.
 */
export function createWorker(
  wasm: WebAssembly.Module | BufferSource,
  options?: WorkerOptions,
): {
  /** The first runtime. */
  runtime: Runtime;
  /** For a module that does I/O: every runtime of its pool (one instance each). */
  pool?: Runtime[];
  fetch(request: Request, env?: Record<string, unknown>, ctx?: unknown): Promise<Response>;
  /** For a module with a cron handler (`scheduled!`): a fault or an error is a failed invocation. */
  scheduled?(controller: unknown, env?: Record<string, unknown>, ctx?: unknown): Promise<void>;
  /**
   * For a module with a queue consumer (`queue_consumer!`): a fault or an error retries every
   * message the consumer had neither acknowledged nor retried.
   */
  queue?(batch: unknown, env?: Record<string, unknown>, ctx?: unknown): Promise<void>;
  /** For a module with an email handler (`email!`): a fault or an error fails the delivery. */
  email?(message: unknown, env?: Record<string, unknown>, ctx?: unknown): Promise<void>;
  /** For a module with a tail handler (`tail!`): a fault or an error drops those traces. */
  tail?(traces: unknown[], env?: Record<string, unknown>, ctx?: unknown): Promise<void>;
};

/**
 * A Durable Object class for a module built with `durable_object!`: `export const Room =
 * createDurableObject(wasm)`. Each object gets its own instance of the module and reaches its
 * storage (`ctx.storage.kv`, SQLite-backed) synchronously; each request runs inside
 * `ctx.storage.transactionSync`, so a request that ends in a fault leaves storage as it was.
 * The module's restore hook runs once on every new instance (made by the request that needs it,
 * in a storage transaction of its own; a hook that faults is that request's fault). A class
 * whose calls wait for I/O needs `io: true` (without it, such a call answers an error: the
 * class keeps SQL even when its module's Worker fetches). A class without SQLite (`new_classes`)
 * runs its calls without a transaction, and its storage calls answer `WouldSuspend`. Its alarm and hibernating WebSocket handlers run the
 * same way (`durable_object!(class ...)`).
 */
export function createDurableObject(
  wasm: WebAssembly.Module | BufferSource,
  options?: WorkerOptions,
): new (ctx: { storage: unknown }, env: Record<string, unknown>) => {
  runtime: Runtime;
  fetch(request: Request): Promise<Response>;
  /** With an alarm handler: a fault or an error rolls its writes back and is thrown, so the platform runs it again. */
  alarm?(alarmInfo?: unknown): Promise<void>;
  /** With a message handler (hibernating WebSockets): a fault closes that socket with 1011. */
  webSocketMessage?(ws: unknown, message: string | ArrayBuffer): Promise<void>;
  webSocketClose?(ws: unknown, code: number, reason: string, wasClean: boolean): Promise<void>;
  webSocketError?(ws: unknown, error: unknown): Promise<void>;
};

/**
 * A Workers RPC entrypoint whose methods the module serves (`rpc!(class Calc { ... })`):
 * `export const Calc = createEntrypoint(wasm, { className: "Calc", base: WorkerEntrypoint })`,
 * bound by another Worker with `[[services]] entrypoint = "Calc"`. Arguments and results are
 * the bridge's values; a method's fault or error rejects that call only, with an Error naming a
 * fault id and nothing of the module.
 */
export function createEntrypoint(
  wasm: WebAssembly.Module | BufferSource,
  options: WorkerOptions & { className: string },
): new (ctx: unknown, env: Record<string, unknown>) => Record<string, (...args: unknown[]) => Promise<unknown>>;

/**
 * A Workflow class whose run and steps the module serves (`workflow!(class Order { ... })`):
 * `export const Order = createWorkflow(wasm, { className: "Order", base: WorkflowEntrypoint })`,
 * bound with `[[workflows]] class_name = "Order"`. Each step runs inside the platform's
 * `step.do` on another instance of the module's pool; its result is persisted.
 */
export function createWorkflow(
  wasm: WebAssembly.Module | BufferSource,
  options: WorkerOptions & { className: string },
): new (ctx: unknown, env: Record<string, unknown>) => { run(event: unknown, step: unknown): Promise<unknown> };

/** stats.js: allocator statistics of a module that links tinyworker-alloc, or null. */
export interface AllocStats {
  inUse: number;
  peak: number;
  allocations: number;
  failures: number;
  limit: number;
}

/**
 * The generated module of a wasm-bindgen library (`--target web`), not yet initialised:
 * `initSync({ module })` from wasm-bindgen 0.2.93, `initSync(module)` before.
 */
export interface Bindings {
  initSync(options: { module: WebAssembly.Module } | WebAssembly.Module): unknown;
  [name: string]: unknown;
}

/**
 * resilient(bindings, { module, onReset }): the library's exports, wrapped so that a trap or
 * abort (out of memory, a panic with panic=abort, stack overflow) in any function, class
 * method, callback or async task throws a `Fault` (kind "trap", the RuntimeError as `cause`)
 * or rejects that call's Promise with it, and the next call runs on a fresh instance of
 * `module`. Objects of the replaced instance throw "stale instance", also as arguments, before
 * the library sees them (their `free()` is a no-op); async calls in flight on it reject with
 * the Fault, and its callbacks never run on the new one; errors the library throws on purpose
 * pass through unchanged and reset nothing; enums and other values pass through. `resets`
 * counts the replacements. Bookkeeping is bounded by the objects alive; a dead instance's
 * memory is released even while its Fault is kept. wasm-bindgen 0.2.84 to 0.2.130 tested.
 * Call it once per bindings module, before any init.
 */
export function resilient<T extends Bindings>(
  bindings: T,
  options: { module: WebAssembly.Module | BufferSource; onReset?: (fault: Fault) => void },
): Omit<T, "default" | "initSync"> & { resets: number };
