// The crates and the npm package are released together: one version (Cargo.toml's
// workspace.package.version, js/package.json's version) and the CHANGELOG names it; the npm
// package carries the same licenses.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const cargo = readFileSync(`${ROOT}Cargo.toml`, "utf8").match(/\[workspace\.package\][^[]*?^version = "([^"]+)"/ms)?.[1];
const npm = JSON.parse(readFileSync(`${ROOT}js/package.json`, "utf8")).version;
const changelog = readFileSync(`${ROOT}CHANGELOG.md`, "utf8");
const problems = [];
if (!cargo) problems.push("Cargo.toml has no [workspace.package] version");
if (cargo !== npm) problems.push(`the crates are ${cargo} but the npm package is ${npm}`);
if (!changelog.includes(`## ${cargo}`)) problems.push(`CHANGELOG.md has no "## ${cargo}" section`);
// The host ABI's version is written once (js/abi.js; runtime/src/abi.rs's test keeps the Rust
// side equal, and docs/ABI.md's title): the CHANGELOG's unreleased section names it.
const abi = readFileSync(`${ROOT}js/abi.js`, "utf8").match(/export const ABI_VERSION = (\d+);/)?.[1];
if (!changelog.includes(`## [Unreleased] (host ABI v${abi})`)) problems.push(`CHANGELOG.md's "## [Unreleased]" does not name host ABI v${abi}`);
// Where the current version is named (the package's files, the README, the guide, the ABI's
// title), it is that one. (History names earlier ones: CHANGELOG.md, docs/DESIGN.md.)
const current = [
  ...readdirSync(`${ROOT}js`).filter((f) => /\.(m?js|ts|md|json)$/.test(f)).map((f) => `js/${f}`),
  "README.md",
  ...readdirSync(`${ROOT}docs/guide`).map((f) => `docs/guide/${f}`),
];
for (const file of current) {
  for (const [, named] of readFileSync(`${ROOT}${file}`, "utf8").matchAll(/host ABI v(\d+)/g)) {
    if (named !== abi) problems.push(`${file} names host ABI v${named}, not v${abi}`);
  }
}
if (!readFileSync(`${ROOT}docs/ABI.md`, "utf8").startsWith(`# The tinyworker host ABI, version ${abi}\n`)) problems.push(`docs/ABI.md's title does not name version ${abi}`);
// npm packs no symlinks, so js/ carries copies of the licenses: they must stay the same.
for (const license of ["LICENSE-MIT", "LICENSE-APACHE"]) {
  if (readFileSync(`${ROOT}${license}`, "utf8") !== readFileSync(`${ROOT}js/${license}`, "utf8")) problems.push(`js/${license} differs from ${license}`);
}
if (problems.length) {
  console.error(`versions: ${problems.join("; ")}`);
  process.exit(1);
}
console.log(`versions: crates and npm package at ${cargo}`);
