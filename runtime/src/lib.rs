//! tinyworker: a `#![no_std]` runtime for Rust handlers on Cloudflare Workers.
//! Handler API, host ABI, and the panic/abort handlers that report faults to glue.js.
//!
//! ```
//! use tinyworker::{Request, Response};
//!
//! fn handle<'a>(req: &Request<'a>) -> Response<'a> {
//!     match req.path() {
//!         "/" => Response::text(200, "hello"),
//!         _ => Response::text(404, "not found"),
//!     }
//! }
//! tinyworker::entry!(handle);
//! # fn main() {}
//! ```
//!
//! A module is `#![no_std]` (this example leaves it out only so that it runs as a doc test on
//! the host); the README shows a whole project, and `make new` writes one.
// std only for tests, and for the host stand-ins of the `testing` feature (never in wasm32).
#![cfg_attr(not(any(test, all(feature = "testing", not(target_arch = "wasm32")))), no_std)]
#![warn(missing_docs)]
// Every `unsafe` block states its argument in a `// SAFETY:` comment.
#![warn(clippy::undocumented_unsafe_blocks)]
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

#[cfg(all(
    feature = "alloc",
    not(any(feature = "talc", feature = "dlmalloc", feature = "bump", feature = "wee_alloc"))
))]
compile_error!(
    "tinyworker: the `alloc` feature needs a backend: enable one of talc, dlmalloc, bump or wee_alloc \
     (e.g. tinyworker = { features = [\"talc\"] })"
);

#[cfg(all(feature = "testing", target_arch = "wasm32"))]
compile_error!(
    "tinyworker: the `testing` feature stands in for the platform on the host (cargo test): enable it under \
     [dev-dependencies] only, never for the wasm32 module"
);

// The ground floor: the contract with the glue (docs/ABI.md), then the platform behind it.
// The contract lists every code and record, also those only the glue uses (e.g. IO_FAILED,
// which the runtime reads as "any other error").
#[allow(dead_code)]
mod abi;
#[macro_use]
mod per_instance;
mod sys;
// The runtime: faults, text helpers, the request and the response, one request's path, and the
// reader of operation answers.
mod entry;
pub mod error;
// (Parts of it serve only the wasm32 panic handler; host tests exercise them.)
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod fault;
mod headers;
// The owned-memory APIs without an allocator: compile errors that name the feature.
mod needs_alloc;
mod request;
mod response;
mod result;
mod utf8;
// The user API beside the handler's types: the host bridge, I/O from a Worker, a Durable
// Object's storage.
pub mod ai;
pub mod analytics;
pub mod assets;
pub mod bridge;
pub mod cache;
pub mod consumer;
pub mod d1;
pub mod email;
pub mod form;
pub mod hyperdrive;
pub mod io;
pub mod json;
pub mod kv;
pub mod object;
pub mod pending;
pub mod platform;
pub mod queue;
pub mod r2;
pub mod ratelimit;
pub mod router;
pub mod rpc;
pub mod scheduled;
pub mod secrets;
pub mod service;
pub mod signal;
pub mod socket;
pub mod sql;
pub mod start;
pub mod storage;
pub mod stream;
pub mod tail;
#[cfg(all(not(target_arch = "wasm32"), any(test, feature = "testing")))]
pub mod testing;
pub mod text;
pub mod websocket;
pub mod workflow;

/// The Rust blocks of README.md and docs/guide/, compiled as doc tests (`cargo test --doc
/// --features testing,talc -- guide`), so the docs a user reads cannot drift from the API.
#[cfg(all(doctest, feature = "testing", feature = "alloc"))]
mod guide {
    #[doc = include_str!("../../README.md")]
    mod readme {}
    #[doc = include_str!("../../docs/guide/bindings.md")]
    mod bindings {}
    #[doc = include_str!("../../docs/guide/durable-objects.md")]
    mod durable_objects {}
    #[doc = include_str!("../../docs/guide/events.md")]
    mod events {}
    #[doc = include_str!("../../docs/guide/handlers-and-routing.md")]
    mod handlers_and_routing {}
    #[doc = include_str!("../../docs/guide/streams.md")]
    mod streams {}
    #[doc = include_str!("../../docs/guide/testing.md")]
    mod testing {}
}

pub use entry::{EventResult, Fallible, Handler, Infallible, ObjectHandler, Stored};
pub use error::Error;
pub use fault::abort;
pub use needs_alloc::NeedsAllocatorFeature;
pub use request::Request;
pub use response::{
    Header, Response, TooManyHeaders, APPLICATION_JSON, EXTRA_HEADERS, TEXT_HTML, TEXT_PLAIN, TOO_MANY_HEADERS,
};

/// The allocator (with an allocator feature): heap limit, OOM hook, statistics.
#[cfg(feature = "alloc")]
pub use tinyworker_alloc as heap;

/// Request bytes (body + method + URL + headers) a module accepts unless `entry!` says
/// otherwise; larger requests get a 413.
pub const DEFAULT_IO_CAPACITY: usize = 64 * 1024;

