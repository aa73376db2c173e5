//! The host under `cargo test`: stand-ins for the imports that a test drives (the request parts,
//! the env, the answers of I/O and storage operations, queued in order) and records (what was
//! asked), and a throw that becomes a Rust panic carrying the fault record's address.
// (The queued stand-ins serve the runtime's own tests; the `testing` feature alone uses fewer.)
#![cfg_attr(not(test), allow(dead_code))]

use crate::abi::{
    CallRecord, FaultRecord, RawArg, RawField, ABSENT, ARG_ARRAY, ARG_BYTES, ARG_FALSE, ARG_JSON, ARG_NULL, ARG_NUMBER,
    ARG_OBJECT, ARG_STRING, ARG_TRUE, ARG_UNDEFINED, ARG_VALUE, BRIDGE_NO_VALUE, BRIDGE_WRONG_TYPE, JS_BOOLEAN,
    JS_BYTES, JS_NULL, JS_NUMBER, JS_OBJECT, JS_STRING, JS_UNDEFINED, READ_BYTES, READ_DROP, READ_KIND, READ_NUMBER,
    RESULT_HEADERS, RESULT_STATUS,
};
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
    /// The lines the module logged: (level, text).
    pub static LOGGED: RefCell<Vec<(u32, String)>> = const { RefCell::new(Vec::new()) };
    /// The operations the module asked for: (op, the record's slices as bytes).
    pub static ASKED: RefCell<Vec<(u32, Vec<Vec<u8>>)>> = const { RefCell::new(Vec::new()) };
    /// How many times the module called the host so far (each import call: one crossing).
    static CROSSINGS: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
}

/// How many imports the module called on this thread so far: the crossings between the module
/// and the host that its API calls make (`make bench`'s `r2_get_crossings`).
pub fn crossings() -> u64 {
    CROSSINGS.with(core::cell::Cell::get)
}

/// One import call.
fn crossed() {
    CROSSINGS.with(|c| c.set(c.get() + 1));
}

/// A value the bridge stand-in answers with.
#[derive(Debug, Clone)]
pub enum BridgeAnswer {
    /// `undefined`.
    Undefined,
    /// `null`.
    Null,
    /// A number.
    Number(f64),
    /// A boolean.
    Boolean(bool),
    /// A string.
    Text(String),
    /// Bytes.
    Bytes(Vec<u8>),
    /// An object of a test platform (`tinyworker::testing`), by its id there.
    Object(usize),
    /// The call threw this message (a test platform's binding failed): the call answers
    /// `IO_FAILED` and the message is the request's last error.
    Failed(String),
}

std::thread_local! {
    /// What `call` answers, in order: a handle (the answer is then held under it) or an error.
    pub static BRIDGE_VALUES: RefCell<Vec<(i32, BridgeAnswer)>> = const { RefCell::new(Vec::new()) };
    /// The values held, by handle.
    static HELD: RefCell<std::collections::HashMap<i32, BridgeAnswer>> = RefCell::new(std::collections::HashMap::new());
    /// The handle of the next value a test platform answers with.
    static NEXT_HANDLE: core::cell::Cell<i32> = const { core::cell::Cell::new(1 << 20) };
    /// The calls the module made, as text: `env NAME.member(args) flags N`.
    pub static BRIDGE_ASKED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// `bytes` at `at` as a slice.
///
/// # Safety
/// `at..at + len` must be readable for the call.
unsafe fn slice<'a>(at: u64, len: usize) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    // SAFETY: the caller's promise.
    unsafe { core::slice::from_raw_parts(at as usize as *const u8, len) }
}

/// An argument of a bridge call, decoded (what the stand-ins match on).
#[derive(Debug, Clone, PartialEq)]
pub enum HostArg {
    /// `undefined`.
    Undefined,
    /// `null`.
    Null,
    /// `false` or `true`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    Str(String),
    /// JSON text (parsed by the glue).
    Json(String),
    /// A held value, by handle.
    Value(u64),
    /// Bytes.
    Bytes(Vec<u8>),
    /// An array.
    Array(Vec<HostArg>),
    /// An object's fields.
    Object(Vec<(String, HostArg)>),
    /// A tag this stand-in does not know.
    Unknown(u32),
}

/// Decodes argument `arg`.
fn decode(arg: &RawArg) -> HostArg {
    // SAFETY: the record borrows every argument and what it points at for the call.
    let text = |at, len| unsafe { String::from_utf8_lossy(slice(at, len)).into_owned() };
    match arg.tag {
        ARG_UNDEFINED => HostArg::Undefined,
        ARG_NULL => HostArg::Null,
        ARG_FALSE => HostArg::Bool(false),
        ARG_TRUE => HostArg::Bool(true),
        ARG_NUMBER => HostArg::Number(f64::from_bits(arg.data)),
        ARG_STRING => HostArg::Str(text(arg.data, arg.len)),
        ARG_JSON => HostArg::Json(text(arg.data, arg.len)),
        ARG_VALUE => HostArg::Value(arg.data),
        // SAFETY: the record borrows the bytes for the call.
        ARG_BYTES => HostArg::Bytes(unsafe { slice(arg.data, arg.len) }.to_vec()),
        ARG_ARRAY => {
            // SAFETY: an array argument points at `len` arguments.
            let items = unsafe { core::slice::from_raw_parts(arg.data as usize as *const RawArg, arg.len) };
            HostArg::Array(items.iter().map(decode).collect())
        }
        ARG_OBJECT => {
            // SAFETY: an object argument points at `len` fields.
            let fields = unsafe { core::slice::from_raw_parts(arg.data as usize as *const RawField, arg.len) };
            HostArg::Object(
                fields
                    .iter()
                    .map(|f| (text(f.key.at as usize as u64, f.key.len), decode(&f.value)))
                    .collect(),
            )
        }
        tag => HostArg::Unknown(tag),
    }
}

