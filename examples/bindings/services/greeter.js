// The service examples/bindings calls through Workers RPC (its GREETER binding): a
// WorkerEntrypoint whose methods another Worker calls like functions.
import { WorkerEntrypoint } from "cloudflare:workers";

export class Greeter extends WorkerEntrypoint {
  hello(name) {
    return `hello ${name}`;
  }
}

export default {
  fetch() {
    return new Response("the greeter answers RPC only\n", { status: 404 });
  },
};