/// Used by `entry!` and `durable_object!`; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::abi::ModuleHeader;
    pub use crate::entry::{
        answer_result, event, fetch, fetch_in_module, module_header, EventResult, Handler, IoBuffer, ObjectHandler,
        WithStorage,
    };
    pub use crate::storage::Storage;

    /// `status`, when the platform sends it (101, or 200-599); else a panic, which in the
    /// constant [`crate::status!`] makes is a compile error.
    pub const fn checked_status(status: u16) -> u16 {
        assert!(
            status == 101 || (200 <= status && status <= 599),
            "tinyworker::status!: a response status the platform never sends (outside 200-599, other than 101)"
        );
        status
    }
}

/// A response status written as a constant, checked when the crate compiles: `status!(404)` is
/// `404u16`, and a status the platform never sends (outside 200-599, other than 101 for a
/// WebSocket) fails to compile. A status computed at run time is checked when it is answered:
/// one outside that range is answered 500 and logged, never a fault.
///
/// ```
/// use tinyworker::{status, Response};
/// let teapot = Response::text(status!(418), "short and stout");
/// # assert_eq!(teapot.status(), 418);
/// ```
///
/// ```compile_fail
/// // error[E0080]: ... a response status the platform never sends (outside 200-599, other than 101)
/// let _ = tinyworker::Response::text(tinyworker::status!(700), "no such status");
/// ```
#[macro_export]
macro_rules! status {
    ($status:expr) => {{
        const STATUS: u16 = $crate::__private::checked_status($status);
        STATUS
    }};
}

/// Registers `handler` (a `fn(&Request<'a>, &Storage) -> Response<'a>`) as the entry of a
/// Durable Object: every object gets its own instance of the module, and each request runs in
/// a storage transaction that a fault rolls back. `durable_object!(handle, restore)` adds a
/// restore hook (`fn(&Storage)`) that the glue calls once on every new instance of an object
/// (the first, and each one that replaces an instance a fault poisoned), to rebuild in-memory
/// state from storage. Serve it with the glue's `createDurableObject`.
///
/// A Worker and its Durable Object classes in one crate and one module: `entry!` serves the
/// Worker, and each class is named with its handlers (only `fetch` is required), in any module
/// of the crate that has the `entry!` (the class shares its I/O buffer):
///
/// ```ignore
/// tinyworker::entry!(worker);
/// tinyworker::durable_object!(class Room {
///     fetch: room_fetch,       // fn(&Request<'a>, &Storage) -> Response<'a> (or a Result)
///     restore: room_restore,   // fn(&Storage)
///     alarm: room_alarm,       // fn(&Storage) -> R
///     message: room_message,   // fn(&object::SocketMessage, &Storage) -> R
///     close: room_close,       // fn(&object::SocketClose, &Storage) -> R
///     error: room_error,       // fn(&object::SocketError, &Storage) -> R
/// });
/// ```
///
/// (`R` is `()` or a `Result<(), E>`, `E` any error that converts into [`Error`]; a fetch
/// handler's `Err` is answered with its status, and rolls the request's writes back as a fault
/// does.) Each handler is an export `<name>_Room`; serve the class
/// with `createDurableObject(wasm, { className: "Room" })`. An alarm handler's fault or error
/// rolls its writes back and the platform runs it again; a message handler's closes that
/// socket with 1011 and touches no other.
#[macro_export]
macro_rules! durable_object {
    (class $class:ident { $($member:ident : $handler:path),+ $(,)? }) => {
        $( $crate::durable_object!(@member $class $member $handler); )+
    };
    (@member $class:ident fetch $handler:path) => {
        const _: () = {
            /// A request to an object of the class (docs/ABI.md, "Events").
            #[doc(hidden)]
            #[unsafe(export_name = concat!("__tw_fetch_", stringify!($class)))]
            pub extern "C-unwind" fn __tw_member(body_len: usize) -> u32 {
                // SAFETY: the glue wrote the body at the start of the module's I/O buffer (the
                // one `__tw_abi` names); its call guard makes calls one at a time.
                unsafe { $crate::__private::fetch_in_module(body_len, $crate::__private::WithStorage($handler)) }
            }
        };
    };
    (@member $class:ident restore $handler:path) => {
        const _: () = {
            /// Called by the glue once per new instance of an object of the class.
            #[doc(hidden)]
            #[unsafe(export_name = concat!("__tw_restore_", stringify!($class)))]
            pub extern "C-unwind" fn __tw_member() {
                let restore: fn(&$crate::storage::Storage) = $handler;
                restore(&$crate::__private::Storage::new())
            }
        };
    };
    (@member $class:ident alarm $handler:path) => {
        const _: () = {
            /// The object's alarm fired.
            #[doc(hidden)]
            #[unsafe(export_name = concat!("__tw_alarm_", stringify!($class)))]
            pub extern "C-unwind" fn __tw_member() -> u32 {
                $crate::__private::event(concat!(stringify!($class), " alarm"), || $handler(&$crate::__private::Storage::new()))
            }
        };
    };
    (@member $class:ident message $handler:path) => {
        const _: () = {
            /// A message arrived on one of the object's WebSockets.
            #[doc(hidden)]
            #[unsafe(export_name = concat!("__tw_socket_message_", stringify!($class)))]
            pub extern "C-unwind" fn __tw_member() -> u32 {
                $crate::__private::event(concat!(stringify!($class), " websocket message"), || {
                    $handler(&$crate::object::SocketMessage::current(), &$crate::__private::Storage::new())
                })
            }
        };
    };
    (@member $class:ident close $handler:path) => {
        const _: () = {
            /// One of the object's WebSockets closed.
            #[doc(hidden)]
            #[unsafe(export_name = concat!("__tw_socket_close_", stringify!($class)))]
            pub extern "C-unwind" fn __tw_member() -> u32 {
                $crate::__private::event(concat!(stringify!($class), " websocket close"), || {
                    $handler(&$crate::object::SocketClose::current(), &$crate::__private::Storage::new())
                })
            }
        };
    };
    (@member $class:ident error $handler:path) => {
        const _: () = {
            /// One of the object's WebSockets failed.
            #[doc(hidden)]
            #[unsafe(export_name = concat!("__tw_socket_error_", stringify!($class)))]
            pub extern "C-unwind" fn __tw_member() -> u32 {
                $crate::__private::event(concat!(stringify!($class), " websocket error"), || {
                    $handler(&$crate::object::SocketError::current(), &$crate::__private::Storage::new())
                })
            }
        };
    };
    (@member $class:ident $other:ident $handler:path) => {
        compile_error!(concat!(
            "durable_object!: a class has no member `", stringify!($other),
            "` (fetch, restore, alarm, message, close, error)"
        ));
    };
    ($handler:path) => {
        $crate::durable_object!(@handler $handler);
    };
    ($handler:path, $restore:path) => {
        $crate::durable_object!(@handler $handler);
        const _: () = {
            /// Called by the glue once per new instance of an object (docs/ABI.md).
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub extern "C-unwind" fn __tw_restore() {
                let restore: fn(&$crate::storage::Storage) = $restore;
                restore(&$crate::__private::Storage::new())
            }
        };
    };
    (@handler $handler:path) => {
        /// Marks the module as a Durable Object's for the glue's features (docs/ABI.md).
        #[doc(hidden)]
        #[unsafe(no_mangle)]
        pub static __tw_object: u8 = 0;
        $crate::entry!(@serve $crate::__private::WithStorage($handler), $crate::DEFAULT_IO_CAPACITY);
    };
}

