//! The host outside tests (a host program or a doc test linking the runtime): there is no glue
//! to call. Every request part and variable is empty or absent, every operation fails, and a
//! fault stops the program.

use crate::abi::{FaultRecord, ABSENT, BRIDGE_NO_VALUE, IO_FAILED};

/// `__tw_request`: every part is empty.
pub fn request_part(_part: u32, _dst: *mut u8, _room: usize) -> usize {
    0
}

/// `__tw_env`: no variable.
pub fn env(_name: &str, _dst: *mut u8, _room: usize) -> i32 {
    ABSENT
}

/// `__tw_log`: the line goes to stderr where there is one (a doc test's).
pub fn log(_level: u32, _status: u32, _needed: u32, _flags: u32, _text: &str, _context: &str) {}

/// `__tw_storage`: every operation fails.
pub fn storage(_op: u32, _record: &crate::abi::IoRecord) -> i32 {
    IO_FAILED
}

/// `__tw_result`: nothing.
pub fn result(_handle: i32, _part: u32, _dst: *mut u8, _room: usize) -> usize {
    0
}

/// `__tw_call`: every call fails.
pub fn call(_record: &crate::abi::CallRecord) -> i32 {
    IO_FAILED
}

/// `__tw_value`: nothing is held.
pub fn value(_handle: i32, _op: u32, _dst: *mut u8, _room: usize) -> i32 {
    BRIDGE_NO_VALUE
}

/// A fault outside wasm32: report and stop.
pub fn throw(record: *const FaultRecord) -> ! {
    panic!("tinyworker: fault record {record:p} raised outside wasm32")
}
