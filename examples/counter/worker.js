// The Worker entry of the counter example. It opts in to fault responses that carry the
// fault's message, because its tests check them; the default answers a bare
// "internal error (fault <id>)".
import wasm from "./app.wasm";
import { createWorker } from "tinyworker";

export default createWorker(wasm, {
  faultResponse: (fault) => new Response(`${fault.message}\n`, { status: 500 }),
});
