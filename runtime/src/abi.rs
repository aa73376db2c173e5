//! The host ABI, version [`ABI_VERSION`]: every code and record that crosses between the module
//! and glue.js, as docs/ABI.md writes it down. The ground floor: it uses no other module of
//! the crate, and the rest of the runtime speaks to the glue only through it.
//!
//! | symbol | direction | what |
//! |---|---|---|
//! | `__tw_abi` | export, static | [`ModuleHeader`]: version, flags, where everything is |
//! | `__tw_fetch(body_len) -> outcome` | export, func | one request ([`OUTCOME_RESPONSE`], [`OUTCOME_FAULT`]) |
//! | `__stack_pointer` | export, global | by link argument; restored by the glue after an escaped fault |
//! | `__instance_terminated`, `__instance_signal` | export, static | words workerd writes (crate::signal; docs/ABI.md "Signals") |
//! | `__tw_alloc_stats() -> *const Stats` | export, func | with an allocator only |
//! | `env.__cpp_exception` | import, tag `(param i32)` | thrown with the fault record's address |
//! | `env.__tw_request(part, dst, room) -> len` | import, func | a request part on demand ([`PART_METHOD`], ...) |
//! | `env.__tw_env(name, name_len, dst, room) -> len` | import, func | a text variable or secret of the Worker's env ([`ABSENT`] if none) |
//! | `env.__tw_result(handle, part, dst, room) -> len` | import, func | what a storage operation returned ([`RESULT_STATUS`], ...) |
//! | `env.__tw_storage(op, record) -> handle` | import, func | the Durable Object's storage, synchronously ([`STORAGE_GET`], ...; values by kind, [`VALUE_BYTES`], ...) |
//! | `env.__tw_call(record) -> handle` | import, func, **suspending** in a pooled Worker | the host bridge: a method or property of a binding, a global, a held value, a host function ([`CallRecord`]) |
//! | `env.__tw_value(handle, op, dst, room) -> len` | import, func | reads a value the bridge holds ([`READ_KIND`], ...) |
//! | `env.__tw_log(level, status, needed, flags, text, len, context, context_len)` | import, func | one log line at a level ([`LOG_ERROR`], ...), an error's composed by the glue ([`LOG_NEEDED`], [`LOG_CAUSE`]) |
//! | `__tw_restore()` | export, func | Durable Objects: the restore hook, called once per new instance |
//! | `__tw_start() -> outcome` | export, func | the start hook ([`crate::start!`]): once per instance, inside its first call |
//! | `__tw_scheduled()`, `__tw_queue()`, `__tw_queue_message()` `-> outcome` | export, func | a Worker's cron and queue-consumer events, a batch or a message at a time ([`OUTCOME_FAILED`]) |
//! | `__tw_alarm()`, `__tw_socket_message()`, `__tw_socket_close()` `-> outcome` | export, func | a Durable Object's alarm and hibernating WebSocket events |
//! | `__tw_ws_message()`, `__tw_ws_close()`, `__tw_ws_error()` `-> outcome` | export, func | a Worker's own WebSockets' events ([`crate::web_socket!`]) |
//! | `__tw_rpc_<method>_<Class>() -> outcome` | export, func | an RPC method ([`crate::rpc!`]) |
//! | `__tw_email() -> outcome` | export, func | an email arrived ([`crate::email!`]) |
//! | `__tw_tail() -> outcome` | export, func | traces of the Workers this one tails ([`crate::tail!`]) |
//! | `__tw_workflow_<Class>() -> outcome` | export, func | a Workflow instance's run ([`crate::workflow!`]) |
//! | `<export>_<Class>` | export, func | a Durable Object class named in `durable_object!(class ...)`: its fetch, restore and events |
//! | `__tw_fuel` | export, global (mutable) | a metered module's fuel, added by the glue package's meter after the build, never by this crate |
//!
//! On wasm32 every record below is checked at compile time against the layout docs/ABI.md
//! gives; a host test checks that `js/abi.js` uses the same numbers.

/// The version of this contract; word 0 of `__tw_abi` in every version. Bump it with any
/// change to a layout, a code or a signature here (and in docs/ABI.md and js/abi.js).
pub const ABI_VERSION: u32 = 9;

/// [`ModuleHeader::flags`] bit: the unwind build (panics are caught inside the module).
pub const FLAG_UNWIND: u32 = 1;

