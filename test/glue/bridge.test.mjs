// The host bridge's imports (js/imports.js: __tw_call, __tw_value) on a plain memory, in Node:
// every target and argument kind, reads of each value kind, errors that keep their kind, a
// Promise refused where the module cannot suspend, detached calls, unknown tags refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { hostImports } from "../../js/imports.js";
import * as abi from "tinyworker/abi";

/** The bridge imports over a fresh memory; `call(record)` and `read(handle, op)` helpers. */
function setup({ env = {}, host, request, suspends = false } = {}) {
  const u8 = new Uint8Array(1 << 16), u32 = new Uint32Array(u8.buffer), view = new DataView(u8.buffer);
  const enc = new TextEncoder(), dec = new TextDecoder();
  const bytes = (at, len) => u8.subarray(at, at + len);
  const text = (at, len) => dec.decode(bytes(at, len));
  const put = (s, dst, room) => {
    const b = enc.encode(s);
    if (b.length <= room) u8.set(b, dst);
    return b.length;
  };
  const waited = [];
  const bridge = { values: [], error: undefined, ctx: { waitUntil: (p) => waited.push(p) }, host, request: () => request };
  const imports = hostImports(null, () => u32, bytes, text, put, enc, () => 0, () => request, () => env, () => [], undefined, suspends, bridge, (promise) => promise);
  let free = 4096;
  const alloc = (n) => ((free = (free + 7) & ~7), (free += n), free - n);
  const str = (s) => {
    const b = enc.encode(s), at = alloc(b.length);
    u8.set(b, at);
    return [at, b.length];
  };
  /** An argument: [tag, len, data] with data a number (f64 for ARG_NUMBER) or a u32. */
  const args = (list) => {
    const at = alloc(16 * list.length);
    list.forEach(([tag, len = 0, data = 0], i) => {
      u32[(at >> 2) + 4 * i] = tag;
      u32[(at >> 2) + 4 * i + 1] = len;
      if (tag == abi.ARG_NUMBER) view.setFloat64(at + 16 * i + 8, data, true);
      else u32[(at >> 2) + 4 * i + 2] = data;
    });
    return [at, list.length];
  };
  const call = (target, name, member, list = [], flags = 0, handle = 0, record = {}) => {
    const at = (record.at = alloc(4 * abi.CALL_RECORD_WORDS));
    u32.set([target, handle, ...str(name), ...str(member), ...args(list), flags, record.dst ?? 0, record.room ?? 0, 0xdead, 0xbeef], at >> 2);
    return imports.__tw_call(at);
  };
  const read = (handle, op, room = 256) => {
    const dst = alloc(room);
    const n = imports.__tw_value(handle, op, dst, room);
    if (op == abi.READ_BYTES || op == abi.READ_JSON) return n < 0 ? n : text(dst, n);
    if (op == abi.READ_NUMBER) return n < 0 ? n : view.getFloat64(dst, true);
    return n;
  };
  return { imports, call, read, str, args, bridge, waited, alloc, u32, u8, view };
}

test("a method of an env binding, with each kind of argument", () => {
  let seen;
  const env = { SVC: { echo: (...a) => ((seen = a), "done") } };
  const { call, read, str, args, u32, alloc } = setup({ env });
  // An object argument: one field { n: 1.5 }.
  const field = alloc(24);
  u32.set([...str("n"), abi.ARG_NUMBER, 0], field >> 2);
  new DataView(u32.buffer).setFloat64(field + 16, 1.5, true);
  const [arrayAt] = args([[abi.ARG_TRUE], [abi.ARG_NULL]]);
  const handle = call(abi.CALL_ENV, "SVC", "echo", [
    [abi.ARG_STRING, ...str("hé").reverse()], [abi.ARG_NUMBER, 0, 42], [abi.ARG_BYTES, 2, str("ab")[0]],
    [abi.ARG_JSON, ...str('{"a":[1]}').reverse()], [abi.ARG_ARRAY, 2, arrayAt], [abi.ARG_OBJECT, 1, field], [abi.ARG_UNDEFINED], [abi.ARG_FALSE],
  ]);
  assert.ok(handle >= 0);
  assert.deepEqual(seen, ["hé", 42, new Uint8Array([97, 98]), { a: [1] }, [true, null], { n: 1.5 }, undefined, false]);
  assert.equal(read(handle, abi.READ_KIND), abi.JS_STRING);
  assert.equal(read(handle, abi.READ_BYTES), "done");
});

