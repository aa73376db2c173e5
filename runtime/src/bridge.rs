//! The host bridge: from a synchronous handler, call a method (or read a property) of a binding
//! of the Worker's env, a platform global, a value the bridge holds, a host function the Worker's
//! JavaScript entry added, or the incoming request; get a [`Value`] back (docs/ABI.md, "The host
//! bridge"). A call that answers a Promise suspends the module (JSPI) until it settles; one that
//! answers at once costs no suspension. Every typed binding (`kv`, `r2`, `d1`, ...) is Rust over
//! this module; the bridge knows no binding.
//!
//! ```
//! use tinyworker::bridge::{self, Arg, Target};
//! use tinyworker::{Request, Response};
//!
//! fn handle<'a>(req: &Request<'a>) -> Response<'a> {
//!     // env.GREETER.hello("world"), an RPC method of a bound service.
//!     let Some(buffer) = req.scratch(256) else { return Response::text(413, "no room") };
//!     match bridge::call(Target::Env("GREETER"), "hello", &[Arg::str("world")]) {
//!         Ok(answer) => match answer.text(buffer) {
//!             Ok(text) => Response::text(200, text),
//!             Err(_) => Response::text(502, "not text"),
//!         },
//!         Err(_) => Response::text(502, "the service failed"),
//!     }
//! }
//! tinyworker::entry!(handle);
//! # fn main() {}
//! ```
//!
//! Values belong to the request that made them: all are released when it ends, whether it
//! answered or faulted. Errors are values: the binding's own error (its message, for the handler
//! only, through [`last_error`]), an invalid argument, no such binding or method.

use crate::abi::{
    CallRecord, RawArg, RawField, RawSlice, ARG_ARRAY, ARG_BIGINT, ARG_BYTES, ARG_FALSE, ARG_JSON, ARG_NULL,
    ARG_NUMBER, ARG_OBJECT, ARG_STRING, ARG_TRUE, ARG_UNDEFINED, ARG_VALUE, BRIDGE_NO_METHOD, BRIDGE_NO_VALUE,
    BRIDGE_WOULD_SUSPEND, BRIDGE_WRONG_TYPE, CALL_CONTEXT, CALL_DETACHED, CALL_ENV, CALL_EVENT, CALL_GET, CALL_GLOBAL,
    CALL_HOST, CALL_NEW, CALL_PROMISE, CALL_READ, CALL_REQUEST, CALL_SET, CALL_VALUE, ERROR_HANDLE,
    IO_INVALID_ARGUMENT, IO_NO_BINDING, JS_ARRAY, JS_BIGINT, JS_BOOLEAN, JS_BYTES, JS_FUNCTION, JS_NULL, JS_NUMBER,
    JS_OBJECT, JS_STRING, JS_UNDEFINED, READ_BYTES, READ_DROP, READ_JSON, READ_KIND, READ_LENGTH, READ_NUMBER,
};
use crate::sys;
use core::marker::PhantomData;

/// Why a bridge call or read did not give an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The env has no binding of that name (or no such global or host function).
    NoTarget,
    /// The target has no method of that name (or it is not a function).
    NoMethod,
    /// The platform refused an argument (a `TypeError` or `RangeError`).
    InvalidArgument,
    /// The binding failed: it threw, or its Promise rejected. [`last_error`] has its message.
    Failed,
    /// The call answered a Promise in a module that cannot suspend (a Durable Object).
    WouldSuspend,
    /// The value is not of the kind asked for.
    WrongType {
        /// What it is.
        found: Kind,
    },
    /// The value was released (or belongs to another request).
    NoValue,
    /// The answer needs `needed` bytes and the buffer (or the heap) has fewer.
    TooLarge {
        /// Bytes the answer needs.
        needed: usize,
    },
}

/// The kind of a JavaScript value the bridge holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// `undefined`.
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Boolean,
    /// A number.
    Number,
    /// A BigInt.
    BigInt,
    /// A string.
    String,
    /// Bytes: an `ArrayBuffer` or a view of one.
    Bytes,
    /// An array.
    Array,
    /// Any other object: a binding, a response, an error, a stream.
    Object,
    /// A function.
    Function,
}

impl Kind {
    fn of(code: i32) -> Option<Self> {
        Some(match u32::try_from(code).ok()? {
            JS_UNDEFINED => Self::Undefined,
            JS_NULL => Self::Null,
            JS_BOOLEAN => Self::Boolean,
            JS_NUMBER => Self::Number,
            JS_BIGINT => Self::BigInt,
            JS_STRING => Self::String,
            JS_BYTES => Self::Bytes,
            JS_ARRAY => Self::Array,
            JS_OBJECT => Self::Object,
            JS_FUNCTION => Self::Function,
            _ => return None,
        })
    }
}

/// The `Error` of a negative bridge answer.
fn error(code: i32) -> Error {
    match code {
        IO_NO_BINDING => Error::NoTarget,
        BRIDGE_NO_METHOD => Error::NoMethod,
        IO_INVALID_ARGUMENT => Error::InvalidArgument,
        BRIDGE_WOULD_SUSPEND => Error::WouldSuspend,
        BRIDGE_NO_VALUE => Error::NoValue,
        _ => Error::Failed,
    }
}

