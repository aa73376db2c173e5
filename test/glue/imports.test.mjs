// The host imports (js/imports.js) on a plain memory, in Node: request parts, env variables,
// results, and a Durable Object's storage with every kind of stored value, unknown operations
// refused and the platform's refusals told apart from its failures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { hostImports } from "../../js/imports.js";
import * as abi from "tinyworker/abi";

/** The imports over a fresh 64 KiB memory, and helpers to write records and read results. */
function setup({ request, env, storage } = {}) {
  const u8 = new Uint8Array(65536), u32 = new Uint32Array(u8.buffer);
  const enc = new TextEncoder(), dec = new TextDecoder();
  const bytes = (at, len) => u8.subarray(at, at + len);
  const text = (at, len) => dec.decode(bytes(at, len));
  const put = (s, dst, room) => {
    const { read, written } = enc.encodeInto(s, bytes(dst, room));
    return read < s.length ? enc.encode(s).length : written;
  };
  const results = [];
  const answer = (status, headers, body) => results.push({ status, headers, body }) - 1;
  const imports = hostImports(null, () => u32, bytes, text, put, enc, answer, () => request, () => env, () => results, storage, false);
  let free = 8192;
  /** Writes `s` (string or bytes) into memory; [address, length]. */
  const write = (s) => {
    const b = typeof s == "string" ? enc.encode(s) : s;
    u8.set(b, free);
    const at = free;
    free += b.length + 8;
    return [at, b.length];
  };
  /** A storage record (key, value) at 4096. */
  const recordOf = (key, value = "") => {
    u32.set([...write(key), ...write(value), 0, 0, 0, 0, 0, 0], 4096 >> 2);
    return 4096;
  };
  const read = (handle) => results[handle];
  return { imports, u8, text, write, recordOf, read };
}

test("__tw_request: each part as UTF-8, its length whether or not it fits", () => {
  const request = { method: "POST", url: "https://é.test/a?b", headers: [["x-a", "1"], ["x-b", "ü"]] };
  const { imports, text } = setup({ request });
  const part = (which, room = 256) => {
    const len = imports.__tw_request(which, 100, room);
    return [len, text(100, len)];
  };
  assert.deepEqual(part(abi.PART_METHOD), [4, "POST"]);
  assert.deepEqual(part(abi.PART_URL), [new TextEncoder().encode(request.url).length, request.url]);
  assert.deepEqual(part(abi.PART_HEADERS), [13, "x-a:1\nx-b:ü\n"]);
  assert.equal(imports.__tw_request(abi.PART_URL, 2000, 3), 19, "too small: nothing written, the length answered");
});

test("__tw_env: text variables only; anything else is ABSENT", () => {
  const { imports, write } = setup({ env: { GREETING: "héllo", KV: { get() {} } } });
  assert.equal(imports.__tw_env(...write("GREETING"), 100, 64), 6);
  assert.equal(imports.__tw_env(...write("KV"), 100, 64), abi.ABSENT);
  assert.equal(imports.__tw_env(...write("NONE"), 100, 64), abi.ABSENT);
});

test("__tw_storage: every kind of stored value crosses as its kind, never as bytes", () => {
  const values = new Map(Object.entries({
    bytes: new Uint8Array([1, 2]), view: new Uint16Array([0x0201]), buffer: new Uint8Array([3]).buffer, text: "hé",
    number: 10, big: 12345678901234567890n, yes: true, nothing: null, object: { a: [1, "x"], b: null },
    date: new Date(0), map: new Map(), holey: [1, , 3], nested: { d: new Date(0) }, undef: { a: undefined }, nan: [NaN],
  }));
  const kv = { get: (k) => values.get(k), put() {}, delete: () => false, list: () => values.entries() };
  const { imports, recordOf, read } = setup({ storage: { kv } });
  const get = (key) => {
    const handle = imports.__tw_storage(abi.STORAGE_GET, recordOf(key));
    return handle < 0 ? handle : [read(handle).status, Buffer.from(read(handle).body).toString("hex")];
  };
  const hex = (s) => Buffer.from(s).toString("hex");
  const f64 = (n) => { const b = Buffer.alloc(8); b.writeDoubleLE(n); return b.toString("hex"); };
  assert.deepEqual(get("bytes"), [abi.VALUE_BYTES, "0102"]);
  assert.deepEqual(get("view"), [abi.VALUE_BYTES, "0102"]);
  assert.deepEqual(get("buffer"), [abi.VALUE_BYTES, "03"]);
  assert.deepEqual(get("text"), [abi.VALUE_TEXT, hex("hé")]);
  assert.deepEqual(get("number"), [abi.VALUE_NUMBER, f64(10)]);
  assert.deepEqual(get("big"), [abi.VALUE_BIGINT, hex("12345678901234567890")]);
  assert.deepEqual(get("yes"), [abi.VALUE_BOOLEAN, "01"]);
  assert.deepEqual(get("nothing"), [abi.VALUE_NULL, ""]);
  assert.deepEqual(get("object"), [abi.VALUE_JSON, hex('{"a":[1,"x"],"b":null}')]);
  for (const [key, type] of [["date", "Date"], ["map", "Map"], ["holey", "Array"], ["nested", "Object"], ["undef", "Object"], ["nan", "Array"]]) {
    assert.deepEqual(get(key), [abi.VALUE_OTHER, hex(type)], `${key}: what JSON would misrepresent is OTHER`);
  }
  assert.equal(get("absent"), abi.ABSENT);
  // A list carries each entry's kind.
  const handle = imports.__tw_storage(abi.STORAGE_LIST, recordOf(""));
  const list = read(handle).body, view = new DataView(list.buffer, list.byteOffset);
  const keyLen = view.getUint32(0, true);
  assert.equal(new TextDecoder().decode(list.subarray(4, 4 + keyLen)), "bytes");
  assert.equal(view.getUint32(4 + keyLen, true), abi.VALUE_BYTES);
});

