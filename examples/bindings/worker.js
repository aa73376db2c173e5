// The Worker entry of examples/bindings: its module, with one host function of its own that the
// Rust handler calls through the bridge (`bridge::call(Target::Host("lookup"), "", ...)`), and
// the platform's `connect` (cloudflare:sockets) for `tinyworker::socket`. The
// bodies of `PUT /r2/<key>` and `PUT /kv/<key>` are left unread (`streamBodies`): the handler
// passes them on as they arrive, so a value of any size the platform takes is stored.
import wasm from "./app.wasm";
import { connect } from "cloudflare:sockets";
import { createWorker } from "tinyworker";

/** An async host function: what a Worker adds when the runtime wraps nothing it needs. */
async function lookup(key) {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return `looked up ${key}`;
}

const streamed = (request) => request.method == "PUT" && /^\/(r2|kv)\//.test(new URL(request.url).pathname);

export default createWorker(wasm, { host: { lookup, connect }, streamBodies: streamed });