/// What a call is made on.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A binding of the Worker's env, by name (`env.BUCKET`).
    Env(&'a str),
    /// A global of the platform, by name (`crypto`, `console`, `Date`, `caches`, `fetch`).
    Global(&'a str),
    /// A value the bridge holds.
    Value(&'a Value),
    /// A host function the Worker's JavaScript entry added (`createWorker(wasm, { host })`).
    Host(&'a str),
    /// The incoming `Request` (its `cf`, its `signal`).
    Request,
    /// The event being served (docs/ABI.md, "Events"): a cron trigger's controller, a queue's
    /// batch, a WebSocket message; for a request, the slots of its answer (`response`,
    /// `webSocket`).
    Event,
    /// The invocation's context: a Worker's `ctx` (`waitUntil`), a Durable Object's state
    /// (`storage`, `acceptWebSocket`, `getWebSockets`, `id`).
    Context,
}

/// One argument of a call: a JavaScript value built from Rust data it borrows.
#[repr(transparent)]
#[derive(Debug, Clone, Copy)]
pub struct Arg<'a> {
    raw: RawArg,
    _borrow: PhantomData<&'a [u8]>,
}

impl<'a> Arg<'a> {
    const fn raw(tag: u32, len: usize, data: u64) -> Self {
        Self {
            raw: RawArg { tag, len, data },
            _borrow: PhantomData,
        }
    }

    /// `undefined`.
    pub const UNDEFINED: Arg<'static> = Arg::raw(ARG_UNDEFINED, 0, 0);
    /// `null`.
    pub const NULL: Arg<'static> = Arg::raw(ARG_NULL, 0, 0);

    /// A boolean.
    pub const fn bool(b: bool) -> Self {
        Self::raw(if b { ARG_TRUE } else { ARG_FALSE }, 0, 0)
    }

    /// A number.
    pub const fn number(n: f64) -> Self {
        Self::raw(ARG_NUMBER, 0, n.to_bits())
    }

    /// A BigInt.
    pub const fn bigint(n: i64) -> Self {
        Self::raw(ARG_BIGINT, 0, n as u64)
    }

    /// A string.
    pub fn str(s: &'a str) -> Self {
        Self::raw(ARG_STRING, s.len(), s.as_ptr() as usize as u64)
    }

    /// Bytes, as a new `Uint8Array` (copied when the call is made).
    pub fn bytes(b: &'a [u8]) -> Self {
        Self::raw(ARG_BYTES, b.len(), b.as_ptr() as usize as u64)
    }

    /// JSON text, parsed into a value on the host (a text that is not JSON fails the call with
    /// `Error::InvalidArgument`, its `SyntaxError` the last error's cause).
    pub fn json(text: &'a str) -> Self {
        Self::raw(ARG_JSON, text.len(), text.as_ptr() as usize as u64)
    }

    /// A value the bridge holds.
    pub fn value(value: &'a Value) -> Self {
        Self::raw(ARG_VALUE, 0, value.handle as u64)
    }

    /// An array of arguments.
    pub fn array(items: &'a [Arg<'a>]) -> Self {
        Self::raw(ARG_ARRAY, items.len(), items.as_ptr() as usize as u64)
    }

    /// An object of fields.
    pub fn object(fields: &'a [Field<'a>]) -> Self {
        Self::raw(ARG_OBJECT, fields.len(), fields.as_ptr() as usize as u64)
    }
}

/// One field of an [`Arg::object`]: a key and a value.
#[repr(transparent)]
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    raw: RawField,
    _borrow: PhantomData<&'a [u8]>,
}

impl<'a> Field<'a> {
    /// No field (all zero bits: an array of them costs no data to make): a placeholder.
    pub const EMPTY: Field<'static> = Field {
        raw: RawField {
            key: RawSlice::EMPTY,
            value: Arg::UNDEFINED.raw,
        },
        _borrow: PhantomData,
    };

    /// The field `key: value`.
    pub const fn new(key: &'a str, value: Arg<'a>) -> Self {
        Self {
            raw: RawField {
                key: RawSlice::of(key.as_bytes()),
                value: value.raw,
            },
            _borrow: PhantomData,
        }
    }
}

/// An options object of the fields that are set: each `(name, Some(arg))` of a list, in order
/// (a `None` is left out, as JavaScript's optional members want).
pub(crate) struct Options<'a, const N: usize> {
    fields: [Field<'a>; N],
    len: usize,
}

impl<'a, const N: usize> Options<'a, N> {
    /// The fields of `pairs` that are `Some`.
    pub(crate) fn of(pairs: [(&'a str, Option<Arg<'a>>); N]) -> Self {
        let mut fields = [Field::EMPTY; N];
        let len = keep_present(&pairs, &mut fields);
        Self { fields, len }
    }

    /// The object, as an argument.
    pub(crate) fn arg(&self) -> Arg<'_> {
        Arg::object(self.fields.get(..self.len).unwrap_or_default())
    }
}

