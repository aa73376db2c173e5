// The glue's runtime and Worker serving on hand-written modules (test/glue/fixtures.mjs), in
// Node: the response record read back, every fault kind told apart and the instance kept or
// replaced as the fault model says, the stack pointer restored, bodies bounded by the I/O
// buffer with or without content-length, a client that stops mid-body an aborted request.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createEntrypoint, createRuntime, createWorker, Fault } from "tinyworker";
import { CAPACITY, IO, TAG, fixture, record } from "./fixtures.mjs";

const quiet = (fn) => async (...args) => {
  const original = console.error;
  const log = [];
  console.error = (...a) => log.push(a.map(String).join(" "));
  try {
    await fn(log, ...args);
  } finally {
    console.error = original;
  }
};
const post = (body, headers) => new Request("http://x/", { method: "POST", body, headers, duplex: "half" });

test("a response record becomes the Response: status, headers, body", async () => {
  const worker = createWorker(fixture());
  const r = await worker.fetch(new Request("http://x/"));
  assert.deepEqual([r.status, r.headers.get("content-type"), await r.text()], [200, "text/plain", "ok"]);
});

test("the body is written into the I/O buffer; one over the capacity is 413 before and while it is read", async () => {
  // __tw_fetch answers the body it got: body = io, body_len = len.
  const echo = fixture({ body: `(i32.store (i32.const 180) (i32.const ${IO})) (i32.store (i32.const 184) (local.get $len)) (i32.const 0)` });
  const worker = createWorker(echo);
  const bytes = Uint8Array.from({ length: 300 }, (_, i) => i & 255);
  assert.deepEqual(new Uint8Array(await (await worker.fetch(post(bytes))).arrayBuffer()), bytes);
  assert.equal((await worker.fetch(post(new Uint8Array(CAPACITY)))).status, 200, "exactly the capacity fits");
  let r = await worker.fetch(post("x", { "content-length": String(CAPACITY + 1) }));
  assert.deepEqual([r.status, await r.text()], [413, "request too large\n"], "refused from content-length");
  // Without content-length (a stream): refused as soon as it passes the capacity, and the rest
  // is never read.
  let pulled = 0;
  const endless = new ReadableStream({ pull: (c) => (pulled++, c.enqueue(new Uint8Array(1000))) });
  r = await worker.fetch(post(endless));
  assert.equal(r.status, 413);
  assert.ok(pulled <= 8, `read ${pulled} chunks of 1000 B for a 4096 B buffer`);
  assert.equal(worker.runtime.instances, 1, "none of it touched the instance");
});

test("a client that stops sending its body is an aborted request, not a fault", quiet(async (log) => {
  const worker = createWorker(fixture());
  const failing = new ReadableStream({ pull: (c) => c.error(new Error("connection reset")) });
  const r = await worker.fetch(post(failing));
  assert.equal(r.status, 400);
  assert.match(log.join("\n"), /^tinyworker: request aborted/);
  assert.doesNotMatch(log.join("\n"), /fault/);
}));

test("a panic (the tag) is a 500 with an id, the message logged, and the instance replaced", quiet(async (log) => {
  const worker = createWorker(fixture({ imports: TAG, body: `${record(1)} (throw $tag (i32.const 128))` }));
  const r = await worker.fetch(new Request("http://x/"));
  assert.equal(r.status, 500);
  const [, id] = (await r.text()).match(/^internal error \(fault ([0-9a-f]{8})\)\n$/);
  assert.match(log[0], new RegExp(`^tinyworker: fault ${id}: panic: boom`));
  await worker.fetch(new Request("http://x/"));
  assert.equal(worker.runtime.instances, 2, "the next request ran on a fresh instance (abort build)");
}));

// Issue 34: the start hook (`start!`, export __tw_start) runs once per instance, inside its first
// call; its fault or error fails that call and drops the instance, and the next one runs it again.
test("a start hook runs once per instance before its first call; a faulting one fails that call only", quiet(async (log) => {
  const hooks = []; // what each run of the hook answered
  let answer = 0; // what the hook does: 0 succeed, 1 trap, 2 return OUTCOME_FAILED
  let trap = false; // whether the next request's handler traps
  const module = fixture({
    imports: `${TAG} (import "env" "hook" (func $hook (result i32))) (import "env" "trap" (func $trap (result i32)))`,
    funcs: `(func (export "__tw_start") (result i32) (local $a i32)
      (local.set $a (call $hook))
      (if (i32.eq (local.get $a) (i32.const 1)) (then unreachable))
      (select (i32.const 2) (i32.const 0) (i32.eq (local.get $a) (i32.const 2))))`,
    body: "(if (call $trap) (then unreachable)) (i32.const 0)",
  });
  const imports = () => ({ hook: () => (hooks.push(answer), answer), trap: () => trap });
  const worker = createWorker(module, { spare: false, imports });
  const status = async () => (await worker.fetch(new Request("http://x/"))).status;
  assert.deepEqual(hooks, [], "not run when the instance is made");
  assert.deepEqual([await status(), await status(), await status()], [200, 200, 200]);
  assert.deepEqual(hooks, [0], "once for three requests on one instance");
  trap = true;
  assert.equal(await status(), 500, "a trap of the handler replaces the instance");
  trap = false;
  answer = 1;
  assert.equal(await status(), 500, "the new instance's hook traps: that request fails");
  assert.match(log.at(-1), /^tinyworker: fault [0-9a-f]{8}: trap/);
  answer = 2;
  assert.equal(await status(), 500, "the next instance's hook returns an error: that request fails");
  answer = 0;
  assert.deepEqual([await status(), await status()], [200, 200]);
  assert.deepEqual(hooks, [0, 1, 2, 0], "every new instance ran it once, before its first request");
  assert.equal(worker.runtime.instances, 4, "an instance whose hook failed is never used again");
}));

