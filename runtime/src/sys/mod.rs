//! The runtime's only contact with the platform: the imports of docs/ABI.md and the throw of the
//! fault tag. One module per platform, chosen here: wasm32 (the real imports), the host under
//! `cargo test` or with the `testing` feature (stand-ins a test drives), and the host otherwise
//! (inert: nothing to call).
//!
//! Every platform provides the same functions: `request_part`, `env`, `storage`,
//! `result`, `call`, `value`, `log` and `throw` (and, in the wasm unwind build, `trap`).

#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
pub use wasm::*;

#[cfg(all(not(target_arch = "wasm32"), any(test, feature = "testing")))]
mod host;
#[cfg(all(not(target_arch = "wasm32"), any(test, feature = "testing")))]
pub use host::*;

#[cfg(all(not(target_arch = "wasm32"), not(any(test, feature = "testing"))))]
mod inert;
#[cfg(all(not(target_arch = "wasm32"), not(any(test, feature = "testing"))))]
pub use inert::*;
