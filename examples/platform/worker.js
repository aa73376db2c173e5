// The Worker entry of examples/platform. The Rust module serves the Worker (its routes, its own
// WebSockets and its email), the RPC entrypoint `Calc` and the Durable Object class `Counter` with RPC
// methods. The `/js/...` routes are a JavaScript caller: they call those methods through the
// platform's RPC (a service binding to this Worker's own entrypoint, a Durable Object stub),
// exactly as another Worker would, and answer what each call answered or the error it rejected
// with; `/js/produce?say=<word>` calls the Worker this one tails (services/producer.js).
import wasm from "./app.wasm";
import { DurableObject, WorkerEntrypoint, WorkflowEntrypoint } from "cloudflare:workers";
import { EmailMessage } from "cloudflare:email";
import { createDurableObject, createEntrypoint, createWorker, createWorkflow } from "tinyworker";
import { callFromJs } from "./caller.js";

// (`EmailMessage`, which only an entry can import, for a reply and the `send_email` binding.)
const worker = createWorker(wasm, { host: { EmailMessage } });
export const Calc = createEntrypoint(wasm, { className: "Calc", base: WorkerEntrypoint });
export const Counter = createDurableObject(wasm, { className: "Counter", base: DurableObject });
export const Order = createWorkflow(wasm, { className: "Order", base: WorkflowEntrypoint });

export default {
  fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (pathname == "/js/produce") return env.PRODUCER.fetch(request);
    if (pathname.startsWith("/js/")) return callFromJs(request, env);
    return worker.fetch(request, env, ctx);
  },
  email: (message, env, ctx) => worker.email(message, env, ctx),
  tail: (traces, env, ctx) => worker.tail(traces, env, ctx),
};
