//! The runtime's only wasm intrinsics and imports: throwing the imported `__cpp_exception`
//! tag, trapping (unwind build), and `__tw_request`. On the host, stand-ins for unit tests.

use crate::fault::FaultRecord;

/// Writes request part `part` (docs/ABI.md) at `dst` if it fits in `room` bytes; its length.
#[cfg(target_arch = "wasm32")]
pub fn request_part(part: u32, dst: *mut u8, room: usize) -> usize {
    // "C-unwind": the glue's import never throws, but if a JS exception ever came through
    // here the unwind build would still run every destructor on its way out.
    #[link(wasm_import_module = "env")]
    extern "C-unwind" {
        fn __tw_request(part: u32, dst: *mut u8, room: usize) -> usize;
    }
    // SAFETY: the glue writes at most `room` bytes at `dst` (docs/ABI.md), and the caller
    // passes the unused tail of the I/O buffer, which no Rust reference covers.
    unsafe { __tw_request(part, dst, room) }
}

/// Host stand-in for `__tw_request`: serves the parts a test set with `set_request`.
#[cfg(all(not(target_arch = "wasm32"), test))]
pub fn request_part(part: u32, dst: *mut u8, room: usize) -> usize {
    let bytes = HOST_REQUEST.with(|r| r.borrow()[part as usize].clone());
    if bytes.len() <= room {
        // SAFETY: the caller passes `room` writable bytes at `dst` that nothing references.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len()) };
    }
    bytes.len()
}

/// Host stand-in outside tests: every part is empty.
#[cfg(all(not(target_arch = "wasm32"), not(test)))]
pub fn request_part(_part: u32, _dst: *mut u8, _room: usize) -> usize {
    0
}

#[cfg(test)]
std::thread_local! {
    static HOST_REQUEST: std::cell::RefCell<[Vec<u8>; 3]> = const { std::cell::RefCell::new([Vec::new(), Vec::new(), Vec::new()]) };
}

/// Sets the parts the host stand-in of `__tw_request` serves on this thread.
#[cfg(test)]
pub fn set_request(method: &str, url: &str, headers: &[u8]) {
    HOST_REQUEST.with(|r| *r.borrow_mut() = [method.into(), url.into(), headers.into()]);
}

/// Abort build (stable): the throw comes from src/throw.ll, assembled by build.rs.
#[cfg(all(target_arch = "wasm32", not(panic = "unwind")))]
mod imp {
    use super::FaultRecord;

    // `extern "C"`, not `"C-unwind"`: in the abort build nothing may unwind through Rust
    // frames (a "C-unwind" throw under panic=abort makes the handler recurse).
    extern "C" {
        fn tw_throw(record: *const FaultRecord) -> !;
    }

    /// Throws the tag with the record's address; the glue reads the record.
    pub fn throw(record: *const FaultRecord) -> ! {
        // SAFETY: tw_throw only executes the wasm `throw` instruction with the pointer as its
        // i32 payload; it reads no memory itself. The record lives in a static, so the
        // address stays valid for the glue.
        unsafe { tw_throw(record) }
    }
}

/// Unwind build (pinned nightly): the tag is declared in assembly as an `env` import and
/// thrown with LLVM's intrinsic, which starts a real unwind (destructors run).
#[cfg(all(target_arch = "wasm32", panic = "unwind"))]
mod imp {
    use super::FaultRecord;

    core::arch::global_asm!(
        ".tagtype __cpp_exception i32",
        ".import_module __cpp_exception, env",
        ".import_name __cpp_exception, __cpp_exception",
    );

    extern "C-unwind" {
        #[link_name = "llvm.wasm.throw"]
        fn wasm_throw(tag: i32, payload: *const FaultRecord) -> !;
    }

    /// Throws the tag (index 0: `__cpp_exception`) to unwind to the export boundary.
    pub fn throw(record: *const FaultRecord) -> ! {
        // SAFETY: the intrinsic executes `throw 0` with the record's address as payload;
        // every frame between here and the boundary has landing pads (panic=unwind).
        unsafe { wasm_throw(0, record) }
    }

    /// Ends the instance without running another line of Rust: a trap cannot be caught by
    /// landing pads, so no destructor runs after an abort. The glue reads the record.
    pub fn trap() -> ! {
        core::arch::wasm32::unreachable()
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::FaultRecord;

    /// Host stand-in: the throw becomes a Rust panic carrying the record's address, which
    /// unit tests catch with `std::panic::catch_unwind`.
    #[cfg(test)]
    pub fn throw(record: *const FaultRecord) -> ! {
        std::panic::panic_any(HostThrow(record as usize))
    }

    /// Host stand-in outside tests (a host program linking the runtime): report and stop.
    #[cfg(not(test))]
    pub fn throw(record: *const FaultRecord) -> ! {
        panic!("tinyworker: fault record {record:p} raised outside wasm32")
    }

    /// The payload of a host-side throw: the fault record's address.
    #[cfg(test)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct HostThrow(pub usize);
}

pub use imp::*;