test("globals, properties, construction, held values and host functions", () => {
  const host = { twice: (n) => n * 2 };
  const { call, read, str } = setup({ host, request: { cf: { colo: "LHR" } } });
  const date = call(abi.CALL_GLOBAL, "Date", "now");
  assert.ok(read(date, abi.READ_NUMBER) > 1.7e12);
  const cf = call(abi.CALL_REQUEST, "", "cf", [], abi.CALL_GET);
  assert.equal(read(call(abi.CALL_VALUE, "", "colo", [], abi.CALL_GET, cf), abi.READ_BYTES), "LHR");
  assert.equal(read(cf, abi.READ_JSON), '{"colo":"LHR"}');
  const made = call(abi.CALL_GLOBAL, "Uint8Array", "", [[abi.ARG_NUMBER, 0, 3]], abi.CALL_NEW);
  assert.equal(read(made, abi.READ_KIND), abi.JS_BYTES);
  assert.equal(read(made, abi.READ_BYTES).length, 3);
  const array = call(abi.CALL_GLOBAL, "Array", "of", [[abi.ARG_NUMBER, 0, 1], [abi.ARG_NUMBER, 0, 2]]);
  assert.equal(read(array, abi.READ_LENGTH), 2);
  assert.equal(read(call(abi.CALL_HOST, "twice", "", [[abi.ARG_NUMBER, 0, 21]]), abi.READ_NUMBER), 42);
  assert.equal(read(call(abi.CALL_VALUE, "", "", [], abi.CALL_GET, array), abi.READ_LENGTH), 2, "a held value, as it is");
  void str;
});

test("errors keep their kind; the binding's message is the handler's to read", () => {
  const env = {
    BAD: { throwsType: () => { throw new TypeError("key too long"); }, fails: () => { throw new Error("bucket gone"); }, notAFunction: 1 },
  };
  const { call, read } = setup({ env });
  assert.equal(call(abi.CALL_ENV, "NONE", "x"), abi.IO_NO_BINDING);
  assert.equal(call(abi.CALL_ENV, "BAD", "missing"), abi.BRIDGE_NO_METHOD);
  assert.equal(call(abi.CALL_ENV, "BAD", "notAFunction"), abi.BRIDGE_NO_METHOD);
  assert.equal(call(abi.CALL_ENV, "BAD", "throwsType"), abi.IO_INVALID_ARGUMENT);
  assert.equal(call(abi.CALL_ENV, "BAD", "fails"), abi.IO_FAILED);
  assert.equal(read(abi.ERROR_HANDLE, abi.READ_BYTES), "bucket gone");
  // The last error itself, as a CALL_VALUE target: its name (a TypeError's after the next).
  assert.equal(call(abi.CALL_ENV, "BAD", "throwsType"), abi.IO_INVALID_ARGUMENT);
  const name = call(abi.CALL_VALUE, "", "name", [], abi.CALL_GET, abi.ERROR_HANDLE >>> 0);
  assert.equal(read(name, abi.READ_BYTES), "TypeError");
  assert.equal(call(abi.CALL_VALUE, "", "x", [], 0, 99), abi.BRIDGE_NO_VALUE);
  assert.equal(call(7, "x", "y"), abi.IO_FAILED, "a target kind this glue does not know is refused");
  assert.equal(call(abi.CALL_ENV, "BAD", "fails", [[99]]), abi.IO_INVALID_ARGUMENT, "an argument tag it does not know is refused");
  assert.equal(read(name + 1, abi.READ_KIND), abi.BRIDGE_NO_VALUE, "nothing else is held after errors");
});

