// examples/platform under wrangler dev, both builds (on Node 24 for its WebSocket client): a WebSocket the Worker serves itself (no
// Durable Object) echoes text and every byte value, and a fault in its message handler closes
// that socket alone with 1011; Workers RPC into a Rust entrypoint and into a Rust Durable Object,
// called from JavaScript through the platform's RPC: strings, bytes, numbers and JSON cross both
// ways, a fault or an error rejects that call alone (with a fault id and nothing of the module),
// and an object's method that faults leaves no write behind; email received by a Rust handler
// (accepted, rejected, forwarded, replied to; a fault fails that delivery alone) and sent
// through the send_email binding; a tail handler in Rust sees the traces of the Worker it tails
// (services/producer.js), and a fault of it loses only that delivery; a Workflow class in Rust
// whose second of three steps faults once completes without running the first again, and its
// instances pause, resume and terminate through the binding. And every answer that does not
// name a fault, byte for byte as the JavaScript twin (examples/platform/twin.js) gets it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { ROOT, TEST_BUILDS, assertLogged, dirOf, withWranglerDev } from "../../helpers.mjs";

const FAULTS = ["panic", "abort", "oom", "trap"];
const ALL_BYTES = [...Array(256).keys()];
const FAULTED = (method) => new RegExp(`^tinyworker: the rpc method ${method} handler faulted \\(fault [0-9a-f]{8}\\)$`);


/** A WebSocket to `url`, open; `next()` resolves to its next message (bytes as an array) or its close. */
async function socket(url) {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const inbox = [];
  let waiting;
  const deliver = (item) => (waiting ? (waiting(item), (waiting = undefined)) : inbox.push(item));
  ws.onmessage = async (e) => deliver(typeof e.data == "string" ? e.data : [...new Uint8Array(e.data instanceof Blob ? await e.data.arrayBuffer() : e.data)]);
  ws.onclose = (e) => deliver({ code: e.code, reason: e.reason });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  const next = () =>
    inbox.length ? Promise.resolve(inbox.shift()) : Promise.race([new Promise((resolve) => (waiting = resolve)), new Promise((_, reject) => setTimeout(reject, 10_000, new Error("no message within 10 s")))]);
  return { ws, next };
}

/** Calls `method` of `target` (`calc`, `counter/<name>`) from the JavaScript caller: [status, answer]. */
async function rpc(server, target, method, args = []) {
  const response = await fetch(`${server.base}/js/${target}/${method}`, { method: "POST", body: JSON.stringify(args), signal: AbortSignal.timeout(10_000) });
  return [response.status, await response.json()];
}

/** A Worker's own WebSocket echoes; a fault closes that socket alone. */
async function webSockets(server) {
  assert.deepEqual(await server.get("/ws"), [426, "a WebSocket upgrade, please\n"]);
  const url = `${server.base.replace("http", "ws")}/ws`;
  const other = await socket(url);
  for (const kind of FAULTS) {
    const a = await socket(url);
    for (const message of ["hi", "é ✓", new Uint8Array(ALL_BYTES)]) {
      a.ws.send(message);
      assert.deepEqual(await a.next(), typeof message == "string" ? message : ALL_BYTES, `${kind}: echoed`);
    }
    a.ws.send(`fault:${kind}`);
    assert.deepEqual(await a.next(), { code: 1011, reason: "internal error" }, `${kind}: closed with 1011`);
    // The other socket, open all along, still answers (its next message runs on a healthy instance).
    other.ws.send(`after ${kind}`);
    assert.equal(await other.next(), `after ${kind}`);
  }
  await assertLogged(server, /tinyworker: fault [0-9a-f]{8}: panic: asked to panic/, "the fault is logged with its id");
  // A burst on one socket: its messages are handled one at a time, in order.
  const burst = await socket(url);
  for (let i = 0; i < 50; i++) burst.ws.send(i % 2 ? `m${i}` : new Uint8Array([i]));
  for (let i = 0; i < 50; i++) assert.deepEqual(await burst.next(), i % 2 ? `m${i}` : [i], `message ${i} in order`);
  burst.ws.close(1000);
  other.ws.send("close");
  assert.deepEqual(await other.next(), { code: 1000, reason: "bye" }, "the handler closes its socket");
  // A client that closes gets the Worker's close back.
  const c = await socket(url);
  c.ws.close(4000, "done");
  assert.equal((await c.next()).code, 4000);
}

