//! Host tests of the front and the backends, against a model of what must hold.

use super::*;
#[cfg(feature = "oom-hook")]
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

/// A small seeded PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Block {
    ptr: *mut u8,
    layout: Layout,
    fill: u8,
}

fn check_contents(b: &Block) {
    // SAFETY: `b` is a live block of `layout.size()` bytes, filled with `fill`.
    let bytes = unsafe { std::slice::from_raw_parts(b.ptr, b.layout.size()) };
    assert!(bytes.iter().all(|&x| x == b.fill), "block contents changed");
}

/// Random alloc/realloc/dealloc checked against a model: no overlap, alignment honoured,
/// contents preserved across realloc, statistics exact.
fn randomized<B: Backend>(seed: u64, steps: usize) {
    let a: TinyAlloc<B> = TinyAlloc::new(usize::MAX);
    let mut rng = Rng(seed);
    let mut live: Vec<Block> = Vec::new();
    let (mut in_use, mut peak, mut allocations) = (0usize, 0usize, 0usize);
    for step in 0..steps {
        match rng.below(10) {
            0..=4 => {
                let bound = if rng.below(8) == 0 { 20_000 } else { 300 };
                let size = 1 + rng.below(bound) as usize;
                let align = 1 << rng.below(7);
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: non-zero size.
                let ptr = unsafe { a.alloc(layout) };
                assert!(!ptr.is_null(), "step {step}: allocation failed");
                assert_eq!(ptr as usize % align, 0, "alignment");
                let fill = step as u8;
                // SAFETY: fresh block of `size` bytes.
                unsafe { ptr.write_bytes(fill, size) };
                live.push(Block { ptr, layout, fill });
                in_use += size;
                allocations += 1;
            }
            5..=6 if !live.is_empty() => {
                let i = rng.below(live.len() as u64) as usize;
                let old = live.swap_remove(i);
                check_contents(&old);
                let new_size = 1 + rng.below(2_000) as usize;
                // SAFETY: `old` is live with its layout; new_size is non-zero.
                let ptr = unsafe { a.realloc(old.ptr, old.layout, new_size) };
                assert!(!ptr.is_null());
                let layout = Layout::from_size_align(new_size, old.layout.align()).unwrap();
                let kept = old.layout.size().min(new_size);
                // SAFETY: the new block has `new_size` bytes; realloc preserved `kept`.
                let bytes = unsafe { std::slice::from_raw_parts(ptr, kept) };
                assert!(bytes.iter().all(|&x| x == old.fill), "realloc lost contents");
                // SAFETY: as above.
                unsafe { ptr.write_bytes(old.fill, new_size) };
                live.push(Block {
                    ptr,
                    layout,
                    fill: old.fill,
                });
                // GlobalAlloc's realloc allocates the new block before freeing the old one.
                peak = peak.max(in_use + new_size);
                in_use = in_use - old.layout.size() + new_size;
                allocations += 1;
            }
            _ if !live.is_empty() => {
                let i = rng.below(live.len() as u64) as usize;
                let b = live.swap_remove(i);
                check_contents(&b);
                // SAFETY: live block with its layout.
                unsafe { a.dealloc(b.ptr, b.layout) };
                in_use -= b.layout.size();
            }
            _ => {}
        }
        peak = peak.max(in_use);
        let s = a.stats();
        assert_eq!(
            (s.in_use, s.peak, s.allocations, s.failures),
            (in_use, peak, allocations, 0),
            "step {step}"
        );
    }
    // No two live blocks overlap.
    let mut spans: Vec<(usize, usize)> = live
        .iter()
        .map(|b| (b.ptr as usize, b.ptr as usize + b.layout.size()))
        .collect();
    spans.sort();
    assert!(spans.windows(2).all(|w| w[0].1 <= w[1].0), "blocks overlap");
    for b in live {
        check_contents(&b);
        // SAFETY: live block with its layout.
        unsafe { a.dealloc(b.ptr, b.layout) };
    }
    assert_eq!(a.stats().in_use, 0);
}

const STEPS: usize = if cfg!(miri) { 150 } else { 20_000 };

#[test]
fn selected_backend_randomized_against_model() {
    let seeds: &[u64] = if cfg!(miri) { &[1] } else { &[1, 0xDEAD_BEEF, 42] };
    for &seed in seeds {
        randomized::<Selected>(seed, STEPS);
    }
}

/// A block the test hook frees to make room.
#[cfg(feature = "oom-hook")]
static CACHE: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
#[cfg(feature = "oom-hook")]
static CACHE_SIZE: usize = 600;
#[cfg(feature = "oom-hook")]
static HOOK_CALLS: AtomicUsize = AtomicUsize::new(0);
/// The allocator the hooks below act on (each test that uses them has its own static).
#[cfg(feature = "oom-hook")]
static HOOKED: TinyAlloc<Selected> = TinyAlloc::new(1000);

