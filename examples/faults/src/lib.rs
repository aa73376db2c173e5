//! A fault injector: one route per fault in DESIGN.md's fault model, each of which must
//! end in a 500 for that request and leave the next request a correct 200.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::alloc::Layout;
use core::hint::black_box;
use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use tinyworker::heap::OomAction;
use tinyworker::{Request, Response};

// "C-unwind": these imports throw JS exceptions, so in the unwind build every Rust frame
// gets a landing pad for them and destructors run as the exception passes. The module
// name is explicit: nightly no longer imports undefined symbols from `env` by itself.
#[link(wasm_import_module = "env")]
extern "C-unwind" {
    /// Supplied by examples/faults/imports.js: throws a JS `Error`.
    fn faults_js_throw();
    /// Supplied by examples/faults/imports.js: calls back into this module.
    fn faults_reenter();
    /// Supplied by examples/faults/imports.js: one unit of the host's work for `/spin`.
    fn faults_work();
}

/// Requests this instance's handler has seen (`/served`): it starts over only when the
/// instance is replaced, so it shows whether a request replaced it.
static SERVED: AtomicU64 = AtomicU64::new(0);

/// Drops of `DropCounter` guards (`/drops`): proof of which faults ran destructors.
static DROPS: AtomicU64 = AtomicU64::new(0);

struct DropCounter;

impl Drop for DropCounter {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

/// Heap limit of this example, so `/oom` fails fast.
const HEAP_LIMIT: usize = 8 << 20;

fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    tinyworker::heap::set_heap_limit(HEAP_LIMIT);
    let served = SERVED.fetch_add(1, Ordering::Relaxed) + 1;
    if !matches!(request.method(), "GET" | "HEAD" | "POST") {
        return Response::text(405, "method not allowed: use GET, HEAD or POST");
    }
    match request.path() {
        "/" => Response::text(200, "ok"),
        "/served" => Response::number(200, served),
        "/drops" => Response::number(200, DROPS.load(Ordering::Relaxed)),
        "/panic" => {
            let _guard = DropCounter;
            panic!("injected panic")
        }
        "/abort" => tinyworker::abort("injected abort"),
        "/oom" => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(Vec::with_capacity(black_box(256 << 10)));
            }
        }
        "/try-reserve" => {
            let mut too_big: Vec<u8> = Vec::new();
            match too_big.try_reserve(HEAP_LIMIT + 1) {
                Ok(()) => Response::text(500, "try_reserve beyond the heap limit succeeded"),
                Err(_) => Response::text(200, "try_reserve failed gracefully: the request goes on"),
            }
        }
        "/echo" => Response::owned(200, request.body().to_vec()),
        "/alloc" => {
            let size = request.query().and_then(parse_size).unwrap_or(1000);
            let mut body = Vec::with_capacity(size);
            body.resize(size, b'x');
            Response::owned(200, body)
        }
        "/oom-hook" => {
            // A cache that fills most of the heap, a hook that drops it, then an allocation
            // that only fits once the hook has run.
            let block = Layout::from_size_align(HEAP_LIMIT / 2, 1).unwrap_or(Layout::new::<u8>());
            // SAFETY: non-zero size; the block is freed by the hook or below.
            CACHE.store(unsafe { alloc::alloc::alloc(block) }, Ordering::Relaxed);
            let previous = tinyworker::heap::set_oom_hook(drop_cache);
            let big: Vec<u8> = Vec::with_capacity(HEAP_LIMIT / 2 + 1);
            tinyworker::heap::set_oom_hook(previous);
            drop_cache(block);
            match big.capacity() > HEAP_LIMIT / 2 {
                true => Response::text(200, "the OOM hook freed the cache and the allocation succeeded"),
                false => Response::text(500, "the allocation did not get its memory"),
            }
        }
        "/trap" => core::arch::wasm32::unreachable(),
        "/overflow" => Response::number(200, recurse(black_box(1))),
        // SAFETY: the import takes no arguments and only throws.
        "/js-throw" => unsafe {
            let _guard = DropCounter;
            faults_js_throw();
            Response::text(200, "the import did not throw")
        },
        // SAFETY: the import takes no arguments; the glue refuses the nested call.
        "/reenter" => unsafe {
            faults_reenter();
            Response::text(200, "the nested call was not refused")
        },
        // Works until the platform says the request is near its CPU limit (workerd writes the
        // signal), then answers early; or, if it never says so, until the platform kills it.
        "/spin" => {
            let mut rounds: u64 = 0;
            while !tinyworker::signal::near_cpu_limit() {
                // SAFETY: the import takes no arguments and returns nothing.
                unsafe { faults_work() };
                rounds += 1;
            }
            Response::number(503, rounds)
        }
        _ => Response::text(404, "not found"),
    }
}

/// The cache `/oom-hook` fills the heap with.
static CACHE: AtomicPtr<u8> = AtomicPtr::new(core::ptr::null_mut());

/// The OOM hook of `/oom-hook`: frees the cache, then asks for a retry.
fn drop_cache(_: Layout) -> OomAction {
    let cache = CACHE.swap(core::ptr::null_mut(), Ordering::Relaxed);
    if cache.is_null() {
        return OomAction::Fail;
    }
    let block = Layout::from_size_align(HEAP_LIMIT / 2, 1).unwrap_or(Layout::new::<u8>());
    // SAFETY: CACHE held the block allocated with this layout in `/oom-hook`, and the swap
    // above took it, so it is freed once. Freeing allocates nothing.
    unsafe { alloc::alloc::dealloc(cache, block) };
    OomAction::Retry
}

/// `n=<decimal>` from a query string, without core::fmt.
fn parse_size(query: &str) -> Option<usize> {
    let digits = query.strip_prefix("n=")?;
    digits.bytes().try_fold(0usize, |n, d| {
        let d = d.checked_sub(b'0').filter(|d| *d < 10)?;
        n.checked_mul(10)?.checked_add(usize::from(d))
    })
}

/// Unbounded recursion with a frame the optimiser cannot remove.
#[inline(never)]
fn recurse(depth: u64) -> u64 {
    let frame = black_box([depth; 16]);
    if black_box(depth) == 0 {
        return 0;
    }
    recurse(depth + 1) + frame[depth as usize % 16]
}

tinyworker::entry!(handle);