/// Writes the fields of `pairs` that are `Some` to the front of `fields`; how many. (One copy
/// of the loop for every size of [`Options`].)
#[inline(never)]
fn keep_present<'a>(pairs: &[(&'a str, Option<Arg<'a>>)], fields: &mut [Field<'a>]) -> usize {
    let mut len = 0;
    for (name, arg) in pairs {
        if let (Some(arg), Some(slot)) = (arg, fields.get_mut(len)) {
            *slot = Field::new(name, *arg);
            len += 1;
        }
    }
    len
}

/// A JavaScript value the bridge holds for this request (a binding, a response, an object, a
/// string...). Read it ([`Value::text`], [`Value::number`], ...), call its methods, read its
/// properties. It is released when the request ends (or by [`Value::release`]).
#[derive(Debug)]
pub struct Value {
    handle: u32,
    /// Its kind, as the call that made it answered it (a value's kind never changes); `None`
    /// for the last error, asked when wanted.
    kind: Option<Kind>,
}

/// Makes call `record`; the value (its kind known: the glue writes it into the record) or the
/// error.
fn make(record: &mut CallRecord) -> Result<Value, Error> {
    match sys::call(record) {
        code if code < 0 => Err(error(code)),
        handle => Ok(Value {
            handle: handle as u32,
            kind: Kind::of(record.kind as i32),
        }),
    }
}

/// Makes call `record`, which reads its answer ([`CALL_READ`]: not held); the answer's kind.
fn read_call(record: &mut CallRecord) -> Result<Kind, Error> {
    match sys::call(record) {
        code if code < 0 => Err(error(code)),
        _ => Ok(Kind::of(record.kind as i32).unwrap_or(Kind::Object)),
    }
}

/// Makes call `record` and reads its answer in the same crossing ([`CALL_READ`]) into the
/// request's memory, sized there as [`Value::bytes_in`] sizes it: its kind, and the bytes of a
/// string or bytes (none for `null` or `undefined`); `WrongType` for another kind, `TooLarge`
/// (with the figure) when the request's memory has no room.
fn make_in<'a>(mut record: CallRecord, request: &crate::Request<'a>) -> Result<(Kind, &'a [u8]), Error> {
    record.flags |= CALL_READ;
    let mut kind = Kind::Undefined;
    let bytes = request.read_sized(
        |tail| {
            record.dst = tail.as_mut_ptr();
            record.room = tail.len();
            kind = read_call(&mut record)?;
            // (A number or a boolean is read as the 8 bytes of an f64: not text.)
            match (kind, usize::try_from(record.len)) {
                (Kind::Null | Kind::Undefined, _) => Ok(0),
                (Kind::Number | Kind::Boolean, _) | (_, Err(_)) => Err(Error::WrongType { found: kind }),
                (_, Ok(len)) => Ok(len),
            }
        },
        |needed| Error::TooLarge { needed },
    )?;
    Ok((kind, bytes))
}

/// The bytes [`make_in`] read, `None` for `null` or `undefined`.
fn present_bytes((kind, bytes): (Kind, &[u8])) -> Option<&[u8]> {
    (!matches!(kind, Kind::Null | Kind::Undefined)).then_some(bytes)
}

/// The bytes [`make_in`] read, `WrongType` for `null` or `undefined`.
fn required_bytes((kind, bytes): (Kind, &[u8])) -> Result<&[u8], Error> {
    present_bytes((kind, bytes)).ok_or(Error::WrongType { found: kind })
}

/// Makes call `record` and reads its answer, a number or a boolean (as 0 or 1), in the same
/// crossing ([`CALL_READ`]).
fn make_number(mut record: CallRecord) -> Result<f64, Error> {
    let mut bits = [0u8; 8];
    record.flags |= CALL_READ;
    record.dst = bits.as_mut_ptr();
    record.room = bits.len();
    match read_call(&mut record)? {
        Kind::Number | Kind::Boolean => Ok(f64::from_le_bytes(bits)),
        found => Err(Error::WrongType { found }),
    }
}

/// The record of a call on `target`.
fn record(target: Target<'_>, member: &str, args: &[Arg<'_>], flags: u32) -> CallRecord {
    let (kind, handle, name) = match target {
        Target::Env(name) => (CALL_ENV, 0, name),
        Target::Global(name) => (CALL_GLOBAL, 0, name),
        Target::Host(name) => (CALL_HOST, 0, name),
        Target::Value(value) => (CALL_VALUE, value.handle, ""),
        Target::Request => (CALL_REQUEST, 0, ""),
        Target::Event => (CALL_EVENT, 0, ""),
        Target::Context => (CALL_CONTEXT, 0, ""),
    };
    CallRecord {
        target: kind,
        handle,
        name: RawSlice::of(name.as_bytes()),
        member: RawSlice::of(member.as_bytes()),
        args: args.as_ptr().cast(),
        argc: args.len(),
        flags,
        dst: core::ptr::null_mut(),
        room: 0,
        kind: JS_OBJECT,
        len: 0,
    }
}

