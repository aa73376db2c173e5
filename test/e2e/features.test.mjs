// The glue shipped with a module is the glue for that module (js/features.js, substituted by
// the bundler from the module's imports): hello, which imports nothing, ships without the
// request-part import, the fault-record reader and the reentrancy guard; a module that needs
// them ships with them; and the package itself (unbundled) has everything.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { bundledGlue, exportNames, features, importNames } from "../../js/build.mjs";
import { MeterError, meter } from "tinyworker/meter";
import * as all from "tinyworker/features";
import { TEST_BUILDS, dirOf, wasmOf } from "../helpers.mjs";

const answers = (source) => Object.fromEntries([...source.matchAll(/export const (\w+) = (true|false);/g)].map(([, k, v]) => [k, v === "true"]));

test("import names read from the import section equal what V8 reads, for every built module", () => {
  const modules = [`${dirOf("hello")}/app.wasm`, `${dirOf("faults")}/app.wasm`, `${dirOf("counter", "none", "unwind")}/app.wasm`, `${dirOf("counter")}/../bindgen-lib/bindgen_lib_bg.wasm`];
  for (const file of modules) {
    const bytes = readFileSync(file);
    const v8 = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i) => `${i.module}.${i.name}`);
    assert.deepEqual(importNames(bytes), v8, file);
    assert.deepEqual(exportNames(bytes), WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name), file);
  }
  // An exnref module, which this Node cannot compile, still has its imports read.
  assert.deepEqual(importNames(readFileSync(`${dirOf("counter", "none", "unwind-exnref")}/app.wasm`)), ["env.__tw_request", "env.__cpp_exception"]);
  // A module cut short, or not a module, is refused (the meter's reader: one for both).
  const faults = readFileSync(`${dirOf("faults")}/app.wasm`);
  for (const bytes of [faults.subarray(0, 40), faults.subarray(0, 6), new TextEncoder().encode("(module)")]) {
    assert.throws(() => importNames(bytes), MeterError);
    assert.throws(() => exportNames(bytes), MeterError);
  }
});

test("the package's own features.js turns everything on", () => {
  assert.deepEqual({ ...all }, { BRIDGE: true, CLASSES: true, ENV_VARS: true, EVENTS: true, FAULT_RECORDS: true, HOST_IMPORTS: true, LOG: true, OBJECTS: true, REQUEST_PARTS: true, RPC: true, START: true, STORAGE: true, WEB_SOCKETS: true, EMAIL: true, TAIL: true, WORKFLOWS: true, FUEL: true, QUEUE_BATCH: true, QUEUE_MESSAGE: true, RESTORE: true, OBJECT_EVENTS: true });
});

