// The glue's shape: no function in js/ longer than 80 lines, so that a reader can hold each one.
// The functions still past it are listed with their length today, a budget that only goes down
// (as size-tests/budgets.toml's): one that grows fails, one that shrinks must lower its line,
// and a function that is new, or renamed, must fit in 80 lines.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import ts from "typescript";

const JS = new URL("../../js/", import.meta.url);
const MOST = 80;
// file:function -> its length in lines today (2026-12-07: the closures a runtime, its imports
// and a Worker are made of; splitting them into functions of their own costs the shipped
// glue bytes, measured in docs/DESIGN.md, "The glue's closures").
const LONGER = {
  "runtime.js:createRuntime": 419,
  "imports.js:hostImports": 314,
  "serve.js:createWorker": 233,
  "pool.js:pool": 151,
  "serve.js:fetch": 120,
};

/** The name a function goes by: its own, or the variable, property or method it is assigned to. */
function nameOf(node) {
  if (node.name) return node.name.getText();
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name) return parent.name.getText();
  if (parent && ts.isBinaryExpression(parent)) return parent.left.getText();
  return "(anonymous)";
}

/** Every function of every module in js/: [file:name, lines]. */
function functions() {
  const found = [];
  for (const file of readdirSync(JS).filter((f) => /\.m?js$/.test(f))) {
    const source = ts.createSourceFile(file, readFileSync(new URL(file, JS), "utf8"), ts.ScriptTarget.Latest, true);
    const line = (pos) => source.getLineAndCharacterOfPosition(pos).line;
    const visit = (node) => {
      if (ts.isFunctionLike(node) && "body" in node && node.body) found.push([`${file}:${nameOf(node)}`, line(node.getEnd()) - line(node.getStart()) + 1]);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

test("no function in js/ is longer than 80 lines, but those listed, each within its budget", () => {
  const problems = [];
  const seen = new Map();
  for (const [name, lines] of functions()) {
    if (lines <= MOST) continue;
    seen.set(name, Math.max(lines, seen.get(name) ?? 0));
  }
  for (const [name, lines] of seen) {
    const budget = LONGER[name];
    if (budget === undefined) problems.push(`${name}: ${lines} lines, more than ${MOST}`);
    else if (lines > budget) problems.push(`${name}: ${lines} lines, over its budget of ${budget}`);
    else if (lines < budget) problems.push(`${name}: ${lines} lines: lower its budget from ${budget}`);
  }
  for (const name of Object.keys(LONGER)) if (!seen.has(name)) problems.push(`${name}: now within ${MOST} lines (or gone): drop it from LONGER`);
  assert.deepEqual(problems, []);
});

test("the measure sees through arrows, methods and nested functions", () => {
  const names = new Set(functions().map(([name]) => name));
  for (const name of ["runtime.js:createRuntime", "runtime.js:words", "runtime.js:call", "imports.js:hostError", "serve.js:fetch"]) assert.ok(names.has(name), name);
});
