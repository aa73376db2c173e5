// examples/room, a Durable Object in Rust, in workerd over HTTP, both builds: what survives a
// panic, an abort, out of memory and a restart; that a request ending in a fault leaves storage
// exactly as it was; and stored counts under mixed load with faults among the requests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, TEST_BUILDS, startWorkerdConfig } from "./helpers.mjs";
import { load } from "../bench/http.mjs";
import config from "../examples/room/config.mjs";

/** workerd serving the room of `build` with its storage in `storage` (a folder of the test's). */
async function serve(build, storage) {
  const file = `${ROOT}/build/room.talc.${build}/config-test.capnp`;
  writeFileSync(file, config("127.0.0.1:8787", { build, storage }));
  const server = await startWorkerdConfig(file);
  const get = async (name, path) => {
    const [status, body] = await server.get(`${path}?name=${name}`);
    return status === 200 ? Number(body) : status;
  };
  return { server, get };
}

for (const build of TEST_BUILDS) {
  test(`workerd, ${build} build: the room's state across faults and a restart`, async () => {
    const storage = mkdtempSync(join(tmpdir(), `room-${build}-`));
    try {
      let { server, get } = await serve(build, storage);
      try {
        for (const n of [1, 2, 3]) assert.equal(await get("a", "/incr"), n);
        assert.equal(await get("b", "/incr"), 1);
        assert.deepEqual([await get("a", "/count"), await get("b", "/count")], [3, 1]);
        assert.deepEqual([await get("a", "/mem"), await get("a", "/restored")], [3, 1], "one instance so far, restored once");

        assert.equal(await get("a", "/panic"), 500);
        assert.equal(await get("a", "/count"), 3);
        // The unwind build keeps the instance after a panic (destructors ran); the abort
        // build replaces it: in-memory state starts over, and the restore hook runs again.
        assert.equal(await get("a", "/mem"), build === "unwind" ? 3 : 0);
        assert.equal(await get("a", "/restored"), build === "unwind" ? 1 : 2);

        for (const fault of ["/abort", "/oom"]) {
          assert.equal(await get("a", fault), 500, fault);
          assert.equal(await get("a", "/count"), 3, `after ${fault}`);
          assert.equal(await get("a", "/mem"), 0, `a fresh instance after ${fault}`);
        }
        assert.equal(await get("b", "/count"), 1, "another object is untouched");
        assert.equal(await get("b", "/mem"), 1, "another object's instance is untouched");

        for (const fault of ["/incr-then-panic", "/incr-then-abort", "/incr-then-oom"]) {
          assert.equal(await get("a", fault), 500, fault);
          assert.equal(await get("a", "/count"), 3, `${fault}: the write before the fault was rolled back`);
        }
        assert.match(server.output(), /tinyworker: fault [0-9a-f]{8}: abort: aborted after writing/);
      } finally {
        await server.stop();
      }
      // A restart: in-memory state starts over, stored state is there.
      ({ server, get } = await serve(build, storage));
      try {
        assert.deepEqual([await get("a", "/count"), await get("b", "/count")], [3, 1]);
        assert.equal(await get("a", "/mem"), 0);
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(storage, { recursive: true, force: true });
    }
  });

  test(`workerd, ${build} build: 8 clients on 4 objects, 2,000 requests, ~10 % faults`, async () => {
    const storage = mkdtempSync(join(tmpdir(), `room-load-${build}-`));
    const { server, get } = await serve(build, storage);
    try {
      const names = ["w", "x", "y", "z"];
      const faults = ["/panic", "/abort", "/oom", "/incr-then-panic", "/incr-then-abort", "/incr-then-oom"];
      let rng = 7;
      const random = () => ((rng = (rng * 1103515245 + 12345) % 2 ** 31), rng / 2 ** 31);
      const plan = Array.from({ length: 2000 }, () => {
        const name = names[Math.floor(random() * names.length)];
        const path = random() < 0.1 ? faults[Math.floor(random() * faults.length)] : "/incr";
        return { name, path };
      });
      const incremented = Object.fromEntries(names.map((n) => [n, 0]));
      const wrong = [];
      const run = await load({
        base: server.base, requests: plan.length, connections: 8, seconds: 120,
        plan: (i) => `${plan[i].path}?name=${plan[i].name}`,
        seen(i, r) {
          const { name, path } = plan[i];
          if (r instanceof Error) wrong.push([i, path, String(r)]);
          else if (path === "/incr") r.status === 200 && /^\d+$/.test(r.body) ? incremented[name]++ : wrong.push([i, path, r.status, r.body]);
          else if (r.status !== 500) wrong.push([i, path, r.status, r.body]);
        },
      });
      assert.equal(run.unsent, 0);
      assert.deepEqual(wrong, []);
      for (const name of names) assert.equal(await get(name, "/count"), incremented[name], `object ${name}`);
    } finally {
      await server.stop();
      rmSync(storage, { recursive: true, force: true });
    }
  });
}
