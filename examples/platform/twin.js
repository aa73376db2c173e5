// The JavaScript twin of examples/platform: the same routes, RPC methods, email, tail and Workflow
// handlers in plain JavaScript, so the tests can compare the Rust Worker's answers with what a
// JavaScript Worker gets from the platform, byte for byte (test/e2e/jspi/platform.test.mjs).
// Not shipped with the example; it has no fault routes (a fault is Rust's to contain).
import { DurableObject, WorkerEntrypoint, WorkflowEntrypoint } from "cloudflare:workers";
import { EmailMessage } from "cloudflare:email";
import { callFromJs } from "./caller.js";

const text = (body, status = 200) => new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

export class Calc extends WorkerEntrypoint {
  add(a, b) {
    if (typeof a != "number" || typeof b != "number") throw new Error("not numbers");
    return a + b;
  }
  greet(name) {
    return `hello ${name}`;
  }
  reverse(bytes) {
    return new Uint8Array(bytes).reverse();
  }
  echo(value) {
    return JSON.parse(JSON.stringify(value));
  }
}

export class Counter extends DurableObject {
  async #count() {
    return Number((await this.ctx.storage.get("count")) ?? 0);
  }
  async increment(n) {
    if (!Number.isSafeInteger(n)) throw new Error("not a whole number");
    const count = (await this.#count()) + n;
    await this.ctx.storage.put("count", String(count));
    return count;
  }
  count() {
    return this.#count();
  }
  async fetch() {
    return text(`${await this.#count()}\n`);
  }
}

export class Order extends WorkflowEntrypoint {
  async run(event, step) {
    const params = event.payload;
    if (typeof params.sleep == "number") await step.sleep("wait", params.sleep);
    const config = { retries: { limit: 2, delay: 50, backoff: "constant" } };
    const results = [];
    for (const name of ["first", "second", "third"]) {
      results.push(await step.do(name, config, async (context) => {
        const attempt = context?.attempt ?? 1;
        await this.env.STEPS.put(`${params.id}:${name} ${attempt}`, "");
        if (params.fault == name && attempt == 1) throw new Error(`step ${name} fails its first attempt`);
        return `${name} done`;
      }));
    }
    return results;
  }
}

/** The names under `prefix` in KV namespace `kv`, in order. */
async function names(kv, prefix) {
  return (await kv.list({ prefix })).keys.map((k) => k.name);
}

/** A WebSocket the Worker serves itself: an echo; `close` closes it with 1000 `bye`. */
function webSocket() {
  const [client, server] = Object.values(new WebSocketPair());
  server.accept();
  // (Binary messages as bytes: 2026 compatibility dates deliver them as a Blob, which send()
  // would send as the text "[object Blob]".)
  server.binaryType = "arraybuffer";
  server.addEventListener("message", ({ data }) => (data === "close" ? server.close(1000, "bye") : server.send(data)));
  server.addEventListener("close", ({ code }) => server.close([1005, 1006, 1015].includes(code) ? 1000 : code, ""));
  return new Response(null, { status: 101, webSocket: client });
}

async function workflows(request, env, rest) {
  const [id, action = ""] = rest.split("/");
  if (request.method == "POST" && action == "") {
    await env.ORDERS.create({ id, params: JSON.parse(await request.text()) });
    return text("created\n", 201);
  }
  const instance = await env.ORDERS.get(id);
  if (request.method == "GET" && action == "") return new Response(JSON.stringify(await instance.status()), { headers: { "content-type": "application/json" } });
  if (request.method == "POST" && ["pause", "resume", "terminate"].includes(action)) {
    await instance[action]();
    return text("", 204);
  }
  return text("not found\n", 404);
}

async function fetch(request, env) {
  const url = new URL(request.url);
  const path = url.pathname;
  if (path == "/") return text("GET /ws (a WebSocket echo); RPC: Calc, Counter\n");
  if (path == "/ws") return request.headers.get("upgrade")?.toLowerCase() == "websocket" ? webSocket() : text("a WebSocket upgrade, please\n", 426);
  if (path == "/send" && request.method == "POST") {
    const [from, to] = ["from", "to"].map((name) => url.searchParams.get(name) ?? "");
    const raw = new Uint8Array(await request.arrayBuffer());
    try {
      await env.MAIL.send(new EmailMessage(from, to, raw));
    } catch {
      return text("bad gateway\n", 502);
    }
    return text("sent\n", 202);
  }
  if (path == "/tails") {
    const lines = await Promise.all((await names(env.TAILS, "tail:")).map((name) => env.TAILS.get(name)));
    return text(lines.map((line) => `${line}\n`).join(""));
  }
  if (path.startsWith("/workflows/")) return workflows(request, env, path.slice("/workflows/".length));
  if (path.startsWith("/steps/")) {
    const prefix = `${path.slice("/steps/".length)}:`;
    return text((await names(env.STEPS, prefix)).map((name) => `${name.slice(prefix.length)}\n`).join(""));
  }
  if (path.startsWith("/counter/")) return env.COUNTERS.get(env.COUNTERS.idFromName(path.slice("/counter/".length))).fetch(request);
  return text("not found\n", 404);
}

/** An email: what happens to it is its recipient's local part. */
async function email(message) {
  const local = message.to.split("@")[0];
  const subject = message.headers.get("subject") ?? "";
  if (local == "reject") return message.setReject("no such mailbox");
  if (local == "forward") return message.forward("inbox@example.com", new Headers({ "X-Seen-By": "tinyworker", "X-Subject": subject }));
  if (local == "reply") {
    const id = message.headers.get("message-id");
    const reply =
      `From: ${message.to}\r\nTo: ${message.from}\r\nSubject: Re: ${subject}\r\nMessage-ID: <re-${id.replace(/^[<>]+|[<>]+$/g, "")}>\r\n` +
      `In-Reply-To: ${id}\r\nContent-Type: text/plain\r\n\r\nreceived ${message.rawSize} bytes\r\n`;
    return message.reply(new EmailMessage(message.to, message.from, new TextEncoder().encode(reply)));
  }
}

/** Traces of the Worker this one tails, kept as their JSON under their first's timestamp. */
async function tail(traces, env) {
  const json = JSON.stringify(traces);
  if (json.includes("fault-tail")) throw new Error("asked to fail");
  await env.TAILS.put(`tail:${String(traces[0].eventTimestamp).padStart(16, "0")}`, json);
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    // (The JavaScript caller's routes, as examples/platform/worker.js has them.)
    if (pathname == "/js/produce") return env.PRODUCER.fetch(request);
    if (pathname.startsWith("/js/")) return callFromJs(request, env);
    return fetch(request, env);
  },
  email,
  tail,
};
