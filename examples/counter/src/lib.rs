//! A counter kept in a static: `/incr` adds one and returns the new value, `/count`
//! returns it. A fresh instance starts at 0, so it shows when an instance was replaced.
#![no_std]

use core::sync::atomic::{AtomicU64, Ordering};
use tinyworker::{Request, Response};

static COUNT: AtomicU64 = AtomicU64::new(0);

fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    match request.path() {
        "/incr" => Response::number(200, COUNT.fetch_add(1, Ordering::Relaxed) + 1),
        "/count" => Response::number(200, COUNT.load(Ordering::Relaxed)),
        _ => Response::text(404, "not found: try /incr or /count"),
    }
}

tinyworker::entry!(handle);
