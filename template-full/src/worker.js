// The Worker and its Durable Object class: the Rust module (built into build/app.wasm by
// wrangler's [build] command) served by tinyworker's glue, as tinyworker-build folded it for
// this module (build/glue.js).
import wasm from "../build/app.wasm";
import { createDurableObject, createWorker } from "../build/glue.js";

export default createWorker(wasm);
// `tinyworker::durable_object!(class Counter { ... })` in src/lib.rs; bound as COUNTERS.
export const Counter = createDurableObject(wasm, { className: "Counter" });
