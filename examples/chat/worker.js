// The Worker entry of examples/chat: one module serves the Worker and its Durable Object classes
// (`durable_object!(class Room { ... })` and `class Ledger` in the same crate). A ledger waits
// for I/O in its calls: `io: true` (its writes commit when a call answers).
import wasm from "./app.wasm";
import { createDurableObject, createWorker } from "tinyworker";

export default createWorker(wasm);
export const Room = createDurableObject(wasm, { className: "Room" });
export const Ledger = createDurableObject(wasm, { className: "Ledger", io: true });
