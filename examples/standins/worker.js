// The Worker entry of examples/standins: the Worker and its two Durable Object classes.
import wasm from "./app.wasm";
import { createDurableObject, createWorker } from "tinyworker";

export default createWorker(wasm);
export const Alpha = createDurableObject(wasm, { className: "Alpha" });
export const Beta = createDurableObject(wasm, { className: "Beta" });
