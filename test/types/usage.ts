// Uses every export of the tinyworker package the way a Worker or a Node program would, so that
// `make types` (tsc --strict) checks glue.d.ts, stats.d.ts and meter.d.ts against real use. The @ts-expect-error
// lines must stay errors: they pin down what the types refuse.
import { createDurableObject, createEntrypoint, createRuntime, createWorker, createWorkflow, Fault, handle, resilient } from "tinyworker";
import type { FaultKind, Runtime, ServedResponse, TinyworkerExports, WorkerOptions } from "tinyworker";
import { allocStats } from "tinyworker/stats";
import { DEFAULT_FUEL, MeterError, checkFuel, meter } from "tinyworker/meter";
import { devServer, freePort, wranglerNode } from "tinyworker/dev";
import type { DevServer } from "tinyworker/dev";

declare const wasm: WebAssembly.Module;

const options: WorkerOptions = {
  imports: (runtime: Runtime) => ({ my_import: () => runtime.instances }),
  keepAfterPanic: false,
  spare: true,
  faultResponse: (fault, id) => new Response(`${fault.message} (${id})`, { status: 500 }),
  pool: { instances: 32, queue: 256, warm: 4, idleMs: 30_000 },
};
const worker = createWorker(wasm, options);
export default worker;

async function serveOne(request: Request): Promise<number> {
  const response: Response = await worker.fetch(request, { GREETING: "hi" }, {});
  const instances: number = worker.pool?.length ?? 1;
  return response.status + instances;
}

const runtime: Runtime = createRuntime(wasm);
const capacity: number = runtime.capacity;
runtime.after({ waitUntil: (p: Promise<unknown>) => void p });
const served = (await runtime.serve({ method: "GET", url: "https://example.com/", headers: new Headers() }, new Uint8Array(4))) satisfies ServedResponse;
const status: number = served.status;
const body: Uint8Array = served.body;
const handled = handle(runtime, "POST", "https://example.com/echo", [["x-a", "1"]], new Uint8Array([1]));
const pairs: [string, string][] = handled.headers;
const outcome: number = runtime.call((x: TinyworkerExports) => x.__tw_fetch(0));

try {
  runtime.serve({ method: "GET", url: "/", headers: [] });
} catch (e) {
  if (e instanceof Fault) {
    const kind: FaultKind = e.kind;
    const where: string | undefined = e.where;
    console.log(kind, where, e.cause, e.message);
  }
}

const stats = allocStats(runtime);
if (stats) console.log(stats.inUse + stats.peak + stats.allocations + stats.failures + stats.limit);

declare const bindings: { initSync(options: { module: WebAssembly.Module }): unknown; add(a: number, b: number): number };
const lib = resilient(bindings, { module: wasm, onReset: (fault: Fault) => console.log(fault.kind) });
const sum: number = lib.add(1, 2);
const resets: number = lib.resets;

// @ts-expect-error: the fault kinds are a closed set
const wrongKind: FaultKind = "oops";
// @ts-expect-error: a runtime needs a module
createRuntime();
// @ts-expect-error: faultResponse must return a Response
createWorker(wasm, { faultResponse: () => "text" });

export const Room = createDurableObject(wasm);
const room = new Room({ storage: {} }, {});
const roomAnswer: Promise<Response> = room.fetch(new Request("https://example.com/incr"));

console.log(roomAnswer, serveOne, capacity, status, body, pairs, outcome, sum, resets, wrongKind);

// tinyworker/dev: a project's own wrangler dev, for its integration tests.
export async function integration(): Promise<number> {
  const port: number = await freePort();
  const server: DevServer = await devServer({ cwd: ".", seconds: 60, args: [`--inspector-port=${port}`] });
  const response: Response = await server.fetch("/", { method: "GET" });
  const log: string = server.output();
  await server.stop();
  const node: string = wranglerNode();
  return response.status + log.length + server.url.length + node.length;
}

// An RPC entrypoint and a Durable Object class with RPC methods, each on the platform's base.
declare class PlatformBase {
  constructor(ctx: unknown, env: unknown);
}
export const Calc = createEntrypoint(wasm, { className: "Calc", base: PlatformBase });
export const Counter = createDurableObject(wasm, { className: "Counter", base: PlatformBase });
export const Order = createWorkflow(wasm, { className: "Order", base: PlatformBase });
// @ts-expect-error: an entrypoint is named (its methods are `__tw_rpc_<method>_<Name>`)
createEntrypoint(wasm, {});

// A tenant's module, metered: bytes in, bytes out; a module it cannot read throws a MeterError.
declare const tenantBytes: ArrayBuffer;
checkFuel(DEFAULT_FUEL / 20);
const metered: Uint8Array = meter(tenantBytes, { fuel: DEFAULT_FUEL / 20 });
try {
  meter(new Uint8Array(metered), {});
} catch (e) {
  if (e instanceof MeterError) console.log(e.message);
}
// @ts-expect-error the fuel is a number of loop iterations
meter(tenantBytes, { fuel: "lots" });
