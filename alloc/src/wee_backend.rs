//! The wee_alloc backend: LEGACY COMPARISON ONLY (unmaintained, RUSTSEC-2022-0054, known
//! unbounded leak). It grows memory itself, so it bypasses `sys` (on the host: mmap).

use crate::Backend;
use core::alloc::{GlobalAlloc, Layout};
use wee_alloc::WeeAlloc;

/// wee_alloc with its own memory source.
pub struct WeeBackend(WeeAlloc<'static>);

// SAFETY: wee_alloc implements `GlobalAlloc`, whose contract is the one `Backend` states
// for `alloc` and `dealloc`; it never resets (the default `reset`).
unsafe impl Backend for WeeBackend {
    const NEW: Self = WeeBackend(WeeAlloc::INIT);

    unsafe fn alloc(&mut self, layout: Layout) -> *mut u8 {
        // SAFETY: non-zero size (the front's contract).
        unsafe { self.0.alloc(layout) }
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
        // SAFETY: a live block from `alloc` with its layout.
        unsafe { self.0.dealloc(ptr, layout) }
    }
}

// SAFETY: wee_alloc's free lists point into memory it took from `memory.grow` (or mmap on the
// host), not thread-local resources; the front's `SingleThreaded` lock makes sure only one
// thread at a time uses them (wee_alloc is `Sync` itself, through its own lock).
unsafe impl Send for WeeBackend {}