/// Makes the call of `member` on `target` with `flags`: the code every call that holds or drops
/// its answer shares. (With [`CALL_READ`] and no room, what it answers is dropped in the same
/// crossing: nothing is held, so nothing is released after.)
fn call_with(target: Target<'_>, member: &str, args: &[Arg<'_>], flags: u32) -> Result<Value, Error> {
    make(&mut record(target, member, args, flags))
}

/// Calls `target.method(...args)` (an empty `method` calls the target itself), waiting for its
/// Promise if it answers one.
pub fn call(target: Target<'_>, method: &str, args: &[Arg<'_>]) -> Result<Value, Error> {
    call_with(target, method, args, 0)
}

/// Calls `target.method(...args)`, waiting for its Promise if it answers one, and drops what it
/// answers in the same crossing (`call(..).map(Value::release)` crosses twice): a KV put, a
/// WebSocket send, an acknowledgement.
pub fn call_unit(target: Target<'_>, method: &str, args: &[Arg<'_>]) -> Result<(), Error> {
    call_with(target, method, args, CALL_READ).map(drop)
}

/// Reads `target.property` (an empty `property`: the target itself, e.g. a binding as a value).
pub fn get(target: Target<'_>, property: &str) -> Result<Value, Error> {
    call_with(target, property, &[], CALL_GET)
}

/// Reads `target.property`, a number (a boolean as 0 or 1), in one crossing.
pub fn get_number(target: Target<'_>, property: &str) -> Result<f64, Error> {
    make_number(record(target, property, &[], CALL_GET))
}

/// Calls `target.method(...args)` and reads what it answers (waiting for its Promise), a number
/// (a boolean as 0 or 1), in one crossing.
pub fn call_number(target: Target<'_>, method: &str, args: &[Arg<'_>]) -> Result<f64, Error> {
    make_number(record(target, method, args, 0))
}

/// Constructs `new target.class(...args)` (an empty `class`: `new target(...args)`).
pub fn construct(target: Target<'_>, class: &str, args: &[Arg<'_>]) -> Result<Value, Error> {
    call_with(target, class, args, CALL_NEW)
}

/// Calls `target.method(...args)` without waiting: its Promise itself, held (several calls in
/// flight at once, or a subrequest whose body the handler writes after starting it). Wait for
/// it with [`settle`].
pub fn start(target: Target<'_>, method: &str, args: &[Arg<'_>]) -> Result<Value, Error> {
    call_with(target, method, args, CALL_PROMISE)
}

/// Waits for `promise` (from [`start`]); what it resolves to.
pub fn settle(promise: &Value) -> Result<Value, Error> {
    call(Target::Global("Promise"), "resolve", &[Arg::value(promise)])
}

/// Sets `target.property = value` (the slots of a response, an option object being built).
pub fn set(target: Target<'_>, property: &str, value: Arg<'_>) -> Result<(), Error> {
    call_with(target, property, &[value], CALL_SET | CALL_READ).map(drop)
}

/// Answers the request with `response`, a `Response` the bridge holds (a subrequest's, a
/// Durable Object's, a WebSocket upgrade's): the glue hands it to the platform as it is, and
/// the record of the [`crate::Response`] this returns (status 200, no body) is not read.
pub fn respond_with(response: &Value) -> Result<crate::Response<'static>, Error> {
    set(Target::Event, "response", Arg::value(response))?;
    Ok(crate::Response::text(200, ""))
}

/// Answers with `status`, `body` (bytes, text, or a stream the bridge holds) and every header
/// of `headers`, a `Headers` the bridge holds (a subrequest's `response.get("headers")`, the
/// request's): passed on as they are, nothing copied into wasm and no limit on their count, so
/// a Worker without an allocator forwards an origin's 13 headers (or 50) as it forwards 1. To
/// add or change one first: `headers.call_unit("set", &[Arg::str(name), Arg::str(value)])`.
pub fn respond_with_headers_of(status: u16, headers: &Value, body: Arg<'_>) -> Result<crate::Response<'static>, Error> {
    let init = [
        Field::new("status", Arg::number(f64::from(status))),
        Field::new("headers", Arg::value(headers)),
    ];
    let response = construct(Target::Global("Response"), "", &[body, Arg::object(&init)])?;
    respond_with(&response)
}

/// Calls `target.method(...args)` without waiting: its Promise goes to `ctx.waitUntil`, so the
/// response does not wait for it (a KV put or a queue send after answering). A failure of the
/// detached call is logged, not returned.
pub fn detached(target: Target<'_>, method: &str, args: &[Arg<'_>]) -> Result<(), Error> {
    call_with(target, method, args, CALL_DETACHED | CALL_READ).map(drop)
}

/// The message of the last bridge error of this request (the binding's own error), in `buffer`
/// (cut to fit). For the handler only: never send it to a client.
pub fn last_error(buffer: &mut [u8]) -> &str {
    let len = sys::value(ERROR_HANDLE, READ_BYTES, buffer.as_mut_ptr(), buffer.len());
    let len = usize::try_from(len).unwrap_or(0);
    match buffer.get(..len) {
        Some(bytes) => crate::headers::text(bytes),
        None => "",
    }
}