/// An argument as the stand-in notes it.
fn describe(arg: &HostArg) -> String {
    match arg {
        HostArg::Undefined => "undefined".into(),
        HostArg::Null => "null".into(),
        HostArg::Bool(b) => format!("{b}"),
        HostArg::Number(n) => format!("{n}"),
        HostArg::Str(s) => format!("{s:?}"),
        HostArg::Json(s) => format!("json {s}"),
        HostArg::Value(handle) => format!("value {handle}"),
        HostArg::Bytes(bytes) => format!("bytes {}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()),
        HostArg::Array(items) => format!("[{}]", items.iter().map(describe).collect::<Vec<_>>().join(", ")),
        HostArg::Object(fields) => {
            let fields: Vec<String> = fields.iter().map(|(k, v)| format!("{k}: {}", describe(v))).collect();
            format!("{{{}}}", fields.join(", "))
        }
        HostArg::Unknown(tag) => format!("tag {tag}"),
    }
}

/// `__tw_call`: notes the call in `BRIDGE_ASKED`, answers the next of `BRIDGE_VALUES`, and
/// writes the answer's kind (and with CALL_READ its bytes) into the record, as the glue does.
pub fn call(record: &mut CallRecord) -> i32 {
    crossed();
    let handle = make(record);
    if handle >= 0 {
        record.kind = read(handle, READ_KIND, core::ptr::null_mut(), 0) as u32;
        if record.flags & crate::abi::CALL_READ != 0 {
            let op = if matches!(record.kind, JS_NUMBER | JS_BOOLEAN) {
                READ_NUMBER
            } else {
                READ_BYTES
            };
            record.len = read(handle, op, record.dst, record.room);
            // (Read, not held: the call answers 0.)
            HELD.with(|h| h.borrow_mut().remove(&handle));
            return 0;
        }
    }
    handle
}

/// The call of `record`: a handle or an error code.
fn make(record: &CallRecord) -> i32 {
    // SAFETY: the record borrows its name, member and arguments for the call.
    let (name, member, args) = unsafe {
        (
            String::from_utf8_lossy(slice(record.name.at as usize as u64, record.name.len)).into_owned(),
            String::from_utf8_lossy(slice(record.member.at as usize as u64, record.member.len)).into_owned(),
            if record.argc == 0 {
                &[][..]
            } else {
                core::slice::from_raw_parts(record.args, record.argc)
            },
        )
    };
    let args: Vec<HostArg> = args.iter().map(decode).collect();
    if let Some(answer) = crate::testing::bridge_call(record.target, record.handle, &name, &member, &args) {
        if let BridgeAnswer::Failed(message) = answer {
            HELD.with(|h| {
                h.borrow_mut()
                    .insert(crate::abi::ERROR_HANDLE, BridgeAnswer::Text(message))
            });
            return crate::abi::IO_FAILED;
        }
        let handle = NEXT_HANDLE.with(|n| n.replace(n.get() + 1));
        HELD.with(|h| h.borrow_mut().insert(handle, answer));
        return handle;
    }
    let target = target_name(record.target);
    let args: Vec<String> = args.iter().map(describe).collect();
    let text = format!("{target} {name}.{member}({}) flags {}", args.join(", "), record.flags);
    BRIDGE_ASKED.with(|a| a.borrow_mut().push(text));
    let (code, answer) = BRIDGE_VALUES.with(|v| v.borrow_mut().remove(0));
    if code >= 0 {
        HELD.with(|h| h.borrow_mut().insert(code, answer));
    }
    code
}

/// The name of call target `target` (`CALL_ENV`, ...), as the stand-ins note it.
pub fn target_name(target: u32) -> &'static str {
    ["env", "global", "value", "host", "request", "event", "context"]
        .get(target as usize)
        .copied()
        .unwrap_or("target")
}

/// The value held under `handle`, if any.
pub fn held(handle: i32) -> Option<BridgeAnswer> {
    HELD.with(|h| h.borrow().get(&handle).cloned())
}

/// `__tw_value`: reads a held value.
pub fn value(handle: i32, op: u32, dst: *mut u8, room: usize) -> i32 {
    crossed();
    read(handle, op, dst, room)
}

