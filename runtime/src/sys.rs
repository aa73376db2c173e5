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

/// The I/O imports (docs/ABI.md). "C-unwind" like `__tw_request`: the glue's imports never throw,
/// but the unwind build still gets landing pads should one.
#[cfg(target_arch = "wasm32")]
mod io_imports {
    #[link(wasm_import_module = "env")]
    extern "C-unwind" {
        pub fn __tw_env(name: *const u8, name_len: usize, dst: *mut u8, room: usize) -> i32;
        pub fn __tw_io(op: u32, record: *const crate::abi::IoRecord) -> i32;
        pub fn __tw_result(handle: i32, part: u32, dst: *mut u8, room: usize) -> i32;
        pub fn __tw_storage(op: u32, record: *const crate::abi::IoRecord) -> i32;
    }
}

/// `__tw_storage`: runs storage operation `op` synchronously; a result handle, `ABSENT`, a
/// count, or a negative error code.
#[cfg(target_arch = "wasm32")]
pub fn storage(op: u32, record: &crate::abi::IoRecord) -> i32 {
    // SAFETY: the record and every slice it points at stay borrowed (so alive and unchanged)
    // for the whole call; the glue only reads them.
    unsafe { io_imports::__tw_storage(op, record) }
}

/// `__tw_env`: the length of the env variable `name` (written at `dst` if it fits in `room`),
/// or `ABSENT`.
#[cfg(target_arch = "wasm32")]
pub fn env(name: &str, dst: *mut u8, room: usize) -> i32 {
    // SAFETY: `name` is readable for its length; the glue writes at most `room` bytes at `dst`,
    // which the caller passes as the unused tail of the I/O buffer.
    unsafe { io_imports::__tw_env(name.as_ptr(), name.len(), dst, room) }
}

/// `__tw_io`: runs operation `op` (suspending the module until the host answers); a result
/// handle, `ABSENT`, or a negative error code.
#[cfg(target_arch = "wasm32")]
pub fn io(op: u32, record: &crate::abi::IoRecord) -> i32 {
    // SAFETY: the record and every slice it points at stay borrowed (so alive and unchanged)
    // for the whole call; the glue only reads them.
    unsafe { io_imports::__tw_io(op, record) }
}

/// `__tw_result`: part `part` of result `handle` (its length; written at `dst` if it fits in
/// `room`), or the status for `RESULT_STATUS`.
#[cfg(target_arch = "wasm32")]
pub fn result(handle: i32, part: u32, dst: *mut u8, room: usize) -> usize {
    // SAFETY: the caller passes `room` writable bytes at `dst` that no reference covers; the
    // glue writes at most that many.
    unsafe { io_imports::__tw_result(handle, part, dst, room) as u32 as usize }
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

/// Host stand-ins for the I/O imports: the env a test set, and the results a test queued.
#[cfg(not(target_arch = "wasm32"))]
mod host_io {
    /// One queued answer of the host stand-in: (code, status, headers, body).
    #[cfg(test)]
    pub type HostAnswer = (i32, u16, Vec<u8>, Vec<u8>);

    #[cfg(test)]
    std::thread_local! {
        pub static ENV: std::cell::RefCell<Vec<(String, String)>> = const { std::cell::RefCell::new(Vec::new()) };
        /// What `io` answers, in order.
        pub static RESULTS: std::cell::RefCell<std::collections::VecDeque<HostAnswer>> =
            const { std::cell::RefCell::new(std::collections::VecDeque::new()) };
        pub static CURRENT: std::cell::RefCell<(u16, Vec<u8>, Vec<u8>)> = const { std::cell::RefCell::new((0, Vec::new(), Vec::new())) };
        /// The operations the module asked for: (op, the record's slices as bytes).
        pub static ASKED: std::cell::RefCell<Vec<(u32, Vec<Vec<u8>>)>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    /// Copies `bytes` to `dst` if they fit in `room`; their length.
    #[cfg(test)]
    fn put(bytes: &[u8], dst: *mut u8, room: usize) -> usize {
        if bytes.len() <= room {
            // SAFETY: the caller passes `room` writable bytes at `dst` that nothing references.
            unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len()) };
        }
        bytes.len()
    }

    pub fn env(_name: &str, _dst: *mut u8, _room: usize) -> i32 {
        #[cfg(test)]
        return ENV.with(|env| match env.borrow().iter().find(|(n, _)| n == _name) {
            Some((_, value)) => put(value.as_bytes(), _dst, _room) as i32,
            None => crate::abi::ABSENT,
        });
        #[cfg(not(test))]
        crate::abi::ABSENT
    }

    pub fn io(_op: u32, _record: &crate::abi::IoRecord) -> i32 {
        #[cfg(test)]
        {
            let slices = _record
                .slices
                .iter()
                .enumerate()
                .map(
                    |(i, slice)| match (slice.at.is_null(), _op == crate::abi::IO_FETCH && i == 2) {
                        (true, _) | (_, true) => Vec::new(),
                        // SAFETY: the record borrows these slices for the call.
                        _ => unsafe { core::slice::from_raw_parts(slice.at, slice.len) }.to_vec(),
                    },
                )
                .collect();
            ASKED.with(|asked| asked.borrow_mut().push((_op, slices)));
            let (code, status, headers, body) = RESULTS.with(|r| r.borrow_mut().pop_front()).expect("a queued result");
            CURRENT.with(|c| *c.borrow_mut() = (status, headers, body));
            code
        }
        #[cfg(not(test))]
        crate::abi::IO_FAILED
    }

    /// The storage stand-in answers from the same queue as `io`.
    pub fn storage(op: u32, record: &crate::abi::IoRecord) -> i32 {
        io(op, record)
    }

    pub fn result(_handle: i32, _part: u32, _dst: *mut u8, _room: usize) -> usize {
        #[cfg(test)]
        return CURRENT.with(|c| {
            let (status, headers, body) = &*c.borrow();
            match _part {
                crate::abi::RESULT_STATUS => usize::from(*status),
                crate::abi::RESULT_HEADERS => put(headers, _dst, _room),
                _ => put(body, _dst, _room),
            }
        });
        #[cfg(not(test))]
        0
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use host_io::{env, io, result, storage};
#[cfg(test)]
pub use host_io::{ASKED, ENV, RESULTS};

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