/// The message of the last bridge error of this request (the binding's own error) in the
/// request's memory, sized by the host: never cut. For the handler only: never send it to a
/// client.
pub fn last_error_in<'a>(request: &crate::Request<'a>) -> &'a str {
    let read = |tail: &mut [u8]| -> Result<usize, ()> {
        usize::try_from(sys::value(ERROR_HANDLE, READ_BYTES, tail.as_mut_ptr(), tail.len())).map_err(|_| ())
    };
    request.read_sized(read, |_| ()).map(crate::headers::text).unwrap_or("")
}

/// The last bridge error of this request as a value, to read what its message does not say:
/// its `name` ([`last_error_name_in`]), its `cause`, a binding's own fields. `undefined` when
/// no call failed. For the handler only: never send it to a client.
pub fn last_error_value() -> Value {
    Value {
        handle: ERROR_HANDLE as u32,
        kind: None,
    }
}

/// The name of the last bridge error of this request (`TypeError`, `AbortError`,
/// `SyntaxError`, a binding's own) in the request's memory; empty when no call failed or it has
/// none. Tells a timeout (`AbortError`, `TimeoutError`) from a refusal (`TypeError`).
pub fn last_error_name_in<'a>(request: &crate::Request<'a>) -> &'a str {
    let name = last_error_value().get("name");
    name.and_then(|name| name.text_in(request)).unwrap_or("")
}

impl Value {
    /// Its kind (known from the call that made it: no crossing).
    pub fn kind(&self) -> Kind {
        self.kind.unwrap_or_else(|| {
            Kind::of(sys::value(self.handle as i32, READ_KIND, core::ptr::null_mut(), 0)).unwrap_or(Kind::Object)
        })
    }

    /// The value read with `read` (into the request's memory, a buffer, owned memory) when it is
    /// a string, else `None`: an optional text (a listing's cursor, a content type, a bookmark).
    pub(crate) fn if_text<T>(self, read: impl FnOnce(&Value) -> Result<T, Error>) -> Result<Option<T>, Error> {
        match self.kind() {
            Kind::String => read(&self).map(Some),
            _ => Ok(None),
        }
    }

    /// Whether it is `null` or `undefined`.
    pub fn is_nullish(&self) -> bool {
        matches!(self.kind(), Kind::Null | Kind::Undefined)
    }

    /// `Some(self)`, or `None` when it is `null` or `undefined` (what the platform answers for
    /// "none": a missing header, row, key or cache entry).
    pub fn present(self) -> Option<Value> {
        if self.is_nullish() {
            None
        } else {
            Some(self)
        }
    }

