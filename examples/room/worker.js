// The Worker entry of examples/room: the Durable Object class `Room` (one instance of the
// module per object) and a router that sends `?name=<object>` to that object.
import wasm from "./app.wasm";
import { createDurableObject } from "tinyworker";
import { route } from "./router.js";

export const Room = createDurableObject(wasm);

export default { fetch: route };
