// What examples/proxy must do, written once and run against two hosts: Node 24 calling the
// Worker object (test/jspi/proxy.test.mjs) and workerd over HTTP (test/proxy.test.mjs). Each
// scenario takes `send(path, init)`, which resolves to a Response.
import assert from "node:assert/strict";

const text = async (response) => [response.status, await response.text()];
const bytes = async (response) => new Uint8Array(await response.arrayBuffer());
const generic = /^internal error \(fault [0-9a-f]{8}\)\n$/;

/** Every route: env, the origin both ways (status, headers, binary bodies), KV, faults, 502. */
export async function everyRoute(send) {
  assert.deepEqual(await text(await send("/")), [200, "ok"]);
  assert.deepEqual(await text(await send("/env")), [200, "hello from the env"]);

  let r = await send("/origin/x");
  assert.deepEqual(await text(r), [200, "origin x"]);
  assert.equal(r.headers.get("x-tinyworker"), "proxied");
  assert.equal(r.headers.get("content-type"), "text/plain", "the origin's headers come back");
  r = await send("/origin/status/418");
  assert.deepEqual([r.status, r.headers.get("x-origin"), await r.text()], [418, "yes", "status 418"]);
  r = await send("/origin/binary");
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(await bytes(r), all, "a binary body from the origin, intact");
  assert.equal(r.headers.get("content-type"), "application/octet-stream");
  // POST forwards the method, the headers and a binary body.
  r = await send("/origin/echo?q=1", { method: "POST", headers: { "x-test": "é ok", "content-type": "application/octet-stream" }, body: all });
  const echo = await r.json();
  assert.equal(echo.method, "POST");
  assert.equal(echo.headers["x-test"], "é ok");
  assert.equal(echo.body, [...all].map((b) => b.toString(16).padStart(2, "0")).join(""), "a binary body to the origin, intact");
  // The body through the request's own I/O buffer, no allocator involved.
  assert.deepEqual(await bytes(await send("/scratch/binary")), all);

  const key = `k-${Math.random().toString(36).slice(2)}`;
  assert.equal((await send(`/kv/${key}`)).status, 404, "absent");
  assert.equal((await send(`/kv/${key}`, { method: "PUT", body: new Uint8Array([0, 1, 255, 2]) })).status, 201);
  assert.deepEqual(await bytes(await send(`/kv/${key}`)), new Uint8Array([0, 1, 255, 2]), "a binary value, intact");
  assert.equal((await send(`/kv/${key}`, { method: "DELETE" })).status, 200);
  assert.equal((await send(`/kv/${key}`)).status, 404, "deleted");

  assert.deepEqual(await text(await send("/slow?ms=20")), [200, "slow 20"]);
  // A subrequest with a timeout: answered within it, or abandoned (the platform's TimeoutError).
  assert.deepEqual(await text(await send("/slow?ms=20&timeout=5000")), [200, "slow 20"]);
  const t0 = performance.now();
  assert.deepEqual(await text(await send("/slow?ms=10000&timeout=100")), [504, "gateway timeout\n"]);
  assert.ok(performance.now() - t0 < 8000, `abandoned after ${Math.round(performance.now() - t0)} ms, not the origin's 10000`);
  // A subrequest raced against a timer: the first to settle wins; the loser is aborted.
  assert.deepEqual(await text(await send("/race?ms=20&timer=5000")), [200, "200"]);
  const t1 = performance.now();
  assert.deepEqual(await text(await send("/race?ms=10000&timer=50")), [200, "timer first; the subrequest aborted\n"]);
  assert.ok(performance.now() - t1 < 8000, `the timer won after ${Math.round(performance.now() - t1)} ms, not the origin's 10000`);
  for (const fault of ["/origin-then-panic", "/origin-then-abort", "/origin-then-oom"]) {
    const [status, body] = await text(await send(fault));
    assert.equal(status, 500, fault);
    assert.match(body, generic, `${fault}: nothing internal in the body`);
    assert.deepEqual(await text(await send("/")), [200, "ok"], `after ${fault}`);
  }
  assert.deepEqual(await text(await send("/unreachable-origin")), [502, "bad gateway\n"]);
}

/**
 * 64 concurrent /slow?ms=200 finish in well under 64 × 200 ms while / keeps answering: each /
 * is answered while they are in flight, not queued behind them (no bound on any single one,
 * which a busy 2-core machine breaks: the first / waits for instances to be made).
 */
