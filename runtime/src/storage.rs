//! A Durable Object's storage from its synchronous handler: get, put, delete and list by
//! prefix on the SQLite-backed `ctx.storage.kv`, through one plain (not suspending) import.
//!
//! ```
//! use tinyworker::storage::Storage;
//! use tinyworker::{Request, Response};
//!
//! fn handle<'a>(_req: &Request<'a>, storage: &Storage) -> Response<'a> {
//!     let count = storage.get_u64("count").ok().flatten().unwrap_or(0) + 1;
//!     match storage.put_u64("count", count) {
//!         Ok(()) => Response::number(200, count),
//!         Err(_) => Response::text(503, "storage failed"),
//!     }
//! }
//! tinyworker::durable_object!(handle);
//! # fn main() {}
//! ```
//!
//! The glue runs each request inside `ctx.storage.transactionSync`: a request that ends in a
//! fault (panic, abort, out of memory, trap) leaves storage exactly as it was before it; a
//! request that returns a response keeps every write. An object whose class is not
//! SQLite-backed (`new_classes`) has no synchronous storage: each operation is
//! [`Error::WouldSuspend`] (its requests, alarms and WebSockets run as usual).

use crate::abi::{
    IoRecord, RawSlice, ABSENT, BRIDGE_WOULD_SUSPEND, IO_INVALID_ARGUMENT, RESULT_BODY, RESULT_STATUS, STORAGE_DELETE,
    STORAGE_GET, STORAGE_LIST, STORAGE_PUT, VALUE_BIGINT, VALUE_BOOLEAN, VALUE_BYTES, VALUE_JSON, VALUE_NULL,
    VALUE_NUMBER, VALUE_OTHER, VALUE_TEXT,
};
use crate::sys;

/// Why a storage operation did not give an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The storage failed (the host threw: a closed object, no storage bound).
    Failed,
    /// The object's storage has no synchronous API: its class is not SQLite-backed (declared
    /// under `new_classes`, not `new_sqlite_classes`), so each of its operations is a Promise.
    WouldSuspend,
    /// The storage refused an argument (the host threw a `TypeError` or `RangeError`: a value
    /// or key it does not take, such as one too large).
    InvalidArgument,
    /// The answer needs `needed` bytes and the buffer (or, for owned results, the heap limit)
    /// has fewer.
    TooLarge {
        /// Bytes the answer needs.
        needed: usize,
    },
    /// The key holds a value of another kind than asked for (written by JavaScript or another
    /// runtime: a number, an object, ...). [`Storage::get_value`] reads any kind.
    WrongType {
        /// What the key holds.
        found: Kind,
    },
}

/// The kind of a stored value. `put` writes bytes; a Durable Object that moved from JavaScript or
/// workers-rs may hold the others, and each reads in a documented form ([`Value::form`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// Bytes (a `Uint8Array`, an `ArrayBuffer` or another view): what [`Storage::put`] writes.
    Bytes,
    /// A string: its UTF-8.
    Text,
    /// A number: the IEEE 754 double, 8 bytes little-endian.
    Number,
    /// A BigInt: its decimal digits, `-` first when negative.
    BigInt,
    /// A boolean: one byte, 0 or 1.
    Boolean,
    /// `null`: no bytes.
    Null,
    /// A plain object or array that JSON represents exactly: its JSON text.
    Json,
    /// Anything else (a `Date`, a `Map`, an object holding one): its type's name, e.g. `Date`.
    Other,
}

impl Kind {
    /// The kind of ABI code `code` (docs/ABI.md, `VALUE_*`); `None` for a code this runtime
    /// does not know (refused, never guessed).
    fn of(code: usize) -> Option<Self> {
        Some(match code as u32 {
            VALUE_BYTES => Self::Bytes,
            VALUE_TEXT => Self::Text,
            VALUE_NUMBER => Self::Number,
            VALUE_BIGINT => Self::BigInt,
            VALUE_BOOLEAN => Self::Boolean,
            VALUE_NULL => Self::Null,
            VALUE_JSON => Self::Json,
            VALUE_OTHER => Self::Other,
            _ => return None,
        })
    }
}

/// A stored value of any kind, in the form its kind documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Value<'b> {
    kind: Kind,
    form: &'b [u8],
}

