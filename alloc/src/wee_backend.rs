//! The wee_alloc backend: LEGACY COMPARISON ONLY (unmaintained, RUSTSEC-2022-0054, known
//! unbounded leak). It grows memory itself, so it bypasses `sys` (on the host: mmap).

use crate::Backend;
use core::alloc::{GlobalAlloc, Layout};
use wee_alloc::WeeAlloc;

/// wee_alloc with its own memory source.
pub struct WeeBackend(WeeAlloc<'static>);

impl Backend for WeeBackend {
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
