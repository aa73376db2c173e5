//! The smallest tinyworker handler: every request gets 200 `hello`.
//! It needs no heap, so no allocator is linked.
#![no_std]

use tinyworker::{Request, Response};

fn handle<'a>(_request: &Request<'a>) -> Response<'a> {
    Response::text(200, "hello")
}

tinyworker::entry!(handle);
