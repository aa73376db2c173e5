// What a client sees of a fault: by default a bare 500 with a short id that the console.error
// line repeats (no panic text, no import message, no internal detail); `faultResponse` lets
// a Worker build its own, and one that throws falls back to the default.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FAULT_ROUTES, get, quietly, workerOf } from "../helpers.mjs";

test("by default a fault answers 500 with an id and nothing internal; the log has both", async () => {
  const worker = workerOf("faults", { faultResponse: undefined });
  for (const [route, detail] of FAULT_ROUTES) {
    let response;
    const log = await quietly(async () => (response = await get(worker, route)));
    const [status, body] = response;
    assert.equal(status, 500, route);
    const id = body.match(/^internal error \(fault ([0-9a-f]{8})\)\n$/)?.[1];
    assert.ok(id, `${route}: ${JSON.stringify(body)}`);
    for (const secret of [detail, "injected", "thrown on purpose", "reentrant", ".rs:"]) assert.ok(!body.includes(secret), `${route} leaks ${secret}`);
    assert.equal(log.length, 1);
    assert.ok(log[0].startsWith(`tinyworker: fault ${id}: `) && log[0].includes(detail), `${route}: log ${log[0]}`);
    assert.deepEqual(await get(worker, "/"), [200, "ok"], `after ${route}`);
  }
});

test("faultResponse builds the response; one that throws falls back to the default", async () => {
  const seen = [];
  const custom = workerOf("faults", {
    faultResponse: (fault, id) => (seen.push([fault.kind, id]), new Response(`sorry ${id}`, { status: 503, headers: { "retry-after": "1" } })),
  });
  await quietly(async () => {
    const response = await custom.fetch(new Request("http://example.test/panic"));
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "1");
    assert.equal(await response.text(), `sorry ${seen[0][1]}`);
  });
  assert.equal(seen[0][0], "panic");

  const broken = workerOf("faults", { faultResponse: () => { throw new Error("broken hook"); } });
  await quietly(async () => {
    const [status, body] = await get(broken, "/abort");
    assert.equal(status, 500);
    assert.match(body, /^internal error \(fault [0-9a-f]{8}\)\n$/);
  });
});

test("a request too large is a 413 with a plain reason, not a fault", async () => {
  const worker = workerOf("faults", { faultResponse: undefined });
  const log = await quietly(async () => {
    const response = await worker.fetch(new Request("http://example.test/echo", { method: "POST", body: new Uint8Array(70_000) }));
    assert.equal(response.status, 413);
    assert.equal(await response.text(), "request too large\n");
  });
  assert.deepEqual(log, []);
});
