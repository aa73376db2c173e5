// tinyworker's JavaScript side (the host ABI of abi.js, docs/ABI.md): the package's face. Serves a
// tinyworker module as a Worker or a Durable Object, tells its faults apart and replaces an
// instance a fault poisoned (serve.js, object.js, runtime.js, with imports.js and pool.js); resilient()
// does the same for wasm-bindgen libraries (resilient.js). Types: glue.d.ts.
export { createRuntime, handle } from "./runtime.js";
export { Fault } from "./fault.js";
export { createWorker, createEntrypoint, createWorkflow } from "./serve.js";
export { createDurableObject } from "./object.js";
export { resilient } from "./resilient.js";