/// `__tw_value`'s answer, without counting a crossing (a call's own read is part of the call).
fn read(handle: i32, op: u32, dst: *mut u8, room: usize) -> i32 {
    let Some(answer) = held(handle) else {
        return BRIDGE_NO_VALUE;
    };
    match (op, answer) {
        (READ_KIND, BridgeAnswer::Undefined) => JS_UNDEFINED as i32,
        (READ_KIND, BridgeAnswer::Null) => JS_NULL as i32,
        (READ_KIND, BridgeAnswer::Number(_)) => JS_NUMBER as i32,
        (READ_KIND, BridgeAnswer::Boolean(_)) => JS_BOOLEAN as i32,
        (READ_NUMBER, BridgeAnswer::Boolean(b)) => put(&f64::from(u8::from(b)).to_le_bytes(), dst, room) as i32,
        (READ_KIND, BridgeAnswer::Text(_)) => JS_STRING as i32,
        (READ_KIND, BridgeAnswer::Bytes(_)) => JS_BYTES as i32,
        (op, BridgeAnswer::Object(id)) => match crate::testing::read_object(id, op) {
            Some(crate::testing::ObjectRead::Kind(kind)) => kind as i32,
            Some(crate::testing::ObjectRead::Bytes(bytes)) => put(&bytes, dst, room) as i32,
            Some(crate::testing::ObjectRead::Length(n)) => n as i32,
            None if op == READ_KIND => JS_OBJECT as i32,
            None if op == READ_DROP => {
                HELD.with(|h| h.borrow_mut().remove(&handle));
                0
            }
            None => BRIDGE_WRONG_TYPE,
        },
        (READ_BYTES, BridgeAnswer::Text(s)) => put(s.as_bytes(), dst, room) as i32,
        (READ_BYTES, BridgeAnswer::Bytes(b)) => put(&b, dst, room) as i32,
        (READ_NUMBER, BridgeAnswer::Number(n)) => put(&n.to_le_bytes(), dst, room) as i32,
        (READ_DROP, _) => {
            HELD.with(|h| h.borrow_mut().remove(&handle));
            0
        }
        _ => BRIDGE_WRONG_TYPE,
    }
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
    crossed();
    let bytes = HOST_REQUEST.with(|r| r.borrow()[part as usize].clone());
    put(&bytes, dst, room)
}

/// `__tw_env`: a variable a test put in `ENV`, or `ABSENT`.
pub fn env(name: &str, dst: *mut u8, room: usize) -> i32 {
    crossed();
    ENV.with(|env| match env.borrow().iter().find(|(n, _)| n == name) {
        Some((_, value)) => put(value.as_bytes(), dst, room) as i32,
        None => ABSENT,
    })
}

/// `__tw_log`: the line the glue composes (docs/ABI.md; the request's method and path from
/// `set_request`; no bridge error on the host), noted in `LOGGED` and printed to stderr.
pub fn log(level: u32, status: u32, needed: u32, flags: u32, text: &str, context: &str) {
    crossed();
    let mut line = String::new();
    if status != 0 {
        let where_ = if context.is_empty() {
            HOST_REQUEST.with(|r| {
                let r = r.borrow();
                let url = String::from_utf8_lossy(&r[1]).into_owned();
                let path = url.splitn(4, '/').nth(3).map_or("/".into(), |p| {
                    std::format!("/{}", p.split(['?', '#']).next().unwrap_or(""))
                });
                std::format!("{} {path}", String::from_utf8_lossy(&r[0]))
            })
        } else {
            context.into()
        };
        line = std::format!("{where_}: {status} ");
    }
    line.push_str(text);
    if flags & crate::abi::LOG_NEEDED != 0 {
        line.push_str(&std::format!(" ({needed} bytes needed)"));
    }
    std::eprintln!("log {level}: {line}");
    LOGGED.with(|l| l.borrow_mut().push((level, line)));
}

/// `__tw_storage`: answers from a test platform's object, or from the queue `RESULTS`.
pub fn storage(op: u32, record: &crate::abi::IoRecord) -> i32 {
    crossed();
    {
        // SAFETY: the record borrows its key and value for the call.
        let (key, value) = unsafe {
            (
                slice(record.slices[0].at as usize as u64, record.slices[0].len),
                slice(record.slices[1].at as usize as u64, record.slices[1].len),
            )
        };
        if let Some((code, kind, body)) = crate::testing::storage(op, &String::from_utf8_lossy(key), value) {
            CURRENT.with(|c| *c.borrow_mut() = (kind as u16, Vec::new(), body));
            return code;
        }
    }
    // The queue: what was asked (key and value) noted in `ASKED`, the next answer of `RESULTS`.
    // SAFETY: the record borrows its slices for the call.
    let slices = record
        .slices
        .iter()
        .map(|s| unsafe { slice(s.at as usize as u64, s.len) }.to_vec())
        .collect();
    ASKED.with(|asked| asked.borrow_mut().push((op, slices)));
    let (code, status, headers, body) = RESULTS.with(|r| r.borrow_mut().pop_front()).expect("a queued result");
    CURRENT.with(|c| *c.borrow_mut() = (status, headers, body));
    code
}

/// `__tw_result`: part `part` of the last answer.
pub fn result(_handle: i32, part: u32, dst: *mut u8, room: usize) -> usize {
    crossed();
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
