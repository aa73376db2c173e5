//! wasm32: the imports of docs/ABI.md (`env.__tw_request`, `__tw_env`, `__tw_result`,
//! `__tw_storage`, `__tw_call`, `__tw_value`, `__tw_log`) and the throw of the imported `__cpp_exception` tag (and, unwind build, a trap).

use crate::abi::FaultRecord;

/// Writes request part `part` (docs/ABI.md) at `dst` if it fits in `room` bytes; its length.
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
mod io_imports {
    #[link(wasm_import_module = "env")]
    extern "C-unwind" {
        pub fn __tw_env(name: *const u8, name_len: usize, dst: *mut u8, room: usize) -> i32;
        pub fn __tw_result(handle: i32, part: u32, dst: *mut u8, room: usize) -> i32;
        pub fn __tw_storage(op: u32, record: *const crate::abi::IoRecord) -> i32;
        pub fn __tw_call(record: *mut crate::abi::CallRecord) -> i32;
        pub fn __tw_wait(record: *mut crate::abi::CallRecord) -> i32;
        pub fn __tw_value(handle: i32, op: u32, dst: *mut u8, room: usize) -> i32;
        pub fn __tw_log(
            level: u32,
            status: u32,
            needed: u32,
            flags: u32,
            text: *const u8,
            len: usize,
            context: *const u8,
            context_len: usize,
        );
    }
}

/// `__tw_log`: one line at `level` (docs/ABI.md): `text` as it is when `status` is 0, else an
/// error's line, which the glue composes; a module that never logs does not import it.
pub fn log(level: u32, status: u32, needed: u32, flags: u32, text: &str, context: &str) {
    // SAFETY: the glue reads `text.len()` bytes at `text` and `context.len()` at `context`,
    // which the borrows keep alive and unchanged for the call; it writes nothing.
    unsafe {
        io_imports::__tw_log(
            level,
            status,
            needed,
            flags,
            text.as_ptr(),
            text.len(),
            context.as_ptr(),
            context.len(),
        )
    }
}

/// `__tw_call`, then `__tw_wait` when the call answered a Promise (the module suspends there,
/// in a Worker): a handle or a negative error code. A call that answers at once never crosses
/// a JSPI import, whose wrapper costs about 0.2 µs even when nothing suspends.
pub fn call(record: &mut crate::abi::CallRecord) -> i32 {
    // SAFETY: the record, its name, member, arguments and everything they point at stay
    // borrowed (so alive and unchanged) for the whole call; the glue reads them and writes only
    // the record's `kind` and `len` words and, with CALL_READ, at most `room` bytes at `dst`,
    // which the caller lends it as writable bytes no reference covers (or room 0).
    let code = unsafe { io_imports::__tw_call(record) };
    if code != crate::abi::BRIDGE_PENDING {
        return code;
    }
    // SAFETY: as above: the same record, still borrowed, for the answer of the same call.
    unsafe { io_imports::__tw_wait(record) }
}

/// `__tw_value`: reads held value `handle` with `op`, writing at most `room` bytes at `dst`.
pub fn value(handle: i32, op: u32, dst: *mut u8, room: usize) -> i32 {
    // SAFETY: the caller passes `room` writable bytes at `dst` that no reference covers (or
    // room 0); the glue writes at most that many.
    unsafe { io_imports::__tw_value(handle, op, dst, room) }
}

/// `__tw_storage`: runs storage operation `op` synchronously; a result handle, `ABSENT`, a
/// count, or a negative error code.
pub fn storage(op: u32, record: &crate::abi::IoRecord) -> i32 {
    // SAFETY: the record and every slice it points at stay borrowed (so alive and unchanged)
    // for the whole call; the glue only reads them.
    unsafe { io_imports::__tw_storage(op, record) }
}

/// `__tw_env`: the length of the env variable `name` (written at `dst` if it fits in `room`),
/// or `ABSENT`.
pub fn env(name: &str, dst: *mut u8, room: usize) -> i32 {
    // SAFETY: `name` is readable for its length; the glue writes at most `room` bytes at `dst`,
    // which the caller passes as the unused tail of the I/O buffer.
    unsafe { io_imports::__tw_env(name.as_ptr(), name.len(), dst, room) }
}

/// `__tw_result`: part `part` of result `handle` (its length; written at `dst` if it fits in
/// `room`), or the status for `RESULT_STATUS`.
pub fn result(handle: i32, part: u32, dst: *mut u8, room: usize) -> usize {
    // SAFETY: the caller passes `room` writable bytes at `dst` that no reference covers; the
    // glue writes at most that many.
    unsafe { io_imports::__tw_result(handle, part, dst, room) as u32 as usize }
}

/// Abort build (stable): the throw comes from src/throw.ll, assembled by build.rs.
#[cfg(not(panic = "unwind"))]
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
#[cfg(panic = "unwind")]
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

pub use imp::*;
