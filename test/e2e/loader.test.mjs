// examples/loader under wrangler dev (its Worker Loader: Dynamic Workers), both builds: 50
// tenants, each a different module or version (examples/hello and examples/faults, each copy made
// distinct by a custom section naming its tenant), run in isolates of their own through the
// tinyworker glue; with about 10 % of the requests faulting (a panic, an abort, out of memory, a
// trap, a request that loops forever), every other answer is correct, and each faulting tenant's
// next request is correct too; a tenant's new version replaces its old one; bad uploads are 400s
// and unknown tenants 404s. (A loop that never ends, examples/faults' `/spin` waiting for a CPU
// signal wrangler dev never gives, ends by the fuel meter the loader puts in each tenant's
// module: wrangler dev enforces no CPU limit on a Dynamic Worker, the platform's `limits.cpuMs`.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { TEST_BUILDS, dirOf, wasmOf, withWranglerDev } from "../helpers.mjs";

const FAULTS = ["/panic", "/abort", "/oom", "/trap", "/spin"];
const GENERIC = /^internal error \(fault [0-9a-f]{8}\)\n$/;

/** `wasm` with a custom section named `tenant` whose payload is `name`: the same code, other bytes. */
function variant(wasm, name) {
  const payload = Buffer.concat([Buffer.from([6]), Buffer.from("tenant"), Buffer.from(name)]);
  assert.ok(payload.length < 128, "one LEB128 byte of size");
  return Buffer.concat([wasm, Buffer.from([0, payload.length]), payload]);
}

const get = async (server, path) => {
  const response = await fetch(`${server.base}${path}`, { signal: AbortSignal.timeout(20_000) });
  return [response.status, await response.text()];
};
const upload = async (server, id, body) => {
  const response = await fetch(`${server.base}/tenants/${id}`, { method: "POST", body, signal: AbortSignal.timeout(20_000) });
  return [response.status, await response.text()];
};

for (const build of TEST_BUILDS) {
  test(`wrangler dev, ${build} build: 50 tenants in isolates of their own; a tenant's fault is that request's 500 alone`, async () => {
    await withWranglerDev(dirOf("loader", "none", build), `loader-${build}`, async (server) => {
      const hello = wasmOf("hello", "none", build);
      const faults = wasmOf("faults", "talc", build);
      const [, helloBody] = await (async () => {
        await upload(server, "probe", hello);
        return get(server, "/t/probe/");
      })();
      assert.match(helloBody, /hello/, "examples/hello as a tenant");

      // 50 tenants: even ones run examples/faults, odd ones examples/hello, each copy distinct.
      const tenants = Array.from({ length: 50 }, (_, i) => ({ id: `t${i}`, faults: i % 2 == 0 }));
      const versions = new Set();
      for (const t of tenants) {
        const [status, body] = await upload(server, t.id, variant(t.faults ? faults : hello, t.id));
        assert.equal(status, 201, body);
        const [, version] = body.trim().match(new RegExp(`^${t.id}:(wasm-\\d{20})$`));
        versions.add(version);
      }
      assert.equal(versions.size, 50, "each tenant's code is a version of its own");
      const expected = (t) => (t.faults ? [200, "ok"] : [200, helloBody]);

      // 200 requests, ten at a time, every tenant's; one in ten asks a faults tenant to fault.
      let faulted = 0;
      for (let round = 0; round < 20; round++) {
        const batch = Array.from({ length: 10 }, (_, k) => {
          const t = tenants[(round * 10 + k * 7) % 50];
          const fault = t.faults && k == round % 10 ? FAULTS[round % FAULTS.length] : null;
          return { t, fault };
        });
        const answers = await Promise.all(batch.map(({ t, fault }) => get(server, `/t/${t.id}${fault ?? "/"}`)));
        for (const [i, { t, fault }] of batch.entries()) {
          if (fault) {
            faulted++;
            assert.equal(answers[i][0], 500, `${t.id} ${fault}`);
            assert.match(answers[i][1], GENERIC, `${t.id} ${fault}: the generic body`);
            assert.deepEqual(await get(server, `/t/${t.id}/`), expected(t), `${t.id}: its next request after ${fault}`);
          } else {
            assert.deepEqual(answers[i], expected(t), `${t.id}, round ${round}, beside the faults of others`);
          }
        }
      }
      assert.ok(faulted >= 10, `about 10 % of the requests faulted (${faulted} of 200)`);

      // A new version replaces the old one (the loader caches by tenant and version).
      assert.equal((await upload(server, "t1", variant(faults, "t1-v2")))[0], 201);
      assert.deepEqual(await get(server, "/t/t1/served"), [200, "1"], "t1 now runs examples/faults, in a fresh isolate");
      assert.deepEqual(await get(server, "/t/t1/"), [200, "ok"]);

      // Bad input.
      assert.deepEqual(await upload(server, "junk", "not wasm"), [400, "the body is not a WebAssembly module\n"]);
      const [status, why] = await upload(server, "cut", hello.subarray(0, hello.length - 5));
      assert.deepEqual([status, why.split(":")[0]], [400, "the module cannot be metered"], why);
      assert.deepEqual(await upload(server, "Bad_Id", hello), [400, "a tenant id is 1-64 of a-z, 0-9, -\n"]);
      assert.deepEqual(await get(server, "/t/nobody/x"), [404, "no such tenant\n"]);
      // A plain JavaScript tenant (the baseline of make bench's loader figures).
      const js = "export default { fetch: (request) => new Response(`js ${new URL(request.url).pathname}`) };";
      assert.match((await upload(server, "js/js", js))[1], /^js:js-\d{20}\n$/);
      assert.deepEqual(await get(server, "/t/js/some/path"), [200, "js /some/path"]);
    });
  });
}
