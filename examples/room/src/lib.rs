//! A Durable Object (`Room`): a stored counter, an in-memory counter, and a restore hook,
//! with routes that fault after writing or without writing. What survives what:
//!
//! | route | answer |
//! |---|---|
//! | `GET /incr` | increments the stored counter and the in-memory one; the stored value |
//! | `GET /count` | the stored counter |
//! | `GET /mem` | the in-memory counter (a static: it lives as long as the instance) |
//! | `GET /restored` | how many times the restore hook ran on this object (stored) |
//! | `GET /incr-then-panic`, `-abort`, `-oom` | writes the incremented counter, then that fault |
//! | `GET /panic`, `/abort`, `/oom` | that fault, without writing |
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::hint::black_box;
use core::sync::atomic::{AtomicU64, Ordering};
use tinyworker::storage::{self, Storage};
use tinyworker::{Request, Response};

/// Requests this instance counted with `/incr`: it starts over whenever the instance is new.
static MEM: AtomicU64 = AtomicU64::new(0);

/// Heap limit of this object's instance, so `/oom` fails fast.
const HEAP_LIMIT: usize = 4 << 20;

/// The u64 stored under `key` (0 when absent).
fn stored(storage: &Storage, key: &str) -> Result<u64, storage::Error> {
    storage.get_u64(key).map(|n| n.unwrap_or(0))
}

/// Increments both counters; the stored value.
fn incr(storage: &Storage) -> Result<u64, storage::Error> {
    let count = stored(storage, "count")? + 1;
    storage.put_u64("count", count)?;
    MEM.fetch_add(1, Ordering::Relaxed);
    Ok(count)
}

fn run_out_of_memory() -> ! {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(Vec::with_capacity(black_box(256 << 10)));
    }
}

fn handle<'a>(request: &Request<'a>, storage: &Storage) -> Response<'a> {
    tinyworker::heap::set_heap_limit(HEAP_LIMIT);
    let result = match request.path() {
        "/incr" => incr(storage),
        "/count" => stored(storage, "count"),
        "/mem" => Ok(MEM.load(Ordering::Relaxed)),
        "/restored" => stored(storage, "restored"),
        "/incr-then-panic" => incr(storage).map(|_| panic!("panicked after writing")),
        "/incr-then-abort" => incr(storage).map(|_| tinyworker::abort("aborted after writing")),
        "/incr-then-oom" => incr(storage).map(|_| run_out_of_memory()),
        "/panic" => panic!("panicked on purpose"),
        "/abort" => tinyworker::abort("aborted on purpose"),
        "/oom" => run_out_of_memory(),
        _ => return Response::text(404, "not found\n"),
    };
    match result {
        Ok(n) => Response::number(200, n),
        Err(_) => Response::text(503, "storage failed\n"),
    }
}

/// The restore hook: runs once on every new instance of an object (the first, and every one
/// that replaces an instance a fault poisoned). This one counts how often, in storage.
fn restore(storage: &Storage) {
    if let Ok(n) = stored(storage, "restored") {
        let _ = storage.put_u64("restored", n + 1);
    }
}

tinyworker::durable_object!(handle, restore);
