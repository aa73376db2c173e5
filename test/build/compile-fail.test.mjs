// Misuse fails at build time with a message that says what to do: two allocator backends at
// once, the `alloc` feature without a backend, two `entry!`s in one crate, a handler that is not
// a function's name (and, as a control, the macros from modules of their own build), two copies of the
// runtime in one dependency graph (Cargo's own `links` message), a route pattern the router
// cannot match, an API that needs an allocator used without one, a constant status the
// platform never sends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers.mjs";

const TARGET_DIR = `${ROOT}/target/compile-fail`;
const cargo = (args, cwd = ROOT) => spawnSync("cargo", args, { cwd, encoding: "utf8", timeout: 300_000, env: { ...process.env, CARGO_TARGET_DIR: TARGET_DIR } });

/** Runs cargo `args`; asserts that it fails and that stderr matches `message`. */
function mustFail(args, message, cwd) {
  const r = cargo(args, cwd);
  assert.notEqual(r.status, 0, `cargo ${args.join(" ")} succeeded`);
  assert.match(r.stderr, message);
}

test("two allocator backends at once are a compile_error!", () => {
  mustFail(["check", "--locked", "-p", "tinyworker", "--features", "talc,bump"], /choose exactly one backend feature \(talc, dlmalloc, bump, wee_alloc\)/);
  mustFail(["check", "--locked", "-p", "tinyworker-alloc", "--features", "dlmalloc"], /choose exactly one backend feature/, undefined);
});

test("the alloc feature without a backend is a compile_error!", () => {
  mustFail(["check", "--locked", "-p", "tinyworker", "--features", "alloc"], /the `alloc` feature needs a backend: enable one of talc, dlmalloc, bump or wee_alloc/);
  // Control: each backend alone builds.
  for (const backend of ["talc", "bump"]) assert.equal(cargo(["check", "--locked", "-p", "tinyworker", "--features", backend]).status, 0, backend);
});

/** A crate in a temporary folder depending on this checkout's runtime. */
function crate(name, lib, extraDependencies = "", extraManifest = "") {
  const dir = mkdtempSync(join(tmpdir(), `tinyworker-${name}-`));
  mkdirSync(join(dir, "src"));
  writeFileSync(join(dir, "Cargo.toml"), `[package]\nname = "${name}"\nversion = "0.0.0"\nedition = "2021"\n\n[lib]\ncrate-type = ["cdylib"]\n\n[dependencies]\ntinyworker = { path = "${ROOT}/runtime" }\n${extraDependencies}${extraManifest}\n[workspace]\n`);
  writeFileSync(join(dir, "src/lib.rs"), lib);
  return dir;
}

