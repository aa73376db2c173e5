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

/// The memory the module starts with past its data (from `__heap_base` to the end of its
/// initial pages): room a heap can claim before growing memory. Nothing else of the module
/// uses it (the linker puts the shadow stack and the statics below `__heap_base`).
#[cfg(target_arch = "wasm32")]
#[cfg_attr(not(feature = "talc"), allow(dead_code))] // (talc claims it; the other backends grow)
pub fn slack() -> Option<(*mut u8, usize)> {
    extern "C" {
        /// Where the linker placed the end of the module's statics.
        static __heap_base: u8;
    }
    // (Taking an extern static's address is safe: nothing is read through it.)
    let base = core::ptr::addr_of!(__heap_base) as usize;
    let end = core::arch::wasm32::memory_size(0) * PAGE;
    (end > base).then(|| (base as *mut u8, end - base))
}

/// On the host every page comes from the arena: no slack.
#[cfg(not(target_arch = "wasm32"))]
#[cfg_attr(not(feature = "talc"), allow(dead_code))]
pub fn slack() -> Option<(*mut u8, usize)> {
    None
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