/// `__tw_fetch` outcome: the response record holds the response.
pub const OUTCOME_RESPONSE: u32 = 0;
/// `__tw_fetch` outcome: a fault was caught inside the module; the fault record says which.
pub const OUTCOME_FAULT: u32 = 1;
/// An event export's outcome: the handler returned an error (not a fault: the instance is
/// kept); the glue reports the invocation as failed to the platform. `__tw_fetch`'s: the
/// handler returned an error, the response record holds its answer, and a Durable Object's
/// glue rolls the request's writes back before sending it.
pub const OUTCOME_FAILED: u32 = 2;

/// `__tw_log` level: `console.debug`.
pub const LOG_DEBUG: u32 = 0;
/// `__tw_log` level: `console.info`.
pub const LOG_INFO: u32 = 1;
/// `__tw_log` level: `console.warn`.
pub const LOG_WARN: u32 = 2;
/// `__tw_log` level: `console.error`.
pub const LOG_ERROR: u32 = 3;
/// `__tw_log` flag: the line ends with ` (<needed> bytes needed)`.
pub const LOG_NEEDED: u32 = 1;
/// `__tw_log` flag: the line ends with `: <the message of the bridge's last error>`.
pub const LOG_CAUSE: u32 = 2;

/// `__tw_request` part: the method.
pub const PART_METHOD: u32 = 0;
/// `__tw_request` part: the URL, UTF-8.
pub const PART_URL: u32 = 1;
/// `__tw_request` part: the headers, `name:value\n` each, values as bytes.
pub const PART_HEADERS: u32 = 2;

/// `__tw_env` and `__tw_result`: the variable or value is not there.
pub const ABSENT: i32 = -1;

/// `__tw_storage` and `__tw_call` error: the host operation failed (the Promise rejected, it threw).
pub const IO_FAILED: i32 = -2;
/// `__tw_call` error: the Worker's env has no binding of that name and kind.
pub const IO_NO_BINDING: i32 = -4;
/// `__tw_storage` and `__tw_call` error: the host refused an argument (a `TypeError` or
/// `RangeError`: a KV key the platform does not allow, a body on a GET, a header it refuses).
pub const IO_INVALID_ARGUMENT: i32 = -5;

/// `__tw_storage` operation: get. Record: key. A miss is [`ABSENT`]; otherwise the result's
/// status is the value's kind ([`VALUE_BYTES`], ...) and its body the value in that kind's form.
pub const STORAGE_GET: u32 = 5;
/// `__tw_storage` operation: put. Record: key, value. Answers 0.
pub const STORAGE_PUT: u32 = 6;
/// `__tw_storage` operation: delete. Record: key. Answers 1 if the key was there, else 0.
pub const STORAGE_DELETE: u32 = 7;
/// `__tw_storage` operation: list by prefix. Record: prefix. Result body: the entries in key
/// order, each `key length (u32 LE), key, kind (u32 LE), value length (u32 LE), value`.
pub const STORAGE_LIST: u32 = 8;

/// A stored value's kind (a storage result's status, a list entry's kind word): bytes (a
/// `Uint8Array`, an `ArrayBuffer` or another view; what `put` writes). Body: the bytes.
pub const VALUE_BYTES: u32 = 0;
/// A string. Body: its UTF-8.
pub const VALUE_TEXT: u32 = 1;
/// A number. Body: the IEEE 754 double, 8 bytes little-endian.
pub const VALUE_NUMBER: u32 = 2;
/// A BigInt. Body: its decimal digits, `-` first when negative.
pub const VALUE_BIGINT: u32 = 3;
/// A boolean. Body: one byte, 0 or 1.
pub const VALUE_BOOLEAN: u32 = 4;
/// `null`. Body: empty.
pub const VALUE_NULL: u32 = 5;
/// A plain object or array that JSON represents exactly. Body: its JSON text.
pub const VALUE_JSON: u32 = 6;
/// Anything else structured clone keeps (a `Date`, a `Map`, an object holding one). Body: its
/// type's name, e.g. `Date`.
pub const VALUE_OTHER: u32 = 7;

/// `__tw_result` part: the status (returned, nothing written).
pub const RESULT_STATUS: u32 = 0;
/// `__tw_result` part: the headers, `name:value\n` each, as `PART_HEADERS`.
pub const RESULT_HEADERS: u32 = 1;
/// `__tw_result` part: the body.
pub const RESULT_BODY: u32 = 2;

