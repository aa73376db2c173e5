// examples/proxy with a pool of 2 instances and a queue of 1 (what `make test` serves to show
// the pool's cap); the default entry uses the glue's defaults (128 and 1,024).
import wasm from "./app.wasm";
import { createWorker } from "tinyworker";

export default createWorker(wasm, { pool: { instances: 2, queue: 1 } });
