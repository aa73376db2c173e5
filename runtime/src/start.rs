//! The module's start hook: `start!(handler)` runs `handler` once per instance, before the first
//! request or event that instance serves (workers-rs's `#[event(start)]`).
//!
//! The hook has no request and no env: it sets up the module's own state (statics, a logger's
//! level), and cannot wait for I/O (a call that would suspend fails). It runs inside the first
//! call of its instance, guarded like that call; a fault or an error of it fails that call (a
//! request answers 500) and drops the instance, and the next call starts a fresh instance, which
//! runs the hook again. With the `bump` allocator nothing it
//! allocates outlives that first call (the arena is reset at every call), as for any handler.
//! `tinyworker::testing` does not run it: a test that needs its state calls the hook first.

/// Registers `handler` (a `fn() -> R`, where `R` is `()` or a `Result<(), E>` whose `E`
/// converts into [`crate::Error`]) as the module's start hook. Exports `__tw_start`
/// (docs/ABI.md, "Exports").
///
/// ```
/// use core::sync::atomic::{AtomicU32, Ordering};
/// use tinyworker::{Request, Response};
///
/// static STARTS: AtomicU32 = AtomicU32::new(0);
///
/// fn started() {
///     STARTS.fetch_add(1, Ordering::Relaxed);
/// }
/// tinyworker::start!(started);
///
/// fn handle<'a>(_request: &Request<'a>) -> Response<'a> {
///     // Every instance ran `started` once before this request.
///     let text = if STARTS.load(Ordering::Relaxed) == 1 { "started once\n" } else { "?\n" };
///     Response::text(200, text)
/// }
/// tinyworker::entry!(handle);
/// ```
#[macro_export]
macro_rules! start {
    ($handler:path) => {
        const _: () = {
            /// The start hook (docs/ABI.md, "Exports").
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub extern "C-unwind" fn __tw_start() -> u32 {
                $crate::__private::event("start", || $handler())
            }
        };
    };
}
