// The Worker: the Rust module (build/app.wasm, which wrangler's [build] command compiles) served
// by tinyworker's glue. tinyworker-build bundles this file with the glue's source, folded for
// this module (only the code it can reach), into build/worker/worker.js: what wrangler ships.
import wasm from "../build/app.wasm";
import { createWorker } from "tinyworker";

export default createWorker(wasm);
