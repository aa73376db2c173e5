//! The panic handler, `abort` and `raise`: a fault is written into the one static fault record
//! without allocating, then reported to the glue as docs/ABI.md says for each build.

pub(crate) use crate::abi::{FaultKind, FaultRecord};
use crate::sys;
use core::panic::Location;
use core::sync::atomic::{AtomicBool, Ordering};

per_instance! {
    /// The fault record (its address is in the module header).
    pub(crate) static RECORD: FaultRecord = FaultRecord::NONE;
}

/// A record for `kind` with a static message and an optional source location.
fn record_of(kind: FaultKind, message: &'static str, location: Option<&Location<'_>>) -> FaultRecord {
    let (file, line, column) = match location {
        Some(l) => (l.file(), l.line(), l.column()),
        None => ("", 0, 0),
    };
    FaultRecord {
        kind: kind as u32,
        message: message.as_ptr(),
        message_len: message.len(),
        file: file.as_ptr(),
        file_len: file.len(),
        line,
        column,
    }
}

/// Set while the panic handler runs; a second panic before the next request is an abort.
static PANICKING: AtomicBool = AtomicBool::new(false);

/// The message of a panic whose message was formatted (the handler keeps static strs only).
pub const FORMATTED_PANIC: &str = "panicked (message not kept)";
/// The message of an allocation failure that reached the panic handler.
pub const OUT_OF_MEMORY: &str = "out of memory";
/// The message of a panic raised while the panic handler was already running.
pub const DOUBLE_PANIC: &str = "panic while panicking";

/// Called at the start of every request: the previous request's fault, if any, was handled
/// by the glue at the call boundary. A kind of 0 tells the glue that a trap in this request
/// was not an abort.
pub(crate) fn begin_request() {
    PANICKING.store(false, Ordering::Relaxed);
    // SAFETY: the closure only stores the kind.
    unsafe { RECORD.with(|r| r.kind = 0) };
    #[cfg(feature = "alloc")]
    tinyworker_alloc::take_failure();
}

/// Replaces the record.
fn write(record: FaultRecord) {
    // SAFETY: the closure only stores into the record; nothing else accesses it meanwhile.
    unsafe { RECORD.with(|r| *r = record) }
}

/// Records `kind` without raising it or a message (the caller reports
/// [`crate::abi::OUTCOME_FAULT`]; the glue needs no message for `TooLarge`).
pub(crate) fn record_kind(kind: FaultKind) {
    // SAFETY: the closure only stores the kind.
    unsafe { RECORD.with(|r| r.kind = kind as u32) };
}

/// The message of a panic that cannot unwind and carries no static message.
pub const CANNOT_UNWIND: &str = "panic that cannot unwind";

/// What the panic handler knows about a panic.
#[derive(Debug, Clone, Copy)]
pub struct PanicFacts {
    /// The handler was already running (a panic in a destructor, or in the handler).
    pub already_panicking: bool,
    /// The message, when it is a static str.
    pub static_message: Option<&'static str>,
    /// The allocator's "an allocation failed during this request" flag.
    pub alloc_failed: bool,
    /// Whether this panic may unwind (false for `panic_nounwind`, e.g. the alloc-error
    /// handler's panic or an unwind reaching an `extern "C"` frame).
    pub can_unwind: bool,
}

/// Decides how a panic is reported. Pure, so it is unit-tested on the host.
///
/// On stable Rust the default alloc-error handler panics with a formatted message, so a
/// panic without a static message after a failed allocation is an out-of-memory abort. A
/// panic that cannot unwind is an abort too. When in doubt the answer is abort, never the
/// other way.
pub fn classify_panic(facts: PanicFacts) -> (FaultKind, &'static str) {
    match facts {
        PanicFacts {
            already_panicking: true,
            ..
        } => (FaultKind::Abort, DOUBLE_PANIC),
        PanicFacts {
            static_message: None,
            alloc_failed: true,
            ..
        } => (FaultKind::Abort, OUT_OF_MEMORY),
        PanicFacts {
            can_unwind: false,
            static_message,
            ..
        } => (FaultKind::Abort, static_message.unwrap_or(CANNOT_UNWIND)),
        PanicFacts {
            static_message: Some(message),
            ..
        } => (FaultKind::Panic, message),
        PanicFacts {
            static_message: None, ..
        } => (FaultKind::Panic, FORMATTED_PANIC),
    }
}

/// Writes the record without raising it: the caller returns [`crate::abi::OUTCOME_FAULT`]
/// itself (a response the runtime refuses; the instance is fine).
pub(crate) fn report(kind: FaultKind, message: &'static str, location: &Location<'_>) {
    write(record_of(kind, message, Some(location)));
}

/// Writes the record and reports it: a panic throws the tag (in the unwind build that
/// unwinds to the export boundary); an abort throws it in the abort build and traps in the
/// unwind build, where a throw would run destructors. Never returns; allocates nothing.
pub fn raise(kind: FaultKind, message: &'static str, location: Option<&Location<'_>>) -> ! {
    write(record_of(kind, message, location));
    #[cfg(all(target_arch = "wasm32", panic = "unwind"))]
    if kind == FaultKind::Abort {
        sys::trap()
    }
    sys::throw(RECORD.as_ptr())
}