for (const build of TEST_BUILDS) {
  test(`${build}: each module's features follow its imports and exports`, () => {
    const none = { REQUEST_PARTS: false, FAULT_RECORDS: false, HOST_IMPORTS: false, ENV_VARS: false, LOG: false, STORAGE: false, BRIDGE: false, EVENTS: false, QUEUE_BATCH: false, QUEUE_MESSAGE: false, WEB_SOCKETS: false, EMAIL: false, TAIL: false, WORKFLOWS: false, RPC: false, START: false, FUEL: false, RESTORE: false, OBJECT_EVENTS: false, OBJECTS: false, CLASSES: false };
    assert.deepEqual(answers(features(wasmOf("hello", "none", build))), none);
    assert.deepEqual(answers(features(wasmOf("counter", "none", build))), { ...none, REQUEST_PARTS: true, FAULT_RECORDS: true });
    assert.deepEqual(answers(features(wasmOf("faults", "talc", build))), { ...none, REQUEST_PARTS: true, FAULT_RECORDS: true, HOST_IMPORTS: true });
    // (proxy answers its errors with `?`: their log lines need __tw_log.)
    assert.deepEqual(answers(features(wasmOf("proxy", "talc", build))), { ...none, REQUEST_PARTS: true, FAULT_RECORDS: true, ENV_VARS: true, LOG: true, BRIDGE: true });
    // (room answers `Err`s: their log lines need __tw_log.)
    assert.deepEqual(answers(features(wasmOf("room", "talc", build))), { ...none, REQUEST_PARTS: true, FAULT_RECORDS: true, LOG: true, STORAGE: true, RESTORE: true, OBJECTS: true });
    // (bindings consumes its queue a batch at a time: the events glue ships with it; and it has a
    // start hook.)
    assert.deepEqual(answers(features(wasmOf("bindings", "talc", build))), { ...none, REQUEST_PARTS: true, FAULT_RECORDS: true, LOG: true, BRIDGE: true, EVENTS: true, QUEUE_BATCH: true, START: true });
    // Events, and a Worker with its Durable Object classes in one module.
    // (jobs consumes its queue a message at a time: only that wrapper ships.)
    assert.deepEqual(answers(features(wasmOf("jobs", "talc", build))), { ...none, REQUEST_PARTS: true, FAULT_RECORDS: true, LOG: true, BRIDGE: true, EVENTS: true, QUEUE_MESSAGE: true });
    const chat = { ...none, REQUEST_PARTS: true, FAULT_RECORDS: true, LOG: true, STORAGE: true, BRIDGE: true, EVENTS: true, OBJECTS: true, CLASSES: true };
    assert.deepEqual(answers(features(wasmOf("chat", "talc", build))), { ...chat, RESTORE: true, OBJECT_EVENTS: true });
    // A Worker's own WebSockets, email, tail, a Workflow and RPC methods (an entrypoint's, an
    // object class's); its object has no restore hook, alarm or WebSockets of its own.
    const platform = { ...chat, WEB_SOCKETS: true, EMAIL: true, TAIL: true, WORKFLOWS: true, RPC: true };
    assert.deepEqual(answers(features(wasmOf("platform", "talc", build))), platform);
    // A metered module (tinyworker/meter, tinyworker-build --fuel) exports its tank.
    assert.deepEqual(answers(features(meter(wasmOf("hello", "none", build)))), { ...none, FUEL: true });
    assert.deepEqual(answers(features(meter(wasmOf("faults", "talc", build)))), { ...none, REQUEST_PARTS: true, FAULT_RECORDS: true, HOST_IMPORTS: true, FUEL: true });
  });
}

test("the glue of a metered module tells a trap out of fuel; the glue of any other has none of it", async () => {
  const needle = "out of fuel";
  assert.ok(!readFileSync(`${dirOf("faults")}/worker.js`, "utf8").includes(needle), "faults ships the fuel message");
  assert.ok(!readFileSync(`${dirOf("hello")}/worker.js`, "utf8").includes(needle), "hello ships the fuel message");
  assert.ok((await bundledGlue(meter(wasmOf("hello", "none", "abort")))).includes(needle), "metered hello lacks it");
});

test("what ships: hello's worker.js has none of the glue it cannot reach; faults' has all of it", () => {
  const hello = readFileSync(`${dirOf("hello")}/worker.js`, "utf8");
  const faults = readFileSync(`${dirOf("faults")}/worker.js`, "utf8");
  for (const needle of ["__tw_request", "__cpp_exception", "reentrant call refused", "keepAfterPanic"]) {
    assert.ok(!hello.includes(needle), `hello ships ${needle}`);
    assert.ok(faults.includes(needle), `faults lacks ${needle}`);
  }
  // A queue consumer ships the wrapper of its own form only: a batch's (`retryAll`) or a message's.
  const jobs = readFileSync(`${dirOf("jobs", "talc")}/worker.js`, "utf8");
  const bindings = readFileSync(`${dirOf("bindings", "talc")}/worker.js`, "utf8");
  assert.ok(bindings.includes("retryAll") && !jobs.includes("retryAll"), "the batch wrapper ships with bindings alone");
  assert.ok(jobs.includes("queue message") && !bindings.includes("queue message"), "the message wrapper ships with jobs alone");
  // An object's events and restore hook ship with a class that has them (chat's Room), not with
  // one that has none (platform's Counter).
  const chat = readFileSync(`${dirOf("chat", "talc")}/worker.js`, "utf8");
  const platform = readFileSync(`${dirOf("platform", "talc")}/worker.js`, "utf8");
  for (const needle of ["webSocketMessage", "__tw_restore"]) {
    assert.ok(chat.includes(needle), `chat lacks ${needle}`);
    assert.ok(!platform.includes(needle), `platform ships ${needle}`);
  }
  // Only a module that suspends ships the JSPI import, the pool and the 503.
  const proxy = readFileSync(`${dirOf("proxy", "talc")}/worker.js`, "utf8");
  for (const needle of ["Suspending", "promising", "too many requests in flight", "__tw_env"]) {
    assert.ok(!faults.includes(needle), `faults ships ${needle}`);
    assert.ok(proxy.includes(needle), `proxy lacks ${needle}`);
  }
});
