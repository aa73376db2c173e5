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
//! | `GET /loaded` | the stored counter as this instance's restore hook read it (the README's pattern: load state into a static) |
//! | `GET /value/<key>` | any stored value as `<kind> <hex of its form>` (what JavaScript wrote reads as its kind) |
//! | `GET /u64/<key>` | `get_u64`: the number, 404 when absent, 409 `wrong type <kind>` for a value that is not one |
//! | `GET /restore-fault/<panic\|abort\|oom>` | stores that fault for the restore hook of every later instance (the test entry clears it) |
//! | `GET /incr-then-err` | increments both counters, then answers an `Err` (409, generic body, logged): the write is rolled back, the instance kept |
//! | `GET /err-public` | an `Err` whose message the Worker made public: 422 with it as the body |
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::hint::black_box;
use core::sync::atomic::{AtomicU64, Ordering};
use tinyworker::storage::{self, Kind, Storage};
use tinyworker::{Error, Request, Response};

/// Requests this instance counted with `/incr`: it starts over whenever the instance is new.
static MEM: AtomicU64 = AtomicU64::new(0);

/// The stored counter as this instance's restore hook read it (`u64::MAX`: it could not).
static LOADED: AtomicU64 = AtomicU64::new(u64::MAX);

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

/// The name of a value's kind.
fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Bytes => "bytes",
        Kind::Text => "text",
        Kind::Number => "number",
        Kind::BigInt => "bigint",
        Kind::Boolean => "boolean",
        Kind::Null => "null",
        Kind::Json => "json",
        _ => "other",
    }
}

/// `GET /value/<key>`: `<kind> <hex of the form>`, written into the request's I/O buffer.
fn value<'a>(request: &Request<'a>, storage: &Storage, key: &str) -> Response<'a> {
    let value = match storage.get_value_in(key, request) {
        Ok(Some(value)) => value,
        Ok(None) => return Response::text(404, "absent\n"),
        Err(_) => return Response::text(503, "storage failed\n"),
    };
    let name = kind_name(value.kind()).as_bytes();
    let Some(out) = request.scratch(name.len() + 1 + 2 * value.form().len()) else {
        return Response::text(413, "no room\n");
    };
    let digits = value
        .form()
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
    for (slot, byte) in out.iter_mut().zip(name.iter().copied().chain(*b" ").chain(digits)) {
        *slot = byte;
    }
    Response::bytes(200, out)
}

/// `parts` one after another in the request's I/O buffer (no allocation, no length checks
/// that could panic); `None` when it has no room.
fn written<'a>(request: &Request<'a>, parts: &[&[u8]]) -> Option<&'a [u8]> {
    let out = request.scratch(parts.iter().map(|p| p.len()).sum())?;
    for (slot, byte) in out.iter_mut().zip(parts.iter().flat_map(|p| p.iter())) {
        *slot = *byte;
    }
    Some(out)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `GET /u64/<key>`.
fn read_u64<'a>(request: &Request<'a>, storage: &Storage, key: &str) -> Response<'a> {
    match storage.get_u64(key) {
        Ok(Some(n)) => Response::number(200, n),
        Ok(None) => Response::text(404, "absent\n"),
        Err(storage::Error::WrongType { found }) => {
            let text = [&b"wrong type "[..], kind_name(found).as_bytes()];
            match written(request, &text) {
                Some(out) => Response::bytes(409, out),
                None => Response::text(413, "no room\n"),
            }
        }
        Err(_) => Response::text(503, "storage failed\n"),
    }
}

fn handle<'a>(request: &Request<'a>, storage: &Storage) -> Result<Response<'a>, Error> {
    tinyworker::heap::set_heap_limit(HEAP_LIMIT);
    let path = request.path();
    if let Some(key) = path.strip_prefix("/value/") {
        return Ok(value(request, storage, key));
    }
    if let Some(key) = path.strip_prefix("/u64/") {
        return Ok(read_u64(request, storage, key));
    }
    if let Some(kind) = path.strip_prefix("/restore-fault/") {
        storage.put(RESTORE_FAULT, kind.as_bytes())?;
        return Ok(Response::text(200, "stored\n"));
    }
    let result = match path {
        "/loaded" => match LOADED.load(Ordering::Relaxed) {
            u64::MAX => return Err(Error::new(503, "the restore hook could not read the counter")),
            n => Ok(n),
        },
        "/incr-then-err" => {
            incr(storage)?;
            return Err(Error::new(409, "an error after writing"));
        }
        "/err-public" => return Err(Error::new(422, "told to the client\n").public()),
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
        _ => return Err(Error::not_found("no such route")),
    };
    Ok(Response::number(200, result?))
}

/// The key whose value (`panic`, `abort` or `oom`) makes the restore hook fault that way.
const RESTORE_FAULT: &str = "restore-fault";

/// The restore hook: runs once on every new instance of an object (the first, every one that
/// replaces an instance a fault poisoned, and every one after a restart or an idle eviction).
/// This one loads the stored counter into a static, as a cache would, and counts how often it
/// ran, in storage.
fn restore(storage: &Storage) {
    tinyworker::heap::set_heap_limit(HEAP_LIMIT);
    if let Ok(n) = stored(storage, "count") {
        LOADED.store(n, Ordering::Relaxed);
    }
    let mut fault = [0u8; 8]; // (the restore hook has no request memory; `panic`, `abort`, `oom` fit)
    match storage.get(RESTORE_FAULT, &mut fault) {
        Ok(Some(b"panic")) => panic!("the restore hook panicked on purpose"),
        Ok(Some(b"abort")) => tinyworker::abort("the restore hook aborted on purpose"),
        Ok(Some(b"oom")) => run_out_of_memory(),
        _ => {}
    }
    if let Ok(n) = stored(storage, "restored") {
        let _ = storage.put_u64("restored", n + 1);
    }
}

tinyworker::durable_object!(handle, restore);
