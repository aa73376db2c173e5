// examples/standins under wrangler dev, both builds: every case of examples/standins/cases.json
// answers as `cargo test -p standins` says the stand-ins answer it (repeated headers combined,
// objects of two classes with one name kept apart, a body past the I/O buffer a 413, a secret
// over a variable of the same name, responses the platform refuses a 500, R2, D1, the Cache API
// and a stub's name under the local simulators, a subrequest to one origin served from
// origin.json on both sides): the stand-ins and the platform are checked against one list.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, TEST_BUILDS, dirOf, startWranglerDev } from "../helpers.mjs";

const cases = JSON.parse(readFileSync(`${ROOT}/examples/standins/cases.json`, "utf8"));
const spec = JSON.parse(readFileSync(`${ROOT}/examples/standins/origin.json`, "utf8"));

/** origin.json's origin over HTTP on 127.0.0.1 (src/tests.rs serves the same file to the stand-ins). */
async function startOrigin() {
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    if (req.url == "/echo") {
      res.writeHead(200, { "x-origin": "echo" });
      return res.end(Buffer.concat([Buffer.from(`${req.method} ${req.headers["x-relay"] ?? "-"} `), ...chunks]));
    }
    const entry = spec.paths[req.url];
    if (!entry) return res.writeHead(404).end("no such path");
    // (Repeated names as separate header lines, as the origin of the stand-ins sends them.)
    const headers = [];
    for (const [name, value] of entry.headers) headers.push(name, value);
    res.writeHead(entry.status, headers).end(entry.body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

for (const build of TEST_BUILDS) {
  test(`wrangler dev, ${build} build: the platform answers every case of the stand-ins' list`, async () => {
    const persist = mkdtempSync(join(tmpdir(), `standins-${build}-`));
    const origin = await startOrigin();
    const server = await startWranglerDev(dirOf("standins", "none", build), { persist, vars: { ORIGIN: origin.url } });
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
      await origin.close();
      rmSync(persist, { recursive: true, force: true });
    }
  });
}
