// The project's commit habit (CONTRIBUTING.md): a subject of at most 72 characters that starts
// with the component it changes (`runtime:`, `glue:`, `examples/chat:`), figures in the body.
// Checked over every commit since the habit began, HEAD's included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { ROOT } from "../helpers.mjs";

// The last commit before the habit (its subject and the ones before it run to 537 characters).
const BEFORE = "6cb9e72";
const MOST = 72;
// A component: a lowercase word or path (`build`, `examples/chat`), or a few joined by commas.
const COMPONENT = /^[a-z][a-z0-9_./-]*(, ?[a-z][a-z0-9_./-]*)*: \S/;

const git = (...args) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" });

/** Each commit's [hash, subject] since BEFORE; a shallow clone without it, every commit it has. */
function subjects() {
  let known = true;
  try {
    git("cat-file", "-e", `${BEFORE}^{commit}`);
  } catch {
    known = false;
  }
  const out = git("log", "--format=%h %s", ...(known ? [`${BEFORE}..HEAD`] : []));
  return out.split("\n").filter(Boolean).map((line) => [line.slice(0, line.indexOf(" ")), line.slice(line.indexOf(" ") + 1)]);
}

test("every commit subject since the habit began is at most 72 characters and names its component", () => {
  const all = subjects();
  assert.ok(all.length > 0, "git log lists HEAD");
  const wrong = all.filter(([, s]) => s.length > MOST || !COMPONENT.test(s)).map(([h, s]) => `${h} (${s.length}): ${s}`);
  assert.deepEqual(wrong, []);
});

test("the check refuses what the habit does not allow", () => {
  const ok = (s) => s.length <= MOST && COMPONENT.test(s);
  assert.ok(ok("examples/chat: rooms keep their history"));
  assert.ok(ok("build, docs: make test prints its total"));
  assert.ok(!ok("Review: the spare is readied by its warm-up call"), "a process word, capitalised");
  assert.ok(!ok("a subject without a component"));
  assert.ok(!ok(`glue: ${"x".repeat(MOST)}`), "over 72 characters");
});
