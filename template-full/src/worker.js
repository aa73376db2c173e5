// The Worker and its Durable Object class: the Rust module (build/app.wasm, which wrangler's
// [build] command compiles) served by tinyworker's glue. tinyworker-build bundles this file with
// the glue's source into build/worker/worker.js, what wrangler ships.
import wasm from "../build/app.wasm";
import { createDurableObject, createWorker } from "tinyworker";

export default createWorker(wasm);
// `tinyworker::durable_object!(class Counter { ... })` in src/lib.rs; bound as COUNTERS.
export const Counter = createDurableObject(wasm, { className: "Counter" });