test("a Promise where the module cannot suspend is refused; a detached one goes to waitUntil", async () => {
  let resolved = false;
  const env = { KV: { get: async () => "v", put: () => new Promise((r) => setTimeout(() => ((resolved = true), r()), 5)) } };
  const { call, read, waited } = setup({ env });
  assert.equal(call(abi.CALL_ENV, "KV", "get"), abi.BRIDGE_WOULD_SUSPEND);
  assert.match(read(abi.ERROR_HANDLE, abi.READ_BYTES), /cannot suspend/);
  const handle = call(abi.CALL_ENV, "KV", "put", [], abi.CALL_DETACHED);
  assert.equal(read(handle, abi.READ_KIND), abi.JS_UNDEFINED, "answered at once");
  assert.equal(waited.length, 1);
  await waited[0];
  assert.ok(resolved);
});

test("reads check the value's kind; a value can be released early", () => {
  const { call, read } = setup({ env: { V: { n: 5, s: "x", o: { toJSON() { throw new Error("no"); } } } } });
  const n = call(abi.CALL_ENV, "V", "n", [], abi.CALL_GET);
  assert.equal(read(n, abi.READ_BYTES), abi.BRIDGE_WRONG_TYPE);
  assert.equal(read(n, abi.READ_LENGTH), abi.BRIDGE_WRONG_TYPE);
  const o = call(abi.CALL_ENV, "V", "o", [], abi.CALL_GET);
  assert.equal(read(o, abi.READ_JSON), abi.IO_FAILED, "JSON that throws is a failure, not a fault");
  assert.equal(read(n, abi.READ_DROP), 0);
  assert.equal(read(n, abi.READ_NUMBER), abi.BRIDGE_NO_VALUE);
  assert.equal(read(n, 42), abi.BRIDGE_NO_VALUE);
  assert.equal(read(o, 42), abi.IO_FAILED, "an op this glue does not know is refused");
});

test("the call's event and context, a property set, a Promise held without waiting", async () => {
  const ctx = { waitUntil: () => {}, label: "ctx" };
  const { call, read, str, bridge } = setup();
  bridge.ctx = ctx;
  bridge.event = { cron: "*/5 * * * *" };
  // CALL_EVENT and CALL_CONTEXT reach the call's own objects.
  assert.equal(read(call(abi.CALL_EVENT, "", "cron", [], abi.CALL_GET), abi.READ_BYTES), "*/5 * * * *");
  assert.equal(read(call(abi.CALL_CONTEXT, "", "label", [], abi.CALL_GET), abi.READ_BYTES), "ctx");
  // CALL_SET writes a slot of the event (a Response to answer with, a WebSocket for a 101).
  const set = call(abi.CALL_EVENT, "", "webSocket", [[abi.ARG_STRING, ...str("socket").reverse()]], abi.CALL_SET);
  assert.equal(read(set, abi.READ_KIND), abi.JS_UNDEFINED);
  assert.equal(bridge.event.webSocket, "socket");
  // With no event (a call that has none), the target is missing, not guessed.
  bridge.event = undefined;
  assert.equal(call(abi.CALL_EVENT, "", "cron", [], abi.CALL_GET), abi.IO_NO_BINDING);
  // CALL_PROMISE: the Promise itself is held (no suspension, even where the module could not
  // wait for it), and settles later.
  let resolve;
  bridge.host = { later: () => new Promise((r) => (resolve = r)) };
  const held = call(abi.CALL_HOST, "later", "", [], abi.CALL_PROMISE);
  assert.ok(held >= 0, "a handle, not a Promise to wait for");
  assert.equal(read(held, abi.READ_KIND), abi.JS_OBJECT);
  resolve("settled");
  assert.equal(await bridge.values[held], "settled");
});

