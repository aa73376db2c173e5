//! The smallest tinyworker handler: every request gets 200 `hello`.
//! Without an allocator feature it needs no heap, so no allocator is linked.
#![no_std]

use tinyworker::{Request, Response};

#[cfg(not(any(feature = "talc", feature = "dlmalloc", feature = "bump", feature = "wee_alloc")))]
fn handle<'a>(_request: &Request<'a>) -> Response<'a> {
    Response::text(200, "hello")
}

/// With an allocator: the same answer, from a heap buffer.
#[cfg(any(feature = "talc", feature = "dlmalloc", feature = "bump", feature = "wee_alloc"))]
fn handle<'a>(_request: &Request<'a>) -> Response<'a> {
    extern crate alloc;
    Response::owned(200, alloc::vec::Vec::from(*b"hello"))
}

tinyworker::entry!(handle);