/// `__tw_call` target: a binding of the Worker's env, by name.
pub const CALL_ENV: u32 = 0;
/// `__tw_call` target: a global of the platform (`crypto`, `console`, `Date`, `caches`), by name.
pub const CALL_GLOBAL: u32 = 1;
/// `__tw_call` target: a value the bridge holds for this request (its handle).
pub const CALL_VALUE: u32 = 2;
/// `__tw_call` target: a host function the Worker's JavaScript entry added, by name.
pub const CALL_HOST: u32 = 3;
/// `__tw_call` target: the incoming `Request` (its `cf`, its `signal`).
pub const CALL_REQUEST: u32 = 4;
/// `__tw_call` target: the event of the invocation being served (docs/ABI.md, "Events").
pub const CALL_EVENT: u32 = 5;
/// `__tw_call` target: the invocation's context: a Worker's `ctx`, a Durable Object's state.
pub const CALL_CONTEXT: u32 = 6;

/// `__tw_call` flag: read the member (a property) instead of calling it.
pub const CALL_GET: u32 = 1;
/// `__tw_call` flag: construct (`new`) instead of calling.
pub const CALL_NEW: u32 = 2;
/// `__tw_call` flag: do not wait: hand the call's Promise to `ctx.waitUntil` and answer at once.
pub const CALL_DETACHED: u32 = 4;
/// `__tw_call` flag: set the member to the first argument (`target[member] = args[0]`).
pub const CALL_SET: u32 = 8;
/// `__tw_call` flag: answer the call's Promise itself, held, without waiting for it (several
/// calls in flight at once; a subrequest whose body the handler writes after starting it).
pub const CALL_PROMISE: u32 = 16;
/// `__tw_call` flag: read the answer in the same crossing, as [`READ_NUMBER`] (a number, a
/// boolean) or [`READ_BYTES`] (any other kind) would, at the record's `dst` if it fits in
/// `room`; that read's answer in the record's `len`. The answer is not held: the call answers 0.
pub const CALL_READ: u32 = 32;

/// [`RawArg`] tag: `undefined`.
pub const ARG_UNDEFINED: u32 = 0;
/// [`RawArg`] tag: `null`.
pub const ARG_NULL: u32 = 1;
/// [`RawArg`] tag: `false`.
pub const ARG_FALSE: u32 = 2;
/// [`RawArg`] tag: `true`.
pub const ARG_TRUE: u32 = 3;
/// [`RawArg`] tag: a number; `data` holds the f64's bits.
pub const ARG_NUMBER: u32 = 4;
/// [`RawArg`] tag: a string; `data` the address of its UTF-8, `len` its length.
pub const ARG_STRING: u32 = 5;
/// [`RawArg`] tag: bytes (a new `Uint8Array`, copied); `data` their address, `len` their length.
pub const ARG_BYTES: u32 = 6;
/// [`RawArg`] tag: a value the bridge holds; `data` its handle.
pub const ARG_VALUE: u32 = 7;
/// [`RawArg`] tag: JSON text, parsed; `data` its address, `len` its length.
pub const ARG_JSON: u32 = 8;
/// [`RawArg`] tag: an array; `data` the address of `len` [`RawArg`]s.
pub const ARG_ARRAY: u32 = 9;
/// [`RawArg`] tag: an object; `data` the address of `len` [`RawField`]s.
pub const ARG_OBJECT: u32 = 10;
/// [`RawArg`] tag: a BigInt; `data` holds an i64.
pub const ARG_BIGINT: u32 = 11;

/// `__tw_value` op: the value's kind ([`JS_UNDEFINED`], ...).
pub const READ_KIND: u32 = 0;
/// `__tw_value` op: a string's UTF-8 or bytes' bytes (an error's message), written at `dst`
/// if they fit; their length.
pub const READ_BYTES: u32 = 1;
/// `__tw_value` op: a number (or a boolean as 0 or 1) as an f64 written at `dst` (8 bytes).
pub const READ_NUMBER: u32 = 2;
/// `__tw_value` op: the value as JSON text (`JSON.stringify`), written at `dst` if it fits.
pub const READ_JSON: u32 = 3;
/// `__tw_value` op: an array's length.
pub const READ_LENGTH: u32 = 4;
/// `__tw_value` op: release the handle before the request ends.
pub const READ_DROP: u32 = 5;