impl<'b> Value<'b> {
    /// The value's kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The value in its kind's form (see [`Kind`]).
    pub fn form(&self) -> &'b [u8] {
        self.form
    }

    fn wrong(&self) -> Error {
        Error::WrongType { found: self.kind }
    }

    /// Bytes and strings (as UTF-8); any other kind is `Err(WrongType)`.
    pub fn bytes(&self) -> Result<&'b [u8], Error> {
        match self.kind {
            Kind::Bytes | Kind::Text => Ok(self.form),
            _ => Err(self.wrong()),
        }
    }

    /// A string, or bytes that are UTF-8; anything else is `Err(WrongType)`.
    pub fn text(&self) -> Result<&'b str, Error> {
        match self.kind {
            Kind::Bytes | Kind::Text => crate::utf8::str_of(self.form).ok_or_else(|| self.wrong()),
            _ => Err(self.wrong()),
        }
    }

    /// A number.
    pub fn number(&self) -> Result<f64, Error> {
        match (self.kind, <[u8; 8]>::try_from(self.form)) {
            (Kind::Number, Ok(le)) => Ok(f64::from_le_bytes(le)),
            _ => Err(self.wrong()),
        }
    }

    /// A boolean.
    pub fn boolean(&self) -> Result<bool, Error> {
        match (self.kind, self.form) {
            (Kind::Boolean, [b]) => Ok(*b != 0),
            _ => Err(self.wrong()),
        }
    }

    /// The JSON text of a plain object or array.
    pub fn json(&self) -> Result<&'b str, Error> {
        match self.kind {
            Kind::Json => crate::utf8::str_of(self.form).ok_or_else(|| self.wrong()),
            _ => Err(self.wrong()),
        }
    }

    /// A `u64`: 8 bytes little-endian (what [`Storage::put_u64`] writes), a number that is a
    /// whole number from 0 to 2^53 - 1 (JavaScript's exact integers), or a BigInt from 0 to
    /// `u64::MAX`. Anything else (other bytes, a fraction, a negative number) is
    /// `Err(WrongType)`: never a silent misread.
    pub fn u64(&self) -> Result<u64, Error> {
        const EXACT: f64 = 9_007_199_254_740_991.0; // 2^53 - 1
        let eight = <[u8; 8]>::try_from(self.form).ok();
        let n = match self.kind {
            Kind::Bytes => eight.map(u64::from_le_bytes),
            Kind::Number => eight
                .map(f64::from_le_bytes)
                .filter(|n| (0.0..=EXACT).contains(n) && *n == (*n as u64) as f64)
                .map(|n| n as u64),
            Kind::BigInt if !self.form.is_empty() => self.form.iter().try_fold(0u64, |n, &digit| {
                let digit = digit.wrapping_sub(b'0');
                if digit > 9 {
                    return None;
                }
                n.checked_mul(10)?.checked_add(u64::from(digit))
            }),
            _ => None,
        };
        n.ok_or(self.wrong())
    }
}

/// A stored value of any kind in owned memory (with an allocator feature).
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedValue {
    kind: Kind,
    form: alloc::vec::Vec<u8>,
}

#[cfg(feature = "alloc")]
impl OwnedValue {
    /// The value, borrowed: every reader of [`Value`].
    pub fn as_value(&self) -> Value<'_> {
        Value {
            kind: self.kind,
            form: &self.form,
        }
    }

    /// The form's bytes, owned.
    pub fn into_form(self) -> alloc::vec::Vec<u8> {
        self.form
    }
}

/// The storage of the Durable Object this request runs in. `durable_object!` hands the handler
/// one; it is only a name for the host's `ctx.storage.kv`.
#[derive(Debug)]
pub struct Storage {
    _private: (),
}

/// Runs storage operation `op` on `key` (and `value`); a result handle, `ABSENT`, or an error.
fn op(op: u32, key: &str, value: &[u8]) -> Result<i32, Error> {
    let record = IoRecord {
        slices: [
            RawSlice::of(key.as_bytes()),
            RawSlice::of(value),
            RawSlice::EMPTY,
            RawSlice::EMPTY,
            RawSlice::EMPTY,
        ],
    };
    match sys::storage(op, &record) {
        IO_INVALID_ARGUMENT => Err(Error::InvalidArgument),
        BRIDGE_WOULD_SUSPEND => Err(Error::WouldSuspend),
        code if code < 0 && code != ABSENT => Err(Error::Failed),
        handle => Ok(handle),
    }
}

/// The kind of the value result `handle` holds.
fn kind(handle: i32) -> Result<Kind, Error> {
    Kind::of(sys::result(
        handle,
        RESULT_STATUS,
        core::ptr::NonNull::dangling().as_ptr(),
        0,
    ))
    .ok_or(Error::Failed)
}

