// Types of glue.js, tinyworker's JavaScript side.

/** How a call into the module ended when it did not return. */
export type FaultKind = "panic" | "abort" | "trap" | "error";

/** A fault that ended a call: a Rust panic or abort, an engine trap, or a JS exception from an import. */
export class Fault extends Error {
  readonly kind: FaultKind;
  /** Where a Rust fault was raised (`file:line:column`), when the record carries a location. */
  readonly where?: string;
  /** The original exception (a WebAssembly.Exception, RuntimeError, RangeError or the import's error). */
  readonly cause: unknown;
}

/** The exports of a tinyworker module (what `entry!` and tinyworker-alloc define). */
export interface TinyworkerExports {
  memory: WebAssembly.Memory;
  __stack_pointer?: WebAssembly.Global;
  tw_buf(len: number): number;
  tw_fetch(method: number, url: number, headers: number, body: number): number;
  tw_alloc_stats?(): number;
  [name: string]: unknown;
}

export interface RuntimeOptions {
  /** Extra `env` imports the module needs; receives the runtime so an import may call back (refused while busy). */
  imports?: (runtime: Runtime) => Record<string, WebAssembly.ImportValue>;
  /** Keep the instance after a panic instead of re-instantiating (only for handlers whose state a skipped destructor cannot break). */
  keepAfterPanic?: boolean;
}

export interface HandledResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

export interface Runtime {
  /** Instances created so far (1 + re-instantiations). */
  readonly instances: number;
  /**
   * Runs `fn` on a healthy instance (instantiating one if there is none). A fault that
   * escapes wasm is classified and thrown as `Fault`; the shadow-stack pointer is restored
   * (an escaped exception skips the epilogues that would pop it: 32-48 B lost per fault);
   * the instance is dropped unless no destructor was skipped (a panic with keepAfterPanic,
   * or a JS exception in the unwind build, which unwound every Rust frame). A call made
   * while another is running (an import calling back in) throws `Error("reentrant ...")`.
   */
  call<T>(fn: (exports: TinyworkerExports) => T): T;
  /**
   * Serves one request; headers are [name, value] pairs. Memory views are made per read,
   * after the call, because the handler may have grown memory (which detaches buffers).
   * A request the module's I/O buffer cannot hold gets a 413 without reaching the handler.
   */
  handle(method: string, url: string, headers: [string, string][], body?: Uint8Array): HandledResponse;
}

export function createRuntime(wasm: WebAssembly.Module | BufferSource, options?: RuntimeOptions): Runtime;

/** A Worker object: `export default createWorker(wasm)`. Faults become 500 responses. */
export function createWorker(
  wasm: WebAssembly.Module | BufferSource,
  options?: RuntimeOptions,
): { runtime: Runtime; fetch(request: Request, env?: unknown, ctx?: unknown): Promise<Response> };

/** stats.js: allocator statistics of a module that links tinyworker-alloc, or null. */
export interface AllocStats {
  inUse: number;
  peak: number;
  allocations: number;
  failures: number;
  limit: number;
}

/** The generated module of a wasm-bindgen library (`--target web`), not yet initialised. */
export interface Bindings {
  initSync(options: { module: WebAssembly.Module }): unknown;
  [name: string]: unknown;
}

/**
 * resilient(bindings, { module, onReset }): the library's exports, wrapped so that a trap or
 * abort (out of memory, a panic with panic=abort) in any function or class method throws a
 * `Fault` (kind "trap", the RuntimeError as `cause`) and the next call runs on a fresh
 * instance of `module`; objects of the replaced instance throw "stale instance" (their
 * `free()` is a no-op); errors the library throws on purpose pass through unchanged and reset
 * nothing. `resets` counts the replacements. Works on wasm-bindgen's standard output (no
 * experimental flags): initSync is given a forwarding exports object, so the generated JS
 * always talks to the current instance. Call it once per bindings module, before any init.
 */
export function resilient<T extends Bindings>(
  bindings: T,
  options: { module: WebAssembly.Module | BufferSource; onReset?: (fault: Fault) => void },
): Omit<T, "default" | "initSync"> & { resets: number };