/// A held value's kind: `undefined`.
pub const JS_UNDEFINED: u32 = 0;
/// A held value's kind: `null`.
pub const JS_NULL: u32 = 1;
/// A held value's kind: a boolean.
pub const JS_BOOLEAN: u32 = 2;
/// A held value's kind: a number.
pub const JS_NUMBER: u32 = 3;
/// A held value's kind: a BigInt.
pub const JS_BIGINT: u32 = 4;
/// A held value's kind: a string.
pub const JS_STRING: u32 = 5;
/// A held value's kind: bytes (an `ArrayBuffer` or a view of one).
pub const JS_BYTES: u32 = 6;
/// A held value's kind: an array.
pub const JS_ARRAY: u32 = 7;
/// A held value's kind: any other object (a binding, a response, an error, a stream).
pub const JS_OBJECT: u32 = 8;
/// A held value's kind: a function.
pub const JS_FUNCTION: u32 = 9;

/// `__tw_call` error: no method (or nothing to call) of that name on the target.
pub const BRIDGE_NO_METHOD: i32 = -6;
/// `__tw_call` error: the call answered a Promise in a module that cannot suspend (a Durable
/// Object); the Promise is dropped.
pub const BRIDGE_WOULD_SUSPEND: i32 = -7;
/// `__tw_value` error: the value is of another kind than the op reads.
pub const BRIDGE_WRONG_TYPE: i32 = -8;
/// `__tw_value` and `__tw_call` error: no value held under that handle (released, or of
/// another request).
pub const BRIDGE_NO_VALUE: i32 = -9;
/// `__tw_call`: the call answered a Promise, which the glue keeps; `__tw_wait` on the same
/// record waits for it (a Worker's module suspends there) and answers as the call would have.
pub const BRIDGE_PENDING: i32 = -10;
/// `__tw_value` handle of the request's last bridge error (`READ_BYTES`: its message).
pub const ERROR_HANDLE: i32 = -1;

/// An (address, length) pair, 2 words.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct RawSlice {
    /// Address of the first byte (or, for headers, of the first [`RawHeader`]).
    pub at: *const u8,
    /// Length in bytes (for headers: how many).
    pub len: usize,
}

impl RawSlice {
    /// Nothing.
    pub const EMPTY: Self = Self {
        at: core::ptr::null(),
        len: 0,
    };

    /// Where `bytes` are.
    pub const fn of(bytes: &[u8]) -> Self {
        Self {
            at: bytes.as_ptr(),
            len: bytes.len(),
        }
    }
}

/// The operands of one `__tw_storage` operation: five slices, 10 words (key, value; the rest
/// empty).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct IoRecord {
    /// The operands.
    pub slices: [RawSlice; 5],
}

/// One argument of a bridge call: 16 bytes, a tag ([`ARG_NUMBER`], ...), a length and 8 bytes
/// of data (an f64, an i64, a handle or an address, per tag).
#[repr(C, align(8))]
#[derive(Debug, Clone, Copy)]
pub struct RawArg {
    /// What the argument is.
    pub tag: u32,
    /// Its length, for strings, bytes, JSON, arrays and objects.
    pub len: usize,
    /// Its data.
    pub data: u64,
}

/// One field of an [`ARG_OBJECT`] argument: its key (UTF-8) and value, 24 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct RawField {
    /// The key.
    pub key: RawSlice,
    /// The value.
    pub value: RawArg,
}