test("a call writes its answer's kind, and with CALL_READ reads it in the same crossing", async () => {
  const env = { B: { etag: "abc", size: 42, done: true, body: new Uint8Array([1, 2, 3]), meta: {}, none: null, long: "x".repeat(300) } };
  const { call, alloc, u32, u8, view, bridge } = setup({ env });
  const kindOf = (member) => {
    const record = {};
    assert.ok(call(abi.CALL_ENV, "B", member, [], abi.CALL_GET, 0, record) >= 0);
    return [u32[(record.at >> 2) + abi.CALL_KIND], u32[(record.at >> 2) + abi.CALL_LEN]];
  };
  // Without CALL_READ: the kind only; the length word is not touched.
  assert.deepEqual(kindOf("meta"), [abi.JS_OBJECT, 0xbeef]);
  assert.deepEqual(kindOf("none"), [abi.JS_NULL, 0xbeef]);
  assert.deepEqual(kindOf("size"), [abi.JS_NUMBER, 0xbeef]);
  const readCall = (member, room = 64) => {
    const record = { dst: alloc(room), room };
    const handle = call(abi.CALL_ENV, "B", member, [], abi.CALL_GET | abi.CALL_READ, 0, record);
    const w = record.at >> 2;
    return { handle, kind: u32[w + abi.CALL_KIND], len: u32[w + abi.CALL_LEN] | 0, dst: record.dst };
  };
  const held = bridge.values.length;
  const etag = readCall("etag");
  assert.deepEqual([etag.kind, etag.len, new TextDecoder().decode(u8.subarray(etag.dst, etag.dst + etag.len))], [abi.JS_STRING, 3, "abc"]);
  assert.deepEqual([etag.handle, bridge.values.length], [0, held], "read, not held");
  const size = readCall("size");
  assert.deepEqual([size.kind, size.len, view.getFloat64(size.dst, true)], [abi.JS_NUMBER, 8, 42]);
  const done = readCall("done");
  assert.deepEqual([done.kind, done.len, view.getFloat64(done.dst, true)], [abi.JS_BOOLEAN, 8, 1]);
  const body = readCall("body");
  assert.deepEqual([body.kind, [...u8.subarray(body.dst, body.dst + body.len)]], [abi.JS_BYTES, [1, 2, 3]]);
  // Too large for the room: the length, nothing written; another kind: BRIDGE_WRONG_TYPE.
  const long = readCall("long", 8);
  assert.deepEqual([long.kind, long.len, u8[long.dst]], [abi.JS_STRING, 300, 0]);
  assert.deepEqual([readCall("meta").kind, readCall("meta").len], [abi.JS_OBJECT, abi.BRIDGE_WRONG_TYPE]);
});

test("a call that suspends writes its answer's read when it resumes", async (t) => {
  // (Node 22 has no JSPI: a stand-in Suspending that hands the import over as it is, so the
  // call answers the Promise that WebAssembly.Suspending would wait for.)
  if (!WebAssembly.Suspending) {
    WebAssembly.Suspending = function Suspending(fn) {
      return fn;
    };
    t.after(() => delete WebAssembly.Suspending);
  }
  const env = { KV: { get: async () => "later" } };
  const { call, imports, u32, u8, alloc } = setup({ env, suspends: true });
  const record = { dst: alloc(16), room: 16 };
  // The call answers at once that it waits; __tw_wait, the suspending import, waits.
  assert.equal(call(abi.CALL_ENV, "KV", "get", [], abi.CALL_READ, 0, record), abi.BRIDGE_PENDING);
  assert.equal(u32[(record.at >> 2) + abi.CALL_KIND], 0xdead, "nothing answered yet");
  const handle = await imports.__tw_wait(record.at);
  assert.ok(handle >= 0);
  assert.equal(imports.__tw_wait(record.at), abi.IO_FAILED, "a second wait has no call to wait for");
  assert.deepEqual([u32[(record.at >> 2) + abi.CALL_KIND], u32[(record.at >> 2) + abi.CALL_LEN]], [abi.JS_STRING, 5]);
  assert.equal(new TextDecoder().decode(u8.subarray(record.dst, record.dst + 5)), "later");
});

