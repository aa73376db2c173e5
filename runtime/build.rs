//! Assembles the tag-throw object for wasm32 on stable Rust: `src/throw.ll` is compiled by
//! rustc's own `llc` (rustup component `llvm-tools`) and linked as a static library.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=src/throw.ll");
    if env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("wasm32") {
        return; // host builds use the stand-in in src/sys.rs
    }
    if env::var("CARGO_CFG_PANIC").as_deref() == Ok("unwind") {
        return; // the unwind build (nightly) declares the tag in assembly instead
    }
    if env::var_os("DOCS_RS").is_some() {
        return; // docs.rs documents without linking, and has no llvm-tools
    }
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let tools = llvm_tools_dir();
    let obj = out.join("tw_throw.o");
    run(Command::new(tools.join("llc"))
        .args([
            "-mtriple=wasm32-unknown-unknown",
            "-mattr=+exception-handling",
            "-filetype=obj",
            "-O2",
        ])
        .arg("src/throw.ll")
        .arg("-o")
        .arg(&obj));
    let lib = out.join("libtinyworker_throw.a");
    let _ = std::fs::remove_file(&lib);
    run(Command::new(tools.join("llvm-ar")).arg("rcs").arg(&lib).arg(&obj));
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=tinyworker_throw");
}

/// `<sysroot>/lib/rustlib/<host>/bin`, where rustup's llvm-tools puts `llc` and `llvm-ar`.
fn llvm_tools_dir() -> PathBuf {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .expect("run rustc --print sysroot");
    let sysroot = String::from_utf8(sysroot.stdout).expect("sysroot is UTF-8");
    let dir = PathBuf::from(sysroot.trim())
        .join("lib/rustlib")
        .join(env::var("HOST").unwrap())
        .join("bin");
    if !dir.join("llc").exists() {
        panic!(
            "tinyworker: {} not found. The stable tag-throw route needs rustc's own llc: \
             run `rustup component add llvm-tools` (make does this for you)",
            dir.join("llc").display()
        );
    }
    dir
}

fn run(cmd: &mut Command) {
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("tinyworker: cannot run {cmd:?}: {e}"));
    assert!(status.success(), "tinyworker: {cmd:?} failed with {status}");
}