    /// Calls its method `method`.
    pub fn call(&self, method: &str, args: &[Arg<'_>]) -> Result<Value, Error> {
        call(Target::Value(self), method, args)
    }

    /// Calls its method `method` and drops what it answers, in one crossing ([`call_unit`]).
    pub fn call_unit(&self, method: &str, args: &[Arg<'_>]) -> Result<(), Error> {
        call_unit(Target::Value(self), method, args)
    }

    /// Calls its method `method` and reads what it answers (waiting for its Promise), a string's
    /// UTF-8 or bytes, into the request's memory in the same crossing.
    pub fn call_bytes_in<'a>(
        &self,
        method: &str,
        args: &[Arg<'_>],
        request: &crate::Request<'a>,
    ) -> Result<&'a [u8], Error> {
        required_bytes(make_in(record(Target::Value(self), method, args, 0), request)?)
    }

    /// Reads its property `property`, a string (or bytes that are UTF-8), into the request's
    /// memory in one crossing (where [`Value::get`] and [`Value::text_in`] take two); `None`
    /// when it is `null` or `undefined`.
    pub fn get_text_in<'a>(&self, property: &str, request: &crate::Request<'a>) -> Result<Option<&'a str>, Error> {
        present_bytes(make_in(record(Target::Value(self), property, &[], CALL_GET), request)?)
            .map(utf8)
            .transpose()
    }

    /// Reads its property `property`, a string (or bytes that are UTF-8), into the request's
    /// memory in one crossing; `WrongType` when it is `null` or `undefined`.
    pub fn get_required_text_in<'a>(&self, property: &str, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        utf8(required_bytes(make_in(
            record(Target::Value(self), property, &[], CALL_GET),
            request,
        )?)?)
    }

    /// Reads its property `property`, a number (a boolean as 0 or 1), in one crossing.
    pub fn get_number(&self, property: &str) -> Result<f64, Error> {
        get_number(Target::Value(self), property)
    }

    /// Reads its property `property`.
    pub fn get(&self, property: &str) -> Result<Value, Error> {
        get(Target::Value(self), property)
    }

    /// Reads its element `index` (of an array).
    pub fn index(&self, index: usize) -> Result<Value, Error> {
        let mut digits = [0u8; 20];
        get(Target::Value(self), decimal(index, &mut digits))
    }

    /// The length of an array.
    pub fn len(&self) -> Result<usize, Error> {
        self.read(READ_LENGTH, &mut [])
    }

    /// Whether an array is empty.
    pub fn is_empty(&self) -> Result<bool, Error> {
        self.len().map(|n| n == 0)
    }

    /// Runs `op`, writing at most `into.len()` bytes into `into`; its answer as a length.
    fn read(&self, op: u32, into: &mut [u8]) -> Result<usize, Error> {
        match sys::value(self.handle as i32, op, into.as_mut_ptr(), into.len()) {
            BRIDGE_WRONG_TYPE => Err(Error::WrongType { found: self.kind() }),
            code if code < 0 => Err(error(code)),
            len => Ok(len as usize),
        }
    }

    /// Reads with `op` into `buffer`: the bytes, or `TooLarge`.
    fn read_into<'b>(&self, op: u32, buffer: &'b mut [u8]) -> Result<&'b [u8], Error> {
        let len = self.read(op, buffer)?;
        match buffer.get(..len) {
            Some(bytes) => Ok(bytes),
            None => Err(Error::TooLarge { needed: len }),
        }
    }

    /// A string's UTF-8 or bytes' bytes, in `buffer`.
    pub fn bytes<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b [u8], Error> {
        self.read_into(READ_BYTES, buffer)
    }

    /// A string (or bytes that are UTF-8), in `buffer`.
    pub fn text<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        utf8(self.bytes(buffer)?)
    }

    /// A string's UTF-8 or bytes' bytes in the request's memory (the free part of its I/O
    /// buffer), sized exactly by the host and kept as long as the request: no buffer to guess,
    /// one crossing when it fits. `TooLarge` (with the size) only when the request's memory has
    /// fewer bytes left.
    pub fn bytes_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a [u8], Error> {
        request.read_sized(|tail| self.read(READ_BYTES, tail), |needed| Error::TooLarge { needed })
    }

    /// A string (or bytes that are UTF-8) in the request's memory, sized by the host
    /// ([`Value::bytes_in`]).
    pub fn text_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        utf8(self.bytes_in(request)?)
    }

    /// The value as JSON text (`JSON.stringify`) in the request's memory, sized by the host.
    pub fn json_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        let bytes = request.read_sized(|tail| self.read(READ_JSON, tail), |needed| Error::TooLarge { needed })?;
        // SAFETY: the glue writes the UTF-8 of a JavaScript string.
        Ok(unsafe { core::str::from_utf8_unchecked(bytes) })
    }

    /// The value as JSON text (`JSON.stringify`), in `buffer`.
    pub fn json<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        let bytes = self.read_into(READ_JSON, buffer)?;
        // SAFETY: the glue writes the UTF-8 of a JavaScript string.
        Ok(unsafe { core::str::from_utf8_unchecked(bytes) })
    }

    /// A number (a boolean reads as 0 or 1).
    pub fn number(&self) -> Result<f64, Error> {
        let mut bits = [0u8; 8];
        self.read(READ_NUMBER, &mut bits)?;
        Ok(f64::from_le_bytes(bits))
    }

    /// A boolean.
    pub fn boolean(&self) -> Result<bool, Error> {
        match self.kind() {
            Kind::Boolean => self.number().map(|n| n != 0.0),
            found => Err(Error::WrongType { found }),
        }
    }

    /// A string's UTF-8 or bytes' bytes, in owned memory of exactly their size.
    #[cfg(feature = "alloc")]
    pub fn bytes_owned(&self) -> Result<alloc::vec::Vec<u8>, Error> {
        self.read_owned(READ_BYTES)
    }

    /// A string, owned.
    #[cfg(feature = "alloc")]
    pub fn text_owned(&self) -> Result<alloc::string::String, Error> {
        let bytes = self.bytes_owned()?;
        if !crate::utf8::is_utf8(&bytes) {
            return Err(Error::WrongType { found: Kind::Bytes });
        }
        // SAFETY: `is_utf8` just checked the bytes are well-formed UTF-8.
        Ok(unsafe { alloc::string::String::from_utf8_unchecked(bytes) })
    }

    /// The value as JSON text, owned.
    #[cfg(feature = "alloc")]
    pub fn json_owned(&self) -> Result<alloc::string::String, Error> {
        let bytes = self.read_owned(READ_JSON)?;
        // SAFETY: the glue writes the UTF-8 of a JavaScript string.
        Ok(unsafe { alloc::string::String::from_utf8_unchecked(bytes) })
    }

    #[cfg(feature = "alloc")]
    fn read_owned(&self, op: u32) -> Result<alloc::vec::Vec<u8>, Error> {
        let len = self.read(op, &mut [])?;
        let mut bytes = crate::result::try_with_capacity(len).ok_or(Error::TooLarge { needed: len })?;
        // SAFETY: the glue writes exactly `len` bytes (the length it just answered, the vector's
        // capacity) at the vector's buffer; `set_len` then covers only initialised bytes.
        unsafe {
            let written = sys::value(self.handle as i32, op, bytes.as_mut_ptr(), len);
            bytes.set_len((written.max(0) as usize).min(len));
        }
        Ok(bytes)
    }

    /// Releases the value now instead of when the request ends.
    pub fn release(self) {
        sys::value(self.handle as i32, READ_DROP, core::ptr::null_mut(), 0);
    }
}

