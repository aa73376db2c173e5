// The Worker: the Rust module (build/app.wasm, which wrangler's [build] command compiles) served
// by tinyworker's glue. tinyworker-build bundles this file with the glue's source into
// build/worker/worker.js, what wrangler ships; build/glue.js is that glue folded for this
// module alone (only the code the module can reach), which the bundle is made from.
import wasm from "../build/app.wasm";
import { createWorker } from "../build/glue.js";

export default createWorker(wasm);
