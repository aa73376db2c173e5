// The Worker entry of the faults example: the module, its imports, and glue.js.
import wasm from "./app.wasm";
import { createWorker } from "./glue.js";
import { faultsImports } from "./imports.js";

export default createWorker(wasm, { imports: faultsImports });
