//! A Durable Object's storage from its synchronous handler: get, put, delete and list by
//! prefix on the SQLite-backed `ctx.storage.kv`, through one plain (not suspending) import.
//!
//! ```ignore
//! fn handle<'a>(req: &Request<'a>, storage: &Storage) -> Response<'a> {
//!     let count = storage.get_u64("count").unwrap_or(0) + 1;
//!     match storage.put_u64("count", count) {
//!         Ok(()) => Response::number(200, count),
//!         Err(_) => Response::text(503, "storage failed"),
//!     }
//! }
//! tinyworker::durable_object!(handle);
//! ```
//!
//! The glue runs each request inside `ctx.storage.transactionSync`: a request that ends in a
//! fault (panic, abort, out of memory, trap) leaves storage exactly as it was before it; a
//! request that returns a response keeps every write.

use crate::abi::{IoRecord, RawSlice, ABSENT, RESULT_BODY, STORAGE_DELETE, STORAGE_GET, STORAGE_LIST, STORAGE_PUT};
use crate::sys;

/// Why a storage operation did not give an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The storage refused the operation (the host threw: a value too large, a closed
    /// object, no storage bound).
    Failed,
    /// The answer needs `needed` bytes and the buffer has fewer.
    TooLarge {
        /// Bytes the answer needs.
        needed: usize,
    },
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
        code if code < 0 && code != ABSENT => Err(Error::Failed),
        handle => Ok(handle),
    }
}

/// Copies the body of result `handle` into `into`; its length, or `Err(TooLarge)`.
fn read(handle: i32, into: &mut [u8]) -> Result<usize, Error> {
    crate::io::copy_part(handle, RESULT_BODY, into).map_err(|needed| Error::TooLarge { needed })
}

/// The body of result `handle` in a new vector of exactly its length.
#[cfg(feature = "alloc")]
fn read_owned(handle: i32) -> alloc::vec::Vec<u8> {
    crate::io::owned_part(handle, RESULT_BODY)
}

impl Storage {
    /// The handle `durable_object!` passes to the handler and the restore hook.
    #[doc(hidden)]
    pub const fn new() -> Self {
        Self { _private: () }
    }

    /// The value of `key` in `buffer`, `None` when the key is not there.
    pub fn get<'b>(&self, key: &str, buffer: &'b mut [u8]) -> Result<Option<&'b [u8]>, Error> {
        match op(STORAGE_GET, key, &[])? {
            ABSENT => Ok(None),
            handle => {
                let len = read(handle, buffer)?;
                Ok(buffer.get(..len))
            }
        }
    }

    /// The value of `key` in owned memory, `None` when the key is not there.
    #[cfg(feature = "alloc")]
    pub fn get_owned(&self, key: &str) -> Result<Option<alloc::vec::Vec<u8>>, Error> {
        match op(STORAGE_GET, key, &[])? {
            ABSENT => Ok(None),
            handle => Ok(Some(read_owned(handle))),
        }
    }

    /// Stores `value` under `key`.
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
    pub fn list_owned(
        &self,
        prefix: &str,
    ) -> Result<alloc::vec::Vec<(alloc::string::String, alloc::vec::Vec<u8>)>, Error> {
        let handle = op(STORAGE_LIST, prefix, &[])?;
        let bytes = read_owned(handle);
        Ok(Entries { rest: &bytes }
            .map(|(k, v)| (alloc::string::String::from(k), alloc::vec::Vec::from(v)))
            .collect())
    }

    /// A `u64` stored by [`Storage::put_u64`] under `key` (8 bytes, little-endian); `None`
    /// when absent or not 8 bytes.
    pub fn get_u64(&self, key: &str) -> Result<Option<u64>, Error> {
        let mut bytes = [0u8; 8];
        Ok(self
            .get(key, &mut bytes)?
            .and_then(|v| <[u8; 8]>::try_from(v).ok())
            .map(u64::from_le_bytes))
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

/// The entries of a list: `(key, value)` pairs, in key order.
#[derive(Debug, Clone)]
pub struct Entries<'b> {
    rest: &'b [u8],
}

impl<'b> Entries<'b> {
    /// `len` bytes after a 4-byte little-endian length, and what follows them.
    fn field(bytes: &'b [u8]) -> Option<(&'b [u8], &'b [u8])> {
        let (len, rest) = bytes.split_at_checked(4)?;
        let len = u32::from_le_bytes(len.try_into().ok()?) as usize;
        rest.split_at_checked(len)
    }
}

impl<'b> Iterator for Entries<'b> {
    type Item = (&'b str, &'b [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let (key, rest) = Self::field(self.rest)?;
        let (value, rest) = Self::field(rest)?;
        self.rest = rest;
        Some((core::str::from_utf8(key).unwrap_or(""), value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{ASKED, RESULTS};

    fn answers(list: &[(i32, &[u8])]) {
        RESULTS.with(|r| *r.borrow_mut() = list.iter().map(|&(c, b)| (c, 0, Vec::new(), b.to_vec())).collect());
        ASKED.with(|a| a.borrow_mut().clear());
    }

    #[test]
    fn get_put_delete_and_u64() {
        answers(&[
            (0, &7u64.to_le_bytes()),
            (ABSENT, b""),
            (0, b""),
            (1, b""),
            (0, b""),
            (-2, b""),
        ]);
        let storage = Storage::new();
        assert_eq!(storage.get_u64("count"), Ok(Some(7)));
        assert_eq!(storage.get_u64("other"), Ok(None));
        assert_eq!(storage.put_u64("count", 8), Ok(()));
        assert_eq!(storage.delete("count"), Ok(true));
        assert_eq!(storage.delete("count"), Ok(false));
        assert_eq!(storage.put("big", b"x"), Err(Error::Failed));
        let asked = ASKED.with(|a| a.borrow().clone());
        assert_eq!(asked[2].0, STORAGE_PUT);
        assert_eq!(asked[2].1[..2], [b"count".to_vec(), 8u64.to_le_bytes().to_vec()]);
    }

    #[test]
    fn lists_decode_in_order_and_a_small_buffer_says_how_large() {
        let mut encoded = Vec::new();
        for (k, v) in [("p/1", &b"a"[..]), ("p/2", b"bc")] {
            encoded.extend((k.len() as u32).to_le_bytes());
            encoded.extend(k.as_bytes());
            encoded.extend((v.len() as u32).to_le_bytes());
            encoded.extend(v);
        }
        answers(&[(0, &encoded), (0, &encoded)]);
        let mut buffer = [0u8; 64];
        let entries: Vec<_> = Storage::new().list("p/", &mut buffer).unwrap().collect();
        assert_eq!(entries, [("p/1", &b"a"[..]), ("p/2", &b"bc"[..])]);
        let mut small = [0u8; 4];
        assert_eq!(
            Storage::new().list("p/", &mut small).unwrap_err(),
            Error::TooLarge { needed: encoded.len() }
        );
        // A truncated encoding ends the iteration instead of reading past it.
        assert_eq!(Entries { rest: &encoded[..9] }.count(), 0);
    }
}
