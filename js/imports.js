// The host imports a module may ask of `env` (docs/ABI.md, "Imports" and "Bindings and I/O"):
// `hostImports` makes them for one instance, each by a function of its own, behind its feature
// flag once, so what a module cannot import does not ship (features.js).
import {
  ABSENT, PART_METHOD, PART_URL, PART_HEADERS, RESULT_STATUS, RESULT_HEADERS, IO_FETCH, IO_KV_GET, IO_KV_PUT,
  IO_KV_DELETE, IO_FAILED, IO_INVALID_URL, IO_NO_BINDING, IO_INVALID_ARGUMENT, IO_RECORD_WORDS, STORAGE_GET,
  STORAGE_PUT, STORAGE_DELETE, STORAGE_LIST, VALUE_BYTES, VALUE_TEXT, VALUE_NUMBER, VALUE_BIGINT, VALUE_BOOLEAN,
  VALUE_NULL, VALUE_JSON, VALUE_OTHER, IMPORT_TAG, IMPORT_REQUEST, IMPORT_ENV, IMPORT_RESULT, IMPORT_STORAGE,
  IMPORT_IO,
} from "./abi.js";
import { ENV_VARS, FAULT_RECORDS, IO, REQUEST_PARTS, STORAGE } from "tinyworker/features";

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

/** A u32 as 4 little-endian bytes. */
const word = (n) => new Uint8Array(new Uint32Array([n]).buffer);

/**
 * The `env` imports of one instance: the fault tag, and the functions the module may call.
 * What they read: the instance's memory (`words()`: its u32 view, made anew after growth;
 * `bytes(at, len)`, `text(at, len)`, `put(string, dst, room)`), `answer(status, headers, body)`
 * to keep an operation's result for `__tw_result`, the request being served, its env and its
 * results (`currentRequest()`, `currentEnv()`, `currentResults()`), a Durable Object's
 * `storage` (its ctx.storage), and whether the module `suspends` (imports `__tw_io`).
 */
export function hostImports(tag, words, bytes, text, put, encoder, answer, currentRequest, currentEnv, currentResults, storage, suspends) {
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
   * `__tw_storage(op, record)`: a Durable Object's synchronous storage (ctx.storage.kv). Answers a result handle (`answer`), ABSENT, a count, or an error code;
   * an operation this glue does not know is refused (IO_FAILED), never guessed.
   */
  const storageOperation = (op, at) => {
    const [key, keyLen, value, valueLen] = words().subarray(at >> 2, (at >> 2) + 4);
    const name = text(key, keyLen);
    try {
      switch (op) {
        case STORAGE_GET: {
          const v = storage.kv.get(name);
          if (v === undefined) return ABSENT;
          const [kind, body] = stored(v, encoder);
          return answer(kind, [], body);
        }
        case STORAGE_PUT:
          storage.kv.put(name, bytes(value, valueLen).slice());
          return 0;
        case STORAGE_DELETE:
          return storage.kv.delete(name) ? 1 : 0;
        case STORAGE_LIST: {
          // Each entry as key length (u32 LE), key, kind, value length, value.
          const chunks = [];
          let length = 0;
          for (const [k, v] of storage.kv.list({ prefix: name })) {
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
   * `__tw_io(op, record)`, suspending: a subrequest or a KV operation of the request's `env`. The
   * module waits for the Promise while the isolate serves other requests (on other instances).
   * Every failure is an error code for the module, never an exception; an operation this glue
   * does not know is refused (IO_FAILED), never guessed.
   */
  const ioOperation = async (op, at) => {
    const u32 = words();
    const w = u32.slice(at >> 2, (at >> 2) + IO_RECORD_WORDS); // five (address, length) pairs
    const str = (i) => text(w[2 * i], w[2 * i + 1]);
    const data = (i) => bytes(w[2 * i], w[2 * i + 1]).slice();
    if (op == IO_FETCH) {
      const name = str(4);
      const target = name ? currentEnv()?.[name] : globalThis;
      if (typeof target?.fetch != "function") return IO_NO_BINDING;
      const url = str(1);
      if (!URL.canParse(url)) return IO_INVALID_URL;
      const headers = [];
      for (let h = w[4] >> 2, end = h + 4 * w[5]; h < end; h += 4) headers.push([text(u32[h], u32[h + 1]), text(u32[h + 2], u32[h + 3])]);
      let subrequest;
      try {
        // What the platform refuses to build (a body on a GET, a header it does not allow) is
        // an invalid argument; what fails once sent is a failure.
        subrequest = new Request(url, { method: str(0), headers, body: w[7] ? data(3) : undefined });
      } catch (e) {
        return hostError(e);
      }
      try {
        const response = await target.fetch(subrequest);
        const body = new Uint8Array(await response.arrayBuffer());
        let head = "";
        for (const [n, v] of response.headers) head += `${n}:${v}\n`;
        return answer(response.status, encoder.encode(head), body);
      } catch {
        return IO_FAILED;
      }
    }
    if (op != IO_KV_GET && op != IO_KV_PUT && op != IO_KV_DELETE) return IO_FAILED;
    const kv = currentEnv()?.[str(0)];
    const key = str(1);
    if (typeof kv?.get != "function") return IO_NO_BINDING;
    try {
      if (op == IO_KV_GET) {
        const value = await kv.get(key, "arrayBuffer");
        return value == null ? ABSENT : answer(200, new Uint8Array(), new Uint8Array(value));
      }
      if (op == IO_KV_PUT) await kv.put(key, data(2));
      else await kv.delete(key);
      return 0;
    } catch (e) {
      return hostError(e);
    }
  };

  if (FAULT_RECORDS) imports[IMPORT_TAG] = tag;
  if (REQUEST_PARTS) imports[IMPORT_REQUEST] = requestPart;
  if (ENV_VARS) imports[IMPORT_ENV] = envVariable;
  if ((IO || STORAGE) && (suspends || storage)) imports[IMPORT_RESULT] = resultPart;
  if (STORAGE && storage) imports[IMPORT_STORAGE] = storageOperation;
  if (suspends) {
    if (!WebAssembly.Suspending) throw Error("tinyworker: the module does I/O through JSPI, which this engine lacks (workerd has it; Node from 24)");
    // Suspending: the module waits for the Promise while the isolate serves other requests.
    imports[IMPORT_IO] = new WebAssembly.Suspending(ioOperation);
  }
  return imports;
}