/** Runs `check(dir)` on a crate made by `crate(name, lib)`, then removes the crate. */
function withCrate(name, lib, check) {
  const dir = crate(name, lib);
  try {
    check(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Asserts that the crate in `dir` compiles for wasm32. */
function mustCompile(dir) {
  const r = cargo(["check", "--target", "wasm32-unknown-unknown"], dir);
  assert.equal(r.status, 0, r.stderr);
}

test("two entry! in one module: the second __tw_fetch is a duplicate symbol", () => {
  const dir = crate("two-entries", `#![no_std]
use tinyworker::{Request, Response};
fn a<'a>(_: &Request<'a>) -> Response<'a> { Response::text(200, "a") }
fn b<'a>(_: &Request<'a>) -> Response<'a> { Response::text(200, "b") }
tinyworker::entry!(a);
tinyworker::entry!(b);
`, "", `\n[profile.dev]\npanic = "abort"\n`);
  try {
    // (Caught before linking: the module's I/O buffer `__TW_IO` is named twice in one module.)
    mustFail(["build", "--target", "wasm32-unknown-unknown"], /the name `__TW_IO` is defined multiple times|symbol `__tw_(fetch|abi)` is already defined/, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a handler that is not a function's name fails to compile, saying so", () => {
  const dir = crate("pointer-handler", `#![no_std]
use tinyworker::{Request, Response};
fn a<'a>(_: &Request<'a>) -> Response<'a> { Response::text(200, "a") }
const HANDLER: for<'a> fn(&Request<'a>) -> Response<'a> = a;
tinyworker::entry!(HANDLER);
`, "", `\n[profile.dev]\npanic = "abort"\n`);
  try {
    mustFail(["build", "--target", "wasm32-unknown-unknown"], /a handler is a function's name \(a `fn` item\)/, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("entry! and durable_object! from modules of their own build (they once needed the crate root)", () => {
  const dir = crate("nested-macros", `#![no_std]
use tinyworker::storage::Storage;
use tinyworker::{Error, Request, Response};
fn worker<'a>(_: &Request<'a>) -> Result<Response<'a>, Error> { Ok(Response::text(200, "w")) }
fn room<'a>(_: &Request<'a>, storage: &Storage) -> Result<Response<'a>, Error> {
    storage.put_u64("n", 1)?;
    Ok(Response::text(200, "r"))
}
mod serve { tinyworker::entry!(super::worker); }
mod objects { pub mod rooms { tinyworker::durable_object!(class Room { fetch: crate::room }); } }
`, "", `\n[profile.dev]\npanic = "abort"\n`);
  try {
    const r = cargo(["build", "--target", "wasm32-unknown-unknown"], dir);
    assert.equal(r.status, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("two copies of the runtime in one graph fail with Cargo's links message", () => {
  // A second copy of the runtime, as another version of the same crate would be.
  const copy = mkdtempSync(join(tmpdir(), "tinyworker-copy-"));
  cpSync(`${ROOT}/runtime/src`, join(copy, "src"), { recursive: true });
  cpSync(`${ROOT}/runtime/build.rs`, join(copy, "build.rs"));
  writeFileSync(join(copy, "Cargo.toml"), `[package]\nname = "tinyworker"\nversion = "0.2.0"\nedition = "2021"\nlinks = "tinyworker"\nbuild = "build.rs"\n\n[dependencies]\ntinyworker-alloc = { path = "${ROOT}/alloc", default-features = false }\n\n[features]\nalloc = []\ntalc = []\ndlmalloc = []\nbump = []\nwee_alloc = []\n`);
  const dir = crate("two-runtimes", "#![no_std]\n", `tinyworker2 = { package = "tinyworker", path = "${copy}" }\n`);
  try {
    mustFail(["metadata", "--format-version", "1"], /links to the native library `tinyworker`, but it conflicts with a previous package which links to `tinyworker` as well/, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(copy, { recursive: true, force: true });
  }
});

test("a route pattern that breaks the router's rules fails to compile in a static", () => {
  const table = (routes) => `#![no_std]
use tinyworker::router::{Params, Route};
use tinyworker::{Request, Response};
fn h<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> { Response::text(200, "h") }
pub static ROUTES: &[Route] = &[${routes}];
`;
  // No leading slash, a tail not last, a nameless parameter.
  for (const pattern of ["users/:id", "/files/*rest/more", "/a/:"]) {
    withCrate("bad-route", table(`Route::get(${JSON.stringify(pattern)}, h)`), (dir) =>
      mustFail(["check", "--target", "wasm32-unknown-unknown"], /router: a pattern starts with '\/', has at most 8 parameters, `\*name` only last, and no empty `:` or `\*` names/, dir));
  }
  // Control: a valid table compiles.
  withCrate("good-route", table(`Route::get("/users/:id", h), Route::get("/files/*rest", h)`), mustCompile);
});

test("a constant status the platform never sends fails to compile (status!)", () => {
  for (const status of [700, 99, 150, 600]) {
    withCrate("bad-status", `#![no_std]
use tinyworker::{status, Request, Response};
pub fn h<'a>(_: &Request<'a>) -> Response<'a> { Response::text(status!(${status}), "h") }
`, (dir) => mustFail(["check", "--target", "wasm32-unknown-unknown"], /a response status the platform never sends \(outside 200-599, other than 101\)/, dir));
  }
  // Control: the statuses the platform sends compile, in a handler and in an error.
  withCrate("good-status", `#![no_std]
use tinyworker::{status, Error, Request, Response};
pub fn h<'a>(_: &Request<'a>) -> Result<Response<'a>, Error> {
    if status!(101) == 0 { return Err(Error::new(status!(418), "teapot")); }
    Ok(Response::text(status!(200), "h").with_status(status!(599)))
}
`, mustCompile);
});

test("an API that needs an allocator, used without one, names the feature to enable", () => {
  const message = /this tinyworker API needs an allocator: enable one of tinyworker's allocator features, e\.g\. tinyworker = \{ \.\.\., features = \["talc"\] \}/;
  for (const [name, body] of [
    ["owned-body", `Response::owned(200, b"built")`],
    ["owned-header", `Response::text(200, "x").header_owned("etag", "v1")`],
    ["kv-owned", `match tinyworker::kv::Namespace::new("KV").get_owned("k") { _ => Response::text(200, "x") }`],
    ["text-owned", `{ let v: Result<&str, _> = tinyworker::bridge::get(tinyworker::bridge::Target::Env("X"), "").unwrap().text_owned(); let _ = v; Response::text(200, "x") }`],
    ["fetch-owned", `{ let _ = tinyworker::io::fetch_owned(&tinyworker::io::Subrequest::get("https://a/")); Response::text(200, "x") }`],
  ]) {
    const lib = `#![no_std]
use tinyworker::{Request, Response};
fn handle<'a>(_: &Request<'a>) -> Response<'a> { ${body} }
tinyworker::entry!(handle);
`;
    const dir = crate(name, lib);
    try {
      mustFail(["check", "--target", "wasm32-unknown-unknown"], message, dir);
      // Control: the same crate with the allocator feature compiles (the owned-body case with a
      // Vec, the type the owned API takes).
      if (name == "owned-body" || name == "kv-owned") {
        writeFileSync(join(dir, "Cargo.toml"), readFileSync(join(dir, "Cargo.toml"), "utf8").replace(`path = "${ROOT}/runtime" }`, `path = "${ROOT}/runtime", features = ["talc"] }`));
        writeFileSync(join(dir, "src/lib.rs"), "extern crate alloc;\n" + lib.replace('b"built"', 'alloc::vec::Vec::from(&b"built"[..])').replace("#![no_std]\n", ""));
        writeFileSync(join(dir, "src/lib.rs"), "#![no_std]\n" + readFileSync(join(dir, "src/lib.rs"), "utf8"));
        const r = cargo(["check", "--target", "wasm32-unknown-unknown"], dir);
        assert.equal(r.status, 0, r.stderr);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("a module that uses the heap without an allocator: tinyworker-build names the feature", () => {
  const dir = crate("heap-without-allocator", `#![no_std]
extern crate alloc;
use tinyworker::{Request, Response};
fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    let copy: alloc::vec::Vec<u8> = request.body().to_vec();
    Response::number(200, copy.len() as u64)
}
tinyworker::entry!(handle);
`, "", `\n[profile.release]\npanic = "abort"\n`);
  try {
    const r = spawnSync(process.execPath, [`${ROOT}/js/build.mjs`], { cwd: dir, encoding: "utf8", timeout: 300_000, env: { ...process.env, CARGO_TARGET_DIR: TARGET_DIR } });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no global memory allocator found/, "rustc's own message stays");
    assert.match(r.stderr, /tinyworker-build: the module uses the heap \(Vec, String, Box, format!\) but links no allocator: enable one of tinyworker's allocator features in Cargo\.toml, e\.g\. tinyworker = \{ \.\.\., features = \["talc"\] \}/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
