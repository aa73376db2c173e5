//! What needs an allocator, used without one: every owned-memory API exists in a module without
//! an allocator feature too, bound by [`NeedsAllocatorFeature`], so a call fails to compile with
//! a message that names the feature to enable instead of "no method named ...".
//!
//! ```compile_fail
//! // (Without an allocator feature.) error[E0277]: this tinyworker API needs an allocator:
//! // enable one of tinyworker's allocator features ...
//! fn handle<'a>(_: &tinyworker::Request<'a>) -> tinyworker::Response<'a> {
//!     let body: &'static [u8] = b"built";
//!     tinyworker::Response::owned(200, body)
//! }
//! ```
//!
//! None of these is ever called: no type implements the trait, so each stays a generic function
//! that is never instantiated and costs a module nothing.

#[cfg(not(feature = "alloc"))]
use crate::{bridge, cache, io, kv, r2, storage, Header, Response};

mod sealed {
    /// Implemented by nothing: nobody outside the runtime implements the trait either.
    pub trait Sealed {}
}

/// The bound of every API that needs an allocator, in a module built without an allocator
/// feature (`talc`, `dlmalloc`, `bump` or `wee_alloc`): no type implements it, so a call fails
/// to compile with this message. With an allocator feature the same APIs take and give owned
/// types (`Vec<u8>`, `String`) and this trait bounds nothing.
#[diagnostic::on_unimplemented(
    message = "this tinyworker API needs an allocator: enable one of tinyworker's allocator features, e.g. \
               tinyworker = {{ ..., features = [\"talc\"] }} in Cargo.toml",
    label = "needs an allocator (tinyworker's `talc` feature)",
    note = "without an allocator: borrowed bodies (Response::text, json, bytes, number), answers read into \
            a buffer (get, get_text, request.scratch(n)), and tinyworker::json::Writer"
)]
pub trait NeedsAllocatorFeature: sealed::Sealed {}

#[cfg(not(feature = "alloc"))]
impl<'a> Response<'a> {
    /// Needs an allocator feature (then: a body in owned memory, `text/plain`).
    pub fn owned(_status: u16, _body: impl NeedsAllocatorFeature) -> Self {
        unreachable!()
    }
    /// Needs an allocator feature (then: a body in owned memory, `application/json`).
    pub fn owned_json(_status: u16, _body: impl NeedsAllocatorFeature) -> Self {
        unreachable!()
    }
    /// Needs an allocator feature (then: a body in owned memory with a content type).
    pub fn owned_as(
        _status: u16,
        _body: impl NeedsAllocatorFeature,
        _content_type: &'static [Header<'static>],
    ) -> Self {
        unreachable!()
    }
    /// Needs an allocator feature (then: a header whose name or value is owned).
    pub fn header_owned(self, _name: impl NeedsAllocatorFeature, _value: impl NeedsAllocatorFeature) -> Self {
        unreachable!()
    }
}

#[cfg(not(feature = "alloc"))]
impl bridge::Value {
    /// Needs an allocator feature (then: the value's bytes in owned memory).
    pub fn bytes_owned<A: NeedsAllocatorFeature>(&self) -> Result<A, bridge::Error> {
        unreachable!()
    }
    /// Needs an allocator feature (then: the value as an owned string).
    pub fn text_owned<A: NeedsAllocatorFeature>(&self) -> Result<A, bridge::Error> {
        unreachable!()
    }
    /// Needs an allocator feature (then: the value's JSON text, owned).
    pub fn json_owned<A: NeedsAllocatorFeature>(&self) -> Result<A, bridge::Error> {
        unreachable!()
    }
}

#[cfg(not(feature = "alloc"))]
impl cache::Cached {
    /// Needs an allocator feature (then: the cached body in owned memory).
    pub fn body_owned<A: NeedsAllocatorFeature>(&self) -> Result<A, bridge::Error> {
        unreachable!()
    }
}

#[cfg(not(feature = "alloc"))]
impl r2::Object {
    /// Needs an allocator feature (then: the object's body in owned memory).
    pub fn body_owned<A: NeedsAllocatorFeature>(&self) -> Result<A, bridge::Error> {
        unreachable!()
    }
}

/// Needs an allocator feature (then: a subrequest's answer in owned memory of exactly its size).
#[cfg(not(feature = "alloc"))]
pub fn fetch_owned<R: NeedsAllocatorFeature>(_request: R) -> Result<R, io::Error> {
    unreachable!()
}

#[cfg(not(feature = "alloc"))]
impl kv::Namespace<'_> {
    /// Needs an allocator feature (then: the value of `key` in owned memory).
    pub fn get_owned<K: NeedsAllocatorFeature>(&self, _key: K) -> Result<Option<K>, bridge::Error> {
        unreachable!()
    }
}

#[cfg(not(feature = "alloc"))]
impl storage::Storage {
    /// Needs an allocator feature (then: the value of `key` in owned memory).
    pub fn get_owned<K: NeedsAllocatorFeature>(&self, _key: K) -> Result<Option<K>, storage::Error> {
        unreachable!()
    }
    /// Needs an allocator feature (then: the value of `key`, of any kind, in owned memory).
    pub fn get_value_owned<K: NeedsAllocatorFeature>(&self, _key: K) -> Result<Option<K>, storage::Error> {
        unreachable!()
    }
    /// Needs an allocator feature (then: the entries under `prefix` in owned memory).
    pub fn list_owned<P: NeedsAllocatorFeature>(&self, _prefix: P) -> Result<P, storage::Error> {
        unreachable!()
    }
}
