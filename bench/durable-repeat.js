// The in-isolate measurement of bench/durable.mjs: `GET /?t=<target>&n=<count>` makes <count>
// calls of a Durable Object's /incr inside one request to one object of that target, all in
// one turn (no storage commit between them: the calls alone). Targets: `tinyworker`
// (examples/room's class: glue, wasm, each call in its storage transaction), `js` (the
// JavaScript twin of bench/js-room.js) and `js_tx` (the twin, each call in transactionSync:
// the guarantee tinyworker gives, bought in JavaScript).
import wasm from "./app.wasm";
import { createDurableObject } from "tinyworker";
import { Room as JsRoom } from "./js-room.js";

const RustRoom = createDurableObject(wasm);

export class Room {
  constructor(ctx, env) {
    const js = new JsRoom(ctx);
    this.targets = {
      tinyworker: new RustRoom(ctx, env),
      js,
      js_tx: { fetch: (request) => ctx.storage.transactionSync(() => js.fetch(request)) },
    };
  }
  async fetch(request) {
    const url = new URL(request.url);
    const target = this.targets[url.searchParams.get("t")];
    const n = Number(url.searchParams.get("n")) || 1;
    const calls = [];
    for (let i = 0; i < n; i++) calls.push(target.fetch(new Request("http://bench.invalid/incr")));
    const answers = await Promise.all(calls);
    const wrong = answers.filter((a) => a.status != 200).length;
    return new Response(wrong ? `wrong: ${wrong} of ${n}` : await answers.at(-1).text(), { status: wrong ? 500 : 200 });
  }
}

export default {
  fetch(request, env) {
    // (One object per target: each counts from its own stored value.)
    const target = new URL(request.url).searchParams.get("t");
    return env.ROOM.get(env.ROOM.idFromName(target)).fetch(request);
  },
};