/** RPC into a Rust entrypoint and a Rust Durable Object, from JavaScript; faults reject one call. */
async function rpcCalls(server) {
  assert.deepEqual(await rpc(server, "calc", "add", [2, 3.5]), [200, { result: 5.5 }]);
  assert.deepEqual(await rpc(server, "calc", "greet", ["wörld ✓"]), [200, { result: "hello wörld ✓" }]);
  assert.deepEqual(await rpc(server, "calc", "reverse", [ALL_BYTES]), [200, { result: ALL_BYTES.toReversed() }]);
  const value = { a: [1, 2.5, { b: null, c: "é" }], d: true };
  assert.deepEqual(await rpc(server, "calc", "echo", [value]), [200, { result: value }]);
  for (const kind of FAULTS) {
    const [status, { error }] = await rpc(server, "calc", "fault", [kind]);
    assert.equal(status, 500);
    assert.match(error, FAULTED("fault"), `${kind}: rejected, naming only a fault id`);
    assert.deepEqual(await rpc(server, "calc", "add", [1, 1]), [200, { result: 2 }], `after ${kind}`);
  }
  assert.deepEqual(await rpc(server, "calc", "fail"), [500, { error: "tinyworker: the rpc method fail handler returned an error" }]);
  assert.deepEqual(await rpc(server, "calc", "add", ["x", 1]), [500, { error: "tinyworker: the rpc method add handler returned an error" }], "a wrong argument is the method's error");

  assert.deepEqual(await rpc(server, "counter/a", "increment", [2]), [200, { result: 2 }]);
  for (const kind of [...FAULTS, "error"]) {
    const [status, { error }] = await rpc(server, "counter/a", "increment_then", [5, kind]);
    assert.equal(status, 500);
    assert.match(error, kind == "error" ? /returned an error$/ : FAULTED("increment_then"), kind);
    assert.deepEqual(await rpc(server, "counter/a", "count"), [200, { result: 2 }], `${kind}: the faulting call's write was rolled back`);
  }
  assert.deepEqual(await rpc(server, "counter/a", "increment", [1]), [200, { result: 3 }]);
  for (const n of [0.5, 2 ** 53, "1"]) {
    assert.deepEqual(await rpc(server, "counter/a", "increment", [n]), [500, { error: "tinyworker: the rpc method increment handler returned an error" }], `${n}: the caller's error, not truncated`);
  }
  assert.deepEqual(await rpc(server, "counter/b", "count"), [200, { result: 0 }], "another object");
  assert.deepEqual(await server.get("/counter/a"), [200, "3\n"], "the object's fetch sees what its methods stored");
}

/** A raw message from `from` to `to` with `subject` (its Message-ID made of the subject). */
const message = (from, to, subject) => `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@example.com>\r\n\r\nhello\r\n`;