/// `bytes` as text, or `WrongType` (bytes) when they are not UTF-8.
fn utf8(bytes: &[u8]) -> Result<&str, Error> {
    if crate::utf8::is_utf8(bytes) {
        // SAFETY: just validated.
        Ok(unsafe { core::str::from_utf8_unchecked(bytes) })
    } else {
        Err(Error::WrongType { found: Kind::Bytes })
    }
}

/// The length of the event, an array (an RPC call's arguments, a tail's traces).
pub(crate) fn event_len() -> Result<usize, Error> {
    Ok(get_number(Target::Event, "length")? as usize)
}

/// Element `index` of the event, an array, held.
pub(crate) fn event_element(index: usize) -> Result<Value, Error> {
    let mut digits = [0u8; 20];
    get(Target::Event, decimal(index, &mut digits))
}

/// `n` in decimal, written into the end of `digits` (no `core::fmt`: nothing here can panic).
pub(crate) fn decimal(n: usize, digits: &mut [u8; 20]) -> &str {
    crate::text::decimal(n as u64, digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{BridgeAnswer, BRIDGE_ASKED, BRIDGE_VALUES};

    fn answers(list: &[(i32, BridgeAnswer)]) {
        BRIDGE_VALUES.with(|v| *v.borrow_mut() = list.to_vec());
        BRIDGE_ASKED.with(|a| a.borrow_mut().clear());
    }

    #[test]
    fn a_call_sends_its_record_and_reads_the_answer() {
        answers(&[(0, BridgeAnswer::Text("hello world".into()))]);
        let fields = [Field::new("ttl", Arg::number(60.0))];
        let args = [
            Arg::str("world"),
            Arg::bytes(b"\x00\xff"),
            Arg::object(&fields),
            Arg::NULL,
        ];
        let answer = call(Target::Env("GREETER"), "hello", &args).unwrap();
        let mut buffer = [0u8; 32];
        assert_eq!(answer.text(&mut buffer), Ok("hello world"));
        assert_eq!(answer.kind(), Kind::String);
        let asked = BRIDGE_ASKED.with(|a| a.borrow().clone());
        assert_eq!(
            asked[0],
            "env GREETER.hello(\"world\", bytes 00ff, {ttl: 60}, null) flags 0"
        );
    }

    #[test]
    fn a_subrequests_headers_are_passed_on_as_a_held_value() {
        // Without an allocator (this test runs in every feature set): the answer is built and
        // sent by the platform around the held headers.
        answers(&[
            (7, BridgeAnswer::Undefined),
            (8, BridgeAnswer::Undefined),
            (9, BridgeAnswer::Undefined),
        ]);
        let headers = Value { handle: 3, kind: None };
        let response = respond_with_headers_of(203, &headers, Arg::bytes(b"hi")).unwrap();
        assert_eq!(
            (response.status(), response.body()),
            (200, &b""[..]),
            "the record is not read"
        );
        let asked = BRIDGE_ASKED.with(|a| a.borrow().clone());
        assert_eq!(
            asked,
            [
                "global Response.(bytes 6869, {status: 203, headers: value 3}) flags 2",
                "event .response(value 7) flags 40",
            ]
        );
    }

    #[test]
    fn errors_keep_their_kind() {
        answers(&[
            (IO_NO_BINDING, BridgeAnswer::Undefined),
            (BRIDGE_NO_METHOD, BridgeAnswer::Undefined),
            (-2, BridgeAnswer::Undefined),
            (IO_INVALID_ARGUMENT, BridgeAnswer::Undefined),
            (BRIDGE_WOULD_SUSPEND, BridgeAnswer::Undefined),
        ]);
        assert_eq!(call(Target::Env("NONE"), "x", &[]).unwrap_err(), Error::NoTarget);
        assert_eq!(
            call(Target::Global("crypto"), "nope", &[]).unwrap_err(),
            Error::NoMethod
        );
        assert_eq!(call(Target::Host("mine"), "", &[]).unwrap_err(), Error::Failed);
        assert_eq!(call(Target::Request, "x", &[]).unwrap_err(), Error::InvalidArgument);
        assert_eq!(call(Target::Env("KV"), "get", &[]).unwrap_err(), Error::WouldSuspend);
    }

    #[test]
    fn reads_check_kinds_and_room() {
        answers(&[
            (0, BridgeAnswer::Number(1.5)),
            (1, BridgeAnswer::Text("0123456789".into())),
        ]);
        let n = call(Target::Global("Date"), "now", &[]).unwrap();
        assert_eq!(n.number(), Ok(1.5));
        let mut small = [0u8; 4];
        assert_eq!(n.text(&mut small), Err(Error::WrongType { found: Kind::Number }));
        let s = call(Target::Global("x"), "y", &[]).unwrap();
        assert_eq!(s.text(&mut small), Err(Error::TooLarge { needed: 10 }));
        assert_eq!(s.number(), Err(Error::WrongType { found: Kind::String }));
        answers(&[(2, BridgeAnswer::Bytes(vec![0, 255])), (3, BridgeAnswer::Null)]);
        let b = get(Target::Env("BUCKET"), "").unwrap();
        assert_eq!(b.bytes(&mut small), Ok(&[0u8, 255][..]));
        assert_eq!(b.text(&mut small), Err(Error::WrongType { found: Kind::Bytes }));
        assert!(get(Target::Request, "cf").unwrap().is_nullish());
        b.release();
        assert_eq!(
            Value { handle: 2, kind: None }.kind(),
            Kind::Object,
            "a released value is no value"
        );
    }

    #[test]
    fn a_call_reads_its_answer_in_the_same_crossing() {
        crate::tests::with_request(|request| {
            answers(&[
                (0, BridgeAnswer::Null),
                (1, BridgeAnswer::Text("etag-1".into())),
                (2, BridgeAnswer::Undefined),
                (3, BridgeAnswer::Number(42.0)),
                (4, BridgeAnswer::Boolean(true)),
                (5, BridgeAnswer::Bytes(vec![1, 2, 3])),
                (6, BridgeAnswer::Text("x".repeat(100))),
                (7, BridgeAnswer::Text("y".into())),
            ]);
            let object = get(Target::Env("B"), "").unwrap();
            let before = crate::sys::crossings();
            // The kind came with the call: no crossing to ask it.
            assert!(object.is_nullish());
            assert_eq!(crate::sys::crossings(), before);
            assert_eq!(object.get_required_text_in("etag", request), Ok("etag-1"));
            assert_eq!(object.get_text_in("contentType", request), Ok(None));
            assert_eq!(object.get_number("size"), Ok(42.0));
            assert_eq!(object.get_number("done"), Ok(1.0));
            assert_eq!(object.call_bytes_in("arrayBuffer", &[], request), Ok(&[1u8, 2, 3][..]));
            assert_eq!(crate::sys::crossings(), before + 5, "one crossing each");
            // Larger than the request's memory: the figure, nothing claimed; a number is no text.
            assert_eq!(object.get_text_in("big", request), Err(Error::TooLarge { needed: 100 }));
            assert_eq!(object.get_number("name"), Err(Error::WrongType { found: Kind::String }));
            let asked = BRIDGE_ASKED.with(|a| a.borrow().clone());
            assert_eq!(asked[1], "value .etag() flags 33", "CALL_GET | CALL_READ");
        });
    }

    #[test]
    fn a_dropped_answer_crosses_once_and_is_not_held() {
        answers(&[
            (0, BridgeAnswer::Undefined),
            (1, BridgeAnswer::Text("an answer nobody reads".into())),
            (2, BridgeAnswer::Undefined),
            (3, BridgeAnswer::Undefined),
        ]);
        let before = crate::sys::crossings();
        call_unit(Target::Env("KV"), "put", &[Arg::str("k"), Arg::str("v")]).unwrap();
        call_unit(Target::Env("KV"), "get", &[Arg::str("k")]).unwrap();
        set(Target::Event, "status", Arg::number(201.0)).unwrap();
        detached(Target::Env("KV"), "delete", &[Arg::str("k")]).unwrap();
        assert_eq!(
            crate::sys::crossings(),
            before + 4,
            "one crossing each: nothing to release"
        );
        for handle in 0..4 {
            assert!(crate::sys::held(handle).is_none(), "handle {handle} not held");
        }
        let asked = BRIDGE_ASKED.with(|a| a.borrow().clone());
        assert_eq!(asked[0], "env KV.put(\"k\", \"v\") flags 32", "CALL_READ, no room");
        assert_eq!(asked[2], "event .status(201) flags 40", "CALL_SET | CALL_READ");
        assert_eq!(asked[3], "env KV.delete(\"k\") flags 36", "CALL_DETACHED | CALL_READ");
        // A failure is still the call's error.
        answers(&[(crate::abi::IO_FAILED, BridgeAnswer::Undefined)]);
        assert_eq!(call_unit(Target::Env("KV"), "put", &[]), Err(Error::Failed));
    }

    #[test]
    fn events_contexts_and_sets_have_their_own_targets() {
        answers(&[
            (0, BridgeAnswer::Text("*/5 * * * *".into())),
            (1, BridgeAnswer::Undefined),
            (2, BridgeAnswer::Undefined),
        ]);
        let cron = get(Target::Event, "cron").unwrap();
        set(Target::Event, "webSocket", Arg::value(&cron)).unwrap();
        call(Target::Context, "waitUntil", &[]).unwrap();
        let asked = BRIDGE_ASKED.with(|a| a.borrow().clone());
        assert_eq!(asked[0], "event .cron() flags 1");
        assert_eq!(asked[1], "event .webSocket(value 0) flags 40");
        assert_eq!(asked[2], "context .waitUntil() flags 0");
    }

    #[test]
    fn decimal_writes_digits_without_formatting() {
        let mut d = [0u8; 20];
        assert_eq!(decimal(0, &mut d), "0");
        assert_eq!(decimal(1234, &mut d), "1234");
        assert_eq!(decimal(usize::MAX, &mut d), usize::MAX.to_string());
    }
}
