// The unwind build against the abort build, in Node and in workerd: what survives a panic,
// that destructors ran, that an abort runs none, and that caught panics leak no stack.
import { test } from "node:test";
import assert from "node:assert/strict";
import { get, quietly, runtimeOf, startWorkerd, workerOf } from "../helpers.mjs";
import { handle } from "tinyworker";

/** The script; the expected answers differ only where the builds differ. */
const SCRIPT = (build) => [
  ["/incr", 200, "1"],
  ["/incr", 200, "2"],
  ["/incr", 200, "3"],
  ["/panic", 500, "panic: counter panicked on purpose\n"],
  // unwind: the instance was kept and the guard dropped; abort: a fresh instance.
  ["/count", 200, build === "abort" ? "0" : "3"],
  ["/drops", 200, build === "abort" ? "0" : "1"],
  ["/abort", 500, "abort: counter aborted on purpose\n"],
  // Both: an abort replaces the instance, and runs no destructor on its way.
  ["/count", 200, "0"],
  ["/drops", 200, "0"],
];

async function runScript(fetchPath, build) {
  for (const [path, status, body] of SCRIPT(build)) {
    assert.deepEqual(await fetchPath(path), [status, body], `${build} ${path}`);
  }
}

for (const build of ["unwind", "abort"]) {
  test(`Node, ${build} build: the counter script`, async () => {
    const worker = workerOf("counter", { build });
    await quietly(() => runScript((p) => get(worker, p), build));
    assert.equal(worker.runtime.instances, build === "abort" ? 3 : 2);
  });
}

for (const build of ["unwind", "unwind-exnref", "abort"]) {
  test(`workerd, ${build} build: the counter script over HTTP`, async () => {
    const server = await startWorkerd("counter", "none", build);
    try {
      await runScript((p) => server.get(p), build.replace("-exnref", ""));
    } finally {
      await server.stop();
    }
  });
}

test("unwind: 100,000 caught panics, shadow-stack pointer unchanged, state intact", () => {
  const rt = runtimeOf("counter", { build: "unwind" });
  assert.equal(new TextDecoder().decode(handle(rt, "GET", "http://example.test/incr", []).body), "1");
  const sp0 = rt.call((x) => x.__stack_pointer.value);
  let wrong = 0;
  for (let i = 0; i < 100_000; i++) {
    try {
      handle(rt, "GET", "http://example.test/panic", []);
      wrong++;
    } catch (e) {
      if (e.message !== "panic: counter panicked on purpose") wrong++;
    }
  }
  assert.equal(wrong, 0);
  // The glue restores the stack pointer only after an exception escaped wasm; these were
  // caught inside, so an unchanged value means the landing pads restored it themselves.
  assert.equal(rt.call((x) => x.__stack_pointer.value), sp0);
  assert.equal(rt.instances, 1);
  const text = (p) => new TextDecoder().decode(handle(rt, "GET", `http://example.test${p}`, []).body);
  assert.equal(text("/count"), "1");
  assert.equal(text("/drops"), "100000");
});

test("unwind: a JS exception from an import runs destructors and keeps the instance", async () => {
  const worker = workerOf("faults", { build: "unwind" });
  await quietly(async () => assert.equal((await get(worker, "/js-throw"))[0], 500));
  assert.deepEqual(await get(worker, "/drops"), [200, "1"]);
  assert.equal(worker.runtime.instances, 1);
  // In the abort build the same exception skips the guard and replaces the instance.
  const abort = workerOf("faults", { build: "abort" });
  await quietly(() => get(abort, "/js-throw"));
  assert.deepEqual(await get(abort, "/drops"), [200, "0"]);
  assert.equal(abort.runtime.instances, 2);
});
