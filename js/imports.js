// The host imports a module may ask of `env` (docs/ABI.md, "Imports" and "Bindings and I/O"):
// `hostImports` makes them for one instance, each by a function of its own, behind its feature
// flag once, so what a module cannot import does not ship (features.js).
import {
  ABSENT, PART_METHOD, PART_URL, PART_HEADERS, RESULT_STATUS, RESULT_HEADERS,
  IO_FAILED, IO_NO_BINDING, IO_INVALID_ARGUMENT, STORAGE_GET,
  STORAGE_PUT, STORAGE_DELETE, STORAGE_LIST, VALUE_BYTES, VALUE_TEXT, VALUE_NUMBER, VALUE_BIGINT, VALUE_BOOLEAN,
  VALUE_NULL, VALUE_JSON, VALUE_OTHER, IMPORT_TAG, IMPORT_REQUEST, IMPORT_ENV, IMPORT_RESULT, IMPORT_STORAGE,
  IMPORT_CALL, IMPORT_WAIT, IMPORT_VALUE, IMPORT_LOG, LOG_NEEDED, LOG_CAUSE, CALL_ENV, CALL_GLOBAL, CALL_VALUE, CALL_HOST, CALL_REQUEST, CALL_EVENT,
  CALL_CONTEXT, CALL_GET, CALL_NEW, CALL_DETACHED, CALL_SET, CALL_PROMISE, CALL_READ, CALL_DST, CALL_ROOM, CALL_KIND, CALL_LEN, ARG_BYTES_SIZE, ARG_UNDEFINED, ARG_NULL, ARG_FALSE, ARG_TRUE, ARG_NUMBER, ARG_STRING,
  ARG_BYTES, ARG_VALUE, ARG_JSON, ARG_ARRAY, ARG_OBJECT, ARG_BIGINT, READ_KIND, READ_BYTES, READ_NUMBER,
  READ_JSON, READ_LENGTH, READ_DROP, JS_UNDEFINED, JS_NULL, JS_BOOLEAN, JS_NUMBER, JS_BIGINT, JS_STRING, JS_BYTES,
  JS_ARRAY, JS_OBJECT, JS_FUNCTION, BRIDGE_NO_METHOD, BRIDGE_WOULD_SUSPEND, BRIDGE_WRONG_TYPE, BRIDGE_NO_VALUE,
  BRIDGE_PENDING, ERROR_HANDLE,
} from "./abi.js";
import { BRIDGE, ENV_VARS, FAULT_RECORDS, LOG, REQUEST_PARTS, STORAGE } from "tinyworker/features";

/**
 * The error code of an exception a host call threw: the platform refusing an argument (a
 * TypeError or RangeError: a KV key it does not allow, a value too large) is the caller's
 * mistake; anything else is a failure of the host.
 */
const hostError = (e) => (e instanceof TypeError || e instanceof RangeError ? IO_INVALID_ARGUMENT : IO_FAILED);

/**
 * Whether JSON represents `v` exactly: plain objects and arrays (no holes) of strings, finite
 * numbers, booleans and null, not too deep.
 */
const jsonExact = (v, depth = 0) => {
  if (v === null || typeof v == "string" || typeof v == "boolean") return true;
  if (typeof v == "number") return Number.isFinite(v) && !Object.is(v, -0);
  if (typeof v != "object" || depth > 64) return false;
  const proto = Object.getPrototypeOf(v);
  if (Array.isArray(v)) {
    if (proto !== Array.prototype || Object.keys(v).length != v.length) return false;
  } else if (proto !== Object.prototype && proto !== null) {
    return false;
  }
  return Object.values(v).every((item) => jsonExact(item, depth + 1));
};

/**
 * A stored value as [kind, bytes] (docs/ABI.md, "Stored values"): nothing is misread; a value
 * of another kind than bytes reaches the module as that kind.
 */
const stored = (v, encoder) => {
  if (v instanceof Uint8Array) return [VALUE_BYTES, v];
  if (ArrayBuffer.isView(v)) return [VALUE_BYTES, new Uint8Array(v.buffer, v.byteOffset, v.byteLength)];
  if (v instanceof ArrayBuffer) return [VALUE_BYTES, new Uint8Array(v)];
  switch (typeof v) {
    case "string":
      return [VALUE_TEXT, encoder.encode(v)];
    case "number": {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v, true);
      return [VALUE_NUMBER, b];
    }
    case "bigint":
      return [VALUE_BIGINT, encoder.encode(String(v))];
    case "boolean":
      return [VALUE_BOOLEAN, new Uint8Array([v ? 1 : 0])];
  }
  if (v === null) return [VALUE_NULL, new Uint8Array()];
  if (jsonExact(v)) return [VALUE_JSON, encoder.encode(JSON.stringify(v))];
  return [VALUE_OTHER, encoder.encode(Object.prototype.toString.call(v).slice(8, -1))];
};

