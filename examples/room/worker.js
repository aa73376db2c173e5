// The Worker entry of examples/room: the Durable Object class `Room` (one instance of the
// module per object) and a router that sends `?name=<object>` to that object.
import wasm from "./app.wasm";
import { createDurableObject } from "tinyworker";

export const Room = createDurableObject(wasm);

export default {
  fetch(request, env) {
    const name = new URL(request.url).searchParams.get("name") ?? "default";
    return env.ROOM.get(env.ROOM.idFromName(name)).fetch(request);
  },
};
