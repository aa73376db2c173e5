// A tenant's Worker, as the loader starts it in an isolate of its own: the tenant's module
// (`app.wasm`, its code as the loader stored it) served by the tinyworker glue, the whole
// package (scripts/bundle.mjs ships this entry bundled with every glue feature, as text, for the
// loader to hand to the Worker Loader: one glue for any tenant module). The host functions a
// tenant may import are examples/faults' (a module that imports none ignores them).
import wasm from "./app.wasm";
import { createWorker } from "tinyworker";
import { faultsImports } from "../faults/imports.js";

export default createWorker(wasm, { imports: faultsImports });