/// One bridge call (`__tw_call`): 13 words, 52 bytes. The glue writes `kind` (and with
/// [`CALL_READ`], `len` and the bytes at `dst`) when the call answers a value.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CallRecord {
    /// [`CALL_ENV`], [`CALL_GLOBAL`], [`CALL_VALUE`], [`CALL_HOST`], [`CALL_REQUEST`],
    /// [`CALL_EVENT`] or [`CALL_CONTEXT`].
    pub target: u32,
    /// The handle, for [`CALL_VALUE`].
    pub handle: u32,
    /// The binding's, global's or host function's name.
    pub name: RawSlice,
    /// The method or property (empty: the target itself).
    pub member: RawSlice,
    /// The arguments.
    pub args: *const RawArg,
    /// How many.
    pub argc: usize,
    /// [`CALL_GET`], [`CALL_NEW`], [`CALL_DETACHED`], [`CALL_SET`], [`CALL_PROMISE`],
    /// [`CALL_READ`].
    pub flags: u32,
    /// With [`CALL_READ`]: where the answer's bytes (or f64) go.
    pub dst: *mut u8,
    /// With [`CALL_READ`]: how many bytes fit at `dst`.
    pub room: usize,
    /// Written by the glue: the answer's kind (`JS_*`, as [`READ_KIND`] answers).
    pub kind: u32,
    /// Written by the glue with [`CALL_READ`]: what [`READ_NUMBER`] (a number, a boolean) or
    /// [`READ_BYTES`] (any other kind) answers for the answer: its length (its bytes written at
    /// `dst` only if they fit), or [`BRIDGE_WRONG_TYPE`].
    pub len: i32,
}

/// What kind of fault a record describes (its first word; 0: no fault this request).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// A panic (the abort build still replaces the instance: destructors did not run).
    Panic = 1,
    /// A non-recoverable fault: `abort()`, out of memory, a panic while panicking.
    Abort = 2,
    /// A request part did not fit the I/O buffer: the glue answers 413 (not a fault).
    TooLarge = 3,
}

/// The module header, exported as `__tw_abi`: 6 words.
#[repr(C)]
#[derive(Debug)]
pub struct ModuleHeader {
    /// `ABI_VERSION` (docs/ABI.md).
    pub version: u32,
    /// `FLAG_UNWIND` in the unwind build.
    pub flags: u32,
    /// The I/O buffer: the glue writes the body here, the runtime the parts after it.
    pub io: *mut u8,
    /// The I/O buffer's size in bytes.
    pub io_capacity: usize,
    /// The fault record.
    pub fault: *const FaultRecord,
    /// The response record.
    pub response: *const ResponseRecord,
}

// SAFETY: the header is immutable after link time: its pointers are only addresses for the
// glue to read; Rust code never dereferences them through the header.
unsafe impl Sync for ModuleHeader {}

impl ModuleHeader {
    /// The header of a module whose I/O buffer is `io` (`capacity` bytes) and whose records
    /// are at `fault` and `response`, for this build.
    pub const fn new(io: *mut u8, capacity: usize, fault: *const FaultRecord, response: *const ResponseRecord) -> Self {
        Self {
            version: ABI_VERSION,
            flags: if cfg!(panic = "unwind") { FLAG_UNWIND } else { 0 },
            io,
            io_capacity: capacity,
            fault,
            response,
        }
    }
}

/// Where and why a fault was raised: 7 words. Strings are UTF-8 in static data.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct FaultRecord {
    /// A [`FaultKind`] as u32; 0 when this request raised nothing.
    pub kind: u32,
    /// The message.
    pub message: *const u8,
    /// Its length.
    pub message_len: usize,
    /// The source file, empty when unknown.
    pub file: *const u8,
    /// Its length.
    pub file_len: usize,
    /// Line, 0 when unknown.
    pub line: u32,
    /// Column, 0 when unknown.
    pub column: u32,
}

impl FaultRecord {
    /// No fault.
    pub const NONE: Self = Self {
        kind: 0,
        message: core::ptr::null(),
        message_len: 0,
        file: core::ptr::null(),
        file_len: 0,
        line: 0,
        column: 0,
    };
}

// SAFETY: the record's pointers address static strings; it owns nothing thread-affine.
unsafe impl Send for FaultRecord {}

/// One header as the glue reads it: 4 words (name, name length, value, value length). It
/// carries no lifetime, so the runtime can keep it until the glue has read it; the public
/// `Header<'a>` and the `Response` methods tie the bytes it points at to a borrow.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct RawHeader {
    name: *const u8,
    name_len: usize,
    value: *const u8,
    value_len: usize,
}

impl RawHeader {
    /// A record of where `name` and `value` are.
    pub const fn new(name: &[u8], value: &[u8]) -> Self {
        Self {
            name: name.as_ptr(),
            name_len: name.len(),
            value: value.as_ptr(),
            value_len: value.len(),
        }
    }

