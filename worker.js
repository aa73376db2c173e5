// The Worker entry of an example: its wasm module served through glue.js.
import wasm from "./app.wasm";
import { createWorker } from "./glue.js";

export default createWorker(wasm);
