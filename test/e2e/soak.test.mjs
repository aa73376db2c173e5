// The shortened fault soak (make soak runs 100,000): 10,000 requests on 8 connections to
// examples/faults in workerd, ~10 % on random fault routes; every bad outcome must be zero.
import { test } from "node:test";
import assert from "node:assert/strict";
import { soak } from "../../harness/soak.mjs";

test("soak: 10,000 requests, ~10 % faults, no lost or wrong answer", async () => {
  const r = await soak({ requests: 10_000, connections: 8, seconds: 300 });
  assert.deepEqual(
    { lost: r.lost, wrong_body: r.wrong_body, fault_route_200: r.fault_route_200, root_500: r.root_500, other_status: r.other_status },
    { lost: 0, wrong_body: 0, fault_route_200: 0, root_500: 0, other_status: 0 },
    JSON.stringify(r.examples),
  );
  assert.equal(r.ok_root + r.ok_fault, 10_000);
  assert.ok(r.ok_fault > 500, "the fault routes were hit");
  console.log(`soak: ${r.rps} req/s, workerd RSS ${r.rss_start_kib} -> ${r.rss_end_kib} KiB`);
});
