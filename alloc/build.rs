//! Sets `cfg(has_backend)` when one of the backend features is on: without one the crate
//! installs no allocator and provides only `SingleThreaded`.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(has_backend)");
    let backends = ["TALC", "DLMALLOC", "BUMP", "WEE_ALLOC"];
    if backends
        .iter()
        .any(|b| std::env::var_os(format!("CARGO_FEATURE_{b}")).is_some())
    {
        println!("cargo::rustc-cfg=has_backend");
    }
}
