// examples/proxy served by workerd on 127.0.0.1, over HTTP, both builds: env variables,
// subrequests through workerd's own fetch to a local origin Worker, a KV namespace served by
// a local KV Worker, concurrency on a pool of instances, faults around suspensions, the cap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { ROOT, TEST_BUILDS, assertLogged, rawRequest, startWorkerdConfig } from "../helpers.mjs";
import { ship } from "../../scripts/bundle.mjs";
import config from "../../examples/proxy/config.mjs";
import { clientMistakes, concurrentSlow, everyRoute, poolCap, slowWithFaults } from "./proxy-scenarios.mjs";

const dirOf = (build) => `${ROOT}/build/proxy.talc.${build}`;
// A client sends UTF-8 on the wire; Node's fetch sends each character of a header string as one
// byte, so the UTF-8 bytes go as a Latin-1 string (workerd decodes them as UTF-8).
const onTheWire = (headers = {}) => Object.fromEntries(Object.entries(headers).map(([n, v]) => [n, Buffer.from(v).toString("latin1")]));
const sender = (server) => (path, init = {}) =>
  fetch(`${server.base}${path}`, { ...init, headers: onTheWire(init.headers), signal: AbortSignal.timeout(20_000) });

for (const build of TEST_BUILDS) {
  test(`workerd, ${build} build: every route of examples/proxy over HTTP`, async () => {
    const server = await startWorkerdConfig(`${dirOf(build)}/config.capnp`);
    try {
      await everyRoute(sender(server));
      await assertLogged(server, /tinyworker: fault [0-9a-f]{8}: panic: panicked after a subrequest/);
      const faults = server.output().match(/tinyworker: fault/g).length;
      await clientMistakes(sender(server));
      // A GET with a body: the platform refuses to forward it (a TypeError), the client's mistake.
      const { response } = rawRequest(server.base, "GET /origin/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3", "abc");
      assert.deepEqual(await response, { status: 400, body: "bad request\n" });
      assert.equal(server.output().match(/tinyworker: fault/g).length, faults, "none of it was a fault");
    } finally {
      await server.stop();
    }
  });

  test(`workerd, ${build} build: 64 concurrent suspensions, faults among them, a pool of 2`, async () => {
    const server = await startWorkerdConfig(`${dirOf(build)}/config.capnp`);
    try {
      const { elapsed } = await concurrentSlow(sender(server));
      console.log(`# workerd: 64 × /slow?ms=200 in ${Math.round(elapsed)} ms`);
      await slowWithFaults(sender(server));
    } finally {
      await server.stop();
    }
    // The same module and services, behind an entry with a pool of 2 and a queue of 1.
    const out = `${ROOT}/build/proxy-capped.${build}`;
    await ship({ out, name: "proxy-capped", sources: { "worker.js": `${ROOT}/examples/proxy/capped.js` }, assets: { "app.wasm": `${dirOf(build)}/app.wasm` } });
    for (const f of ["origin.js", "kv.js", "outbound.js"]) copyFileSync(`${dirOf(build)}/${f}`, `${out}/${f}`);
    writeFileSync(`${out}/config.capnp`, config("127.0.0.1:8787"));
    const capped = await startWorkerdConfig(`${out}/config.capnp`);
    try {
      await poolCap(sender(capped));
    } finally {
      await capped.stop();
    }
  });
}
