// Faults: what ended a call into a module when it did not return, and which exceptions are
// traps. Shared by the runtime, the Worker serving and resilient().

/**
 * kind: panic | abort | trap | error (a JS exception from an import) | limit (the request does
 * not fit the module's I/O buffer: answered 413, not a fault of the module) | aborted (the
 * client went away before the request could run: not a fault either). `where`, when the
 * fault record says: `file:line:column`.
 */
export class Fault extends Error {
  constructor(kind, message, cause) {
    super(`${kind}: ${message}`, { cause });
    this.kind = kind;
  }
}

/** The request does not fit the module's I/O buffer (413). */
export const tooLarge = (cause) => new Fault("limit", "request too large", cause);

/**
 * Whether an exception that left wasm is a trap. A RangeError is V8's stack exhaustion when the
 * module raised it; one thrown by JavaScript code is counted as a trap too, the conservative
 * side: the instance is replaced.
 */
export const isTrap = (e) => e instanceof WebAssembly.RuntimeError || e instanceof RangeError;