export async function concurrentSlow(send) {
  const t0 = performance.now();
  let finished = 0;
  const slow = Array.from({ length: 64 }, () =>
    send("/slow?ms=200").then(text).then((answer) => {
      finished++;
      return answer;
    }),
  );
  // While they are suspended, / is answered (each on an instance of its own).
  const quick = [];
  for (let i = 0; i < 10; i++) {
    const q0 = performance.now();
    const answer = await text(await send("/"));
    quick.push([answer, performance.now() - q0, finished]);
  }
  const results = await Promise.all(slow);
  const elapsed = performance.now() - t0;
  assert.ok(results.every(([s, b]) => s === 200 && b === "slow 200"), JSON.stringify(results.filter(([s, b]) => s !== 200 || b !== "slow 200")));
  assert.ok(elapsed < (64 * 200) / 4, `64 × 200 ms took ${Math.round(elapsed)} ms`);
  assert.ok(quick.every(([[s, b]]) => s === 200 && b === "ok"), `/ answered ${JSON.stringify(quick)}`);
  // Not queued behind them: every / answered while slow requests were still in flight, and the
  // typical one at once (the median: the first waits for instances to be made, and a busy
  // machine stretches one or two).
  assert.ok(quick.every(([, , done]) => done < 64), `/ was answered only after the slow requests: ${JSON.stringify(quick)}`);
  const median = quick.map(([, ms]) => ms).sort((a, b) => a - b)[5];
  assert.ok(median < 100, `/ answered in a median ${median.toFixed(1)} ms behind 64 suspended requests: ${JSON.stringify(quick)}`);
  return { elapsed, quick: quick.map(([, ms]) => ms) };
}

/** 32 in-flight /slow plus the three /origin-then-* faults at once. */
export async function slowWithFaults(send) {
  const slow = Array.from({ length: 32 }, () => send("/slow?ms=150").then(text));
  const faults = ["/origin-then-panic", "/origin-then-abort", "/origin-then-oom"].map((p) => send(p).then(text));
  const [slowResults, faultResults] = await Promise.all([Promise.all(slow), Promise.all(faults)]);
  assert.ok(slowResults.every(([s, b]) => s === 200 && b === "slow 150"), JSON.stringify(slowResults));
  assert.ok(faultResults.every(([s, b]) => s === 500 && generic.test(b)), JSON.stringify(faultResults));
  assert.deepEqual(await text(await send("/")), [200, "ok"]);
}

/** With a pool of 2 and a queue of 1: the third request waits, the fourth gets 503. */
export async function poolCap(send) {
  const started = performance.now();
  const first = [send("/slow?ms=300").then(text), send("/slow?ms=300").then(text)];
  await new Promise((resolve) => setTimeout(resolve, 50));
  let thirdDone = 0;
  const third = send("/env").then(async (r) => ((thirdDone = performance.now() - started), text(r)));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const [status, body] = await text(await send("/env"));
  assert.equal(status, 503, "the queue (1) is full");
  assert.match(body, /too many requests in flight/);
  assert.deepEqual(await third, [200, "hello from the env"]);
  assert.ok(thirdDone >= 250, `the third request waited for an instance (${Math.round(thirdDone)} ms)`);
  assert.ok((await Promise.all(first)).every(([s, b]) => s === 200 && b === "slow 300"));
}

/**
 * A client's mistakes are 400s, never an outage: KV keys the platform refuses (empty, `.`,
 * `..`, over 512 bytes) reach the handler as `Error::InvalidArgument`. An answer larger than
 * the heap limit is `Err(TooLarge)`: the handler's 500, and the instance goes on.
 */
export async function clientMistakes(send) {
  const long = "k".repeat(513);
  for (const key of ["", ".", "..", long]) {
    for (const init of [{}, { method: "PUT", body: "v" }, { method: "DELETE" }]) {
      const [status, body] = await text(await send(`/kv?key=${encodeURIComponent(key)}`, init));
      assert.deepEqual([status, body], [400, "bad request\n"], `${init.method ?? "GET"} key ${JSON.stringify(key.slice(0, 8))} (${key.length})`);
    }
  }
  assert.equal((await send(`/kv?key=${"k".repeat(512)}`)).status, 404, "512 bytes is a valid key");
  assert.equal((await send("/kv/a%2Fb%20c", { method: "PUT", body: "v" })).status, 201, "a percent-encoded key");
  assert.deepEqual(await text(await send("/kv?key=a%2Fb%20c")), [200, "v"]);
  // 40 MiB from the origin against the handler's 32 MiB heap limit: the handler's `Err` (500).
  assert.deepEqual(await text(await send("/origin/big?mib=40")), [500, "internal error\n"]);
  assert.deepEqual(await text(await send("/origin/big?mib=0.5")).then(([s]) => s), 200);
  assert.deepEqual(await text(await send("/")), [200, "ok"]);
}
