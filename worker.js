// The default Worker entry of an example: its wasm module served by the tinyworker package.
import wasm from "./app.wasm";
import { createWorker } from "tinyworker";

export default createWorker(wasm);