/** The kind of a value the bridge holds (READ_KIND). */
const kindOf = (v) => {
  if (v === undefined) return JS_UNDEFINED;
  if (v === null) return JS_NULL;
  switch (typeof v) {
    case "boolean":
      return JS_BOOLEAN;
    case "number":
      return JS_NUMBER;
    case "bigint":
      return JS_BIGINT;
    case "string":
      return JS_STRING;
    case "function":
      return JS_FUNCTION;
  }
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return JS_BYTES;
  return Array.isArray(v) ? JS_ARRAY : JS_OBJECT;
};

/**
 * `name(at, len)`: a binding's, a global's or a member's name, decoded (`text`). The name last
 * read at an address is answered again while the bytes there still spell it (compared a byte
 * at a time through the words: no view made per call), so a call by a name the module keeps
 * (a `&'static str`) decodes nothing and makes no new string, and V8 looks the property up by
 * a string it has already internalised (docs/guide/speed.md has the measured cost of a bridge
 * call before and after). (Only an ASCII name
 * can match: a longer character takes more bytes than UTF-16 units.) At most 256 are kept: a
 * module that writes names at ever other addresses starts the cache over.
 */
const nameReader = (words, text) => {
  const names = new Map();
  return (at, len) => {
    const u32 = words();
    let s = names.get(at), i = 0;
    if (s?.length == len) while (i < len && ((u32[(at + i) >> 2] >> (((at + i) & 3) * 8)) & 255) == s.charCodeAt(i)) i++;
    if (s?.length != len || i < len) {
      if (names.size > 255) names.clear();
      names.set(at, (s = text(at, len)));
    }
    return s;
  };
};

/** A u32 as 4 little-endian bytes. */
const word = (n) => new Uint8Array(new Uint32Array([n]).buffer);

/**
 * The `env` imports of one instance: the fault tag, and the functions the module may call.
 * What they read: the instance's memory (`words()`: its u32 view, made anew after growth;
 * `bytes(at, len)`, `text(at, len)`, `put(string, dst, room)`), `answer(status, headers, body)`
 * to keep an operation's result for `__tw_result`, the request being served, its env and its
 * results (`currentRequest()`, `currentEnv()`, `currentResults()`), a Durable Object's
 * `storage` (its ctx.storage), whether the module `suspends` (is served through JSPI), the
 * bridge's state of the request (`bridge`, below), and `waitFor(promise, fail)`: the promise a
 * suspended host call waits for, settled by `fail(reason)` instead once the call is cancelled
 * (its client went away).
 */