    /// The name's bytes.
    ///
    /// # Safety
    /// The bytes the record was made from must still be alive and unchanged for `'b`.
    pub unsafe fn name<'b>(&self) -> &'b [u8] {
        // SAFETY: `new` took the pointer and length from one slice, which the caller says is
        // alive and unchanged for 'b.
        unsafe { core::slice::from_raw_parts(self.name, self.name_len) }
    }

    /// The value's bytes.
    ///
    /// # Safety
    /// As for [`RawHeader::name`].
    pub unsafe fn value<'b>(&self) -> &'b [u8] {
        // SAFETY: as in `name`.
        unsafe { core::slice::from_raw_parts(self.value, self.value_len) }
    }
}

// SAFETY: a record of two addresses; whoever dereferences them argues their validity (the
// `unsafe fn`s above). Sending the addresses to another thread is harmless.
unsafe impl Send for RawHeader {}

/// A flag in [`ResponseRecord::header_count`]: the fixed headers (the array and the strings it
/// points at) are immutable statics, the same at that address in every response and instance,
/// so the glue may keep them decoded by address.
pub const HEADERS_STATIC: usize = 1 << 31;

/// The response as the glue reads it after [`OUTCOME_RESPONSE`]: 7 words. Raw addresses, no
/// lifetime: valid until the next `__tw_fetch`, and only the glue reads them.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ResponseRecord {
    /// HTTP status.
    pub status: u32,
    /// The fixed headers (a borrowed slice, e.g. `content-type`).
    pub headers: *const RawHeader,
    /// How many, with [`HEADERS_STATIC`] set when the array and its strings are immutable
    /// statics.
    pub header_count: usize,
    /// The headers computed per request.
    pub extra: *const RawHeader,
    /// How many.
    pub extra_count: usize,
    /// The body.
    pub body: *const u8,
    /// Its length.
    pub body_len: usize,
}

impl ResponseRecord {
    /// No response yet.
    pub const NONE: Self = Self {
        status: 0,
        headers: core::ptr::null(),
        header_count: 0,
        extra: core::ptr::null(),
        extra_count: 0,
        body: core::ptr::null(),
        body_len: 0,
    };
}

// SAFETY: only addresses for the glue; Rust never dereferences them.
unsafe impl Send for ResponseRecord {}

