//! The host under `cargo test`: stand-ins for the imports that a test drives (the request parts,
//! the env, the answers of I/O and storage operations, queued in order) and records (what was
//! asked), and a throw that becomes a Rust panic carrying the fault record's address.

use crate::abi::{FaultRecord, ABSENT, IO_FETCH, RESULT_HEADERS, RESULT_STATUS};
use std::cell::RefCell;
use std::collections::VecDeque;

/// One queued answer of the host stand-in: (code, status, headers, body).
pub type HostAnswer = (i32, u16, Vec<u8>, Vec<u8>);

std::thread_local! {
    static HOST_REQUEST: RefCell<[Vec<u8>; 3]> = const { RefCell::new([Vec::new(), Vec::new(), Vec::new()]) };
    /// The env's text variables.
    pub static ENV: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
    /// What `io` and `storage` answer, in order.
    pub static RESULTS: RefCell<VecDeque<HostAnswer>> = const { RefCell::new(VecDeque::new()) };
    /// The answer `result` reads: the last one `io` or `storage` gave.
    static CURRENT: RefCell<(u16, Vec<u8>, Vec<u8>)> = const { RefCell::new((0, Vec::new(), Vec::new())) };
    /// The operations the module asked for: (op, the record's slices as bytes).
    pub static ASKED: RefCell<Vec<(u32, Vec<Vec<u8>>)>> = const { RefCell::new(Vec::new()) };
}

/// Sets the parts the stand-in of `__tw_request` serves on this thread.
pub fn set_request(method: &str, url: &str, headers: &[u8]) {
    HOST_REQUEST.with(|r| *r.borrow_mut() = [method.into(), url.into(), headers.into()]);
}

/// Copies `bytes` to `dst` if they fit in `room`; their length.
fn put(bytes: &[u8], dst: *mut u8, room: usize) -> usize {
    if bytes.len() <= room {
        // SAFETY: the caller passes `room` writable bytes at `dst` that nothing references.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len()) };
    }
    bytes.len()
}

/// `__tw_request`: the part a test set with `set_request`.
pub fn request_part(part: u32, dst: *mut u8, room: usize) -> usize {
    let bytes = HOST_REQUEST.with(|r| r.borrow()[part as usize].clone());
    put(&bytes, dst, room)
}

/// `__tw_env`: a variable a test put in `ENV`, or `ABSENT`.
pub fn env(name: &str, dst: *mut u8, room: usize) -> i32 {
    ENV.with(|env| match env.borrow().iter().find(|(n, _)| n == name) {
        Some((_, value)) => put(value.as_bytes(), dst, room) as i32,
        None => ABSENT,
    })
}

/// `__tw_io`: notes what was asked in `ASKED`, answers the next of `RESULTS`.
pub fn io(op: u32, record: &crate::abi::IoRecord) -> i32 {
    let slices = record
        .slices
        .iter()
        .enumerate()
        .map(|(i, slice)| match (slice.at.is_null(), op == IO_FETCH && i == 2) {
            (true, _) | (_, true) => Vec::new(),
            // SAFETY: the record borrows these slices for the call.
            _ => unsafe { core::slice::from_raw_parts(slice.at, slice.len) }.to_vec(),
        })
        .collect();
    ASKED.with(|asked| asked.borrow_mut().push((op, slices)));
    let (code, status, headers, body) = RESULTS.with(|r| r.borrow_mut().pop_front()).expect("a queued result");
    CURRENT.with(|c| *c.borrow_mut() = (status, headers, body));
    code
}

/// `__tw_storage`: answers from the same queue as `io`.
pub fn storage(op: u32, record: &crate::abi::IoRecord) -> i32 {
    io(op, record)
}

/// `__tw_result`: part `part` of the last answer.
pub fn result(_handle: i32, part: u32, dst: *mut u8, room: usize) -> usize {
    CURRENT.with(|c| {
        let (status, headers, body) = &*c.borrow();
        match part {
            RESULT_STATUS => usize::from(*status),
            RESULT_HEADERS => put(headers, dst, room),
            _ => put(body, dst, room),
        }
    })
}

/// The payload of a host-side throw: the fault record's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostThrow(pub usize);

/// The throw becomes a Rust panic carrying the record's address, which unit tests catch with
/// `std::panic::catch_unwind`.
pub fn throw(record: *const FaultRecord) -> ! {
    std::panic::panic_any(HostThrow(record as usize))
}
