// The Worker entry of examples/bindings: its module, with one host function of its own that the
// Rust handler calls through the bridge (`bridge::call(Target::Host("lookup"), "", ...)`).
import wasm from "./app.wasm";
import { createWorker } from "tinyworker";

/** An async host function: what a Worker adds when the runtime wraps nothing it needs. */
async function lookup(key) {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return `looked up ${key}`;
}

export default createWorker(wasm, { host: { lookup } });