/// Registers `handler` as the module's entry point and declares its I/O buffer:
/// `entry!(handle)`, or `entry!(handle, 1 << 20)` for a larger request limit in bytes. The
/// handler is a `fn(&Request<'a>) -> Response<'a>`, or a `fn(&Request<'a>) -> Result<Response<'a>,
/// E>` where `E` converts into [`Error`] (so `?` works in it): an `Err` is answered with its
/// status and a generic body, and logged with its message. Defines the module's exports
/// `__tw_abi` and `__tw_fetch` (docs/ABI.md) and its I/O buffer; a second `entry!` in one
/// crate is a compile error (`__tw_abi` defined twice). Any module of the crate may hold it.
#[macro_export]
macro_rules! entry {
    ($handler:path) => {
        $crate::entry!(@serve $handler, $crate::DEFAULT_IO_CAPACITY);
    };
    ($handler:path, $capacity:expr) => {
        $crate::entry!(@serve $handler, $capacity);
    };
    (@serve $handler:expr, $capacity:expr) => {
        const _: () = {
            const CAPACITY: usize = $capacity;
            /// The module's I/O buffer (a Durable Object class of the module finds it through
            /// the header).
            static IO: $crate::__private::IoBuffer<CAPACITY> = $crate::__private::IoBuffer::new();

            /// The module header the glue reads when it instantiates the module.
            #[allow(non_upper_case_globals)]
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub static __tw_abi: $crate::__private::ModuleHeader =
                $crate::__private::module_header(IO.as_ptr(), CAPACITY);

            /// Serves the request whose `body_len` bytes of body the glue wrote into the I/O
            /// buffer. "C-unwind": a JS exception from an import leaves through here to the
            /// glue (after the unwind build ran every destructor on its way).
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub extern "C-unwind" fn __tw_fetch(body_len: usize) -> u32 {
                // SAFETY: IO is this module's I/O buffer and the glue wrote the body at its
                // start; the glue's call guard makes calls one at a time, never reentrant.
                unsafe { $crate::__private::fetch(&IO, body_len, $handler) }
            }
        };
    };
}

#[cfg(test)]
mod tests {
    /// Serialises the host tests that touch the runtime's statics.
    pub static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// Runs `f` on a `GET http://h/x` request in a 64-byte I/O buffer, holding [`LOCK`].
    pub fn with_request<R>(f: impl FnOnce(&crate::Request<'_>) -> R) -> R {
        let _guard = LOCK.lock().unwrap();
        crate::sys::set_request("GET", "http://h/x", b"");
        let mut buffer = [0u8; 64];
        let request = crate::Request::in_buffer(&mut buffer, 0).unwrap();
        f(&request)
    }
}
