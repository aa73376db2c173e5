// The test harness's ports (harness/servers.mjs freePort): two processes choosing at once never
// choose the same port (make test runs four test processes at once, each starting servers), and
// every port is below the kernel's ephemeral range, free when chosen.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ROOT } from "../helpers.mjs";

const EACH = 300; // (without the claims, two sets of 300 of 12,000 ports all but surely share one)
const choose = `import { freePort } from ${JSON.stringify(`${ROOT}/harness/servers.mjs`)};
const ports = [];
for (let i = 0; i < ${EACH}; i++) ports.push(await freePort());
console.log(JSON.stringify(ports));`;

test("two processes choosing ports at once never choose the same one", async () => {
  const run = () => promisify(execFile)(process.execPath, ["--input-type=module", "-e", choose]).then(({ stdout }) => JSON.parse(stdout));
  const [a, b] = await Promise.all([run(), run()]);
  const all = [...a, ...b];
  assert.equal(new Set(all).size, 2 * EACH, "a port chosen twice");
  for (const port of all) assert.ok(port >= 20000 && port < 32768, `${port}: not below the ephemeral range`);
});