/// Ends the request because a part of it does not fit the I/O buffer: the glue answers 413 on
/// the same instance (the unwind build unwinds like a panic; the abort build throws past the
/// handler's frames, and the glue restores the stack pointer).
#[cold]
pub(crate) fn too_large() -> ! {
    raise(FaultKind::TooLarge, "request too large", None)
}

/// Ends the current request with a non-recoverable fault: the request gets a 500 with
/// `reason`, and the glue re-instantiates the module before the next request.
#[track_caller]
pub fn abort(reason: &'static str) -> ! {
    raise(FaultKind::Abort, reason, Some(Location::caller()))
}

/// The panic handler (wasm32 only; host tests exercise `classify_panic` and `raise`).
#[cfg(all(target_arch = "wasm32", not(test)))]
#[panic_handler]
fn on_panic(info: &core::panic::PanicInfo<'_>) -> ! {
    #[cfg(panic = "unwind")]
    let can_unwind = info.can_unwind();
    #[cfg(not(panic = "unwind"))]
    let can_unwind = true; // nothing unwinds in the abort build; a panic is still a panic
    #[cfg(feature = "alloc")]
    let alloc_failed = tinyworker_alloc::take_failure();
    #[cfg(not(feature = "alloc"))]
    let alloc_failed = false;
    let (kind, message) = classify_panic(PanicFacts {
        already_panicking: PANICKING.swap(true, Ordering::Relaxed),
        static_message: info.message().as_str(),
        alloc_failed,
        can_unwind,
    });
    raise(kind, message, info.location())
}

/// What no_std lacks for panic=unwind: the personality. wasm exception handling never calls
/// it (the engine dispatches on the tag), but the lang item must exist.
#[cfg(all(target_arch = "wasm32", panic = "unwind", not(test)))]
#[lang = "eh_personality"]
fn eh_personality() {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::HostThrow;

    fn facts(static_message: Option<&'static str>, alloc_failed: bool) -> PanicFacts {
        PanicFacts {
            already_panicking: false,
            static_message,
            alloc_failed,
            can_unwind: true,
        }
    }

    #[test]
    fn static_message_is_a_panic() {
        assert_eq!(classify_panic(facts(Some("boom"), false)), (FaultKind::Panic, "boom"));
        // A static message wins over the allocator flag: it did not come from the alloc
        // error handler, whose message is formatted.
        assert_eq!(classify_panic(facts(Some("boom"), true)), (FaultKind::Panic, "boom"));
    }

    #[test]
    fn formatted_message_after_failed_allocation_is_out_of_memory() {
        assert_eq!(classify_panic(facts(None, true)), (FaultKind::Abort, OUT_OF_MEMORY));
        let nounwind = PanicFacts {
            can_unwind: false,
            ..facts(None, true)
        };
        assert_eq!(classify_panic(nounwind), (FaultKind::Abort, OUT_OF_MEMORY));
        assert_eq!(classify_panic(facts(None, false)), (FaultKind::Panic, FORMATTED_PANIC));
    }

    #[test]
    fn panic_that_cannot_unwind_is_an_abort() {
        let nounwind = |m| PanicFacts {
            can_unwind: false,
            ..facts(m, false)
        };
        assert_eq!(classify_panic(nounwind(None)), (FaultKind::Abort, CANNOT_UNWIND));
        assert_eq!(classify_panic(nounwind(Some("in drop"))), (FaultKind::Abort, "in drop"));
    }

    #[test]
    fn panic_while_panicking_is_an_abort() {
        let again = |m, oom| PanicFacts {
            already_panicking: true,
            ..facts(m, oom)
        };
        assert_eq!(
            classify_panic(again(Some("again"), false)),
            (FaultKind::Abort, DOUBLE_PANIC)
        );
        assert_eq!(classify_panic(again(None, true)), (FaultKind::Abort, DOUBLE_PANIC));
    }

    #[test]
    fn abort_writes_the_record_and_throws_its_address() {
        let _guard = crate::tests::LOCK.lock().unwrap();
        let line = line!() + 1;
        let thrown = std::panic::catch_unwind(|| abort("gave up")).unwrap_err();
        let HostThrow(address) = *thrown.downcast::<HostThrow>().unwrap();
        assert_eq!(address, RECORD.as_ptr() as usize);
        // SAFETY: the closure only copies the record out.
        let record = unsafe { RECORD.with(|r| *r) };
        assert_eq!(record.kind, FaultKind::Abort as u32);
        // SAFETY: message/file point at 'static strs written by `FaultRecord::new`.
        let (message, file) = unsafe {
            (
                core::slice::from_raw_parts(record.message, record.message_len),
                core::slice::from_raw_parts(record.file, record.file_len),
            )
        };
        assert_eq!(message, b"gave up");
        assert!(std::str::from_utf8(file).unwrap().ends_with("fault.rs"));
        assert_eq!(record.line, line);
    }
}
