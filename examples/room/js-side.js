// examples/room with a JavaScript side, as a Durable Object that moved from JavaScript (or
// workers-rs) to tinyworker has: the same class, whose `/js/...` routes touch its storage from
// JavaScript and the rest go to the Rust module. What the tests serve (test/room.test.mjs).
//   /js/put/<key>?kind=<kind>  stores the sample value of that kind (below)
//   /js/delete/<key>           removes the key
import wasm from "./app.wasm";
import { createDurableObject } from "tinyworker";
import { route } from "./router.js";
import { SAMPLES } from "./samples.js";


const RustRoom = createDurableObject(wasm);

export class Room extends RustRoom {
  constructor(ctx, env) {
    super(ctx, env);
    const rust = this.fetch;
    this.fetch = (request) => {
      const url = new URL(request.url);
      const [, js, op, key] = url.pathname.split("/");
      if (js !== "js") return rust(request);
      if (op === "put") ctx.storage.kv.put(key, SAMPLES[url.searchParams.get("kind")]());
      else if (op === "delete") ctx.storage.kv.delete(key);
      else return new Response("no such route\n", { status: 404 });
      return new Response("done\n");
    };
  }
}

export default { fetch: route };