export function hostImports(tag, words, bytes, text, put, encoder, answer, currentRequest, currentEnv, currentResults, storage, suspends, bridge, waitFor) {
  if (BRIDGE && suspends && !WebAssembly.Suspending) throw Error("tinyworker: the module does I/O through JSPI, which this engine lacks (workerd has it; Node from 24)");
  const imports = {};

  /**
   * `__tw_request(part, dst, room)`: part `part` of the request being served, as UTF-8 at `dst`
   * if it fits in `room` bytes; its length either way.
   */
  const requestPart = (part, dst, room) => {
    const request = currentRequest();
    let value = "";
    if (part == PART_METHOD) value = request.method;
    else if (part == PART_URL) value = request.url;
    else if (part == PART_HEADERS) for (const [name, header] of request.headers) value += `${name}:${header}\n`;
    return put(value, dst, room);
  };

  /** `__tw_env(name, len, dst, room)`: a text variable or secret of the request's `env`, or ABSENT. */
  const envVariable = (name, len, dst, room) => {
    const value = currentEnv()?.[text(name, len)];
    return typeof value == "string" ? put(value, dst, room) : ABSENT;
  };

  /**
   * `__tw_result(handle, part, dst, room)`: part `part` of what operation `handle` of this
   * request answered: the status, or the headers or body written at `dst` if they
   * fit in `room` (their length either way).
   */
  const resultPart = (handle, part, dst, room) => {
    const result = currentResults()[handle];
    if (part == RESULT_STATUS) return result.status;
    const b = part == RESULT_HEADERS ? result.headers : result.body;
    if (b.length <= room) bytes(dst, b.length).set(b);
    return b.length;
  };

  /**
   * `__tw_storage(op, record)`: a Durable Object's synchronous storage (ctx.storage.kv). Answers a result handle (`answer`), ABSENT, a count, or an error code
   * (BRIDGE_WOULD_SUSPEND in an object without SQLite);
   * an operation this glue does not know is refused (IO_FAILED), never guessed.
   */
  const kv = STORAGE && storage?.kv; // (read once: each read is a call into the runtime)
  const storageOperation = (op, at) => {
    const w = words(), i = at >> 2; // (the record read in place: no view made, no iterator run)
    const name = text(w[i], w[i + 1]);
    if (!kv) return BRIDGE_WOULD_SUSPEND; // (an object without SQLite: no synchronous storage)
    try {
      switch (op) {
        case STORAGE_GET: {
          const v = kv.get(name);
          if (v === undefined) return ABSENT;
          const [kind, body] = stored(v, encoder);
          return answer(kind, [], body);
        }
        case STORAGE_PUT:
          kv.put(name, bytes(w[i + 2], w[i + 3]).slice());
          return 0;
        case STORAGE_DELETE:
          return kv.delete(name) ? 1 : 0;
        case STORAGE_LIST: {
          // Each entry as key length (u32 LE), key, kind, value length, value.
          const chunks = [];
          let length = 0;
          for (const [k, v] of kv.list({ prefix: name })) {
            const [kind, body] = stored(v, encoder);
            const keyBytes = encoder.encode(k);
            chunks.push(word(keyBytes.length), keyBytes, word(kind), word(body.length), body);
            length += 12 + keyBytes.length + body.length;
          }
          const list = new Uint8Array(length);
          let offset = 0;
          for (const chunk of chunks) {
            list.set(chunk, offset);
            offset += chunk.length;
          }
          return answer(0, [], list);
        }
        default:
          return IO_FAILED;
      }
    } catch (e) {
      return hostError(e);
    }
  };

  /**
   * The host bridge (docs/ABI.md, "The host bridge"). `bridge` holds the call's values
   * (`bridge.values`: handles are their indexes, all released when the call ends), its last
   * error (`bridge.error`), its `ctx` (`waitUntil`; a Durable Object's state), its `event`
   * (docs/ABI.md, "Events"), the request as the bridge hands it on (`bridge.request()`), and the
   * Worker's own host functions (`bridge.host`).
   */
  // Memory as a DataView (f64s and i64s at any alignment), made anew only when the memory grew.
  let view;
  const data64 = () => (view?.buffer == words().buffer ? view : (view = new DataView(words().buffer)));
  const name = BRIDGE && nameReader(words, text);
  // The argument at `at` (a RawArg), as a JavaScript value.
  const argument = (at) => {
    const u32 = words();
    const tag = u32[at >> 2];
    const len = u32[(at >> 2) + 1];
    const data = u32[(at >> 2) + 2];
    switch (tag) {
      case ARG_UNDEFINED:
        return undefined;
      case ARG_NULL:
        return null;
      case ARG_FALSE:
        return false;
      case ARG_TRUE:
        return true;
      case ARG_NUMBER:
        return data64().getFloat64(at + 8, true);
      case ARG_BIGINT:
        return data64().getBigInt64(at + 8, true);
      case ARG_STRING:
        return text(data, len);
      case ARG_BYTES:
        return bytes(data, len).slice();
      case ARG_VALUE:
        if (!(data in bridge.values)) throw new RangeError(`no value under handle ${data}`);
        return bridge.values[data];
      case ARG_JSON:
        try {
          return JSON.parse(text(data, len));
        } catch (e) {
          // (The module's argument, not the binding, is wrong: IO_INVALID_ARGUMENT.)
          throw new RangeError("an ARG_JSON argument that is not JSON", { cause: e });
        }
      case ARG_ARRAY:
        return Array.from({ length: len }, (_, i) => argument(data + i * ARG_BYTES_SIZE));
      case ARG_OBJECT: {
        const object = {};
        for (let i = 0, field = data; i < len; i++, field += 8 + ARG_BYTES_SIZE) {
          const w = words();
          object[text(w[field >> 2], w[(field >> 2) + 1])] = argument(field + 8);
        }
        return object;
      }
      default:
        throw new TypeError(`an argument of unknown tag ${tag}`); // refused, never guessed
    }
  };
  // Keeps `value` for the rest of the request; its handle.
  const hold = (value) => bridge.values.push(value) - 1;
  const failed = (e) => {
    bridge.error = e;
    return hostError(e);
  };
  /** `__tw_call(record)`: a call through the bridge (a CallRecord at `at`); a handle or an error. */
  const bridgeCall = (at) => {
    // (The record's 9 words read where they lie: no copy per call.)
    const u32 = words();
    const w = at >> 2;
    const kind = u32[w], handle = u32[w + 1], args = u32[w + 6], argc = u32[w + 7], flags = u32[w + 8];
    const key = name(u32[w + 2], u32[w + 3]);
    let target;
    if (kind == CALL_ENV) target = currentEnv()?.[key];
    else if (kind == CALL_GLOBAL) target = globalThis[key];
    else if (kind == CALL_HOST) target = bridge.host?.[key];
    else if (kind == CALL_REQUEST) target = bridge.request();
    else if (kind == CALL_EVENT) target = bridge.event;
    else if (kind == CALL_CONTEXT) target = bridge.ctx;
    else if (kind == CALL_VALUE) {
      // (ERROR_HANDLE, as the record's unsigned word: the last error itself, its name, cause.)
      if (handle == ERROR_HANDLE >>> 0) target = bridge.error;
      else if (!(handle in bridge.values)) return BRIDGE_NO_VALUE;
      else target = bridge.values[handle];
    } else return IO_FAILED; // a target this glue does not know: refused, never guessed
    if (kind != CALL_VALUE && target === undefined) return IO_NO_BINDING;
    const property = name(u32[w + 4], u32[w + 5]);
    let result;
    try {
      const list = argc ? Array.from({ length: argc }, (_, i) => argument(args + i * ARG_BYTES_SIZE)) : [];
      if (flags & CALL_GET) {
        result = property ? target?.[property] : target;
      } else if (flags & CALL_SET) {
        target[property] = list[0];
      } else {
        const fn = property ? target?.[property] : target;
        if (typeof fn != "function") return BRIDGE_NO_METHOD;
        // (Reflect.apply, not fn.apply: an RPC stub answers every property, `apply` too, remotely.)
        result = flags & CALL_NEW ? Reflect.construct(fn, list) : Reflect.apply(fn, property ? target : undefined, list);
      }
    } catch (e) {
      return failed(e);
    }
    // (CALL_PROMISE: the Promise itself, held; the module awaits it later.)
    if (typeof result?.then != "function" || flags & CALL_PROMISE) return answered(at, result, flags);
    if (flags & CALL_DETACHED) {
      // The response does not wait: the platform keeps the request alive until it settles.
      const settled = result.then(null, (e) => console.error("tinyworker: a detached bridge call failed:", e));
      bridge.ctx?.waitUntil?.(settled);
      return answered(at, undefined, flags);
    }
    if (!suspends) {
      result.then(null, () => {}); // dropped: this module cannot wait for it
      bridge.error = new Error("the call answered a Promise, and this module cannot suspend");
      return BRIDGE_WOULD_SUSPEND;
    }
    // The module waits for it through __tw_wait, next: only that import suspends (JSPI), so a
    // call that answers at once never pays for the suspending wrapper.
    bridge.pending = result;
    return BRIDGE_PENDING;
  };
  /** `__tw_wait(record)`: waits for the Promise the call of `record` answered; its answer. */
  const wait = (at) => {
    const pending = bridge.pending;
    bridge.pending = undefined;
    if (!pending) return IO_FAILED; // no call is waiting: refused
    const flags = words()[(at >> 2) + 8];
    return waitFor(pending.then((value) => answered(at, value, flags), failed), failed);
  };
  // `b` at `dst` if it fits in `room`; its length either way.
  const copy = (b, dst, room) => {
    if (b.length <= room) bytes(dst, b.length).set(b);
    return b.length;
  };
  // READ_BYTES of `value`: a string's UTF-8, bytes' bytes, an array of byte values (D1 gives a
  // blob column so) as bytes.
  const readBytes = (value, dst, room) => {
    if (typeof value == "string") return copy(encoder.encode(value), dst, room);
    if (value instanceof ArrayBuffer) return copy(new Uint8Array(value), dst, room);
    if (ArrayBuffer.isView(value)) return copy(new Uint8Array(value.buffer, value.byteOffset, value.byteLength), dst, room);
    if (Array.isArray(value) && value.every((n) => Number.isInteger(n) && n >= 0 && n < 256)) return copy(Uint8Array.from(value), dst, room);
    return BRIDGE_WRONG_TYPE;
  };
  // READ_NUMBER of `value`: a number (a boolean as 0 or 1) as an f64 at `dst`.
  const readNumber = (value, dst, room) => {
    if (typeof value != "number" && typeof value != "boolean") return BRIDGE_WRONG_TYPE;
    if (room >= 8) data64().setFloat64(dst, +value, true);
    return 8;
  };
  // A call's answer: its kind written into the call's record, then held (its handle) or, with
  // CALL_READ, read as READ_NUMBER (a number, a boolean) or READ_BYTES (any other kind) would
  // read it, that read's answer in the record, and not held (0): in the same crossing
  // (docs/ABI.md, "The host bridge").
  const answered = (at, value, flags) => {
    const kind = kindOf(value);
    const u32 = words();
    const w = at >> 2;
    u32[w + CALL_KIND] = kind;
    if (!(flags & CALL_READ)) return hold(value);
    u32[w + CALL_LEN] = (kind == JS_NUMBER || kind == JS_BOOLEAN ? readNumber : readBytes)(value, u32[w + CALL_DST], u32[w + CALL_ROOM]);
    return 0;
  };
  /** `__tw_value(handle, op, dst, room)`: reads a held value (ERROR_HANDLE: the last error). */
  const readValue = (handle, op, dst, room) => {
    if (handle != ERROR_HANDLE && !(handle in bridge.values)) return BRIDGE_NO_VALUE;
    const value = handle == ERROR_HANDLE ? bridge.error : bridge.values[handle];
    switch (op) {
      case READ_KIND:
        return kindOf(value);
      case READ_BYTES: {
        const n = readBytes(value, dst, room);
        // (The last error that is no text or bytes: its message.)
        return n < 0 && handle == ERROR_HANDLE ? copy(encoder.encode(String(value?.message ?? value ?? "")), dst, room) : n;
      }
      case READ_NUMBER:
        return readNumber(value, dst, room);
      case READ_JSON: {
        let json;
        try {
          json = JSON.stringify(value);
        } catch (e) {
          return failed(e);
        }
        return json === undefined ? BRIDGE_WRONG_TYPE : put(json, dst, room);
      }
      case READ_LENGTH:
        return Array.isArray(value) ? value.length : BRIDGE_WRONG_TYPE;
      case READ_DROP:
        // (The newest value is popped: a call that releases its values as it goes keeps the
        // list short and packed. Any other is deleted, a hole its handle never names again.)
        if (handle == bridge.values.length - 1) bridge.values.pop();
        else delete bridge.values[handle];
        return 0;
      default:
        return IO_FAILED; // an op this glue does not know: refused, never guessed
    }
  };

  if (FAULT_RECORDS) imports[IMPORT_TAG] = tag;
  if (REQUEST_PARTS) imports[IMPORT_REQUEST] = requestPart;
  if (ENV_VARS) imports[IMPORT_ENV] = envVariable;
  // `__tw_log(level, status, needed, flags, text, len, context, context_len)`: one line at
  // LOG_DEBUG..LOG_ERROR; with a status, an error's: `<context, or the request's method and
  // path>: <status> <text>[ (<needed> bytes needed)][: <the bridge's last error>]`.
  if (LOG) {
    imports[IMPORT_LOG] = (level, status, needed, flags, at, len, contextAt, contextLen) => {
      const request = currentRequest();
      const where = contextLen ? text(contextAt, contextLen) : request ? `${request.method} ${new URL(request.url).pathname}` : "";
      const cause = BRIDGE && flags & LOG_CAUSE && bridge?.error;
      console[["debug", "info", "warn"][level] ?? "error"](
        (status ? `${where}: ${status} ` : "") + text(at, len) + (flags & LOG_NEEDED ? ` (${needed} bytes needed)` : "") + (cause ? `: ${cause.message ?? cause}` : ""),
      );
    };
  }
  if (STORAGE) imports[IMPORT_RESULT] = resultPart;
  // (A module that serves a Worker and a Durable Object class: its Worker has no storage.)
  if (STORAGE) imports[IMPORT_STORAGE] = storage ? storageOperation : () => IO_FAILED;
  // Suspending: the module waits for the Promise while the isolate serves other requests. A
  // Durable Object served without `io: true` cannot wait: its subrequests and KV calls answer
  // BRIDGE_WOULD_SUSPEND (the Worker of its module may still make them; the class keeps SQL).
  if (BRIDGE) {
    // In a Worker a call that answers a Promise suspends the module (JSPI) in __tw_wait; a
    // Durable Object's module, which cannot suspend, gets BRIDGE_WOULD_SUSPEND for one (and a
    // __tw_wait it never calls).
    imports[IMPORT_CALL] = bridgeCall;
    imports[IMPORT_WAIT] = suspends ? new WebAssembly.Suspending(wait) : () => IO_FAILED;
    imports[IMPORT_VALUE] = readValue;
  }
  return imports;
}
