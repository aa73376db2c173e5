// The size gate can fail: `make size-check` against a copy of the budgets with one budget
// lowered below the measured size exits non-zero and names the row; the real budgets pass.
// Runs on what `make size-check` already built (SIZE_BUILD=0), so it only measures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers.mjs";

// The same rows `make test` built (it may have narrowed ALLOC or BUILD).
const narrowed = ["TEST_ALLOCS", "TEST_BUILDS"].filter((v) => process.env[v]).map((v) => `${v}=${process.env[v]}`);

const sizeCheck = (budgets) =>
  spawnSync("make", ["-s", "size-check", "SIZE_BUILD=0", "SIZE_BREAKDOWN=0", `BUDGETS=${budgets}`, ...narrowed], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });

test("a budget below the measured size makes make size-check fail; the real budgets pass", () => {
  const real = `${ROOT}/size-tests/budgets.toml`;
  const passed = sizeCheck(real);
  assert.equal(passed.status, 0, passed.stdout + passed.stderr);

  const report = JSON.parse(readFileSync(`${ROOT}/size-tests/report.json`, "utf8"));
  const hello = report.find((r) => r.example === "hello" && r.alloc === "none" && r.build === "abort");
  assert.ok(hello, "the report has the hello row");
  const lowered = readFileSync(real, "utf8").replace(
    /(\["hello\.none\.abort"\][^[]*?total_gz = )\d+/,
    `$1${hello.total_gz - 1}`,
  );
  assert.notEqual(lowered, readFileSync(real, "utf8"), "the copy differs");
  const copy = join(mkdtempSync(join(tmpdir(), "budgets-")), "budgets.toml");
  writeFileSync(copy, lowered);

  const failed = sizeCheck(copy);
  assert.notEqual(failed.status, 0, "size-check passed over budget");
  assert.match(failed.stderr, /hello\.none\.abort total_gz = \d+ B > budget \d+ B \(\+1\)/);
});

test("a malformed budgets file is an error that says where", () => {
  const copy = join(mkdtempSync(join(tmpdir(), "budgets-")), "budgets.toml");
  writeFileSync(copy, '["hello.none.abort"]\ntotal_gz = lots\n');
  const failed = sizeCheck(copy);
  assert.notEqual(failed.status, 0);
  assert.match(failed.stderr, /budgets\.toml:2: expected/);
});
