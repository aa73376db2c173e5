// What ships, pinned: the bundled worker.js of a module that imports nothing (hello's glue), as
// scripts/bundle.mjs writes it, against the checked-in snapshot. A change to the glue shows up
// here as a diff to review; `BLESS=1 make test` (or `BLESS=1 node --test test/build/`) writes
// the new snapshot.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import wabt from "wabt";
import { ROOT } from "../helpers.mjs";
import { shipped } from "../../scripts/bundle.mjs";

const SNAPSHOT = `${ROOT}/test/build/snapshots/hello.worker.js`;

test("the shipped glue of a module that imports nothing is the snapshot", async () => {
  const { parseWat } = await wabt();
  const nothing = parseWat("hello.wat", "(module)").toBinary({}).buffer;
  const code = await shipped(`${ROOT}/worker.js`, nothing);
  if (process.env.BLESS) writeFileSync(SNAPSHOT, code);
  assert.equal(code, readFileSync(SNAPSHOT, "utf8"), "the shipped glue changed: review the diff, then BLESS=1");
});
