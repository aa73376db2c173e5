//! A fixed mixed allocation workload: `GET /?n=<rounds>` runs it and answers a checksum.
//! Built once per backend (and with a null allocator as the size baseline).
#![no_std]

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::hint::black_box;
use tinyworker::{Request, Response};

/// The baseline: the smallest allocator that really allocates, a never-freeing arena in a
/// static. (A null allocator would be no baseline: the optimiser deletes every path after a
/// failing allocation.)
#[cfg(feature = "baseline")]
mod baseline {
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::UnsafeCell;
    use core::sync::atomic::{AtomicUsize, Ordering};

    const SIZE: usize = 1 << 20;
    struct Arena(UnsafeCell<[u8; SIZE]>, AtomicUsize);

    // SAFETY: blocks are disjoint ranges of the static array handed out by a moving cursor;
    // single-threaded wasm32.
    unsafe impl Sync for Arena {}
    // SAFETY: as above; a block is never handed out twice, so it is never aliased.
    unsafe impl GlobalAlloc for Arena {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let base = self.0.get().cast::<u8>();
            let used = self.1.load(Ordering::Relaxed);
            let start = used + base.wrapping_add(used).align_offset(layout.align());
            match start.checked_add(layout.size()) {
                Some(end) if end <= SIZE => {
                    self.1.store(end, Ordering::Relaxed);
                    base.wrapping_add(start)
                }
                _ => core::ptr::null_mut(),
            }
        }
        unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
    }

    #[global_allocator]
    static ARENA: Arena = Arena(UnsafeCell::new([0; SIZE]), AtomicUsize::new(0));
}

/// One round: small boxes freed out of order, a growing vector, a medium buffer.
fn round(seed: u64) -> u64 {
    let mut boxes: Vec<Box<[u64; 4]>> = Vec::new();
    let mut sum = seed;
    for i in 0..32 {
        boxes.push(Box::new([seed ^ i; 4]));
        if i % 3 == 0 {
            let gone = boxes.swap_remove((seed as usize + i as usize) % boxes.len());
            sum = sum.wrapping_add(gone[0]);
        }
    }
    let mut grow: Vec<u32> = Vec::new();
    for i in 0..512 {
        grow.push(i);
    }
    let buffer: Vec<u8> = alloc::vec![seed as u8; 2048 + (seed as usize % 7) * 512];
    sum.wrapping_add(boxes.len() as u64 + grow[511] as u64 + buffer[100] as u64)
}

fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    let rounds = request.query().and_then(|q| q.strip_prefix("n=")).map_or(1, |n| {
        n.bytes().fold(0u64, |acc, d| {
            acc.wrapping_mul(10).wrapping_add(u64::from(d.wrapping_sub(b'0')))
        })
    });
    let mut sum = 0u64;
    for r in 0..rounds {
        sum = sum.wrapping_add(round(black_box(r)));
    }
    Response::number(200, sum)
}

tinyworker::entry!(handle);