// Issue 31, item 10: a response the platform refuses is the handler's error, not a fault.
test("a status outside 200-599 or a body on a 204 is a logged 500 without a fault id; the instance is kept", quiet(async (log) => {
  for (const [status, len] of [[700, 2], [99, 2], [204, 2], [1000, 0]]) {
    log.length = 0;
    const worker = createWorker(fixture({ body: `(i32.store (i32.const 160) (i32.const ${status})) (i32.store (i32.const 184) (i32.const ${len})) (i32.const 0)` }));
    const r = await worker.fetch(new Request("http://x/"));
    assert.deepEqual([r.status, await r.text()], [500, "internal error\n"], `status ${status}`);
    assert.equal(log.length, 1);
    assert.match(log[0], new RegExp(`^tinyworker: the handler's response \\(status ${status}\\) was refused: `));
    assert.doesNotMatch(log[0], /fault/);
    await worker.fetch(new Request("http://x/"));
    assert.equal(worker.runtime.instances, 1, "nothing of the module failed: its instance is kept");
  }
}));

test("the keep-or-replace decision, per fault kind and build", () => {
  const cases = [
    // [what __tw_fetch does, flags, kind, kept]
    [`${record(3)} (throw $tag (i32.const 128))`, 0, "limit", true],
    [`${record(1)} (throw $tag (i32.const 128))`, 0, "panic", false],
    [`${record(2)} (throw $tag (i32.const 128))`, 0, "abort", false],
    [`${record(2)} (unreachable)`, 1, "abort", false],
    ["(unreachable)", 0, "trap", false],
    ["(call $throws) (i32.const 0)", 0, "error", false],
    ["(call $throws) (i32.const 0)", 1, "error", true],
  ];
  for (const [body, flags, kind, kept] of cases) {
    const imports = `${TAG} (import "env" "throws" (func $throws))`;
    const rt = createRuntime(fixture({ imports, body, flags }), { imports: () => ({ throws: () => { throw new Error("from JS"); } }) });
    const sp = rt.call((x) => x.__stack_pointer.value);
    assert.throws(() => rt.serve({ method: "GET", url: "http://x/", headers: [] }), (e) => e instanceof Fault && e.kind == kind, kind);
    const after = rt.call((x) => x.__stack_pointer.value);
    assert.equal(rt.instances, kept ? 1 : 2, `${kind}, flags ${flags}: ${kept ? "kept" : "replaced"}`);
    assert.equal(after, sp, `${kind}: the stack pointer is where it was`);
  }
});

test("a call into a busy instance is refused; a module of another ABI version is refused", () => {
  let rt;
  const imports = `${TAG} (import "env" "again" (func $again))`;
  rt = createRuntime(fixture({ imports, body: "(call $again) (i32.const 0)" }), { imports: () => ({ again: () => rt.call(() => 0) }) });
  assert.throws(() => rt.serve({ method: "GET", url: "/", headers: [] }), /reentrant call refused/);
  assert.throws(() => createRuntime(fixture({ version: 99 })), /module ABI v99, glue ABI v\d+/);
});

test("createEntrypoint: a named class's RPC methods on its prototype; a method's error rejects that call alone", quiet(async (log) => {
  // __tw_rpc_ok_Calc answers; __tw_rpc_no_Calc returns an error (OUTCOME_FAILED); another class's
  // method and a class's fetch are told apart by the name's suffix.
  const funcs = `(func (export "__tw_rpc_ok_Calc") (result i32) (i32.const 0))
    (func (export "__tw_rpc_no_Calc") (result i32) (i32.const 2))
    (func (export "__tw_rpc_other_Room") (result i32) (i32.const 0))`;
  const module = fixture({ funcs });
  assert.throws(() => createEntrypoint(module), { message: /needs the className/ }, "an entrypoint is named");
  class Base {
    constructor(ctx, env) {
      Object.assign(this, { ctx, env });
    }
  }
  const Calc = createEntrypoint(module, { className: "Calc", base: Base });
  assert.ok(Calc.prototype instanceof Base, "the class extends the platform's base");
  assert.deepEqual(Object.getOwnPropertyNames(Calc.prototype).sort(), ["constructor", "no", "ok"], "its methods, and no fetch: the class has none");
  const calc = new Calc({ waitUntil() {} }, {});
  assert.equal(await calc.ok(1, "two"), undefined, "a method that sets no result answers undefined");
  await assert.rejects(calc.no(), { message: "tinyworker: the rpc method no handler returned an error" });
  assert.equal(await calc.ok(), undefined, "the next call answers");
  assert.deepEqual(log, []);
}));