/// Copies the body of result `handle` into `into`; its length, or `Err(TooLarge)`.
fn read(handle: i32, into: &mut [u8]) -> Result<usize, Error> {
    crate::result::copy_part(handle, RESULT_BODY, into).map_err(|needed| Error::TooLarge { needed })
}

/// The body of result `handle` in a new vector of exactly its length, or `Err(TooLarge)` when
/// the heap cannot hold it.
#[cfg(feature = "alloc")]
fn read_owned(handle: i32) -> Result<alloc::vec::Vec<u8>, Error> {
    crate::result::owned_part(handle, RESULT_BODY).map_err(|needed| Error::TooLarge { needed })
}

impl Storage {
    /// The handle `durable_object!` passes to the handler and the restore hook.
    #[doc(hidden)]
    pub const fn new() -> Self {
        Self { _private: () }
    }

    /// The value of `key` in `buffer`, `None` when the key is not there: bytes, or a string as
    /// UTF-8; a value of another kind is `Err(WrongType)` ([`Storage::get_value`] reads any).
    pub fn get<'b>(&self, key: &str, buffer: &'b mut [u8]) -> Result<Option<&'b [u8]>, Error> {
        self.get_value(key, buffer)?.map(|value| value.bytes()).transpose()
    }

    /// The value of `key` in the request's memory, sized by the host; `None` when the key is
    /// not there (bytes, or a string as UTF-8; another kind is `Err(WrongType)`).
    pub fn get_in<'a>(&self, key: &str, request: &crate::Request<'a>) -> Result<Option<&'a [u8]>, Error> {
        self.get_value_in(key, request)?.map(|value| value.bytes()).transpose()
    }

    /// The value of `key` of whatever kind, in its kind's form in the request's memory (sized
    /// by the host); `None` when absent.
    pub fn get_value_in<'a>(&self, key: &str, request: &crate::Request<'a>) -> Result<Option<Value<'a>>, Error> {
        match op(STORAGE_GET, key, &[])? {
            ABSENT => Ok(None),
            handle => {
                let kind = kind(handle)?;
                let read = |tail: &mut [u8]| {
                    let len = crate::sys::result(handle, RESULT_BODY, tail.as_mut_ptr(), tail.len());
                    Ok::<_, Error>(len)
                };
                let form = request.read_sized(read, |needed| Error::TooLarge { needed })?;
                Ok(Some(Value { kind, form }))
            }
        }
    }

    /// The value of `key` of whatever kind, in its kind's form in `buffer`; `None` when absent.
    pub fn get_value<'b>(&self, key: &str, buffer: &'b mut [u8]) -> Result<Option<Value<'b>>, Error> {
        match op(STORAGE_GET, key, &[])? {
            ABSENT => Ok(None),
            handle => {
                let kind = kind(handle)?;
                let len = read(handle, buffer)?;
                Ok(buffer.get(..len).map(|form| Value { kind, form }))
            }
        }
    }

    /// The value of `key` in owned memory, `None` when the key is not there; as [`Storage::get`].
    #[cfg(feature = "alloc")]
    pub fn get_owned(&self, key: &str) -> Result<Option<alloc::vec::Vec<u8>>, Error> {
        match self.get_value_owned(key)? {
            Some(value) => {
                value.as_value().bytes()?;
                Ok(Some(value.into_form()))
            }
            None => Ok(None),
        }
    }

    /// The value of `key` of whatever kind in owned memory; `None` when absent.
    #[cfg(feature = "alloc")]
    pub fn get_value_owned(&self, key: &str) -> Result<Option<OwnedValue>, Error> {
        match op(STORAGE_GET, key, &[])? {
            ABSENT => Ok(None),
            handle => Ok(Some(OwnedValue {
                kind: kind(handle)?,
                form: read_owned(handle)?,
            })),
        }
    }

    /// Stores `value` under `key` (as bytes).
    pub fn put(&self, key: &str, value: &[u8]) -> Result<(), Error> {
        op(STORAGE_PUT, key, value).map(|_| ())
    }

    /// Removes `key`; whether it was there.
    pub fn delete(&self, key: &str) -> Result<bool, Error> {
        op(STORAGE_DELETE, key, &[]).map(|existed| existed == 1)
    }

    /// The entries whose keys start with `prefix`, in key order, read into `buffer`.
    pub fn list<'b>(&self, prefix: &str, buffer: &'b mut [u8]) -> Result<Entries<'b>, Error> {
        let handle = op(STORAGE_LIST, prefix, &[])?;
        let len = read(handle, buffer)?;
        Ok(Entries {
            rest: buffer.get(..len).unwrap_or_default(),
        })
    }

    /// The entries whose keys start with `prefix`, in key order, in owned memory.
    #[cfg(feature = "alloc")]
    pub fn list_owned(&self, prefix: &str) -> Result<alloc::vec::Vec<(alloc::string::String, OwnedValue)>, Error> {
        let handle = op(STORAGE_LIST, prefix, &[])?;
        let bytes = read_owned(handle)?;
        Ok(Entries { rest: &bytes }
            .map(|(key, value)| {
                let form = alloc::vec::Vec::from(value.form);
                (alloc::string::String::from(key), OwnedValue { kind: value.kind, form })
            })
            .collect())
    }

    /// A `u64` under `key` ([`Value::u64`]: what [`Storage::put_u64`] wrote, or a whole
    /// number or BigInt a JavaScript Durable Object wrote); `None` when absent; a value that is
    /// not a `u64` is `Err(WrongType)`.
    pub fn get_u64(&self, key: &str) -> Result<Option<u64>, Error> {
        match op(STORAGE_GET, key, &[])? {
            ABSENT => Ok(None),
            handle => {
                let kind = kind(handle)?;
                // Every form of a u64 fits 20 bytes (its decimal digits); a longer one is not one.
                let mut buffer = [0u8; 20];
                let len = read(handle, &mut buffer).map_err(|_| Error::WrongType { found: kind })?;
                let form = buffer.get(..len).unwrap_or_default();
                Value { kind, form }.u64().map(Some)
            }
        }
    }

    /// Stores `value` under `key` as 8 bytes, little-endian.
    pub fn put_u64(&self, key: &str, value: u64) -> Result<(), Error> {
        self.put(key, &value.to_le_bytes())
    }
}

