//! A counter kept in a static: `/incr` adds one, `/count` reads it, `/panic` panics while
//! holding a guard whose `Drop` counts in `/drops`, `/abort` aborts. It shows what survives a
//! fault: the unwind build keeps the count after a panic; the abort build starts over.
#![no_std]

use core::sync::atomic::{AtomicU64, Ordering};
use tinyworker::{Request, Response};

static COUNT: AtomicU64 = AtomicU64::new(0);
static DROPS: AtomicU64 = AtomicU64::new(0);

/// Counts its own drop: proof that unwinding ran destructors.
struct DropCounter;

impl Drop for DropCounter {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    match request.path() {
        "/incr" => Response::number(200, COUNT.fetch_add(1, Ordering::Relaxed) + 1),
        "/count" => Response::number(200, COUNT.load(Ordering::Relaxed)),
        "/drops" => Response::number(200, DROPS.load(Ordering::Relaxed)),
        "/panic" => {
            let _guard = DropCounter;
            panic!("counter panicked on purpose")
        }
        "/abort" => {
            let _guard = DropCounter; // must NOT be dropped: an abort runs no more Rust
            tinyworker::abort("counter aborted on purpose")
        }
        _ => Response::text(404, "not found: try /incr, /count, /drops, /panic or /abort"),
    }
}

tinyworker::entry!(handle);
