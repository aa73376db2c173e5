//! tinyworker: a `#![no_std]` runtime for Rust handlers on Cloudflare Workers.
//! Handler API, host ABI, and the panic/abort handlers that report faults to glue.js.
//!
//! ```ignore
//! #![no_std]
//! use tinyworker::{Request, Response};
//!
//! fn handle<'a>(req: &Request<'a>) -> Response<'a> {
//!     match req.path() {
//!         "/" => Response::text(200, "hello"),
//!         _ => Response::text(404, "not found"),
//!     }
//! }
//! tinyworker::entry!(handle);
//! ```
#![cfg_attr(not(test), no_std)]
// The unwind build (a pinned nightly, -Cpanic=unwind) needs the personality lang item,
// LLVM's throw intrinsic, `catch_unwind`, `PanicInfo::can_unwind` and wasm `global_asm!`.
#![cfg_attr(
    all(target_arch = "wasm32", panic = "unwind"),
    feature(
        lang_items,
        link_llvm_intrinsics,
        core_intrinsics,
        panic_can_unwind,
        asm_experimental_arch
    ),
    allow(internal_features)
)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod abi;
mod fault;
mod global;
mod http;
mod sys;
mod utf8;

pub use fault::{abort, classify_panic, FaultKind, FaultRecord, PanicFacts, UNWIND};
pub use http::{Body, Header, Request, Response, TEXT_PLAIN};

/// The allocator (with the `alloc` feature): heap limit, OOM hook, statistics.
#[cfg(feature = "alloc")]
pub use tinyworker_alloc as heap;

/// Request bytes (method + URL + headers + body) a module accepts unless `entry!` says
/// otherwise; larger requests get a 413 from the glue.
pub const DEFAULT_IO_CAPACITY: usize = 64 * 1024;

/// Used by `entry!`; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::abi::{fetch, Handler, IoBuffer, ResponseRecord};
    pub use crate::fault::record as fault_record;
}

/// Registers `handler` (a `fn(&Request<'a>) -> Response<'a>`) as the module's entry point
/// and declares its I/O buffer: `entry!(handle)` or `entry!(handle, 1 << 20)` for a larger
/// request limit in bytes.
#[macro_export]
macro_rules! entry {
    ($handler:path) => {
        $crate::entry!($handler, $crate::DEFAULT_IO_CAPACITY);
    };
    ($handler:path, $capacity:expr) => {
        const _: () = {
            const CAPACITY: usize = $capacity;
            static IO: $crate::__private::IoBuffer<CAPACITY> = $crate::__private::IoBuffer::new();

            /// Where the glue writes a request of `len` bytes (null: too large).
            #[no_mangle]
            pub extern "C" fn tw_buf(len: usize) -> *mut u8 {
                IO.reserve(len)
            }

            /// Handles the request the glue wrote into `tw_buf`: the response record's
            /// address, or (unwind build) the fault record's address + 1 after a caught panic.
            /// "C-unwind": a JS exception from an import leaves through here to the glue
            /// (after the unwind build ran every destructor on its way).
            #[no_mangle]
            pub extern "C-unwind" fn tw_fetch(method: usize, url: usize, headers: usize, body: usize) -> usize {
                let handler: $crate::__private::Handler = $handler;
                // SAFETY: IO is this module's buffer of CAPACITY bytes; the glue writes it only
                // between calls and never calls reentrantly.
                unsafe { $crate::__private::fetch(IO.reserve(0), CAPACITY, [method, url, headers, body], handler) }
            }

            /// Unwind build only (its presence tells the glue which build it runs): where
            /// the fault record is, to read an abort's reason after its trap.
            #[cfg(panic = "unwind")]
            #[no_mangle]
            pub extern "C" fn tw_fault() -> *const $crate::FaultRecord {
                $crate::__private::fault_record()
            }
        };
    };
}

#[cfg(test)]
mod tests {
    /// Serialises the host tests that touch the runtime's statics.
    pub static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
}
