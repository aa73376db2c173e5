// The Worker: the Rust module (built into build/app.wasm by wrangler's [build] command)
// served by tinyworker's glue.
import wasm from "../build/app.wasm";
import { createWorker } from "tinyworker";

export default createWorker(wasm);
