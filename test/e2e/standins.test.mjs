// examples/standins under wrangler dev, both builds: every case of examples/standins/cases.json
// answers as `cargo test -p standins` says the stand-ins answer it (repeated headers combined,
// objects of two classes with one name kept apart, a body past the I/O buffer a 413, a secret
// over a variable of the same name, responses the platform refuses a 500, R2, D1, the Cache API
// and a stub's name under the local simulators): the stand-ins and the platform are checked
// against one list.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, TEST_BUILDS, dirOf, startWranglerDev } from "../helpers.mjs";

const cases = JSON.parse(readFileSync(`${ROOT}/examples/standins/cases.json`, "utf8"));

for (const build of TEST_BUILDS) {
  test(`wrangler dev, ${build} build: the platform answers every case of the stand-ins' list`, async () => {
    const persist = mkdtempSync(join(tmpdir(), `standins-${build}-`));
    const server = await startWranglerDev(dirOf("standins", "none", build), { persist });
    try {
      for (const c of cases) {
        const headers = new Headers();
        for (const [name, value] of c.headers ?? []) headers.append(name, value);
        // (Bytes, not a string: fetch would add a content-type the case does not name.)
        const body = c.body_bytes ? Buffer.alloc(c.body_bytes, "x") : c.send !== undefined ? Buffer.from(c.send) : undefined;
        const response = await fetch(`${server.base}${c.path}`, { method: c.method, headers, body, signal: AbortSignal.timeout(10_000) });
        assert.deepEqual([response.status, await response.text()], [c.status, c.body], c.why);
        for (const [name, value] of c.expect_headers ?? []) assert.equal(response.headers.get(name), value, `${c.why}: ${name}`);
      }
      // (The refused responses are logged as the handler's error, with no fault id.)
      const refused = /tinyworker: the handler's response \(status 204\) was refused/;
      assert.match(await server.logged(refused), refused);
    } finally {
      await server.stop();
      rmSync(persist, { recursive: true, force: true });
    }
  });
}