/** Delivers an email to `to` (wrangler dev's /cdn-cgi/local/email): [status, its outcome as JSON]. */
async function deliver(server, to, subject) {
  const from = "sender@example.com";
  const url = `${server.base}/cdn-cgi/local/email?format=json&from=${from}&to=${to}`;
  const response = await fetch(url, { method: "POST", body: message(from, to, subject), signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  try {
    return [response.status, JSON.parse(text)];
  } catch {
    return [response.status, text];
  }
}

/** Email received by a Rust handler: accepted, rejected, forwarded, replied to; a fault fails that delivery alone. */
async function emails(server) {
  const [status, plain] = await deliver(server, "plain@example.com", "hi");
  assert.equal(status, 200);
  assert.deepEqual([plain.outcome, plain.forwards, plain.replies], ["ok", [], []], "accepted as it is");
  const [, rejected] = await deliver(server, "reject@example.com", "hi");
  assert.equal(rejected.rejectReason, "no such mailbox");
  const [, forwarded] = await deliver(server, "forward@example.com", "about é");
  assert.deepEqual(
    forwarded.forwards.map(({ recipient, headers }) => [recipient, headers]),
    [["inbox@example.com", [["x-seen-by", "tinyworker"], ["x-subject", "about é"]]]],
    "forwarded with the headers the handler added (its subject read from the message)",
  );
  const [, replied] = await deliver(server, "reply@example.com", "question");
  assert.equal(replied.outcome, "ok");
  assert.equal(replied.replies.length, 1, "one reply, which the platform took as a reply to the message");
  for (const kind of FAULTS) {
    const [failed, outcome] = await deliver(server, `fault-${kind}@example.com`, "hi");
    assert.notEqual(failed, 200, `${kind}: the delivery failed`);
    assert.doesNotMatch(JSON.stringify(outcome), /asked to|RuntimeError|unreachable/, `${kind}: nothing of the module in the outcome`);
    assert.equal((await deliver(server, "plain@example.com", "again"))[1].outcome, "ok", `after ${kind}`);
  }
  // The send_email binding: a message whose From matches its sender is taken; one whose From
  // does not is the binding's error, a 502 with a generic body.
  const send = (from, to, raw) => fetch(`${server.base}/send?from=${from}&to=${to}`, { method: "POST", body: raw, signal: AbortSignal.timeout(10_000) });
  assert.equal((await send("a@example.com", "b@example.com", message("a@example.com", "b@example.com", "sent"))).status, 202);
  const refused = await send("a@example.com", "b@example.com", message("c@example.com", "b@example.com", "forged"));
  assert.deepEqual([refused.status, await refused.text()], [502, "bad gateway\n"]);
}

/** The lists of traces the Rust tail handler kept (`GET /tails`), once there are `count`. */
async function keptTraces(server, count) {
  const deadline = Date.now() + 15_000;
  let lists = [];
  while (Date.now() < deadline) {
    const [, body] = await server.get("/tails");
    lists = body.split("\n").filter(Boolean).map((line) => JSON.parse(line));
    if (lists.length >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return lists;
}

/** A tail handler in Rust sees the tailed Worker's logs and outcomes; its fault loses only its own delivery. */
async function tails(server) {
  for (const say of ["one", "throw", "fault-tail", "two"]) {
    const response = await fetch(`${server.base}/js/produce?say=${say}`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(response.status, say == "throw" ? 500 : 200, say);
    await response.arrayBuffer();
    // (One at a time: each invocation's traces arrive as a delivery of their own.)
    const kept = { one: 1, throw: 2, two: 3 }[say];
    if (kept) await keptTraces(server, kept);
    else await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const traces = (await keptTraces(server, 3)).flat();
  // What each trace says, as the platform wrote it. (Miniflare reports a fetch that threw as
  // outcome "ok" with no exceptions, so a trace is told by its request and its logs.)
  const seen = traces.map((t) => [t.outcome, new URL(t.event.request.url).search, t.logs.map((l) => l.message.at(-1)).join(" ")]);
  const expected = ["one", "throw", "two"].map((say) => ["ok", `?say=${say}`, `producer says ${say}`]);
  assert.deepEqual(seen, expected, "each trace, in order, and not those whose handler faulted");
  await assertLogged(server, /tinyworker: the tail handler faulted \(fault [0-9a-f]{8}\)|tinyworker: fault [0-9a-f]{8}: panic: asked to panic/, "the handler's fault is logged");
}

/** The status of Workflow instance `id` once `done(status)`, polled for at most 20 s. */
async function statusOf(server, id, done) {
  const deadline = Date.now() + 20_000;
  let status;
  while (Date.now() < deadline) {
    status = JSON.parse((await server.get(`/workflows/${id}`))[1]);
    if (done(status)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return status;
}

const post = (server, path, body) => fetch(`${server.base}${path}`, { method: "POST", body, signal: AbortSignal.timeout(10_000) });

/** A Workflow in Rust: three steps, the second faulting once; pause, resume, terminate. */
async function workflows(server) {
  assert.equal((await post(server, "/workflows/w1", JSON.stringify({ id: "w1", fault: "second" }))).status, 201);
  const done = await statusOf(server, "w1", (s) => s.status != "queued" && s.status != "running");
  assert.equal(done.status, "complete", JSON.stringify(done));
  assert.deepEqual(done.output, ["first done", "second done", "third done"]);
  // Each step's attempts: the first ran once (never again after the second faulted), the second
  // twice (its fault, then its retry), the third once.
  assert.deepEqual(await server.get("/steps/w1"), [200, "first 1\nsecond 1\nsecond 2\nthird 1\n"]);
  await assertLogged(server, /tinyworker: fault [0-9a-f]{8}: panic: asked to panic/);

  // Paused while it sleeps, then resumed: it completes.
  assert.equal((await post(server, "/workflows/w2", JSON.stringify({ id: "w2", sleep: 2000 }))).status, 201);
  await statusOf(server, "w2", (s) => s.status == "running");
  assert.equal((await post(server, "/workflows/w2/pause")).status, 204);
  assert.equal((await statusOf(server, "w2", (s) => s.status == "paused")).status, "paused");
  assert.equal((await post(server, "/workflows/w2/resume")).status, 204);
  assert.equal((await statusOf(server, "w2", (s) => s.status == "complete")).status, "complete");
  // Terminated while it sleeps: it never runs a step.
  assert.equal((await post(server, "/workflows/w3", JSON.stringify({ id: "w3", sleep: 10_000 }))).status, 201);
  await statusOf(server, "w3", (s) => s.status == "running");
  assert.equal((await post(server, "/workflows/w3/terminate")).status, 204);
  assert.equal((await statusOf(server, "w3", (s) => s.status == "terminated")).status, "terminated");
  assert.deepEqual(await server.get("/steps/w3"), [200, ""]);
}

/**
 * The twin's folder: examples/platform/twin.js as its worker.js, and the example's configs with
 * the Workers' and the Workflow's names made its own (one wrangler dev registry serves both).
 */
function twinDir() {
  const from = dirOf("platform", "talc", TEST_BUILDS[0]);
  const dir = `${ROOT}/build/platform-twin`;
  mkdirSync(dir, { recursive: true });
  copyFileSync(`${ROOT}/examples/platform/twin.js`, `${dir}/worker.js`);
  copyFileSync(`${ROOT}/examples/platform/caller.js`, `${dir}/caller.js`);
  copyFileSync(`${from}/producer.js`, `${dir}/producer.js`);
  const rename = (toml) => toml.replace(/"tinyworker-(platform|producer|orders)"/g, '"tinyworker-$1-twin"');
  for (const f of ["wrangler.toml", "producer.toml"]) writeFileSync(`${dir}/${f}`, rename(readFileSync(`${from}/${f}`, "utf8")));
  return dir;
}

/** What a WebSocket of `/ws` answers to `messages` (text or bytes), its close included. */
async function echoes(server, messages) {
  const s = await socket(`${server.base.replace("http", "ws")}/ws`);
  const seen = [];
  for (const m of messages) {
    s.ws.send(m);
    seen.push(await s.next());
  }
  return seen;
}

/** A raw answer: status, content type and body text. */
const answer = async (response) => [response.status, response.headers.get("content-type"), await response.text()];

/**
 * Every exchange of examples/platform whose answer does not name a fault, in order, as the
 * client sees it: HTTP routes, RPC results through the JavaScript caller, WebSocket echoes and
 * closes, email outcomes (wrangler dev's own JSON), send_email, a Workflow's status and its
 * steps, and the traces of a tailed request (without their timestamps). `tag` keeps the names
 * apart from what the other subtests made.
 */
async function exchanges(server, tag) {
  const got = {};
  const get = async (path) => answer(await fetch(`${server.base}${path}`, { signal: AbortSignal.timeout(10_000) }));
  const call = async (target, method, args) =>
    answer(await fetch(`${server.base}/js/${target}/${method}`, { method: "POST", body: JSON.stringify(args), signal: AbortSignal.timeout(10_000) }));
  for (const path of ["/", "/ws", "/nowhere", `/steps/${tag}-none`]) got[`GET ${path}`] = await get(path);
  got.calc = [await call("calc", "add", [2, 3.5]), await call("calc", "greet", ["wörld ✓"]), await call("calc", "reverse", [ALL_BYTES])];
  got.calc.push(await call("calc", "echo", [{ a: [1, 2.5, -0, 1e21, { b: null, c: "é\u0000" }], d: true }]));
  const counter = `counter/${tag}`;
  got.counter = [await call(counter, "count", []), await call(counter, "increment", [2]), await call(counter, "increment", [-7]), await call(counter, "count", [])];
  got.counterFetch = await get(`/counter/${tag}`);
  got.webSocket = await echoes(server, ["hi", "é ✓", new Uint8Array(ALL_BYTES), "", "close"]);
  const closed = await socket(`${server.base.replace("http", "ws")}/ws`);
  closed.ws.close(4000, "done");
  got.clientClose = (await closed.next()).code;
  // (What the platform stamps on each: when, and the ids it makes, as the same placeholders.)
  const stamped = (json) => JSON.parse(JSON.stringify(json, (key, value) => (key == "timestamp" ? "<time>" : value)).replace(/<[A-Za-z0-9]{36}@example\.com>/g, "<id>"));
  got.email = [];
  for (const [to, subject] of [["plain@example.com", "hi"], ["reject@example.com", "hi"], ["forward@example.com", "about é"], ["reply@example.com", "question"]]) {
    got.email.push(stamped(await deliver(server, to, subject)));
  }
  const send = async (from, raw) => answer(await post(server, `/send?from=a@example.com&to=b@example.com`, message(from, "b@example.com", raw)));
  got.send = [await send("a@example.com", "sent"), await send("c@example.com", "forged")];
  const id = `${tag}-order`;
  got.created = await answer(await post(server, `/workflows/${id}`, JSON.stringify({ id, fault: "second" })));
  got.workflow = await statusOf(server, id, (s) => s.status != "queued" && s.status != "running");
  got.steps = await get(`/steps/${id}`);
  const before = (await keptTraces(server, 0)).length;
  await (await fetch(`${server.base}/js/produce?say=${tag}`, { signal: AbortSignal.timeout(10_000) })).arrayBuffer();
  const traces = (await keptTraces(server, before + 1)).slice(before).flat();
  // (The Worker's name in its logs is the twin's own.)
  const named = (message) => message.map((part) => String(part).replace("tinyworker-producer-twin", "tinyworker-producer"));
  got.traces = traces.map((t) => [Object.keys(t).sort(), t.outcome, new URL(t.event.request.url).search, t.logs.map((l) => [l.level, named(l.message)])]);
  return got;
}

// The twin, served once for both builds.
let twin;
test.before(() => withWranglerDev(twinDir(), "platform-twin", async (server) => (twin = await exchanges(server, "twin")), { configs: ["producer.toml"] }));

// (One wrangler dev per build serves all of them, and the Worker it tails.)
for (const build of TEST_BUILDS) {
  test(`wrangler dev, ${build} build: a Worker's own WebSockets, RPC served by Rust, email, tail, Workflows`, async (t) => {
    await withWranglerDev(dirOf("platform", "talc", build), `platform-${build}`, async (server) => {
      await t.test("a Worker's own WebSocket echoes; a fault closes that socket alone", () => webSockets(server));
      await t.test("RPC into a Rust entrypoint and a Rust Durable Object, faults rejecting one call", () => rpcCalls(server));
      await t.test("email received, rejected, forwarded and replied to in Rust; a fault fails one delivery; send_email", () => emails(server));
      await t.test("a tail handler in Rust sees the tailed Worker's logs and outcomes; a fault loses its own delivery only", () => tails(server));
      await t.test("a Workflow in Rust: a step that faults once is retried, the others never run again; pause, resume, terminate", () => workflows(server));
      await t.test("every answer that names no fault is the JavaScript twin's, byte for byte", async () => {
        const rust = await exchanges(server, "twin");
        // (Every exchange that differs at once, each under its name.)
        const differing = Object.keys(twin).filter((key) => !isDeepStrictEqual(rust[key], twin[key]));
        const pick = (got) => Object.fromEntries(differing.map((key) => [key, got[key]]));
        assert.deepEqual(pick(rust), pick(twin));
      });
    }, { configs: ["producer.toml"] });
  });
}