#[cfg(feature = "oom-hook")]
fn free_cache(_: Layout) -> OomAction {
    HOOK_CALLS.fetch_add(1, Ordering::SeqCst);
    match CACHE.swap(std::ptr::null_mut(), Ordering::SeqCst) {
        p if p.is_null() => OomAction::Fail,
        p => {
            // SAFETY: CACHE holds a live block of CACHE_SIZE bytes from HOOKED.
            unsafe { HOOKED.dealloc(p, Layout::from_size_align(CACHE_SIZE, 1).unwrap()) };
            OomAction::Retry
        }
    }
}

#[cfg(feature = "oom-hook")]
#[test]
fn limit_reached_hook_frees_and_retry_succeeds_then_declines() {
    let l = |n| Layout::from_size_align(n, 1).unwrap();
    // SAFETY: non-zero sizes; blocks are freed with their layouts.
    unsafe {
        let cache = HOOKED.alloc(l(CACHE_SIZE));
        assert!(!cache.is_null());
        CACHE.store(cache, Ordering::SeqCst);
        // The previous hook is the default one, which declines.
        assert_eq!(HOOKED.set_oom_hook(free_cache)(l(1)), OomAction::Fail);
        // 600 + 500 > 1000: the hook frees the cache, the retry succeeds.
        let p = HOOKED.alloc(l(500));
        assert!(!p.is_null());
        assert_eq!(HOOK_CALLS.load(Ordering::SeqCst), 1);
        assert!(!HOOKED.take_failure());
        // Nothing left to free: the hook declines, the allocation fails (what a fallible
        // allocation such as `try_reserve` sees), and the failure is flagged once.
        assert!(HOOKED.alloc(l(600)).is_null());
        assert_eq!(HOOK_CALLS.load(Ordering::SeqCst), 2);
        assert!(HOOKED.take_failure());
        assert!(!HOOKED.take_failure());
        let s = HOOKED.stats();
        assert_eq!((s.in_use, s.failures, s.limit), (500, 1, 1000));
        // The program continues: memory within the limit is still there.
        let q = HOOKED.alloc(l(400));
        assert!(!q.is_null());
        HOOKED.dealloc(q, l(400));
        HOOKED.dealloc(p, l(500));
    }
}

#[cfg(feature = "oom-hook")]
static RETRY_FOREVER: TinyAlloc<Selected> = TinyAlloc::new(10);

#[cfg(feature = "oom-hook")]
#[test]
fn a_hook_that_always_retries_is_bounded() {
    fn liar(_: Layout) -> OomAction {
        OomAction::Retry
    }
    RETRY_FOREVER.set_oom_hook(liar);
    // SAFETY: non-zero size.
    assert!(unsafe { RETRY_FOREVER.alloc(Layout::from_size_align(11, 1).unwrap()) }.is_null());
    assert_eq!(RETRY_FOREVER.stats().failures, 1);
}

#[cfg(feature = "oom-hook")]
static REENTRANT: TinyAlloc<Selected> = TinyAlloc::new(10);

#[cfg(feature = "oom-hook")]
#[test]
fn an_allocation_inside_the_hook_fails_instead_of_recursing() {
    static INNER_WAS_NULL: AtomicUsize = AtomicUsize::new(0);
    fn allocating_hook(_: Layout) -> OomAction {
        // SAFETY: non-zero size.
        let p = unsafe { REENTRANT.alloc(Layout::from_size_align(1, 1).unwrap()) };
        INNER_WAS_NULL.store(p.is_null() as usize, Ordering::SeqCst);
        OomAction::Fail
    }
    REENTRANT.set_oom_hook(allocating_hook);
    // SAFETY: non-zero size.
    assert!(unsafe { REENTRANT.alloc(Layout::from_size_align(11, 1).unwrap()) }.is_null());
    assert_eq!(INNER_WAS_NULL.load(Ordering::SeqCst), 1);
}

#[test]
fn heap_limit_is_enforced_and_adjustable() {
    let a: TinyAlloc<Selected> = TinyAlloc::new(4096);
    let l = Layout::from_size_align(4097, 8).unwrap();
    // SAFETY: non-zero size; freed with its layout.
    unsafe {
        assert!(a.alloc(l).is_null());
        assert_eq!(a.set_heap_limit(8192), 4096);
        let p = a.alloc(l);
        assert!(!p.is_null());
        a.dealloc(p, l);
    }
    assert_eq!(a.stats().failures, 1);
}

#[cfg(feature = "bump")]
mod bump_backend {
    use super::*;
    use crate::bump::{Bump, POISON};

