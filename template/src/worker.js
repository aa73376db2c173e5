// The Worker: the Rust module (built into build/app.wasm by wrangler's [build] command)
// served by tinyworker's glue, as tinyworker-build folded it for this module (build/glue.js:
// the package's "tinyworker" with only the code this module can reach).
import wasm from "../build/app.wasm";
import { createWorker } from "../build/glue.js";

export default createWorker(wasm);
