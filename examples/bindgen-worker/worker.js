// A JavaScript Worker that uses a Rust library built with wasm-bindgen (fixtures/bindgen-lib)
// through glue.js's resilient(): a trap or out-of-memory in the library answers that
// request with a 500, and the next request gets a fresh instance instead of a poisoned one.
import * as bindings from "./bindgen_lib.js";
import wasm from "./bindgen_lib_bg.wasm";
import { resilient } from "tinyworker";

let counter; // state the Worker keeps in the library; rebuilt after a reset
const lib = resilient(bindings, { module: wasm, onReset: () => (counter = undefined) });

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const q = (name) => url.searchParams.get(name) ?? "";
    try {
      switch (url.pathname) {
        case "/add":
          return new Response(String(lib.add(Number(q("a")), Number(q("b")))));
        case "/reverse":
          return new Response(lib.reverse(q("text")));
        case "/count":
          counter ??= new lib.Counter(0);
          return new Response(String(counter.incr()));
        case "/fail":
          lib.fail(q("message") || "failed on purpose");
          return new Response("unreachable");
        case "/trap":
          return new Response(String(lib.trap()));
        case "/oom":
          return new Response(String(lib.exhaust_memory()));
        case "/later": // an async export (wasm-bindgen-futures): awaits a task, then adds
          return new Response(String(await lib.add_later(Number(q("a")), Number(q("b")))));
        case "/trap-later": // traps after an await: the Promise rejects with the Fault
          return new Response(String(await lib.trap_later()));
        case "/resets":
          return new Response(String(lib.resets));
        default:
          return new Response("not found\n", { status: 404 });
      }
    } catch (e) {
      // A fault (e.kind) is a 500; an error the library threw on purpose is the caller's 400.
      return new Response(`${e.message}\n`, { status: e.kind ? 500 : 400 });
    }
  },
};