/// The wasm32 layouts of docs/ABI.md, checked when the module is built.
#[cfg(target_arch = "wasm32")]
const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<ModuleHeader>() == 24);
    assert!(offset_of!(ModuleHeader, version) == 0);
    assert!(offset_of!(ModuleHeader, flags) == 4);
    assert!(offset_of!(ModuleHeader, io) == 8);
    assert!(offset_of!(ModuleHeader, io_capacity) == 12);
    assert!(offset_of!(ModuleHeader, fault) == 16);
    assert!(offset_of!(ModuleHeader, response) == 20);

    assert!(size_of::<FaultRecord>() == 28);
    assert!(offset_of!(FaultRecord, kind) == 0);
    assert!(offset_of!(FaultRecord, message) == 4);
    assert!(offset_of!(FaultRecord, message_len) == 8);
    assert!(offset_of!(FaultRecord, file) == 12);
    assert!(offset_of!(FaultRecord, file_len) == 16);
    assert!(offset_of!(FaultRecord, line) == 20);
    assert!(offset_of!(FaultRecord, column) == 24);

    assert!(size_of::<RawHeader>() == 16);
    assert!(offset_of!(RawHeader, name) == 0);
    assert!(offset_of!(RawHeader, name_len) == 4);
    assert!(offset_of!(RawHeader, value) == 8);
    assert!(offset_of!(RawHeader, value_len) == 12);

    assert!(size_of::<RawSlice>() == 8);
    assert!(size_of::<IoRecord>() == 40);

    assert!(size_of::<RawArg>() == 16);
    assert!(offset_of!(RawArg, tag) == 0);
    assert!(offset_of!(RawArg, len) == 4);
    assert!(offset_of!(RawArg, data) == 8);
    assert!(size_of::<RawField>() == 24);
    assert!(offset_of!(RawField, value) == 8);
    assert!(size_of::<CallRecord>() == 52);
    assert!(offset_of!(CallRecord, target) == 0);
    assert!(offset_of!(CallRecord, handle) == 4);
    assert!(offset_of!(CallRecord, name) == 8);
    assert!(offset_of!(CallRecord, member) == 16);
    assert!(offset_of!(CallRecord, args) == 24);
    assert!(offset_of!(CallRecord, argc) == 28);
    assert!(offset_of!(CallRecord, flags) == 32);
    assert!(offset_of!(CallRecord, dst) == 4 * 9);
    assert!(offset_of!(CallRecord, room) == 4 * 10);
    assert!(offset_of!(CallRecord, kind) == 4 * 11);
    assert!(offset_of!(CallRecord, len) == 4 * 12);

    assert!(size_of::<ResponseRecord>() == 28);
    assert!(offset_of!(ResponseRecord, status) == 0);
    assert!(offset_of!(ResponseRecord, headers) == 4);
    assert!(offset_of!(ResponseRecord, header_count) == 8);
    assert!(offset_of!(ResponseRecord, extra) == 12);
    assert!(offset_of!(ResponseRecord, extra_count) == 16);
    assert!(offset_of!(ResponseRecord, body) == 20);
    assert!(offset_of!(ResponseRecord, body_len) == 24);
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `export const NAME = <value>;` of js/abi.js, read in one pass (a lookup per line
    /// and constant made this test take 35 s under Miri).
    fn js_constants(source: &str) -> std::collections::BTreeMap<&str, &str> {
        source
            .lines()
            .filter_map(|l| l.strip_prefix("export const ")?.split_once(" = "))
            .map(|(name, value)| (name, value.trim_end_matches(';').trim()))
            .collect()
    }

    /// The integer constant `name` of js/abi.js (its `constants`).
    fn js_constant(constants: &std::collections::BTreeMap<&str, &str>, name: &str) -> u32 {
        let text = constants
            .get(name)
            .unwrap_or_else(|| panic!("js/abi.js lacks `export const {name} = ...`"));
        // Negative codes (e.g. ABSENT) come back as their two's complement, like an i32 does.
        let value: i64 = text.parse().unwrap_or_else(|_| panic!("{name}: {text}"));
        value as u32
    }

    #[test]
    fn js_constants_match() {
        // The JavaScript half of this contract (read at compile time, so Miri runs this too).
        let source = js_constants(include_str!("../../js/abi.js"));
        for (name, value) in [
            ("ABI_VERSION", ABI_VERSION),
            ("FLAG_UNWIND", FLAG_UNWIND),
            ("OUTCOME_RESPONSE", OUTCOME_RESPONSE),
            ("OUTCOME_FAULT", OUTCOME_FAULT),
            ("OUTCOME_FAILED", OUTCOME_FAILED),
            ("LOG_DEBUG", LOG_DEBUG),
            ("LOG_INFO", LOG_INFO),
            ("LOG_WARN", LOG_WARN),
            ("LOG_ERROR", LOG_ERROR),
            ("LOG_NEEDED", LOG_NEEDED),
            ("LOG_CAUSE", LOG_CAUSE),
            ("PART_METHOD", PART_METHOD),
            ("PART_URL", PART_URL),
            ("PART_HEADERS", PART_HEADERS),
            ("FAULT_PANIC", FaultKind::Panic as u32),
            ("FAULT_ABORT", FaultKind::Abort as u32),
            ("FAULT_TOO_LARGE", FaultKind::TooLarge as u32),
            ("MODULE_HEADER_WORDS", 6),
            ("FAULT_WORDS", 7),
            ("RESPONSE_WORDS", 7),
            ("HEADER_RECORD_BYTES", 16),
            ("HEADERS_STATIC", HEADERS_STATIC as u32),
            ("RESULT_STATUS", RESULT_STATUS),
            ("RESULT_HEADERS", RESULT_HEADERS),
            ("RESULT_BODY", RESULT_BODY),
            ("STORAGE_GET", STORAGE_GET),
            ("STORAGE_PUT", STORAGE_PUT),
            ("STORAGE_DELETE", STORAGE_DELETE),
            ("STORAGE_LIST", STORAGE_LIST),
            ("VALUE_BYTES", VALUE_BYTES),
            ("VALUE_TEXT", VALUE_TEXT),
            ("VALUE_NUMBER", VALUE_NUMBER),
            ("VALUE_BIGINT", VALUE_BIGINT),
            ("VALUE_BOOLEAN", VALUE_BOOLEAN),
            ("VALUE_NULL", VALUE_NULL),
            ("VALUE_JSON", VALUE_JSON),
            ("VALUE_OTHER", VALUE_OTHER),
            ("CALL_ENV", CALL_ENV),
            ("CALL_GLOBAL", CALL_GLOBAL),
            ("CALL_VALUE", CALL_VALUE),
            ("CALL_HOST", CALL_HOST),
            ("CALL_REQUEST", CALL_REQUEST),
            ("CALL_EVENT", CALL_EVENT),
            ("CALL_CONTEXT", CALL_CONTEXT),
            ("CALL_SET", CALL_SET),
            ("CALL_PROMISE", CALL_PROMISE),
            ("CALL_GET", CALL_GET),
            ("CALL_NEW", CALL_NEW),
            ("CALL_DETACHED", CALL_DETACHED),
            ("CALL_READ", CALL_READ),
            ("CALL_DST", 9),
            ("CALL_ROOM", 10),
            ("CALL_KIND", 11),
            ("CALL_LEN", 12),
            ("ARG_UNDEFINED", ARG_UNDEFINED),
            ("ARG_NULL", ARG_NULL),
            ("ARG_FALSE", ARG_FALSE),
            ("ARG_TRUE", ARG_TRUE),
            ("ARG_NUMBER", ARG_NUMBER),
            ("ARG_STRING", ARG_STRING),
            ("ARG_BYTES", ARG_BYTES),
            ("ARG_VALUE", ARG_VALUE),
            ("ARG_JSON", ARG_JSON),
            ("ARG_ARRAY", ARG_ARRAY),
            ("ARG_OBJECT", ARG_OBJECT),
            ("ARG_BIGINT", ARG_BIGINT),
            ("READ_KIND", READ_KIND),
            ("READ_BYTES", READ_BYTES),
            ("READ_NUMBER", READ_NUMBER),
            ("READ_JSON", READ_JSON),
            ("READ_LENGTH", READ_LENGTH),
            ("READ_DROP", READ_DROP),
            ("JS_UNDEFINED", JS_UNDEFINED),
            ("JS_NULL", JS_NULL),
            ("JS_BOOLEAN", JS_BOOLEAN),
            ("JS_NUMBER", JS_NUMBER),
            ("JS_BIGINT", JS_BIGINT),
            ("JS_STRING", JS_STRING),
            ("JS_BYTES", JS_BYTES),
            ("JS_ARRAY", JS_ARRAY),
            ("JS_OBJECT", JS_OBJECT),
            ("JS_FUNCTION", JS_FUNCTION),
            ("ARG_BYTES_SIZE", 16),
            ("CALL_RECORD_WORDS", 13),
        ] {
            assert_eq!(js_constant(&source, name), value, "js/abi.js {name}");
        }
        for (name, value) in [
            ("ABSENT", ABSENT),
            ("IO_FAILED", IO_FAILED),
            ("IO_NO_BINDING", IO_NO_BINDING),
            ("IO_INVALID_ARGUMENT", IO_INVALID_ARGUMENT),
            ("BRIDGE_NO_METHOD", BRIDGE_NO_METHOD),
            ("BRIDGE_WOULD_SUSPEND", BRIDGE_WOULD_SUSPEND),
            ("BRIDGE_WRONG_TYPE", BRIDGE_WRONG_TYPE),
            ("BRIDGE_NO_VALUE", BRIDGE_NO_VALUE),
            ("BRIDGE_PENDING", BRIDGE_PENDING),
            ("ERROR_HANDLE", ERROR_HANDLE),
        ] {
            assert_eq!(js_constant(&source, name) as i32, value, "js/abi.js {name}");
        }
    }

    #[test]
    fn the_documented_version_is_this_one() {
        let doc = include_str!("../../docs/ABI.md");
        assert!(doc.starts_with(&format!("# The tinyworker host ABI, version {ABI_VERSION}\n")));
    }

    #[test]
    fn records_are_words_on_every_target() {
        // On wasm32 the exact layout is asserted at compile time; here, the order.
        assert_eq!(core::mem::offset_of!(FaultRecord, kind), 0);
        assert_eq!(core::mem::offset_of!(ModuleHeader, version), 0);
        let h = RawHeader::new(b"a", b"bc");
        // SAFETY: made from two static slices.
        assert_eq!(unsafe { (h.name(), h.value()) }, (&b"a"[..], &b"bc"[..]));
    }
}