test("the newest value released is popped; an older one stays released", () => {
  const { call, read, bridge } = setup({ env: { A: 1, B: 2, C: 3 } });
  const [a, b, c] = ["A", "B", "C"].map((n) => call(abi.CALL_ENV, n, "", [], abi.CALL_GET));
  assert.deepEqual([a, b, c], [0, 1, 2]);
  read(b, abi.READ_DROP);
  assert.equal(read(b, abi.READ_NUMBER), abi.BRIDGE_NO_VALUE);
  read(c, abi.READ_DROP);
  assert.equal(bridge.values.length, 2, "popped");
  assert.equal(read(c, abi.READ_NUMBER), abi.BRIDGE_NO_VALUE);
  assert.equal(read(a, abi.READ_NUMBER), 1);
  assert.equal(read(b, abi.READ_NUMBER), abi.BRIDGE_NO_VALUE, "a hole stays released");
});

test("a JSON argument that is not JSON is the module's invalid argument, its SyntaxError the cause", () => {
  let called = false;
  const { call, str, bridge } = setup({ env: { SVC: { take: () => (called = true) } } });
  const code = call(abi.CALL_ENV, "SVC", "take", [[abi.ARG_JSON, ...str("{not json").reverse()]]);
  assert.equal(code, abi.IO_INVALID_ARGUMENT);
  assert.equal(called, false, "the binding was not called");
  assert.ok(bridge.error instanceof RangeError);
  assert.ok(bridge.error.cause instanceof SyntaxError);
});

test("a name read again at the same address is what its bytes say now, never a kept one", () => {
  const env = { KV_A: { get: () => "a" }, KV_B: { get: () => "b" }, "KV_é": { get: () => "é" }, K: { get: () => "k" } };
  const { imports, u32, u8, alloc, read } = setup({ env });
  const enc = new TextEncoder();
  const [nameAt, memberAt, record] = [alloc(16), alloc(8), alloc(4 * abi.CALL_RECORD_WORDS)];
  u8.set(enc.encode("get"), memberAt);
  // A call of `env[<the bytes at nameAt>].get()`, the name `len` bytes long.
  const callBy = (name) => {
    const bytes = enc.encode(name);
    u8.set(bytes, nameAt);
    u32.set([abi.CALL_ENV, 0, nameAt, bytes.length, memberAt, 3, 0, 0, 0, 0, 0, 0, 0], record >> 2);
    const handle = imports.__tw_call(record);
    return handle < 0 ? handle : read(handle, abi.READ_BYTES, 8);
  };
  assert.equal(callBy("KV_A"), "a");
  assert.equal(callBy("KV_A"), "a");
  assert.equal(callBy("KV_B"), "b", "the same length at the same address, other bytes");
  assert.equal(callBy("K"), "k", "a shorter name at the same address");
  assert.equal(callBy(""), abi.IO_NO_BINDING, "an empty name at the same address");
  assert.equal(callBy("KV_é"), "é", "a name that is not ASCII");
  assert.equal(callBy("KV_A"), "a");
  // Names at 300 other addresses (more than the glue keeps), then the first one again.
  for (let i = 0; i < 300; i++) {
    const at = alloc(4);
    u8.set(enc.encode("KV_B"), at);
    u32.set([abi.CALL_ENV, 0, at, 4, memberAt, 3, 0, 0, 0, 0, 0, 0, 0], record >> 2);
    assert.equal(read(imports.__tw_call(record), abi.READ_BYTES, 8), "b");
  }
  assert.equal(callBy("KV_A"), "a");
});