    #[test]
    fn reset_reclaims_everything() {
        let a: TinyAlloc<Bump> = TinyAlloc::new(usize::MAX);
        let l = Layout::from_size_align(1000, 8).unwrap();
        // Other tests grow the shared host arena concurrently; a growth between two of our
        // allocations would start a new region (by design), so take room for all 201 blocks
        // in one growth first and pop it, keeping the arena one region for this test.
        let room = Layout::from_size_align(201 * 1000, 8).unwrap();
        // SAFETY: non-zero sizes; the reserve is freed at once with its layout (the last
        // block, so it is popped); blocks are not used after the reset.
        let first = unsafe {
            let reserve = a.alloc(room);
            assert!(!reserve.is_null());
            a.dealloc(reserve, room);
            a.alloc(l)
        };
        assert_eq!(a.stats().peak, 201 * 1000);
        for _ in 0..200 {
            // SAFETY: as above.
            assert!(!unsafe { a.alloc(l) }.is_null());
        }
        assert_eq!(a.stats().in_use, 201 * 1000);
        a.end_of_request();
        assert_eq!(a.stats().in_use, 0);
        // The arena starts over at the same place: the memory was reclaimed, not leaked.
        // SAFETY: non-zero size.
        assert_eq!(unsafe { a.alloc(l) }, first);
        assert_eq!(a.stats().peak, 201 * 1000);
    }

    #[test]
    fn the_last_block_is_popped_on_free() {
        let a: TinyAlloc<Bump> = TinyAlloc::new(usize::MAX);
        let l = Layout::from_size_align(64, 8).unwrap();
        // SAFETY: non-zero sizes; freed with their layouts.
        unsafe {
            let p = a.alloc(l);
            a.dealloc(p, l);
            assert_eq!(a.alloc(l), p);
        }
    }

    #[test]
    fn reclaimed_memory_is_poisoned_in_debug_builds() {
        let a: TinyAlloc<Bump> = TinyAlloc::new(usize::MAX);
        let l = Layout::from_size_align(16, 1).unwrap();
        // SAFETY: non-zero size; the block is read after reset only to observe the poison,
        // which is exactly the misuse the poison exists to expose.
        unsafe {
            let p = a.alloc(l);
            p.write_bytes(1, 16);
            a.end_of_request();
            if cfg!(debug_assertions) {
                assert_eq!(*p, POISON);
            }
        }
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "bump: block outlived its request")]
    fn freeing_a_block_after_reset_is_detected() {
        let a: TinyAlloc<Bump> = TinyAlloc::new(usize::MAX);
        let l = Layout::from_size_align(16, 1).unwrap();
        // SAFETY: non-zero size; the late free is the misuse under test.
        unsafe {
            let p = a.alloc(l);
            a.end_of_request();
            a.dealloc(p, l);
        }
    }
}

#[cfg(feature = "bump")]
#[test]
fn bump_frees_blocks_of_an_abandoned_region_without_a_false_alarm() {
    use crate::bump::Bump;
    let a: TinyAlloc<Bump> = TinyAlloc::new(usize::MAX);
    let small = Layout::from_size_align(16, 8).unwrap();
    // SAFETY: non-zero sizes; each block is freed once with its layout, before any reset.
    unsafe {
        let first = a.alloc(small);
        // Someone else grows memory, so the arena's next pages are not contiguous with it.
        assert!(sys::grow(1).is_some());
        let big = Layout::from_size_align(2 * sys::PAGE, 8).unwrap();
        let second = a.alloc(big);
        assert!(!first.is_null() && !second.is_null());
        a.dealloc(first, small); // a live block of the abandoned region: not a misuse
        a.dealloc(second, big);
    }
    a.end_of_request();
}

/// The statistics record is what js/stats.js reads: its FIELDS, in order, one word each.
#[test]
fn stats_layout_matches_js_stats() {
    let source = include_str!("../../js/stats.js");
    let list = source
        .lines()
        .find_map(|l| l.strip_prefix("export const FIELDS = ["))
        .expect("js/stats.js lacks `export const FIELDS = [...]`");
    let names: Vec<&str> = list
        .trim_end_matches("];")
        .split(',')
        .map(|n| n.trim().trim_matches('"'))
        .collect();
    let word = core::mem::size_of::<usize>();
    let fields = [
        ("inUse", core::mem::offset_of!(Stats, in_use)),
        ("peak", core::mem::offset_of!(Stats, peak)),
        ("allocations", core::mem::offset_of!(Stats, allocations)),
        ("failures", core::mem::offset_of!(Stats, failures)),
        ("limit", core::mem::offset_of!(Stats, limit)),
    ];
    assert_eq!(names.len(), core::mem::size_of::<Stats>() / word, "one name per word");
    for (i, name) in names.iter().enumerate() {
        let offset = fields.iter().find(|(n, _)| n == name).map(|(_, o)| *o);
        assert_eq!(offset, Some(i * word), "js/stats.js FIELDS[{i}] = {name}");
    }
}