test("__tw_storage: an unknown operation is refused; the platform's refusal is not its failure", () => {
  let wrote = 0;
  const kv = {
    get: () => { throw new TypeError("bad key"); },
    put: () => { throw new RangeError("value too large"); },
    delete: () => { throw new Error("storage closed"); },
    list: () => { wrote++; return [][Symbol.iterator](); },
  };
  const { imports, recordOf } = setup({ storage: { kv } });
  assert.equal(imports.__tw_storage(42, recordOf("k")), abi.IO_FAILED, "an op this glue does not know");
  assert.equal(wrote, 0, "and it did not run as a list");
  assert.equal(imports.__tw_storage(abi.STORAGE_GET, recordOf("k")), abi.IO_INVALID_ARGUMENT);
  assert.equal(imports.__tw_storage(abi.STORAGE_PUT, recordOf("k", "v")), abi.IO_INVALID_ARGUMENT);
  assert.equal(imports.__tw_storage(abi.STORAGE_DELETE, recordOf("k")), abi.IO_FAILED);
});

test("only the imports a module can ask for are made; a Worker's storage refuses", () => {
  const { imports } = setup();
  assert.deepEqual(Object.keys(imports).sort(), ["__cpp_exception", "__tw_call", "__tw_env", "__tw_log", "__tw_request", "__tw_result", "__tw_storage", "__tw_value", "__tw_wait"]);
  // One door: subrequests and KV go through the bridge (`__tw_call`); the v8 ABI has no `__tw_io`.
  assert.ok(!("IMPORT_IO" in abi) && !("IO_FETCH" in abi));
  // (One module may serve a Worker and a Durable Object class: the Worker has no storage.)
  for (const op of [abi.STORAGE_GET, abi.STORAGE_PUT, abi.STORAGE_DELETE, abi.STORAGE_LIST]) assert.equal(imports.__tw_storage(op, 0), abi.IO_FAILED);
  assert.ok("__tw_storage" in setup({ storage: { kv: {} } }).imports);
  // An object without SQLite (no `kv`): every op says it would suspend, none throws.
  const { imports: noSqlite, recordOf } = setup({ storage: { transactionSync: (f) => f() } });
  for (const op of [abi.STORAGE_GET, abi.STORAGE_PUT, abi.STORAGE_DELETE, abi.STORAGE_LIST]) assert.equal(noSqlite.__tw_storage(op, recordOf("k", "v")), abi.BRIDGE_WOULD_SUSPEND);
  assert.ok("__tw_result" in setup({ storage: { kv: {} } }).imports);
});

test("__tw_log: one line at its level; an error's line composed from its parts", (t) => {
  const request = { method: "PUT", url: "https://h/notes/a%20b?x=1" };
  const { imports, write } = setup({ request });
  const seen = [];
  for (const level of ["debug", "info", "warn", "error"]) t.mock.method(console, level, (line) => void seen.push([level, line]));
  const [at, len] = write("GET /é: 409 refused");
  for (const level of [abi.LOG_DEBUG, abi.LOG_INFO, abi.LOG_WARN, abi.LOG_ERROR, 9]) assert.equal(imports.__tw_log(level, 0, 0, 0, at, len, 0, 0), undefined);
  assert.deepEqual(seen, ["debug", "info", "warn", "error", "error"].map((level) => [level, "GET /é: 409 refused"]));
  seen.length = 0;
  const [m, mLen] = write("an answer too large");
  const [c, cLen] = write("cron");
  imports.__tw_log(abi.LOG_ERROR, 500, 70000, abi.LOG_NEEDED, m, mLen, 0, 0);
  imports.__tw_log(abi.LOG_ERROR, 502, 0, 0, m, mLen, c, cLen);
  assert.deepEqual(seen.map(([, line]) => line), ["PUT /notes/a%20b: 500 an answer too large (70000 bytes needed)", "cron: 502 an answer too large"]);
});
