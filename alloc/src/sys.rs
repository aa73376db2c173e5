//! The allocator's only wasm intrinsic: `memory.grow`. On the host a stand-in hands out
//! pages of a static arena, so the front and backends are unit-tested (and Miri-checked).

/// WebAssembly page size.
pub const PAGE: usize = 64 * 1024;

/// Grows linear memory by `pages`; returns the base address of the new pages.
#[cfg(target_arch = "wasm32")]
pub fn grow(pages: usize) -> Option<*mut u8> {
    match core::arch::wasm32::memory_grow(0, pages) {
        usize::MAX => None,
        previous => Some((previous * PAGE) as *mut u8),
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod host {
    use super::PAGE;
    use core::cell::UnsafeCell;
    use core::sync::atomic::{AtomicUsize, Ordering};

    /// Pages of the host arena (small under Miri, which interprets every byte).
    pub const HOST_PAGES: usize = if cfg!(miri) { 64 } else { 1024 };

    #[repr(C, align(65536))]
    struct Arena(UnsafeCell<[u8; HOST_PAGES * PAGE]>);
    // SAFETY: pages are handed out once each through an atomic cursor, so no two callers
    // ever receive overlapping ranges.
    unsafe impl Sync for Arena {}

    static ARENA: Arena = Arena(UnsafeCell::new([0; HOST_PAGES * PAGE]));
    static USED: AtomicUsize = AtomicUsize::new(0);

    /// Host stand-in for `memory.grow`: fresh pages of a static arena, never reused.
    pub fn grow(pages: usize) -> Option<*mut u8> {
        let start = USED
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(pages).filter(|&end| end <= HOST_PAGES)
            })
            .ok()?;
        // SAFETY: start + pages <= HOST_PAGES, so the offset stays inside ARENA.
        Some(unsafe { ARENA.0.get().cast::<u8>().add(start * PAGE) })
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use host::*;
