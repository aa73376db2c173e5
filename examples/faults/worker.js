// The Worker entry of the faults example: the module and its imports. It opts in to fault
// responses that carry the fault's message, because its tests check them; the default
// answers a bare "internal error (fault <id>)".
import wasm from "./app.wasm";
import { createWorker } from "tinyworker";
import { faultsImports } from "./imports.js";

export default createWorker(wasm, {
  imports: faultsImports,
  faultResponse: (fault) => new Response(`${fault.message}\n`, { status: 500 }),
});