impl Default for Storage {
    fn default() -> Self {
        Self::new()
    }
}

/// The entries of a list: `(key, value)` pairs, in key order. A malformed list (which only a
/// glue of another ABI version could write) ends the iteration where it stops making sense.
#[derive(Debug, Clone)]
pub struct Entries<'b> {
    rest: &'b [u8],
}

impl<'b> Entries<'b> {
    /// A little-endian u32 and what follows it.
    fn word(bytes: &'b [u8]) -> Option<(usize, &'b [u8])> {
        let (word, rest) = bytes.split_at_checked(4)?;
        Some((u32::from_le_bytes(word.try_into().ok()?) as usize, rest))
    }

    /// `len` bytes after a 4-byte little-endian length, and what follows them.
    fn field(bytes: &'b [u8]) -> Option<(&'b [u8], &'b [u8])> {
        let (len, rest) = Self::word(bytes)?;
        rest.split_at_checked(len)
    }
}

impl<'b> Iterator for Entries<'b> {
    type Item = (&'b str, Value<'b>);

    fn next(&mut self) -> Option<Self::Item> {
        let (key, rest) = Self::field(self.rest)?;
        let (kind, rest) = Self::word(rest)?;
        let (form, rest) = Self::field(rest)?;
        let key = crate::utf8::str_of(key)?;
        self.rest = rest;
        Some((
            key,
            Value {
                kind: Kind::of(kind)?,
                form,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{ASKED, RESULTS};

    /// Queues the host's answers: (code, kind, body).
    fn answers(list: &[(i32, u32, &[u8])]) {
        RESULTS.with(|r| {
            *r.borrow_mut() = list
                .iter()
                .map(|&(c, kind, b)| (c, kind as u16, Vec::new(), b.to_vec()))
                .collect()
        });
        ASKED.with(|a| a.borrow_mut().clear());
    }

    #[test]
    fn get_put_delete_and_u64() {
        answers(&[
            (0, VALUE_BYTES, &7u64.to_le_bytes()),
            (ABSENT, 0, b""),
            (0, 0, b""),
            (1, 0, b""),
            (0, 0, b""),
            (-2, 0, b""),
            (IO_INVALID_ARGUMENT, 0, b""),
        ]);
        let storage = Storage::new();
        assert_eq!(storage.get_u64("count"), Ok(Some(7)));
        assert_eq!(storage.get_u64("other"), Ok(None));
        assert_eq!(storage.put_u64("count", 8), Ok(()));
        assert_eq!(storage.delete("count"), Ok(true));
        assert_eq!(storage.delete("count"), Ok(false));
        assert_eq!(storage.put("big", b"x"), Err(Error::Failed));
        assert_eq!(storage.put("huge", b"x"), Err(Error::InvalidArgument));
        let asked = ASKED.with(|a| a.borrow().clone());
        assert_eq!(asked[2].0, STORAGE_PUT);
        assert_eq!(asked[2].1[..2], [b"count".to_vec(), 8u64.to_le_bytes().to_vec()]);
    }

    #[test]
    fn values_javascript_wrote_read_as_their_kind_never_misread() {
        let ten = 10f64.to_le_bytes();
        let half = 1.5f64.to_le_bytes();
        let minus = (-3f64).to_le_bytes();
        answers(&[
            (0, VALUE_NUMBER, &ten),
            (0, VALUE_NUMBER, &ten),
            (0, VALUE_NUMBER, &half),
            (0, VALUE_NUMBER, &minus),
            (0, VALUE_BIGINT, b"18446744073709551615"),
            (0, VALUE_BIGINT, b"18446744073709551616"),
            (0, VALUE_BIGINT, b"-1"),
            (0, VALUE_BYTES, b"\x01\x02\x03"),
            (0, VALUE_TEXT, "hé".as_bytes()),
            (0, VALUE_JSON, br#"{"a":[1,2]}"#),
            (0, VALUE_BOOLEAN, &[1]),
            (0, VALUE_OTHER, b"Date"),
            (0, VALUE_NULL, b""),
            (0, 99, b""),
        ]);
        let storage = Storage::new();
        let mut buffer = [0u8; 32];
        // A number is an f64: 10 reads as 10, never as ten zero bytes.
        assert_eq!(storage.get_u64("n"), Ok(Some(10)));
        assert_eq!(
            storage.get("n", &mut buffer),
            Err(Error::WrongType { found: Kind::Number })
        );
        assert_eq!(storage.get_u64("half"), Err(Error::WrongType { found: Kind::Number }));
        assert_eq!(storage.get_u64("minus"), Err(Error::WrongType { found: Kind::Number }));
        assert_eq!(storage.get_u64("max"), Ok(Some(u64::MAX)));
        assert_eq!(storage.get_u64("over"), Err(Error::WrongType { found: Kind::BigInt }));
        assert_eq!(storage.get_u64("neg"), Err(Error::WrongType { found: Kind::BigInt }));
        assert_eq!(
            storage.get_u64("three bytes"),
            Err(Error::WrongType { found: Kind::Bytes })
        );
        assert_eq!(storage.get("s", &mut buffer), Ok(Some("hé".as_bytes())));
        let json = storage.get_value("o", &mut buffer).unwrap().unwrap();
        assert_eq!((json.kind(), json.json()), (Kind::Json, Ok(r#"{"a":[1,2]}"#)));
        let yes = storage.get_value("b", &mut buffer).unwrap().unwrap();
        assert_eq!(yes.boolean(), Ok(true));
        assert_eq!(
            storage.get("d", &mut buffer),
            Err(Error::WrongType { found: Kind::Other })
        );
        assert_eq!(
            storage.get_value("null", &mut buffer).unwrap().map(|v| v.kind()),
            Some(Kind::Null)
        );
        // A kind this runtime does not know is refused, not guessed.
        assert_eq!(storage.get_value("future", &mut buffer), Err(Error::Failed));
    }

    #[test]
    fn lists_decode_in_order_and_a_small_buffer_says_how_large() {
        let mut encoded = Vec::new();
        for (k, kind, v) in [("p/1", VALUE_BYTES, &b"a"[..]), ("p/2", VALUE_TEXT, b"bc")] {
            crate::testing::list_entry(&mut encoded, k, kind, v);
        }
        answers(&[(0, 0, &encoded), (0, 0, &encoded)]);
        let mut buffer = [0u8; 64];
        let entries: Vec<_> = Storage::new()
            .list("p/", &mut buffer)
            .unwrap()
            .map(|(k, v)| (k, v.kind(), v.bytes().unwrap()))
            .collect();
        assert_eq!(
            entries,
            [("p/1", Kind::Bytes, &b"a"[..]), ("p/2", Kind::Text, &b"bc"[..])]
        );
        let mut small = [0u8; 4];
        assert_eq!(
            Storage::new().list("p/", &mut small).unwrap_err(),
            Error::TooLarge { needed: encoded.len() }
        );
        // A truncated encoding ends the iteration instead of reading past it.
        assert_eq!(Entries { rest: &encoded[..9] }.count(), 0);
    }
}
